import Foundation
import Logging

/// What `tradectl run` did (or would do, with `--dry-run`).
public struct ComponentRunOutcome: Sendable {
    public var plan: Plan
    /// How the run ended; nil for a dry run.
    public var result: OneshotResult?
}

/// `tradectl run COMPONENT`: survey → plan → (dry-run | lock, start, wait, audit), optionally
/// streaming the unit's journal while it runs.
public struct ComponentRunner: Sendable, RunnerSetupInitializable {
    public var setup: RunnerSetup
    /// The service manager to use instead of looking for systemd (tests pass a fake).
    public var services: ServiceManager?

    public init(setup: RunnerSetup) { self.setup = setup }

    /// Plans against a given service manager (nil: none reachable). Read-only.
    public func plan(component: String, force: Bool, services: ServiceManager?) async throws -> Plan {
        let oneshot = try ComponentRunPlanner.oneshot(component, in: setup.deployment)
        let survey = try await RunSurvey.gather(
            deployment: setup.deployment, unit: UnitNames.service(setup.deployment.project.name, oneshot.name),
            fileSystem: setup.fileSystem, services: services)
        return try ComponentRunPlanner(deployment: setup.deployment, survey: survey, offline: setup.offline)
            .plan(component: component, force: force)
    }

    /// Runs the component under the project lock. With `follow`, the unit's journal entries of
    /// this run are printed (in that format) while it runs, and those journald still writes
    /// after it ended. Throws `ComponentRunFailed` (exit 1) when the run did not succeed.
    public func run(
        component: String, force: Bool, dryRun: Bool, lockWait: Duration = .zero, follow: LogFormat? = nil,
        onPlan: (Plan) -> Void = { _ in }
    ) async throws -> ComponentRunOutcome {
        let services = await setup.lookup(self.services)
        if !dryRun, let unreachable = services.unreachable {
            throw ServiceManagerUnavailable(detail: unreachable, nothingChanged: true)
        }
        if !dryRun, setup.offline { _ = try services.required() }
        let mutation = RunMutation(runner: self, component: component, force: force, services: services)
        let follower = dryRun ? nil : follow.map { startFollowing(component: component, format: $0) }
        let result: MutationResult
        do {
            result = try await setup.pipeline(services).run(
                mutation, dryRun: dryRun, locking: .take(wait: lockWait), onPlan: onPlan)
        } catch {
            let failed = (error as? ApplyError)?.underlying as? ComponentRunFailed
            try? await follower?.finish(mainPID: failed?.outcome.mainPID)
            throw error
        }
        let outcome = result.report?.last(OneshotResult.self)
        try await follower?.finish(mainPID: outcome?.mainPID)
        return ComponentRunOutcome(plan: result.plan, result: outcome)
    }

    /// Starts reading the unit's journal from now on, on the journal's own thread.
    private func startFollowing(component: String, format: LogFormat) -> JournalFollow {
        let unit = UnitNames.service(setup.deployment.project.name, component)
        let since = LogTime.microseconds(Date())
        let query = LogQuery(
            units: [unit], since: since, follow: true, formats: LogUnits.formats(for: setup.deployment))
        let stop = StopFlag()
        let scope = setup.deployment.project.scope
        let task = Task {
            try await LogSession.run(query, source: .local, scope: scope, format: format, stop: stop)
        }
        return JournalFollow(stop: stop, task: task, unit: unit, since: since, scope: scope, format: format)
    }

    /// A running journal follower: `finish` stops it once journald has written the run's last
    /// lines, then prints those journald stored without the unit's name.
    struct JournalFollow: Sendable {
        var stop: StopFlag
        var task: Task<Int, Error>
        var unit: String
        var since: UInt64
        var scope: Scope
        var format: LogFormat

        func finish(mainPID: Int32?) async throws {
            // What the unit wrote is stored once journald has synced; without that (not root),
            // the follower keeps reading for a settling second after the stop.
            let synced = await JournalSync.request()
            stop.stop(settle: !synced)
            _ = try await task.value
            guard let mainPID else { return }
            _ = try await UnattributedLines.print(
                pid: mainPID, unit: unit, since: since, source: .local, scope: scope, format: format)
        }
    }
}

/// Run's part of the pipeline: its planner, the oneshot handler, and an audit command that says
/// when the kill switch was overridden.
struct RunMutation: Mutation {
    var runner: ComponentRunner
    var component: String
    var force: Bool
    var services: ServiceLookup

    var command: String { "run \(component)" + (force ? " --force" : "") }

    func plan(in context: MutationContext) async throws -> Plan {
        try await runner.plan(component: component, force: force, services: services.manager)
    }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        [OneshotRunHandler(services: try context.services.required())]
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        guard let result = report.last(OneshotResult.self) else { return "success: nothing run" }
        return "success: \(result.statusText)"
    }
}
