import Foundation

/// Freshness of oneshot components: a timer that is off, one that never fired, a last run
/// that failed, and a run that was missed are reported distinctly. A failing service does
/// not fail its timer, so the service's own Result is read too.
public struct TimerCheck: Check {
    public let kind = CheckKind.timer
    public var timeout: Duration
    public var oneshots: [(component: String, timer: String, service: String, schedule: String)]
    public var manager: ServiceManager
    public var grace: TimeInterval
    public var now: Date
    /// The longest gap of each schedule as `deploy` recorded it in the state DB (spec → seconds).
    public var recordedGaps: [String: TimeInterval] = [:]
    /// Runs `systemd-analyze calendar` for a schedule with no recorded gap (cached an hour).
    public var launcher: ProcessLauncher = SubprocessLauncher()

    static let timerProperties = ["ActiveState", "LastTriggerUSec", "NextElapseUSecRealtime", "ActiveEnterTimestamp"]
    static let serviceProperties = ["Result", "ExecMainStatus", "ExecMainExitTimestamp", "ActiveState", "SubState"]

    public func run() async -> [CheckResult] {
        guard !oneshots.isEmpty else { return [] }
        let properties: [String: [String: String]]
        do {
            properties = try await manager.properties(
                Array(Set(Self.timerProperties + Self.serviceProperties)),
                of: oneshots.flatMap { [$0.timer, $0.service] })
        } catch {
            return [CheckResult(check: name, target: "systemd", status: .unknown, summary: "\(error)")]
        }
        var results: [CheckResult] = []
        for oneshot in oneshots {
            // The recorded gap, so a deployed project's check starts no process; only a state
            // DB without one (deployed by an older tradectl, or systemd-analyze was missing at
            // deploy time) falls back to running systemd-analyze here, cached for an hour.
            var gap = recordedGaps[oneshot.schedule]
            if gap == nil { gap = await CalendarSpec.longestGap(oneshot.schedule, launcher: launcher) }
            results.append(
                judge(
                    oneshot, timer: properties[oneshot.timer] ?? [:], service: properties[oneshot.service] ?? [:],
                    gap: gap))
        }
        return results
    }

    func judge(
        _ oneshot: (component: String, timer: String, service: String, schedule: String), timer: [String: String],
        service: [String: String], gap: TimeInterval?
    ) -> CheckResult {
        func result(_ status: HealthStatus, _ summary: String) -> CheckResult {
            CheckResult(check: name, target: oneshot.component, status: status, summary: summary)
        }
        guard timer["ActiveState"] == "active" else {
            return result(
                .critical, "\(oneshot.timer) is \(timer["ActiveState"] ?? "not loaded"): runs are not scheduled")
        }
        let lastTrigger = Self.time(timer["LastTriggerUSec"])
        let activeSince = Self.time(timer["ActiveEnterTimestamp"])
        let lastExit = Self.time(service["ExecMainExitTimestamp"])
        let next = Self.time(timer["NextElapseUSecRealtime"]).map { "next \(Self.format($0))" } ?? "no next run"
        // A oneshot with `retries` waits for its next try in `auto-restart`: failed, not given up.
        if service["SubState"] == "auto-restart" {
            return result(
                .warning,
                "last run failed: \(service["Result"] ?? "?"), exit status \(service["ExecMainStatus"] ?? "?"); "
                    + "systemd runs it again (retries)")
        }
        if lastExit != nil, let outcome = service["Result"], outcome != "success" {
            return result(
                .critical, "last run failed: \(outcome), exit status \(service["ExecMainStatus"] ?? "?"); \(next)")
        }
        guard let gap else { return result(.unknown, "cannot compute the period of \"\(oneshot.schedule)\"") }
        let allowed = gap + grace
        if lastTrigger == nil {
            if let activeSince, now.timeIntervalSince(activeSince) > allowed {
                return result(.critical, "never fired although scheduled every ≤ \(Self.span(gap)); \(next)")
            }
            return result(.ok, "not run yet; \(next)")
        }
        let stillRunning = service["ActiveState"] == "activating"
        guard let lastExit, lastExit.timeIntervalSince1970 > 0 else {
            if let lastTrigger, now.timeIntervalSince(lastTrigger) > allowed {
                let why = stillRunning ? "the first run is still going" : "no run has finished"
                return result(.critical, "missed run: fired at \(Self.format(lastTrigger)) but \(why); \(next)")
            }
            return result(.ok, stillRunning ? "first run in progress; \(next)" : "fired, run pending; \(next)")
        }
        if now.timeIntervalSince(lastExit) > allowed {
            if stillRunning {
                return result(
                    .critical,
                    "missed run: the current run has not finished since \(Self.format(lastExit)) + \(Self.span(allowed)); \(next)"
                )
            }
            return result(
                .critical,
                "missed run: last successful run \(Self.format(lastExit)), expected every ≤ \(Self.span(gap)); \(next)")
        }
        return result(.ok, "last run \(Self.format(lastExit)) succeeded; \(next)")
    }

    /// `@1700000000` (`ServiceManager.properties`, like `--timestamp=unix`) or `Mon 2026-11-23 14:30:00 UTC` → date; empty, `n/a` or 0 → nil.
    static func time(_ value: String?) -> Date? {
        guard let value, !value.isEmpty else { return nil }
        if value.hasPrefix("@") {
            guard let seconds = Double(value.dropFirst()), seconds > 0 else { return nil }
            return Date(timeIntervalSince1970: seconds)
        }
        return CalendarSpec.elapses("Next elapse: \(value)").first
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    static func span(_ seconds: TimeInterval) -> String {
        ConfigDuration(milliseconds: Int(seconds * 1000)).description
    }
}
