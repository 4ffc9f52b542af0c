import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// What `uninstall` did (or would do, with `--dry-run`).
public struct UninstallOutcome: Sendable {
    public var plan: Plan
    public var applied: Bool
    /// The final backup `--purge` wrote.
    public var finalBackup: String?
}

/// `tradectl uninstall [--purge]`: survey → plan → (dry-run | lock, apply, audit).
///
/// The audit of a purge cannot go to the state database it removes (recording there would
/// create it again): it goes to the journal instead, `TRADECTL_AUDIT=1` with the project,
/// command, user and result (`journalctl TRADECTL_PROJECT=<name> TRADECTL_AUDIT=1`).
public struct UninstallRunner: Sendable, RunnerSetupInitializable {
    public var setup: RunnerSetup
    /// The service manager to use instead of looking for systemd (tests pass a fake).
    public var services: ServiceManager?

    public init(setup: RunnerSetup) { self.setup = setup }

    /// Plans against a given service manager (nil: none reachable). Read-only.
    public func plan(purge: Bool, services: ServiceManager?, now: Date = Date()) async throws -> Plan {
        let layout = setup.layout
        let survey = try await UninstallSurvey.gather(
            deployment: setup.deployment, layout: layout, fileSystem: setup.fileSystem, services: services)
        let planner = UninstallPlanner(
            deployment: setup.deployment, layout: layout, survey: survey, offline: setup.offline)
        return try planner.plan(purge: purge, finalBackup: purge ? try finalBackup(now: now) : [])
    }

    /// The backup plan up to writing and reading back its archive: no retention, no off-site push.
    func finalBackup(now: Date) throws -> [Action] {
        var request = BackupRequest(now: now)
        request.verify = true
        let backup = try BackupRunner(
            deployment: setup.deployment, fileSystem: setup.fileSystem, environment: setup.environment,
            logger: setup.logger, state: setup.state
        ).plan(request)
        guard let written = backup.actions.firstIndex(where: { $0.effect is WriteArchive }) else { return [] }
        var end = written + 1
        if end < backup.actions.count, backup.actions[end].effect is VerifyArchive { end += 1 }
        return Array(backup.actions[..<end]).map { action in
            var action = action
            if action.effect is WriteArchive { action.note = "final backup, kept: " + (action.note ?? "") }
            return action
        }
    }

    public func uninstall(purge: Bool, dryRun: Bool, lockWait: Duration = .zero) async throws -> UninstallOutcome {
        let services = await setup.lookup(self.services)
        // Removing unit files under running services would leave them running unmanaged.
        if !dryRun, let unreachable = services.unreachable {
            throw ServiceManagerUnavailable(detail: unreachable, nothingChanged: true)
        }
        let mutation = UninstallMutation(runner: self, purge: purge, services: services)
        let result = try await setup.pipeline(services).run(mutation, dryRun: dryRun, locking: .take(wait: lockWait))
        let archive = result.report?.last(BackupResult.self)?.entry.path
        if result.applied {
            setup.logger.notice("uninstalled", metadata: ["plan.changes": "\(result.plan.changes.count)"])
        }
        return UninstallOutcome(plan: result.plan, applied: result.applied, finalBackup: archive)
    }
}

/// Uninstall's part of the pipeline: its planner, the backup handlers for `--purge`, and a
/// record in the journal when the state database is purged.
struct UninstallMutation: Mutation {
    var runner: UninstallRunner
    var purge: Bool
    var services: ServiceLookup

    var command: String { purge ? "uninstall --purge" : "uninstall" }

    func plan(in context: MutationContext) async throws -> Plan {
        try await runner.plan(purge: purge, services: services.manager)
    }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        guard purge else { return [] }
        return BackupEffectHandlers(fileSystem: context.fileSystem, store: try context.state.store()).all
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        let changes = plan.changes.count
        let archive = report.last(BackupResult.self).map { "; final backup \($0.entry.path)" } ?? ""
        return "success: \(changes) change\(changes == 1 ? "" : "s")" + archive
    }

    func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws {
        let entry = auditEntry(outcome, plan: plan, started: started, user: context.user)
        let purged = plan.changes(of: RemovePath.self).contains { $0.path == context.layout.stateDir }
        guard purged, case .success = outcome else {
            try context.state.recordAudit(entry)
            return
        }
        JournalWriter.send([
            ("MESSAGE", "tradectl audit: \(entry.command) by \(entry.user): \(entry.result)"), ("PRIORITY", "5"),
            ("TRADECTL_AUDIT", "1"), ("TRADECTL_PROJECT", context.deployment.project.name),
            ("TRADECTL_COMMAND", entry.command), ("TRADECTL_USER", entry.user), ("TRADECTL_RESULT", entry.result),
        ])
    }
}
