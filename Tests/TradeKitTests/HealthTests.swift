import Foundation
import Testing

@testable import TradeKit

struct FakeCheck: Check {
    var name: String
    var kind: CheckKind { .release }
    var timeout: Duration
    var delay: Duration
    var status: HealthStatus
    var target: String { "t-\(name)" }
    func run() async -> [CheckResult] {
        try? await Task.sleep(for: delay)
        return [CheckResult(check: name, target: target, status: status, summary: "done")]
    }
}

@Suite("Health runner and output")
struct HealthTests {
    @Test("checks run concurrently; a hung check is unknown at its timeout while others report")
    func concurrency() async {
        let started = ContinuousClock.now
        let results = await HealthRunner().run([
            FakeCheck(name: "a", timeout: .seconds(5), delay: .milliseconds(600), status: .ok),
            FakeCheck(name: "b", timeout: .seconds(5), delay: .milliseconds(600), status: .warning),
            FakeCheck(name: "hung", timeout: .milliseconds(800), delay: .seconds(3600), status: .ok),
        ])
        let elapsed = ContinuousClock.now - started
        // The hung check sleeps an hour: returning well before that proves the runner did not
        // wait for it. The bound is that hour, not a tight one: under the parallel suite this
        // test's own task can wait minutes for a cooperative thread (142 s seen on a loaded
        // machine), which says nothing about the runner. Tight wall-clock bounds are asserted
        // in the integration suite, which runs alone.
        #expect(elapsed < .seconds(3000), "took \(elapsed)")
        #expect(results.map(\.check) == ["a", "b", "hung"])
        #expect(results[2].status == .unknown)
        #expect(results[2].target == "t-hung")
        #expect(results[2].summary.contains("did not answer within 0.8s"))
    }

    @Test(
        "worst status wins; critical ranks above unknown",
        arguments: [
            ([HealthStatus.ok, .ok], HealthStatus.ok, Int32(0)),
            ([.ok, .warning], .warning, 1),
            ([.warning, .unknown], .unknown, 3),
            ([.unknown, .critical, .warning], .critical, 2),
        ])
    func worstWins(statuses: [HealthStatus], expected: HealthStatus, code: Int32) {
        let report = HealthReport(
            project: "p", at: Date(),
            results: statuses.map { CheckResult(check: "c", target: "t", status: $0, summary: "") })
        #expect(report.status == expected)
        #expect(report.status.exitCode == code)
    }

    /// monitoring-plugins guidelines: `SERVICE STATUS - text | 'label'=value[UOM];[warn];[crit];[min];[max] …`
    @Test("--nagios output follows the monitoring-plugins format")
    func nagios() throws {
        var memory = Metric("memory_available", 42.5, unit: "%", warn: 10, crit: 5, min: 0, max: 100)
        memory.lowerIsWorse = true
        let report = HealthReport(
            project: "v6", at: Date(),
            results: [
                CheckResult(
                    check: "unit", target: "engine", status: .critical, summary: "inactive | dead",
                    metrics: [Metric("engine_restarts", 2, unit: "c", min: 0)]),
                CheckResult(check: "memory", target: "host", status: .ok, summary: "ok", metrics: [memory]),
            ])
        let line = HealthOutput.nagios(report)
        let parts = line.components(separatedBy: " | ")
        #expect(parts.count == 2, "exactly one pipe separates text and perfdata")
        #expect(parts[0].hasPrefix("TRADECTL CRITICAL - "))
        let pattern = /^'[^'=]+'=-?[0-9.]+(s|us|ms|%|B|KB|MB|TB|c)?(;(@?[0-9.:~-]*)?){0,4}$/
        for item in parts[1].split(separator: " ") {
            #expect(String(item).wholeMatch(of: pattern) != nil, "bad perfdata \(item)")
        }
        #expect(parts[1].contains("'memory_available'=42.5%;10:;5:;0;100"))
        #expect(parts[1].contains("'engine_restarts'=2c;;;0"))
    }

    @Test("timer judgement tells failed, missed, never-fired and healthy apart")
    func timerJudgement() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let check = TimerCheck(
            timeout: .seconds(5), oneshots: [], manager: Systemctl(scope: .user), grace: 60, now: now)
        let oneshot = (component: "scan", timer: "p-scan.timer", service: "p-scan.service", schedule: "daily")
        func at(_ secondsAgo: Double) -> String { "@\(Int(now.timeIntervalSince1970 - secondsAgo))" }
        let day = 86_400.0
        let active = ["ActiveState": "active", "ActiveEnterTimestamp": at(10 * day)]
        var timer = active
        timer["LastTriggerUSec"] = at(3600)
        let failed = check.judge(
            oneshot, timer: timer,
            service: ["Result": "exit-code", "ExecMainStatus": "3", "ExecMainExitTimestamp": at(3590)], gap: day)
        #expect(failed.status == .critical && failed.summary.contains("last run failed"))
        // With `retries`, a failed run waiting for its next try is a warning, not yet critical.
        let retrying = check.judge(
            oneshot, timer: timer,
            service: [
                "Result": "exit-code", "ExecMainStatus": "1", "ExecMainExitTimestamp": at(30),
                "ActiveState": "activating", "SubState": "auto-restart",
            ], gap: day)
        #expect(retrying.status == .warning && retrying.summary.contains("runs it again"), "\(retrying.summary)")
        let fine = check.judge(
            oneshot, timer: timer, service: ["Result": "success", "ExecMainExitTimestamp": at(3590)], gap: day)
        #expect(fine.status == .ok)
        timer["LastTriggerUSec"] = at(3 * day)
        let missed = check.judge(
            oneshot, timer: timer, service: ["Result": "success", "ExecMainExitTimestamp": at(3 * day)], gap: day)
        #expect(missed.status == .critical && missed.summary.contains("missed run"))
        let never = check.judge(oneshot, timer: active, service: [:], gap: day)
        #expect(never.status == .critical && never.summary.contains("never fired"))
        let off = check.judge(oneshot, timer: ["ActiveState": "inactive"], service: [:], gap: day)
        #expect(off.status == .critical && off.summary.contains("not scheduled"))
    }

    @Test("calendar gaps come from systemd-analyze")
    func calendarGap() async {
        let gap = await CalendarSpec.longestGap("Mon..Fri 09:30 America/New_York", launcher: SubprocessLauncher())
        #expect(abs((gap ?? 0) - 259_200) < 1, "gap \(String(describing: gap))")
        #expect(await CalendarSpec.longestGap("hourly", launcher: SubprocessLauncher()) == 3600)
        #expect(await CalendarSpec.longestGap("not a calendar", launcher: SubprocessLauncher()) == nil)
    }

    @Test("health --check rejects unknown names with exit 64")
    func unknownCheck() throws {
        let result = try runTradectl(["health", "--check", "nope", "--config", Repo.example("v6")])
        #expect(result.status == 64)
    }
}
