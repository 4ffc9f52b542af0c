import Foundation

/// `alerts silence|unsilence|ack` named something that is not there (exit 64).
public struct AlertsUsageError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var description: String
    public var exitStatus: ExitStatus { .usage }
}

/// What the alert commands read before planning: the monitor's saved state, the silences in
/// force and the acknowledgements. Read-only; empty where the project has no state database yet.
public struct AlertsSurvey: Sendable {
    public var monitor: MonitorState
    public var silences: [Silence]
    public var acknowledgements: [Acknowledgement]

    public init(
        monitor: MonitorState = MonitorState(), silences: [Silence] = [], acknowledgements: [Acknowledgement] = []
    ) {
        self.monitor = monitor
        self.silences = silences
        self.acknowledgements = acknowledgements
    }

    /// Reads through the invocation's survey handle: nothing is created or written.
    public static func gather(_ state: StateDatabase, now: Date) throws -> AlertsSurvey {
        guard let store = try state.existing() else { return AlertsSurvey() }
        return AlertsSurvey(
            monitor: try store.monitorState(), silences: try store.activeSilences(at: now),
            acknowledgements: try store.acknowledgements())
    }

    /// Keys firing now, sorted.
    public var firingKeys: [String] { monitor.alerts.filter { $0.value.firing }.map(\.key).sorted() }
}

/// Plans the alert commands: pure functions of config, survey and request.
public struct AlertsPlanner: Sendable {
    public var deployment: Deployment
    public var survey: AlertsSurvey

    public init(deployment: Deployment, survey: AlertsSurvey) {
        self.deployment = deployment
        self.survey = survey
    }

    /// Why `matcher` would silence nothing, or nil: a component, a check name, or an alert key
    /// (one the monitor knows, or `<check>/<target>`).
    public func problem(withMatcher matcher: String) -> String? {
        let components = deployment.components.map(\.name)
        let checks = ConfigValidator.routableChecks
        if components.contains(matcher) || checks.contains(matcher) || survey.monitor.alerts[matcher] != nil {
            return nil
        }
        if let slash = matcher.firstIndex(of: "/"), checks.contains(String(matcher[..<slash])),
            matcher.index(after: slash) < matcher.endIndex
        {
            return nil
        }
        return "unknown matcher \(matcher): not a component, check or alert key; "
            + "components: \(components.joined(separator: ", ")); "
            + "checks: \(checks.joined(separator: ", ")); keys look like unit/engine"
    }

    public func silence(
        matcher: String, duration: ConfigDuration, reason: String, user: String, now: Date
    ) throws
        -> Plan
    {
        if let problem = problem(withMatcher: matcher) { throw AlertsUsageError(description: problem) }
        var plan = Plan(command: "alerts silence")
        let effect = AddSilence(
            matcher: matcher, reason: reason, user: user, createdAt: now,
            expiresAt: now.addingTimeInterval(duration.seconds))
        plan.add(effect, .create, note: "for \(AlertsListing.span(Int(duration.seconds))): \(reason)")
        let overlapping = survey.silences.filter { $0.matcher == matcher }
        if !overlapping.isEmpty {
            plan.notes.append(
                "already silenced by "
                    + overlapping.map { "#\($0.id) (until \(Self.time($0.expiresAt)))" }
                    .joined(separator: ", ") + "; the one ending last applies")
        }
        let probe = Silence(id: 0, matcher: matcher, reason: "", createdBy: "", createdAt: now, expiresAt: now)
        let firing = survey.firingKeys.filter {
            probe.matches(key: $0, check: Self.check(ofKey: $0), target: Self.target(ofKey: $0))
        }
        if !firing.isEmpty { plan.notes.append("firing now and silenced: \(firing.joined(separator: ", "))") }
        return plan
    }

