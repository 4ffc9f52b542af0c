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

/// Runs `restore` through the pipeline: survey → plan (verify and stage in one read of the
/// archive, stop, swap, keep the swapped-out tree as the safety copy, start, health; and the
/// swap back should a step after the swap fail).
///
/// The archive is read once, by the stager, except where the plan itself needs the manifest
/// first: `--dry-run` (which lists the changes and writes nothing) and a fresh host (where the
/// plan creates the service account and `shared/`, which a hostile archive must not get to).
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
        let fresh = !setup.fileSystem.exists(DeployLayout(setup.deployment, environment: setup.environment).shared)
        var manifest: BackupManifest?
        if dryRun || fresh {
            // Read-only: a dry run records nothing, not even that the archive verified.
            manifest = try verified(backups.inspect(archive), only: only)
        }
        return try await apply(
            RestoreMutation(
                runner: self, source: .archive(archive), manifest: manifest, only: only, now: Date()),
            dryRun: dryRun, lockWait: lockWait)
    }

    /// `restore --undo`: puts back the newest safety copy's files (the scope that restore
    /// replaced), keeping the tree it replaces as a safety copy in turn — an undo can be undone.
    public func undo(dryRun: Bool, lockWait: Duration = .zero) async throws -> RestoreOutcome {
        guard let copy = try setup.state.existing()?.safetyCopies().first else {
            throw RestoreNothingToUndo()
        }
        return try await apply(
            RestoreMutation(runner: self, source: .safetyCopy(copy.path), manifest: nil, only: copy.scope, now: Date()),
            dryRun: dryRun, lockWait: lockWait)
    }

    private func verified(_ report: VerifyReport, only: [String]) throws -> BackupManifest {
        guard report.ok else {
            let failed = report.files.filter { !$0.ok }.map { "\($0.path): \($0.detail)" }.joined(separator: "; ")
            throw ArchiveRefused(archive: report.archive, entry: nil, reason: "verification failed: \(failed)")
        }
        for path in only
        where !report.manifest.files.contains(where: { RestorePlanner.inScope($0.path, ["shared/\(path)"]) }) {
            throw ArchiveRefused(archive: report.archive, entry: path, reason: "--only path is not in the archive")
        }
        return report.manifest
    }

    private func apply(_ mutation: RestoreMutation, dryRun: Bool, lockWait: Duration) async throws -> RestoreOutcome {
        do {
            let result = try await setup.pipeline(await setup.lookup(nil)).run(
                mutation, dryRun: dryRun, locking: .take(wait: lockWait))
            if result.applied { setup.logger.notice("restore succeeded") }
            let changes =
                result.report?.last(StagedRestore.self)?.changes
                ?? result.plan.changes(of: StageRestore.self).first?
                .changes
            return RestoreOutcome(
                plan: result.plan,
                changes: changes ?? RestoreChanges(added: [], changed: [], removed: [], unchanged: []),
                archive: mutation.source.path, applied: result.applied)
        } catch let failure as ApplyError where failure.compensated {
            throw RestoreRolledBack(underlying: failure)
        }
    }
}

/// `restore --undo` with no safety copy in the catalog (exit 1).
public struct RestoreNothingToUndo: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var description: String {
        "no safety copy to undo: no restore has kept one here (backup.keep_pre_restore = 0, or a fresh host)"
    }
    public var exitStatus: ExitStatus { .failure }
}

/// Restore's part of the pipeline: its survey and planner, the restore handlers, the audit line.
struct RestoreMutation: Mutation {
    var runner: RestoreRunner
    var source: RestoreSource
    var manifest: BackupManifest?
    var only: [String]
    var now: Date

    var command: String {
        switch source {
        case .archive(let archive):
            "restore \(archive)" + (only.isEmpty ? "" : " --only \(only.joined(separator: " "))")
        case .safetyCopy(let copy): "restore --undo \(copy)"
        }
    }

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
        context.logger.info("restore: live scope surveyed (hashed)")
        survey.safetyCopies = try context.state.existing()?.safetyCopies() ?? []
        return RestorePlanner(
            deployment: deployment, layout: layout, manifest: manifest, source: source, only: only, survey: survey,
            now: now, offline: context.offline)
    }

    func plan(in context: MutationContext) async throws -> Plan { try await planner(in: context).plan() }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        RestoreEffectHandlers(
            fileSystem: context.fileSystem, store: try context.state.store(), logger: context.logger
        ).all
            // systemd-sysusers, when a restore onto a fresh host creates the service account.
            + ReleaseEffectHandlers(fileSystem: context.fileSystem, launcher: context.launcher).all
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        guard
            let changes = report.last(StagedRestore.self)?.changes ?? plan.changes(of: StageRestore.self).first?.changes
        else {
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
