import Foundation
import Logging

/// What the monitor remembers towards an auto-halt (persisted in `MonitorState`, so a
/// restart does not reset the count).
public struct AutoHaltState: Sendable, Codable, Equatable {
    /// One critical alert of a kill-switch component.
    public struct Hit: Sendable, Codable, Equatable {
        public var key: String
        public var at: Date

        public init(key: String, at: Date) {
            self.key = key
            self.at = at
        }
    }

    /// Within the window, oldest first.
    public var hits: [Hit] = []
    /// The reason of a halt decided but not carried out (a deploy held the lock): retried each cycle.
    public var pending: String?
    /// The failure of the pending halt was announced (once per pending halt).
    public var failureAnnounced = false

    public init() {}

    enum CodingKeys: String, CodingKey { case hits, pending, failureAnnounced }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hits = try container.decodeIfPresent([Hit].self, forKey: .hits) ?? []
        pending = try container.decodeIfPresent(String.self, forKey: .pending)
        failureAnnounced = try container.decodeIfPresent(Bool.self, forKey: .failureAnnounced) ?? false
    }
}

/// `kill_switch.auto_halt_after`: N critical alerts (firing or escalation) of the kill-switch
/// components within `auto_halt_window` engage the kill switch. Pure, like `AlertPolicy`.
///
/// Silenced alerts count: a silence mutes notifications, not the safety net.
public struct AutoHaltPolicy: Sendable {
    public var after: Int
    public var window: ConfigDuration
    /// The kill switch's components and those requiring them (what a halt stops).
    public var components: Set<String>

    public init(after: Int, window: ConfigDuration, components: Set<String>) {
        self.after = after
        self.window = window
        self.components = components
    }

    public init(_ deployment: Deployment) {
        self.init(
            after: deployment.killSwitch.autoHaltAfter, window: deployment.killSwitch.autoHaltWindow,
            components: MonitorCycle.stoppedByKillSwitch(deployment))
    }

    public var enabled: Bool { after > 0 && !components.isEmpty }

    /// Whether `alert` counts towards a halt.
    public func counts(_ alert: Alert) -> Bool {
        (alert.kind == .firing || alert.kind == .escalation) && alert.severity == .critical
            && components.contains(alert.target)
    }

    /// Records this cycle's counted alerts; the halt's reason when one is due (the Nth within
    /// the window, or a pending one), else nil. While the kill switch is on (`halted`) nothing
    /// counts and nothing is pending: a halt, by hand or not, settles it.
    public func record(_ alerts: [Alert], state: inout AutoHaltState, halted: Bool, now: Date) -> String? {
        guard enabled, !halted else {
            state = AutoHaltState()
            return nil
        }
        // Hits dated after `now` (the wall clock went back) count as now: they leave the
        // window one window from here, not one window plus the step.
        state.hits = state.hits.map { AutoHaltState.Hit(key: $0.key, at: min($0.at, now)) }
        state.hits.removeAll { now.timeIntervalSince($0.at) >= window.seconds }
        state.hits += alerts.filter(counts).map { AutoHaltState.Hit(key: $0.key, at: now) }
        if let pending = state.pending { return pending }
        guard state.hits.count >= after else { return nil }
        var keys: [String] = []
        for hit in state.hits where !keys.contains(hit.key) { keys.append(hit.key) }
        var reason = "auto-halt: \(state.hits.count) critical alerts in \(window): \(keys.joined(separator: ", "))"
        // The reason is the flag file's one line (at most 500 characters).
        if reason.count > 480 { reason = String(reason.prefix(479)) + "…" }
        state.pending = reason
        return reason
    }
}

/// Carries out an auto-halt: the same plan as `tradectl halt` (IncidentRunner through the
/// pipeline: flag file, graceful stop, audit row by `tradectl-monitor`), then one critical alert.
final class MonitorAutoHalt: Sendable {
    static let user = "tradectl-monitor"

    let suite: HealthSuite
    let logger: Logger
    let policy: AutoHaltPolicy

    init(suite: HealthSuite, logger: Logger) {
        self.suite = suite
        self.logger = logger
        policy = AutoHaltPolicy(suite.deployment)
    }

    /// Counts this cycle's alerts; halts when due. Returns the alert to send about it, if any.
    func run(
        _ alerts: [Alert], state: inout AutoHaltState, halted: Bool, now: Date, host: String, store: StateStore?
    ) async -> [Alert] {
        guard let reason = policy.record(alerts, state: &state, halted: halted, now: now) else { return [] }
        let deployment = suite.deployment
        let stopped = KillSwitch(deployment).units.all
        func alert(_ summary: String) -> Alert {
            Alert(
                key: "auto-halt", kind: .escalation, severity: .critical, project: deployment.project.name, host: host,
                check: "auto-halt", target: "", summary: summary, at: now)
        }
        do {
            try await halt(reason: reason, store: store)
            state = AutoHaltState()
            logger.critical(
                "auto-halt: kill switch engaged",
                metadata: ["kill_switch.file": "\(deployment.killSwitch.file)", "auto_halt.reason": "\(reason)"])
            return [
                alert(
                    "kill switch engaged by the monitor (\(reason)); stopped \(stopped.joined(separator: " ")); "
                        + "`tradectl resume` when it is safe")
            ]
        } catch {
            logger.error(
                "auto-halt failed; retried next cycle",
                metadata: ["error": "\(error)", "auto_halt.reason": "\(reason)"])
            if KillSwitch(deployment).isEngaged(suite.fileSystem) {
                // The flag is on (engines refuse new orders) but stopping failed: say so once, retry no more.
                state = AutoHaltState()
                return [alert("kill switch engaged by the monitor (\(reason)), but stopping failed: \(error)")]
            }
            guard !state.failureAnnounced else { return [] }
            state.failureAnnounced = true
            return [alert("auto-halt FAILED (\(error)); retried every cycle; halt by hand: tradectl halt — \(reason)")]
        }
    }

    private func halt(reason: String, store: StateStore?) async throws {
        let layout = suite.layout
        let state =
            store.map { StateDatabase(layout: layout, fileSystem: suite.fileSystem, store: $0) }
            ?? StateDatabase(layout: layout, fileSystem: suite.fileSystem)
        var runner = IncidentRunner(
            setup: RunnerSetup(
                deployment: suite.deployment, fileSystem: suite.fileSystem, environment: suite.environment,
                offline: false, launcher: suite.launcher, logger: logger, user: Self.user, state: state))
        runner.services = suite.services
        _ = try await runner.halt(reason: reason, dryRun: false)
    }
}