    /// `target`: a silence id (`3` or `#3`), or a matcher, which ends every active silence with it.
    public func unsilence(_ target: String, now: Date) throws -> Plan {
        let id = Int64(target.hasPrefix("#") ? String(target.dropFirst()) : target)
        let chosen = survey.silences.filter { silence in id.map { silence.id == $0 } ?? (silence.matcher == target) }
        guard !chosen.isEmpty else {
            let active = survey.silences.map { "#\($0.id) \($0.matcher)" }
            throw AlertsUsageError(
                description: "no active silence "
                    + (id == nil ? "matches \(target)" : "#\(target.trimmingCharacters(in: ["#"]))")
                    + (active.isEmpty ? " (none is active)" : "; active: \(active.joined(separator: ", "))"))
        }
        var plan = Plan(command: "alerts unsilence")
        plan.add(
            EndSilences(ids: chosen.map(\.id), matchers: chosen.map(\.matcher), at: now), .update,
            note: chosen.map { "was: \($0.reason) (by \($0.createdBy))" }.joined(separator: "; "))
        return plan
    }

    /// Only a key that is firing can be acknowledged: the ack holds for its current state.
    public func ack(key: String, user: String, now: Date) throws -> Plan {
        guard let state = survey.monitor.alerts[key], state.firing, let severity = state.firingSeverity else {
            let firing = survey.firingKeys
            throw AlertsUsageError(
                description: "\(key) is not firing; "
                    + (firing.isEmpty ? "nothing is firing" : "firing: \(firing.joined(separator: ", "))"))
        }
        var plan = Plan(command: "alerts ack")
        let existing = survey.acknowledgements.first { $0.key == key }
        if let existing, existing.holds(for: state) {
            plan.add(
                AcknowledgeAlert(acknowledgement: existing), .unchanged,
                note: "already acknowledged by \(existing.ackedBy)")
            return plan
        }
        let ack = Acknowledgement(
            key: key, ackedBy: user, ackedAt: now, severity: severity, firingSince: state.firingSince)
        plan.add(
            AcknowledgeAlert(acknowledgement: ack), existing == nil ? .create : .update,
            note: "no reminders until it recovers or its severity changes")
        return plan
    }

    static func check(ofKey key: String) -> String { String(key.split(separator: "/", maxSplits: 1).first ?? "") }
    static func target(ofKey key: String) -> String {
        let parts = key.split(separator: "/", maxSplits: 1)
        return parts.count == 2 ? String(parts[1]) : ""
    }
    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// What an alert command did (or would do, with `--dry-run`).
public struct AlertsOutcome: Sendable {
    public var plan: Plan
    public var applied: Bool
    /// The new silence's id (`alerts silence`, applied).
    public var silenceID: Int64?
}

/// `tradectl alerts`: list (read-only) and silence, unsilence, ack (through the pipeline:
/// lock, plan, apply, audit). No service manager is involved.
public struct AlertsRunner: Sendable, RunnerSetupInitializable {
    public var setup: RunnerSetup

    public init(setup: RunnerSetup) { self.setup = setup }

    public func list(now: Date = Date()) throws -> AlertsListing {
        AlertsListing(
            survey: try AlertsSurvey.gather(setup.state, now: now), deployment: setup.deployment, now: now)
    }

    public func silence(
        matcher: String, duration: ConfigDuration, reason: String, dryRun: Bool, lockWait: Duration = .zero,
        now: Date = Date()
    ) async throws -> AlertsOutcome {
        try await run(.silence(matcher: matcher, duration: duration, reason: reason), dryRun, lockWait, now)
    }

    public func unsilence(
        _ target: String, dryRun: Bool, lockWait: Duration = .zero, now: Date = Date()
    )
        async throws -> AlertsOutcome
    {
        try await run(.unsilence(target), dryRun, lockWait, now)
    }

    public func ack(
        key: String, dryRun: Bool, lockWait: Duration = .zero, now: Date = Date()
    ) async throws
        -> AlertsOutcome
    {
        try await run(.ack(key: key), dryRun, lockWait, now)
    }

    private func run(
        _ request: AlertsMutation.Request, _ dryRun: Bool, _ lockWait: Duration, _ now: Date
    )
        async throws -> AlertsOutcome
    {
        let mutation = AlertsMutation(setup: setup, request: request, now: now)
        let result = try await setup.pipeline(.offline).run(mutation, dryRun: dryRun, locking: .take(wait: lockWait))
        return AlertsOutcome(
            plan: result.plan, applied: result.applied, silenceID: result.report?.all(SilenceAdded.self).first?.id)
    }
}

/// The alert commands' part of the pipeline: survey, planner, handlers, audit line.
struct AlertsMutation: Mutation {
    enum Request: Sendable {
        case silence(matcher: String, duration: ConfigDuration, reason: String)
        case unsilence(String)
        case ack(key: String)
    }

    var setup: RunnerSetup
    var request: Request
    var now: Date

    var command: String {
        switch request {
        case .silence(let matcher, let duration, let reason):
            return "alerts silence \(matcher) for \(AlertsListing.span(Int(duration.seconds))): \(reason)"
        case .unsilence(let target): return "alerts unsilence \(target)"
        case .ack(let key): return "alerts ack \(key)"
        }
    }

    func plan(in context: MutationContext) async throws -> Plan {
        let planner = AlertsPlanner(
            deployment: context.deployment, survey: try AlertsSurvey.gather(context.state, now: now))
        switch request {
        case .silence(let matcher, let duration, let reason):
            return try planner.silence(
                matcher: matcher, duration: duration, reason: reason, user: context.user, now: now)
        case .unsilence(let target): return try planner.unsilence(target, now: now)
        case .ack(let key): return try planner.ack(key: key, user: context.user, now: now)
        }
    }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        AlertsEffectHandlers(state: context.state).all
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        if let added = report.all(SilenceAdded.self).first { return "success: silence #\(added.id)" }
        let changes = plan.changes.count
        return changes == 0 ? "success: no change" : "success: \(changes) change\(changes == 1 ? "" : "s")"
    }
}
