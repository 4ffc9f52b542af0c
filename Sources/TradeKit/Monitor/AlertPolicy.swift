import Foundation

/// One thing the monitor looked at in a cycle: a check result or a journal pattern's state.
public struct Observation: Sendable, Equatable {
    public var key: String
    public var check: String
    public var target: String
    public var status: HealthStatus
    public var summary: String

    public init(key: String, check: String, target: String, status: HealthStatus, summary: String) {
        self.key = key
        self.check = check
        self.target = target
        self.status = status
        self.summary = summary
    }

    public init(_ result: CheckResult) {
        self.init(
            key: result.target.isEmpty ? result.check : "\(result.check)/\(result.target)", check: result.check,
            target: result.target, status: result.status, summary: result.summary)
    }

    var isBad: Bool { status != .ok }

    /// unknown alerts as a warning: the operator must look, but nothing is known to be down.
    var severity: Severity { status == .critical ? .critical : status == .ok ? .info : .warning }
}

/// What the policy remembers about one key between cycles (persisted in the state DB).
public struct AlertState: Sendable, Codable, Equatable {
    /// Bad results in a row.
    public var consecutiveBad = 0
    /// Good results in a row (a recovery needs as many as an alert does).
    public var consecutiveGood = 0
    /// A firing alert went out and no recovery yet.
    public var firing = false
    public var firingSeverity: Severity?
    public var lastNotified: Date?
    /// When the raw state (good/bad) changed, within the flap window.
    public var changes: [Date] = []
    public var lastBad: Bool?
    /// A single "flapping" alert went out for the current flapping episode.
    public var flapNotified = false

    public init() {}
}

/// Turns observations into alerts: transitions only, after N bad results in a row (and a
/// recovery after N good ones), one "flapping" message instead of a storm, reminders
/// while still bad, and a recovery message for every problem that was announced — nothing else.
///
/// A pure function of (state, observations, now): the daemon, `--once` and the tests all
/// use it the same way.
public struct AlertPolicy: Sendable {
    public var alertAfter: @Sendable (String) -> Int
    public var repeatAfter: TimeInterval
    public var flapWindow: TimeInterval
    public var flapThreshold: Int
    public var minSeverity: Severity

    public init(monitor: MonitorConfig, alerts: AlertsConfig) {
        let config = monitor
        alertAfter = { check in config.alertAfter(check: check) }
        repeatAfter = alerts.repeatAfter.seconds
        flapWindow = monitor.flapWindow.seconds
        flapThreshold = monitor.flapThreshold
        minSeverity = alerts.minSeverity
    }

    public init(alertAfter: Int, repeatAfter: TimeInterval, flapWindow: TimeInterval, flapThreshold: Int, minSeverity: Severity = .info) {
        self.alertAfter = { _ in alertAfter }
        self.repeatAfter = repeatAfter
        self.flapWindow = flapWindow
        self.flapThreshold = flapThreshold
        self.minSeverity = minSeverity
    }

    /// Evaluates one cycle. Keys in `silenced` (halted components) keep their state and
    /// produce nothing; keys not observed this cycle are left untouched.
    public func evaluate(
        _ observations: [Observation], states: inout [String: AlertState], now: Date, project: String, host: String
    ) -> [Alert] {
        var alerts: [Alert] = []
        for observation in observations {
            var state = states[observation.key] ?? AlertState()
            let kind = step(observation, &state, now: now)
            states[observation.key] = state
            guard let kind else { continue }
            let summary = kind == .firing && isFlapping(state) && !state.flapNotified
                ? "flapping: \(state.changes.count) state changes in \(Int(flapWindow / 60))min; now: \(observation.summary)"
                : observation.summary
            if kind == .firing && isFlapping(state) { states[observation.key]?.flapNotified = true }
            alerts.append(
                Alert(
                    key: observation.key, kind: kind, severity: kind == .recovered ? .info : observation.severity,
                    project: project, host: host, check: observation.check, target: observation.target,
                    summary: summary, at: now))
        }
        return alerts
    }

    /// Advances one key's state; returns the kind of alert to send, if any.
    func step(_ observation: Observation, _ state: inout AlertState, now: Date) -> Alert.Kind? {
        let bad = observation.isBad
        if let last = state.lastBad, last != bad { state.changes.append(now) }
        state.lastBad = bad
        state.changes.removeAll { now.timeIntervalSince($0) > flapWindow }
        state.consecutiveBad = bad ? state.consecutiveBad + 1 : 0
        state.consecutiveGood = bad ? 0 : state.consecutiveGood + 1
        let required = alertAfter(observation.check)
        if isFlapping(state) {
            // One message per episode, whatever the current result; then quiet until it settles.
            // Already announced as firing: that message stands, nothing more to say.
            guard !state.flapNotified else { return nil }
            if state.firing {
                state.flapNotified = true
                return nil
            }
            guard observation.severity >= minSeverity || state.firing else { return nil }
            state.firing = true
            state.firingSeverity = max(state.firingSeverity ?? .warning, observation.isBad ? observation.severity : .warning)
            state.lastNotified = now
            return .firing
        }
        state.flapNotified = state.flapNotified && !state.changes.isEmpty
        if !bad {
            // Hysteresis: as many good results in a row to recover as bad ones to fire.
            guard state.firing, state.consecutiveGood >= required else { return nil }
            state.firing = false
            state.firingSeverity = nil
            state.flapNotified = false
            state.lastNotified = now
            return .recovered
        }
        if !state.firing {
            guard state.consecutiveBad >= required, observation.severity >= minSeverity else { return nil }
            state.firing = true
            state.firingSeverity = observation.severity
            state.lastNotified = now
            return .firing
        }
        if let severity = state.firingSeverity, observation.severity > severity {
            // Worse than announced (degraded → unhealthy): say so now, not at the next reminder.
            state.firingSeverity = observation.severity
            state.lastNotified = now
            return .firing
        }
        if let last = state.lastNotified, repeatAfter > 0, now.timeIntervalSince(last) >= repeatAfter {
            state.lastNotified = now
            return .reminder
        }
        return nil
    }

    func isFlapping(_ state: AlertState) -> Bool { state.changes.count >= flapThreshold }
}
