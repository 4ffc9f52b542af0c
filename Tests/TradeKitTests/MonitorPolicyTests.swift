import Foundation
import Testing

@testable import TradeKit

/// The monitor's decisions as pure functions of (state, observations, time).
@Suite("Monitor policies")
struct MonitorPolicyTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func engine(_ status: HealthStatus) -> Observation {
        Observation(
            key: "unit/trading", check: "unit", target: "trading", status: status, summary: "engine \(status.rawValue)")
    }

    /// Feeds one observation per cycle (10 s apart) and returns the kinds of alerts sent.
    static func run(
        _ policy: AlertPolicy, _ statuses: [HealthStatus], states: inout [String: AlertState], from offset: Int = 0
    ) -> [Alert.Kind] {
        statuses.enumerated().flatMap { index, status in
            policy.evaluate(
                [engine(status)], states: &states, now: start.addingTimeInterval(Double(offset + index) * 10),
                project: "v6",
                host: "h"
            ).map(\.kind)
        }
    }

    static let policy = AlertPolicy(alertAfter: 2, repeatAfter: 3600, flapSamples: 21)

    @Test("an outage gives one alert after N bad results and one recovery")
    func transitionsOnly() {
        var states: [String: AlertState] = [:]
        let kinds = Self.run(Self.policy, [.ok, .critical, .critical, .critical, .critical, .ok, .ok], states: &states)
        #expect(kinds == [.firing, .recovered])
    }

    @Test("a single bad result below the threshold alerts nothing")
    func threshold() {
        var states: [String: AlertState] = [:]
        #expect(Self.run(Self.policy, [.ok, .critical, .ok, .ok], states: &states).isEmpty)
        let perCheck = AlertPolicy(alertAfter: 1, repeatAfter: 3600, flapSamples: 21)
        var fresh: [String: AlertState] = [:]
        #expect(Self.run(perCheck, [.ok, .critical, .ok], states: &fresh) == [.firing, .recovered])
        // Recovery needs N good results in a row too.
        var hysteresis: [String: AlertState] = [:]
        #expect(
            Self.run(Self.policy, [.critical, .critical, .ok, .critical, .ok, .ok], states: &hysteresis) == [
                .firing, .recovered,
            ])
    }

    @Test("a flapping check sends one flapping alert, not a storm, and one recovery once it settles")
    func flapping() {
        var states: [String: AlertState] = [:]
        let flapping: [HealthStatus] = Array(repeating: [.critical, .critical, .ok], count: 10).flatMap { $0 }
        #expect(Self.run(Self.policy, flapping, states: &states) == [.firing])
        var slower: [String: AlertState] = [:]
        let slowFlap: [HealthStatus] = Array(repeating: [.critical, .critical, .ok, .ok], count: 10).flatMap { $0 }
        let kinds = Self.run(Self.policy, slowFlap, states: &slower)
        // Real 2-cycle outages alert until half the recent results are changes; then quiet.
        #expect(kinds.count <= 5 && kinds.first == .firing, "\(kinds)")
        #expect(Self.run(Self.policy, slowFlap, states: &slower, from: 40).isEmpty)
        // Alternating every cycle never reaches N bad in a row: flapping is announced once.
        var fast: [String: AlertState] = [:]
        let alternating: [HealthStatus] = Array(repeating: [.critical, .ok], count: 15).flatMap { $0 }
        #expect(Self.run(Self.policy, alternating, states: &fast) == [.firing])
        // Settled: ok long enough → exactly one recovery, then silence.
        let settled = Self.run(Self.policy, Array(repeating: .ok, count: 70), states: &states, from: 30)
        #expect(settled == [.recovered])
        #expect(states["unit/trading"]?.firing == false)
        // Two real outages a few cycles apart are two incidents, not flapping.
        var twice: [String: AlertState] = [:]
        let outages: [HealthStatus] = [
            .ok, .critical, .critical, .critical, .ok, .ok, .ok, .critical, .critical, .ok, .ok,
        ]
        #expect(Self.run(Self.policy, outages, states: &twice) == [.firing, .recovered, .firing, .recovered])
    }

    @Test("still bad: one reminder per repeat interval; worse: one escalation at once")
    func reminders() {
        var states: [String: AlertState] = [:]
        let policy = AlertPolicy(alertAfter: 1, repeatAfter: 60, flapSamples: 21)
        let warnings = Self.run(policy, Array(repeating: .warning, count: 13), states: &states)
        #expect(warnings == [.firing, .reminder, .reminder])
        let worse = Self.run(policy, [.critical, .critical], states: &states, from: 13)
        #expect(worse == [.firing])
    }

    @Test("alert state survives a restart: restored state repeats nothing and still sends the recovery")
    func restartMidIncident() throws {
        var states: [String: AlertState] = [:]
        #expect(Self.run(Self.policy, [.critical, .critical], states: &states) == [.firing])
        var saved = MonitorState()
        saved.alerts = states
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        var restored = try decoder.decode(MonitorState.self, from: encoder.encode(saved)).alerts
        #expect(Self.run(Self.policy, [.critical, .critical, .ok, .ok], states: &restored, from: 2) == [.recovered])
    }

    @Test("below min_severity nothing is sent, and so no recovery either")
    func minSeverity() {
        var states: [String: AlertState] = [:]
        let policy = AlertPolicy(alertAfter: 1, repeatAfter: 3600, flapSamples: 21, minSeverity: .critical)
        #expect(Self.run(policy, [.warning, .warning, .ok], states: &states).isEmpty)
        #expect(Self.run(policy, [.critical, .ok], states: &states, from: 3) == [.firing, .recovered])
    }

    // MARK: auto-recovery

    static func unit(
        _ active: String, _ sub: String = "dead", result: String = "exit-code", enabled: String = "enabled"
    ) -> UnitStatus {
        UnitStatus(
            name: "v6-trading.service", loadState: "loaded", activeState: active, subState: sub, result: result,
            restarts: 0,
            mainPID: 0, unitFileState: enabled)
    }

    @Test("recovery acts on failed or enabled-but-inactive units only, never on systemd's own auto-restart")
    func recoveryTargets() {
        #expect(RecoveryPolicy.needsRecovery(Self.unit("failed", "failed", result: "start-limit-hit")))
        #expect(RecoveryPolicy.needsRecovery(Self.unit("inactive")))
        #expect(!RecoveryPolicy.needsRecovery(Self.unit("inactive", enabled: "disabled")))
        #expect(!RecoveryPolicy.needsRecovery(Self.unit("activating", "auto-restart")))
        #expect(!RecoveryPolicy.needsRecovery(Self.unit("active", "running", result: "success")))
    }

    @Test("at most N restarts per window with doubling delay, then one escalation")
    func recoveryLimit() {
        let policy = RecoveryPolicy(maxRestarts: 3, window: 3600, delay: 10)
        var history: [String: RestartHistory] = [:]
        var actions: [(Int, RecoveryPolicy.Action)] = []
        for second in stride(from: 0, to: 200, by: 5) {
            for action in policy.decide(
                [("trading", Self.unit("failed"))], history: &history,
                now: Self.start.addingTimeInterval(Double(second))
            ) {
                actions.append((second, action))
            }
        }
        let restarts = actions.compactMap { second, action -> Int? in
            if case .restart = action { return second }
            return nil
        }
        // Immediately, then 10 s and 20 s after the previous one.
        #expect(restarts == [0, 10, 30])
        let escalations = actions.filter { if case .escalate = $0.1 { true } else { false } }
        #expect(escalations.count == 1)
        #expect(escalations.first?.0 == 35)  // failed again after the third restart: reported, once.
        // Running again: the escalation flag clears; an hour later the window is empty again.
        _ = policy.decide(
            [("trading", Self.unit("active", "running"))], history: &history, now: Self.start.addingTimeInterval(300))
        #expect(history["trading"]?.escalated == false)
        let later = policy.decide(
            [("trading", Self.unit("failed"))], history: &history, now: Self.start.addingTimeInterval(4000))
        #expect(later == [.restart(component: "trading", unit: "v6-trading.service", attempt: 1)])
    }

    // MARK: journal

    @Test("a Python traceback is one event, with the exception line, per writer")
    func traceback() {
        var grouper = TracebackGrouper()
        let at = Self.start
        let lines = [
            "starting", "Traceback (most recent call last):", "  File \"engine.py\", line 3, in <module>",
            "    place()",
            "ValueError: bad order", "next line",
        ]
        var events: [JournalEvent] = []
        for line in lines {
            events += grouper.feed(
                JournalEvent(unit: "v6-trading.service", priority: 6, message: line, at: at, pid: "7"))
        }
        #expect(events.map(\.message.first) == ["s", "T", "n"])
        #expect(events[1].message.hasSuffix("ValueError: bad order"))
        #expect(events[1].isError)
        var open = TracebackGrouper()
        _ = open.feed(JournalEvent(unit: "u", priority: 3, message: "Traceback (most recent call last):", at: at))
        #expect(open.flush(olderThan: at).isEmpty)
        #expect(open.flush(olderThan: at.addingTimeInterval(1)).count == 1)
    }

    @Test("patterns count per window, by regex and priority, and clear when the window passes")
    func patterns() {
        let rateLimit = JournalPattern(name: "rate-limit", regex: "(?i)rate limit")
        let errors = JournalPattern(
            name: "errors", regex: nil, priority: 3, threshold: 2, window: .seconds(3600), severity: .critical)
        var counter = PatternCounter(patterns: [rateLimit, errors])
        func event(_ message: String, _ priority: Int, _ offset: Double) -> JournalEvent {
            JournalEvent(
                unit: "v6-trading.service", priority: priority, message: message,
                at: Self.start.addingTimeInterval(offset))
        }
        #expect(counter.record(event("HTTP 429 Rate limit exceeded", 4, 0)) == ["rate-limit"])
        #expect(counter.record(event("order rejected", 3, 1)) == ["errors"])
        #expect(counter.record(event("order rejected", 3, 2)) == ["errors"])
        var observations = counter.observations(now: Self.start.addingTimeInterval(3))
        #expect(observations.map(\.status) == [.warning, .ok])  // 2 errors: not above threshold 2
        counter.record(event("risk limit", 2, 4))
        observations = counter.observations(now: Self.start.addingTimeInterval(5))
        #expect(observations.map(\.status) == [.warning, .critical])
        observations = counter.observations(now: Self.start.addingTimeInterval(3700))
        #expect(observations.map(\.status) == [.ok, .ok])
    }

    // MARK: lock

    @Test("LockSurvey sees a held project lock without taking it, and nothing once released")
    func lockSurvey() throws {
        let directory = NSTemporaryDirectory() + "lockprobe-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/tradectl.lock"
        do {
            let lock = try ProjectLock(path: path, command: "deploy")
            let holder = LockSurvey.holder(of: path)
            #expect(holder?.contains("command=\"deploy\"") == true, "\(holder ?? "nil")")
            withExtendedLifetime(lock) {}
        }
        #expect(LockSurvey.holder(of: path) == nil)
        // The survey did not take the lock: a new holder gets it at once.
        _ = try ProjectLock(path: path, command: "deploy")
    }

    @Test("the kill switch silences the components it stops and those requiring them")
    func killSwitchSilence() throws {
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        var halted = deployment
        halted.killSwitch.components = ["trading"]
        halted.components = halted.components.map { component in
            var component = component
            if component.name == "position-sync" { component.requires = ["trading"] }
            return component
        }
        #expect(MonitorCycle.stoppedByKillSwitch(halted) == ["trading", "position-sync"])
        let result = CheckResult(check: "kill-switch", target: "", status: .warning, summary: "engaged")
        #expect(MonitorCycle.isSilenced(result, []))
    }
}
