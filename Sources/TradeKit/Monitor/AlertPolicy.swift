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
    /// When the firing alert went out; nil when not firing (and in states saved before it existed).
    public var firingSince: Date?
    public var lastNotified: Date?
    /// The last raw results (true: bad), oldest first, at most `flapSamples`.
    public var recent: [Bool] = []
    /// In a flapping episode: one message at its start, then quiet until it settles.
    public var flapping = false

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
    public var flapSamples: Int
    public var flapHigh: Double
    public var flapLow: Double
    public var minSeverity: Severity

    /// The routes decide who hears what; the policy only has to offer every alert the
    /// least demanding route takes, and reminders as often as the most frequent one wants.
    public init(monitor: MonitorConfig, alerts: AlertsConfig, router: AlertRouter) {
        let config = monitor
        alertAfter = { check in config.alertAfter(check: check) }
        repeatAfter = router.shortestRepeat
        flapSamples = monitor.flapSamples
        flapHigh = Double(monitor.flapHighPercent)
        flapLow = Double(monitor.flapLowPercent)
        minSeverity = router.lowestSeverity
    }

    public init(
        alertAfter: Int, repeatAfter: TimeInterval, flapSamples: Int = 21, flapHigh: Double = 50, flapLow: Double = 25,
        minSeverity: Severity = .info
    ) {
        self.alertAfter = { _ in alertAfter }
        self.repeatAfter = repeatAfter
        self.flapSamples = flapSamples
        self.flapHigh = flapHigh
        self.flapLow = flapLow
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
            let summary =
                kind == .firing && state.flapping
                ? "flapping: \(Int(changePercent(state.recent)))% of the last \(state.recent.count) results changed; "
                    + "now: \(observation.summary)"
                : observation.summary
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
        // The state outlives the process (saved in the state database), so its times are wall
        // clock. One after `now` means the clock went back: re-anchored here, so the next
        // reminder comes `repeatAfter` from now, not `repeatAfter` plus the step.
        if let last = state.lastNotified, last > now { state.lastNotified = now }
        if let since = state.firingSince, since > now { state.firingSince = now }
        let bad = observation.isBad
        state.recent.append(bad)
        if state.recent.count > flapSamples { state.recent.removeFirst(state.recent.count - flapSamples) }
        state.consecutiveBad = bad ? state.consecutiveBad + 1 : 0
        state.consecutiveGood = bad ? 0 : state.consecutiveGood + 1
        let required = alertAfter(observation.check)
        let percent = changePercent(state.recent)
        if state.flapping {
            guard percent < flapLow else { return nil }
            state.flapping = false  // settled: the normal rules decide from here
        } else if percent >= flapHigh {
            state.flapping = true
            // One message per episode; none if the problem was already announced.
            guard !state.firing, observation.severity >= minSeverity || !bad else { return nil }
            state.firing = true
            state.firingSeverity = bad ? observation.severity : .warning
            state.firingSince = now
            state.lastNotified = now
            return .firing
        }
        if !bad {
            // Hysteresis: as many good results in a row to recover as bad ones to fire.
            guard state.firing, state.consecutiveGood >= required else { return nil }
            state.firing = false
            state.firingSeverity = nil
            state.firingSince = nil
            state.lastNotified = now
            return .recovered
        }
        if !state.firing {
            guard state.consecutiveBad >= required, observation.severity >= minSeverity else { return nil }
            state.firing = true
            state.firingSeverity = observation.severity
            state.firingSince = now
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

    /// Share of changes between consecutive results in the history (up to `flapSamples`). A
    /// history shorter than 8 counts its missing samples as "no change": two outages right
    /// after start are two incidents, while a steady 2-bad-2-good rhythm is caught within
    /// about ten cycles rather than after a full window of fire/recover pairs.
    func changePercent(_ recent: [Bool]) -> Double {
        let changes = zip(recent, recent.dropFirst()).filter { $0 != $1 }.count
        return 100 * Double(changes) / Double(max(recent.count - 1, 7))
    }
}
