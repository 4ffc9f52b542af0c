import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Halt wrote the flag, but systemd could not be reached to stop the trading components (exit 69).
public struct HaltIncomplete: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .unavailable }
    public var file: String
    public var units: [String]
    public var detail: String
    public var description: String {
        "the kill switch is on (\(file)), but systemd is unreachable (\(detail)): "
            + "stop \(units.joined(separator: " ")) by hand, or run `tradectl halt` again once systemd answers"
    }
}

/// What halt or resume did (or would do, with `--dry-run`).
public struct IncidentOutcome: Sendable {
    public var plan: Plan
    public var applied: Bool
    /// The kill switch was engaged before the command.
    public var wasHalted: Bool
}

/// `tradectl halt` and `tradectl resume`: survey → plan → (dry-run | lock, apply, audit).
public struct IncidentRunner: Sendable, RunnerSetupInitializable {
    public var setup: RunnerSetup
    /// The service manager to use instead of looking for systemd (tests pass a fake).
    public var services: ServiceManager?

    public init(setup: RunnerSetup) { self.setup = setup }

    /// Plans halt against a given service manager (nil: none reachable). Read-only.
    public func planHalt(
        reason: String?, services: ServiceManager?, now: Date = Date()
    ) async throws -> (
        Plan, IncidentSurvey
    ) {
        let survey = try await IncidentSurvey.gather(
            deployment: setup.deployment, fileSystem: setup.fileSystem, services: services)
        return (
            IncidentPlanner(deployment: setup.deployment, survey: survey, offline: setup.offline).halt(
                reason: reason, user: setup.user, now: now), survey
        )
    }

    /// Plans resume against a given service manager (nil: none reachable). Read-only.
    public func planResume(
        services: ServiceManager?, healthTimeout: ConfigDuration? = nil
    ) async throws -> (
        Plan, IncidentSurvey
    ) {
        let survey = try await IncidentSurvey.gather(
            deployment: setup.deployment, fileSystem: setup.fileSystem, services: services)
        return (
            IncidentPlanner(deployment: setup.deployment, survey: survey, offline: setup.offline).resume(
                healthTimeout: healthTimeout), survey
        )
    }

    public func halt(reason: String?, dryRun: Bool, lockWait: Duration = .zero) async throws -> IncidentOutcome {
        let services = await setup.lookup(self.services)
        let mutation = IncidentMutation(runner: self, kind: .halt(reason: reason), services: services)
        let result = try await setup.pipeline(services).run(mutation, dryRun: dryRun, locking: .take(wait: lockWait))
        guard result.applied else {
            return IncidentOutcome(plan: result.plan, applied: false, wasHalted: mutation.wasHalted.value)
        }
        setup.logger.notice(
            "halted",
            metadata: [
                "kill_switch.file": "\(setup.deployment.killSwitch.file)",
                "plan.changes": "\(result.plan.changes.count)",
            ])
        if let unreachable = services.unreachable, !setup.deployment.killSwitch.components.isEmpty {
            throw HaltIncomplete(
                file: setup.deployment.killSwitch.file, units: KillSwitch(setup.deployment).units.all,
                detail: unreachable)
        }
        return IncidentOutcome(plan: result.plan, applied: true, wasHalted: mutation.wasHalted.value)
    }

    public func resume(
        dryRun: Bool, lockWait: Duration = .zero, healthTimeout: ConfigDuration? = nil
    ) async throws
        -> IncidentOutcome
    {
        let services = await setup.lookup(self.services)
        // Never remove the flag when nothing could be started again: the machine would say
        // "trading allowed" with the engine still down.
        if !dryRun, let unreachable = services.unreachable, !KillSwitch(setup.deployment).units.startable.isEmpty {
            throw ServiceManagerUnavailable(detail: unreachable, nothingChanged: true)
        }
        let mutation = IncidentMutation(runner: self, kind: .resume(healthTimeout: healthTimeout), services: services)
        let result = try await setup.pipeline(services).run(mutation, dryRun: dryRun, locking: .take(wait: lockWait))
        if result.applied { setup.logger.notice("resumed", metadata: ["plan.changes": "\(result.plan.changes.count)"]) }
        return IncidentOutcome(plan: result.plan, applied: result.applied, wasHalted: mutation.wasHalted.value)
    }
}

/// Halt's and resume's part of the pipeline: the incident planner and the audit line
/// ("incomplete" when systemd was unreachable and nothing could be stopped).
struct IncidentMutation: Mutation {
    enum Kind: Sendable {
        case halt(reason: String?)
        case resume(healthTimeout: ConfigDuration?)
    }

    var runner: IncidentRunner
    var kind: Kind
    var services: ServiceLookup
    /// Whether the kill switch was on when the (last) plan was made.
    let wasHalted = SurveyedFlag()

    var command: String {
        switch kind {
        case .halt(let reason): return reason.map { "halt: \($0)" } ?? "halt"
        case .resume: return "resume"
        }
    }

    func plan(in context: MutationContext) async throws -> Plan {
        switch kind {
        case .halt(let reason):
            let (plan, survey) = try await runner.planHalt(reason: reason, services: services.manager)
            wasHalted.set(survey.halted)
            return plan
        case .resume(let healthTimeout):
            let (plan, survey) = try await runner.planResume(services: services.manager, healthTimeout: healthTimeout)
            wasHalted.set(survey.halted)
            return plan
        }
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        let changes = plan.changes.count
        var outcome = "success"
        var extra: String?
        switch kind {
        case .halt:
            if services.unreachable != nil && !runner.setup.deployment.killSwitch.components.isEmpty {
                outcome = "incomplete"
                extra = "systemd unreachable: nothing stopped"
            } else if wasHalted.value {
                extra = "already halted"
            }
        case .resume:
            if !wasHalted.value { extra = "was not halted" }
        }
        return "\(outcome): \(changes) change\(changes == 1 ? "" : "s")" + (extra.map { " (\($0))" } ?? "")
    }
}

/// A fact the survey found, kept for the audit line and the outcome.
final class SurveyedFlag: Sendable {
    private let stored = Mutex(false)
    var value: Bool { stored.withLock { $0 } }
    func set(_ value: Bool) { stored.withLock { $0 = value } }
}
