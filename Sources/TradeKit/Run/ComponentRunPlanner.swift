import Foundation

/// `tradectl run` was asked for something it does not run (exit 64): an unknown component, or a
/// long-running service.
public struct RunUsageError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .usage }
    public var description: String
}

/// `tradectl run` refused to start the component (exit 1): the kill switch holds it, or it is not
/// installed.
public struct RunRefused: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .failure }
    public var description: String
}

/// What `run` needs to know before planning: the kill switch and the component's service.
public struct RunSurvey: Sendable {
    /// The kill switch's flag, nil when trading may run.
    public var halted: KillSwitchFlag?
    /// The service's status; nil when no service manager was asked (offline or unreachable).
    public var status: UnitStatus?

    public init(halted: KillSwitchFlag?, status: UnitStatus?) {
        self.halted = halted
        self.status = status
    }

    /// Reads the machine; only reads.
    public static func gather(
        deployment: Deployment, unit: String, fileSystem: FileSystem, services: ServiceManager?
    ) async throws -> RunSurvey {
        let status = try await services?.status(of: [unit])[unit]
        return RunSurvey(halted: KillSwitch(deployment).state(fileSystem), status: status)
    }
}

/// Plans `tradectl run COMPONENT`: a pure function of config, request and survey.
///
/// A oneshot is run through its own service unit, exactly as its timer would run it (same
/// sandbox, user, environment file, journal identity), never as a child of tradectl.
public struct ComponentRunPlanner: Sendable {
    public var deployment: Deployment
    public var survey: RunSurvey
    /// `--root`: no service manager; the plan only says what would run on the target.
    public var offline: Bool

    public init(deployment: Deployment, survey: RunSurvey, offline: Bool) {
        self.deployment = deployment
        self.survey = survey
        self.offline = offline
    }

    /// The oneshot component `name`, or why `run` does not take it.
    public static func oneshot(_ name: String, in deployment: Deployment) throws(RunUsageError) -> Component {
        guard let component = deployment.component(named: name) else {
            let oneshots = deployment.components.filter { $0.kind == .oneshot }.map(\.name)
            throw RunUsageError(
                description: "unknown component \"\(name)\"; oneshot components: "
                    + (oneshots.isEmpty ? "none" : oneshots.joined(separator: ", ")))
        }
        guard component.kind == .oneshot else {
            throw RunUsageError(
                description: "\(name) is a long-running service: `tradectl run` runs oneshot components; "
                    + "services are started by deploy and resume (or `systemctl restart`)")
        }
        return component
    }

    /// Refuses a trading component while the kill switch is on, unless `force`.
    public func plan(component name: String, force: Bool) throws -> Plan {
        let component = try Self.oneshot(name, in: deployment)
        let unit = UnitNames.service(deployment.project.name, component.name)
        var plan = Plan(command: "run")
        let held = deployment.killSwitch.components.contains(component.name)
        var note = "starts \(unit) now and waits until it ends"
        if held, let flag = survey.halted {
            let why = flag.reason.isEmpty ? "" : " (\(flag.reason))"
            guard force else {
                throw RunRefused(
                    description: "the kill switch is on\(why): \(component.name) is a trading component and is not "
                        + "run while halted; `tradectl resume` first, or --force to run it anyway (audited)")
            }
            note = "kill switch on\(why): run anyway (--force)"
        }
        guard let status = survey.status else {
            plan.notes.append(
                offline
                    ? "offline (--root): nothing can be run; on the target run `tradectl run \(component.name)`"
                    : "no service manager reachable: \(unit) cannot be started")
            plan.add(RunOneshot(component: component.name, unit: unit), .unchanged, note: note)
            return plan
        }
        if status.loadState == "not-found" {
            throw RunRefused(description: "\(unit) is not installed: run `tradectl deploy` first")
        }
        switch status.activeState {
        case "failed":
            plan.add(.systemctl(.resetFailed, units: [unit]), .run, note: "clears the failed state of its last run")
        case "activating", "deactivating":
            note = "a run is already in progress: waits for it and reports its result"
        default:
            break
        }
        plan.add(RunOneshot(component: component.name, unit: unit), .run, note: note)
        return plan
    }
}
