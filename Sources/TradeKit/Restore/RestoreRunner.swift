import Foundation
import Logging

/// What a restore did (or would do, for `--dry-run`).
public struct RestoreOutcome: Sendable {
    public var plan: Plan
    public var changes: RestoreChanges
    public var archive: String
    public var applied: Bool
}

/// The restore failed after the swap and the previous data was put back (exit 1).
public struct RestoreRolledBack: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "restore failed and the previous data was swapped back: \(reason)" }
}

/// Runs `restore`: verify → plan → (dry-run | lock, stage, pre-restore backup, stop, swap, start, health).
public struct RestoreRunner: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    public var offline: Bool
    public var logger: Logger

    public init(deployment: Deployment, fileSystem: FileSystem, environment: [String: String], offline: Bool, logger: Logger) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.offline = offline
        self.logger = logger
    }

    var layout: DeployLayout { DeployLayout(deployment, environment: environment) }

    public func run(reference: String, only: [String], dryRun: Bool, lockWait: Duration = .zero) async throws -> RestoreOutcome {
        let backups = BackupRunner(deployment: deployment, fileSystem: fileSystem, environment: environment, logger: logger)
        let archive = try backups.resolve(reference)
        let report = try backups.verify(archive)
        guard report.ok else {
            let failed = report.files.filter { !$0.ok }.map { "\($0.path): \($0.detail)" }.joined(separator: "; ")
            throw ArchiveRefused(archive: archive, entry: nil, reason: "verification failed: \(failed)")
        }
        for path in only where !report.manifest.files.contains(where: { $0.path == "shared/\(path)" || $0.path.hasPrefix("shared/\(path)/") }) {
            throw ArchiveRefused(archive: archive, entry: path, reason: "--only path is not in the archive")
        }
        let services = try await serviceManager()
        let lock = dryRun ? nil : try ProjectLock(path: fileSystem.hostPath(layout.lockFile), command: "restore", wait: lockWait)
        defer { withExtendedLifetime(lock) {} }
        let units = deployment.components.filter { $0.kind == .service }.map { UnitNames.service(deployment.project.name, $0.name) }
        let planner = RestorePlanner(
            deployment: deployment, layout: layout, manifest: report.manifest, archive: archive, only: only,
            survey: try await RestoreSurvey.gather(
                shared: layout.shared, scope: only.isEmpty ? deployment.backup.databases + deployment.backup.paths : only,
                root: layout.root, fileSystem: fileSystem, services: services, units: units),
            now: Date(), offline: offline, preRestoreBackup: nil)
        var withBackup = planner
        let backupSurvey = try BackupSurvey.gather(deployment: deployment, layout: layout, fileSystem: fileSystem)
        withBackup.preRestoreBackup = BackupPlanner(
            deployment: deployment, request: BackupRequest(), survey: backupSurvey, layout: layout
        ).spec()
        withBackup.preRestoreBackup = withBackup.preRestoreBackup.map { Self.forensic($0, fileSystem: fileSystem) }
        let plan = withBackup.plan()
        guard !dryRun else { return RestoreOutcome(plan: plan, changes: planner.changes(), archive: archive, applied: false) }
        let started = Date()
        let command = "restore \(archive)" + (only.isEmpty ? "" : " --only \(only.joined(separator: " "))")
        do {
            try await apply(plan, services: services, staging: planner.staging)
        } catch {
            let outcome = error is RestoreRolledBack ? "rolled back" : "failed"
            try? StateStore.recordAudit(
                AuditEntry(command: command, result: "\(outcome): \(error)", at: started), layout: layout, fileSystem: fileSystem)
            throw error
        }
        let changes = planner.changes()
        try StateStore.recordAudit(
            AuditEntry(
                command: command,
                result: "success: \(changes.added.count) added, \(changes.changed.count) changed, \(changes.removed.count) removed",
                at: started),
            layout: layout, fileSystem: fileSystem)
        return RestoreOutcome(plan: plan, changes: planner.changes(), archive: archive, applied: true)
    }

    private func apply(_ plan: Plan, services: ServiceManager?, staging: String) async throws {
        var executor = Executor(
            fileSystem: fileSystem, services: services, launcher: SubprocessLauncher(),
            gate: services.map {
                HealthGate(
                    services: $0, probes: LiveProbeChecker(fileSystem: fileSystem),
                    journalLines: { unit in (try? JournalReader().lastMessages(unit: unit, count: 15)) ?? [] })
            }, logger: logger)
        executor.store = try StateStore(path: fileSystem.hostPath(layout.stateDatabase))
        let swapIndex = plan.actions.firstIndex { $0.operation.typeName == "exchange" } ?? plan.actions.count
        let before = Plan(command: plan.command, actions: Array(plan.actions[..<min(swapIndex + 1, plan.actions.count)]))
        let after = Plan(command: plan.command, actions: Array(plan.actions[min(swapIndex + 1, plan.actions.count)...]))
        // Up to and including the swap: a failure leaves the live data untouched.
        try await executor.apply(before)
        do {
            try await executor.apply(after)
            logger.notice("restore succeeded")
        } catch {
            logger.error("restore failed after the swap; swapping back", metadata: ["error": "\(error)"])
            var rollback = Plan(command: "restore rollback")
            rollback.add(.exchange(first: "\(staging)/shared", second: layout.shared), .update)
            let units = deployment.components.filter { $0.kind == .service }.map {
                UnitNames.service(deployment.project.name, $0.name)
            }
            if services != nil, !units.isEmpty { rollback.add(.systemctl(verb: "restart", units: units), .run) }
            try await executor.apply(rollback)
            throw RestoreRolledBack(reason: "\(error)")
        }
    }

    private func serviceManager() async throws -> ServiceManager? {
        if offline { return nil }
        let systemctl = Systemctl(scope: deployment.project.scope)
        do {
            _ = try await systemctl.status(of: ["default.target"])
            return systemctl
        } catch is ServiceManagerUnavailable {
            return nil
        }
    }
}

extension RestoreRunner {
    /// The pre-restore backup keeps the live state for a post-mortem, and a restore is most
    /// often run because that state is damaged: a database that is missing is left out, and
    /// one that fails `quick_check` is archived as its raw files (with `-wal`) instead of a
    /// snapshot — which would refuse it and block the very restore that repairs it.
    static func forensic(_ spec: BackupSpec, fileSystem: FileSystem) -> BackupSpec {
        var spec = spec
        var intact: [BackupSpec.Item] = []
        for database in spec.databases {
            let host = fileSystem.hostPath(database.source)
            guard FileManager.default.fileExists(atPath: host) else { continue }
            if SQLiteSnapshot.isIntact(host) {
                intact.append(database)
                continue
            }
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: host + suffix) {
                spec.paths.append(.init(source: database.source + suffix, archivePath: database.archivePath + suffix))
            }
        }
        spec.databases = intact
        return spec
    }
}
