import Foundation
import Logging

/// Runs `backup`, `backup verify` and `backup prune` for one deployment.
public struct BackupRunner: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    public var logger: Logger

    public init(deployment: Deployment, fileSystem: FileSystem, environment: [String: String], logger: Logger) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.logger = logger
    }

    var layout: DeployLayout { DeployLayout(deployment, environment: environment) }

    public func plan(_ request: BackupRequest) throws -> Plan {
        let survey = try BackupSurvey.gather(deployment: deployment, layout: layout, fileSystem: fileSystem)
        return BackupPlanner(deployment: deployment, request: request, survey: survey, layout: layout).plan()
    }

    /// Plans and applies a backup under the project lock; returns the plan and the archive written.
    public func backup(_ request: BackupRequest, progress: BackupProgress?, lockWait: Duration = .zero) async throws
        -> (Plan, BackupResult?)
    {
        let lock = try ProjectLock(path: fileSystem.hostPath(layout.lockFile), command: "backup", wait: lockWait)
        defer { withExtendedLifetime(lock) {} }
        let plan = try plan(request)
        let box = ArchiveResultBox()
        var executor = try makeExecutor()
        executor.progress = progress
        executor.onArchive = { box.set($0) }
        let started = Date()
        do {
            try await executor.apply(plan)
        } catch {
            logger.error("backup failed", metadata: ["error": "\(error)"])
            try? executor.store?.recordAudit(AuditEntry(command: "backup", result: "failed: \(error)", at: started))
            throw error
        }
        var result = box.get()
        if request.verify, let written = result {
            // The scheduled backup checks its own archive, so the `backup` health check can be
            // green without anyone running `backup verify` by hand.
            do {
                result?.verification = try verify(written.entry.path)
            } catch {
                logger.error("backup verification failed", metadata: ["backup.archive": "\(written.entry.path)", "error": "\(error)"])
                try? executor.store?.recordAudit(
                    AuditEntry(command: "backup", result: "failed: \(written.entry.path) written, verification: \(error)", at: started))
                throw error
            }
        }
        let written = result.map {
            "\($0.entry.path) (\(BackupOutput.size($0.entry.size)))" + ($0.verification == nil ? "" : $0.verified ? ", verified" : ", FAILED verification")
        } ?? "no archive"
        let pruned = plan.changes.filter { $0.operation.typeName == "remove" }.count
        let failed = result?.verification.map { !$0.ok } ?? false
        try executor.store?.recordAudit(
            AuditEntry(
                command: "backup", result: (failed ? "failed: " : "success: ") + written + (pruned > 0 ? "; \(pruned) pruned" : ""),
                at: started))
        if let result {
            if failed {
                logger.error("backup written but failed verification", metadata: ["backup.archive": "\(result.entry.path)"])
            } else {
                // Info, not notice: a scheduled backup is the steady state, not news.
                logger.info(
                    "backup written",
                    metadata: [
                        "backup.archive": "\(result.entry.path)", "backup.bytes": "\(result.entry.size)",
                        "backup.duration_ms": "\(result.entry.durationMilliseconds)", "backup.verified": "\(result.verified)",
                    ])
            }
        }
        return (plan, result)
    }

    /// Retention alone (`backup prune`).
    public func prunePlan() throws -> Plan {
        let survey = try BackupSurvey.gather(deployment: deployment, layout: layout, fileSystem: fileSystem)
        let planner = BackupPlanner(deployment: deployment, request: BackupRequest(), survey: survey, layout: layout)
        var plan = Plan(command: "backup prune")
        planner.planRetention(&plan, existing: survey.catalog.filter { survey.archivesOnDisk.contains($0.path) }, new: nil)
        return plan
    }

    public func prune(_ plan: Plan, lockWait: Duration = .zero) async throws {
        let lock = try ProjectLock(path: fileSystem.hostPath(layout.lockFile), command: "backup prune", wait: lockWait)
        defer { withExtendedLifetime(lock) {} }
        let executor = try makeExecutor()
        let started = Date()
        do {
            try await executor.apply(plan)
        } catch {
            try? executor.store?.recordAudit(AuditEntry(command: "backup prune", result: "failed: \(error)", at: started))
            throw error
        }
        try executor.store?.recordAudit(
            AuditEntry(command: "backup prune", result: "success: \(plan.changes.count) change\(plan.changes.count == 1 ? "" : "s")", at: started))
    }

    public func catalog() throws -> [CatalogEntry] {
        guard fileSystem.info(layout.stateDatabase) != nil else { return [] }
        return try StateStore(path: fileSystem.hostPath(layout.stateDatabase)).backups()
    }

    /// `latest` (the newest complete catalog entry), a path on this host, or a name in the
    /// backup directory → the archive's path on this host.
    public func resolve(_ reference: String) throws -> String {
        if reference == "latest" {
            guard let newest = try catalog().first(where: { $0.status == "complete" }) else {
                throw ArchiveRefused(archive: "latest", entry: nil, reason: "the catalog has no complete backup yet")
            }
            return fileSystem.hostPath(newest.path)
        }
        if reference.hasPrefix("/") {
            return FileManager.default.fileExists(atPath: reference) ? reference : fileSystem.hostPath(reference)
        }
        if reference.contains("/"), FileManager.default.fileExists(atPath: reference) {
            return URL(fileURLWithPath: reference).standardized.path
        }
        return fileSystem.hostPath("\(deployment.backup.dir)/\(reference)")
    }

    /// Deep verification; records verified-at in the catalog when everything matched.
    public func verify(_ reference: String) throws -> VerifyReport {
        let path = try resolve(reference)
        let report = try ArchiveVerifier(limits: ArchiveLimits(deployment.backup), project: deployment.project.name)
            .verify(path)
        if report.ok, let entry = try catalog().first(where: { fileSystem.hostPath($0.path) == path }) {
            try StateStore(path: fileSystem.hostPath(layout.stateDatabase)).markVerified(path: entry.path, at: Date())
        }
        return report
    }

    private func makeExecutor() throws -> Executor {
        if fileSystem.info(layout.stateDir) == nil { try fileSystem.makeDirectory(layout.stateDir, mode: 0o700, owner: nil) }
        var executor = Executor(
            fileSystem: fileSystem, services: nil, launcher: SubprocessLauncher(), gate: nil, logger: logger)
        executor.store = try StateStore(path: fileSystem.hostPath(layout.stateDatabase))
        return executor
    }
}

/// Carries the archive result out of the Executor's callback.
final class ArchiveResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: BackupResult?
    func set(_ result: BackupResult) { lock.withLock { value = result } }
    func get() -> BackupResult? { lock.withLock { value } }
}
