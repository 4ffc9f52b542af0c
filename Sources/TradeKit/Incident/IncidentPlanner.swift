import Foundation

/// What halt and resume need to know, read before planning: the flag file and the units' states.
public struct IncidentSurvey: Sendable {
    /// The flag file's bytes; nil when the kill switch is off.
    public var flag: Data?
    /// `systemctl show` of the held units; nil when no service manager was asked.
    public var unitStatuses: [String: UnitStatus]?

    public init(flag: Data?, unitStatuses: [String: UnitStatus]?) {
        self.flag = flag
        self.unitStatuses = unitStatuses
    }

    public var halted: Bool { flag != nil }

    /// Reads the machine; only reads.
    public static func gather(
        deployment: Deployment, fileSystem: FileSystem, services: ServiceManager?
    ) async throws
        -> IncidentSurvey
    {
        let killSwitch = KillSwitch(deployment)
        let flag = fileSystem.info(killSwitch.file) == nil ? nil : (fileSystem.read(killSwitch.file) ?? Data())
        let statuses = try await services?.status(of: killSwitch.units.all)
        return IncidentSurvey(flag: flag, unitStatuses: statuses)
    }
}

/// Plans `halt` and `resume`: pure functions of config, survey and request.
///
/// Halt writes the flag first (engines see `TRADECTL_KILL_SWITCH` and refuse new orders at
/// once), then stops timers, then services with a plain stop, so each gets its
/// TimeoutStopSec to finish pending orders. Resume removes the flag, then starts.
public struct IncidentPlanner: Sendable {
    public var deployment: Deployment
    public var survey: IncidentSurvey
    /// `--root`: only the flag file changes; no service manager is involved.
    public var offline: Bool

    public init(deployment: Deployment, survey: IncidentSurvey, offline: Bool) {
        self.deployment = deployment
        self.survey = survey
        self.offline = offline
    }

    static let running: Set<String> = ["active", "activating", "reloading", "deactivating"]

    var killSwitch: KillSwitch { KillSwitch(deployment) }

    /// The flag halt writes: a new reason (or the old one) keeps the original user and time.
    public func flag(reason: String?, user: String, now: Date) -> KillSwitchFlag {
        guard let existing = survey.flag.map({ KillSwitchFlag.parse(String(decoding: $0, as: UTF8.self)) }) else {
            return KillSwitchFlag(reason: reason ?? "", by: user, at: now)
        }
        if existing.by == nil {
            // Written by hand: kept as it is unless a new reason is given.
            return reason.map { KillSwitchFlag(reason: $0, by: user, at: now) } ?? existing
        }
        var updated = existing
        if let reason { updated.reason = reason }
        return updated
    }

    public func halt(reason: String?, user: String, now: Date) -> Plan {
        var plan = Plan(command: "halt")
        let path = killSwitch.file
        let existingText = survey.flag.map { String(decoding: $0, as: UTF8.self) }
        // Halting again without a reason leaves the flag byte for byte (also one written by hand).
        let content =
            reason == nil
            ? survey.flag ?? Data(flag(reason: nil, user: user, now: now).text.utf8)
            : Data(flag(reason: reason, user: user, now: now).text.utf8)
        let change: ChangeKind = !survey.halted ? .create : content == survey.flag ? .unchanged : .update
        plan.add(
            .file(path: path, content: content, mode: 0o644, owner: nil, secret: false), change,
            note: survey.halted
                ? "already halted; reason \(change == .unchanged ? "kept" : "updated")" : "kill switch on",
            diff: change == .unchanged
                ? nil : UnifiedDiff.make(old: existingText, new: String(decoding: content, as: UTF8.self), path: path))
        let units = killSwitch.units
        if deployment.killSwitch.components.isEmpty {
            plan.notes.append(
                "kill_switch.components is empty: nothing is stopped; the flag alone tells engines to refuse new orders"
            )
            return plan
        }
        guard let statuses = survey.unitStatuses else {
            plan.notes.append(
                offline
                    ? "offline (--root): only the flag is written; on the target stop \(units.all.joined(separator: " "))"
                    : "no service manager reachable: \(units.all.joined(separator: " ")) not stopped")
            return plan
        }
        let runningTimers = units.timers.filter { Self.running.contains(statuses[$0]?.activeState ?? "") }
        let runningServices = units.services.filter { Self.running.contains(statuses[$0]?.activeState ?? "") }
        if !runningTimers.isEmpty {
            plan.add(.systemctl(.stop, units: runningTimers), .run, note: "no run is triggered while halted")
        }
        if runningServices.isEmpty {
            plan.add(.systemctl(.stop, units: units.services), .unchanged, note: "already stopped")
        } else {
            plan.add(
                .systemctl(.stop, units: runningServices), .run,
                note: "graceful: SIGTERM, then up to TimeoutStopSec to finish pending orders")
        }
        return plan
    }

    public func resume(healthTimeout: ConfigDuration? = nil) -> Plan {
        var plan = Plan(command: "resume")
        let path = killSwitch.file
        if survey.halted {
            let reason = KillSwitchFlag.parse(String(decoding: survey.flag ?? Data(), as: UTF8.self))
            plan.add(
                .remove(path: path), .delete,
                note: reason.reason.isEmpty ? "kill switch off" : "kill switch off (was: \(reason.reason))")
        } else {
            plan.notes.append("the kill switch is not engaged (\(path) does not exist)")
        }
        let units = killSwitch.units
        guard !units.startable.isEmpty else { return plan }
        guard let statuses = survey.unitStatuses else {
            plan.notes.append(
                offline
                    ? "offline (--root): only the flag is removed; on the target start \(units.startable.joined(separator: " "))"
                    : "no service manager reachable: \(units.startable.joined(separator: " ")) not started")
            return plan
        }
        let missing = units.startable.filter { statuses[$0]?.loadState == "not-found" }
        if !missing.isEmpty {
            plan.notes.append("\(missing.joined(separator: " ")) not installed: run tradectl deploy")
        }
        let stopped = units.startable.filter { statuses[$0]?.activeState != "active" && !missing.contains($0) }
        guard !stopped.isEmpty else {
            let running = units.startable.filter { !missing.contains($0) }
            if !running.isEmpty {
                plan.add(.systemctl(.start, units: running), .unchanged, note: "already running")
            }
            return plan
        }
        // A crash loop before the halt may have used up the start limit; clear it, as rollback does.
        plan.add(.systemctl(.resetFailed, units: stopped), .run)
        plan.add(.systemctl(.start, units: stopped), .run)
        plan.add(.waitHealthy(gateSpec(stopped, timeout: healthTimeout)), .run)
        return plan
    }

    private func gateSpec(_ units: [String], timeout: ConfigDuration?) -> HealthGateSpec {
        let project = deployment.project.name
        var targets: [HealthGateSpec.Target] = []
        for component in deployment.components where component.kind == .service {
            let unit = UnitNames.service(project, component.name)
            guard units.contains(unit) else { continue }
            targets.append(
                .init(
                    component: component.name, unit: unit,
                    probes: ProbeSpec.of(component, root: deployment.project.root)))
        }
        return HealthGateSpec(
            targets: targets, timers: units.filter { $0.hasSuffix(".timer") },
            timeout: timeout ?? deployment.deploy.healthTimeout)
    }
}
