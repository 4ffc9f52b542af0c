import Foundation
import Logging

/// Runs `backup`, `backup verify` and `backup prune` for one deployment, through the
/// `MutationPipeline`; `plan`, `catalog` and `resolve` only read.
public struct BackupRunner: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    public var logger: Logger
    /// The invocation's one state database.
    public var state: StateDatabase

    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String], logger: Logger,
        state: StateDatabase? = nil
    ) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.logger = logger
        self.state =
            state ?? StateDatabase(layout: DeployLayout(deployment, environment: environment), fileSystem: fileSystem)
    }

    var layout: DeployLayout { DeployLayout(deployment, environment: environment) }

    /// Backups never talk to systemd: the context has no service manager.
    var pipeline: MutationPipeline {
        MutationPipeline(
            context: MutationContext(
                deployment: deployment, layout: layout, fileSystem: fileSystem, launcher: SubprocessLauncher(),
                logger: logger, user: ProcessInfo.processInfo.userName, offline: true, services: .offline,
                state: state))
    }

    public func plan(_ request: BackupRequest) throws -> Plan {
        let survey = try BackupSurvey.gather(
            deployment: deployment, layout: layout, fileSystem: fileSystem, store: try state.existing())
        return BackupPlanner(deployment: deployment, request: request, survey: survey, layout: layout).plan()
    }

    /// Plans and applies a backup under the project lock; returns the plan and the archive written.
    public func backup(
        _ request: BackupRequest, progress: BackupProgress?, lockWait: Duration = .zero
    ) async throws
        -> (Plan, BackupResult?, [OffsiteResult])
    {
        let mutation = BackupMutation(runner: self, request: request, progress: progress)
        let result = try await pipeline.run(mutation, dryRun: false, locking: .take(wait: lockWait))
        let offsite = result.report?.all(OffsiteResult.self) ?? []
        guard let report = result.report, let written = BackupMutation.written(report) else {
            return (result.plan, nil, offsite)
        }
        if let verification = written.verification, !verification.ok {
            logger.error(
                "backup written but failed verification", metadata: ["backup.archive": "\(written.entry.path)"])
        } else {
            // Info, not notice: a scheduled backup is the steady state, not news.
            logger.info(
                "backup written",
                metadata: [
                    "backup.archive": "\(written.entry.path)", "backup.bytes": "\(written.entry.size)",
                    "backup.duration_ms": "\(written.entry.durationMilliseconds)",
                    "backup.verified": "\(written.verified)",
                ])
        }
        return (result.plan, written, offsite)
    }

    /// Retention alone (`backup prune`).
    public func prunePlan() throws -> Plan {
        let survey = try BackupSurvey.gather(
            deployment: deployment, layout: layout, fileSystem: fileSystem, store: try state.existing())
        let planner = BackupPlanner(deployment: deployment, request: BackupRequest(), survey: survey, layout: layout)
        var plan = Plan(command: "backup prune")
        planner.planRetention(
            &plan, existing: survey.catalog.filter { survey.archivesOnDisk.contains($0.path) }, new: nil)
        return plan
    }

    public func prune(dryRun: Bool, lockWait: Duration = .zero) async throws -> Plan {
        try await pipeline.run(PruneMutation(runner: self), dryRun: dryRun, locking: .take(wait: lockWait)).plan
    }

    public func catalog() throws -> [CatalogEntry] {
        try state.existing()?.backups() ?? []
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

    /// The verification of an archive, as an action: records verified-at in the catalog
    /// when everything matched and the archive has a catalog row.
    func verifyAction(_ reference: String) throws -> VerifyArchive {
        let path = try resolve(reference)
        let entry = try catalog().first { fileSystem.hostPath($0.path) == path }
        return VerifyArchive(
            catalogPath: entry?.path, hostPath: path, limits: ArchiveLimits(deployment.backup),
            project: deployment.project.name)
    }

    /// Deep verification without recording anything (restore, which must not write under --dry-run).
    public func inspect(_ reference: String) throws -> VerifyReport {
        try ArchiveVerifier(limits: ArchiveLimits(deployment.backup), project: deployment.project.name)
            .verify(try resolve(reference))
    }

    /// `backup verify`: deep verification under the lock; records verified-at when everything matched.
    public func verify(_ reference: String, lockWait: Duration = .seconds(60)) async throws -> VerifyReport {
        let mutation = VerifyMutation(action: try verifyAction(reference))
        let result = try await pipeline.run(mutation, dryRun: false, locking: .take(wait: lockWait))
        guard let report = result.report?.last(VerifyReport.self) else {
            throw ArchiveRefused(archive: reference, entry: nil, reason: "verification produced no report")
        }
        return report
    }
}

/// `backup`'s part of the pipeline: its planner, the backup handlers, its audit line.
struct BackupMutation: Mutation {
    var runner: BackupRunner
    var request: BackupRequest
    var progress: BackupProgress?

    var command: String { "backup" }

    func plan(in context: MutationContext) async throws -> Plan { try runner.plan(request) }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        BackupEffectHandlers(fileSystem: context.fileSystem, store: try context.state.store(), progress: progress).all
            + (try runner.offsiteHandlers(in: context))
    }

    /// The archive written, with its read-back when the plan verified it.
    static func written(_ report: ApplyReport) -> BackupResult? {
        guard var result = report.last(BackupResult.self) else { return nil }
        result.verification = report.last(VerifyReport.self)
        return result
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        let result = Self.written(report)
        let written =
            result.map {
                "\($0.entry.path) (\(BackupOutput.size($0.entry.size)))"
                    + ($0.verification == nil ? "" : $0.verified ? ", verified" : ", FAILED verification")
            } ?? "no archive"
        let pruned = plan.changes(of: RemovePath.self).count
        let failed = result?.verification.map { !$0.ok } ?? false
        return (failed ? "failed: " : "success: ") + written + (pruned > 0 ? "; \(pruned) pruned" : "")
            + OffsiteResult.summary(report.all(OffsiteResult.self))
    }
}

/// `backup prune`: retention alone.
struct PruneMutation: Mutation {
    var runner: BackupRunner

    var command: String { "backup prune" }

    func plan(in context: MutationContext) async throws -> Plan { try runner.prunePlan() }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        BackupEffectHandlers(fileSystem: context.fileSystem, store: try context.state.store()).all
            + (try runner.offsiteHandlers(in: context))
    }
}

/// `backup verify`: one verification, recorded in the catalog (when there is one) and the audit log.
struct VerifyMutation: Mutation {
    var action: VerifyArchive

    var command: String { "backup verify \(action.target)" }

    func plan(in context: MutationContext) async throws -> Plan {
        var plan = Plan(command: "backup verify")
        plan.add(action, .run)
        return plan
    }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        [ArchiveVerifyHandler(fileSystem: context.fileSystem, store: try context.state.writableIfExisting())]
    }

    /// Audited only where a state database exists: checking an archive on a fresh host creates none.
    func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws {
        guard try context.state.existing() != nil else { return }
        try context.state.recordAudit(auditEntry(outcome, plan: plan, started: started, user: context.user))
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        guard let verification = report.last(VerifyReport.self) else { return "failed: no report" }
        return verification.ok
            ? "success: \(verification.files.count) entries match"
            : "failed: \(verification.files.filter { !$0.ok }.count) entries differ"
    }
}
