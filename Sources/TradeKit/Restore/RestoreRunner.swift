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
public struct RestoreRolledBack: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    /// The failure after the swap (an `ApplyError`: which action, and its own error).
    public var underlying: any Error
    public var description: String { "restore failed and the previous data was swapped back: \(underlying)" }
    public var exitStatus: ExitStatus { .failure }
}

/// Runs `restore` through the pipeline: verify (read-only) → survey → plan (stage, pre-restore
/// backup, stop, swap, start, health; and the swap back should a step after the swap fail).
public struct RestoreRunner: Sendable, RunnerSetupInitializable {
    public var setup: RunnerSetup

    public init(setup: RunnerSetup) { self.setup = setup }

    public func run(
        reference: String, only: [String], dryRun: Bool, lockWait: Duration = .zero
    ) async throws -> RestoreOutcome {
        let backups = BackupRunner(
            deployment: setup.deployment, fileSystem: setup.fileSystem, environment: setup.environment,
            logger: setup.logger, state: setup.state)
        let archive = try backups.resolve(reference)
        // Read-only: a dry run records nothing, not even that the archive verified.
        let report = try backups.inspect(archive)
        guard report.ok else {
            let failed = report.files.filter { !$0.ok }.map { "\($0.path): \($0.detail)" }.joined(separator: "; ")
            throw ArchiveRefused(archive: archive, entry: nil, reason: "verification failed: \(failed)")
        }
        for path in only
        where !report.manifest.files.contains(where: {
            $0.path == "shared/\(path)" || $0.path.hasPrefix("shared/\(path)/")
        }) {
            throw ArchiveRefused(archive: archive, entry: path, reason: "--only path is not in the archive")
        }
        let mutation = RestoreMutation(
            runner: self, archive: archive, manifest: report.manifest, only: only, now: Date())
        do {
            let result = try await setup.pipeline(await setup.lookup(nil)).run(
                mutation, dryRun: dryRun, locking: .take(wait: lockWait))
            if result.applied { setup.logger.notice("restore succeeded") }
            let changes = result.plan.changes(of: StageRestore.self).first?.changes
            return RestoreOutcome(
                plan: result.plan,
                changes: changes ?? RestoreChanges(added: [], changed: [], removed: [], unchanged: []),
                archive: archive, applied: result.applied)
        } catch let failure as ApplyError where failure.compensated {
            throw RestoreRolledBack(underlying: failure)
        }
    }
}

/// Restore's part of the pipeline: its survey and planner, the restore and backup handlers
/// (the pre-restore backup is an archive action), the audit line.
struct RestoreMutation: Mutation {
    var runner: RestoreRunner
    var archive: String
    var manifest: BackupManifest
    var only: [String]
    var now: Date

    var command: String { "restore \(archive)" + (only.isEmpty ? "" : " --only \(only.joined(separator: " "))") }

    func planner(in context: MutationContext) async throws -> RestorePlanner {
        let deployment = runner.setup.deployment
        let layout = context.layout
        let units = deployment.components.filter { $0.kind == .service }.map {
            UnitNames.service(deployment.project.name, $0.name)
        }
        var survey = try await RestoreSurvey.gather(
            shared: layout.shared, scope: only.isEmpty ? deployment.backup.databases + deployment.backup.paths : only,
            root: layout.root, fileSystem: context.fileSystem, services: context.services.manager, units: units)
        survey.accountsExist = context.offline || ServiceAccounts(deployment.project).exist
        var planner = RestorePlanner(
            deployment: deployment, layout: layout, manifest: manifest, archive: archive, only: only, survey: survey,
            now: now, offline: context.offline, preRestoreBackup: nil)
        // Nothing live to keep on a fresh host.
        guard !survey.fresh else { return planner }
        let backupSurvey = try BackupSurvey.gather(
            deployment: deployment, layout: layout, fileSystem: context.fileSystem, store: try context.state.existing())
        planner.preRestoreBackup = RestoreRunner.forensic(
            BackupPlanner(deployment: deployment, request: BackupRequest(), survey: backupSurvey, layout: layout)
                .spec(),
            fileSystem: context.fileSystem)
        return planner
    }

    func plan(in context: MutationContext) async throws -> Plan { try await planner(in: context).plan() }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        RestoreEffectHandlers(fileSystem: context.fileSystem).all
            // systemd-sysusers, when a restore onto a fresh host creates the service account.
            + ReleaseEffectHandlers(fileSystem: context.fileSystem, launcher: context.launcher).all
            + BackupEffectHandlers(fileSystem: context.fileSystem, store: try context.state.store()).all
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        guard let changes = plan.changes(of: StageRestore.self).first?.changes else {
            return "success: nothing restored"
        }
        return
            "success: \(changes.added.count) added, \(changes.changed.count) changed, \(changes.removed.count) removed"
    }

    /// A restore stops the services and swaps their data. Live data is swapped (and services stopped) — except on a fresh host, where nothing runs yet.
    func interruptsTrading(_ plan: Plan, in context: MutationContext) -> Bool {
        context.fileSystem.info(context.layout.shared) != nil
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
