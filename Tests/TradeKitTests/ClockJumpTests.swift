import Foundation
import Testing

@testable import TradeKit

/// The fault matrix's "wall clock jumps ±1 h" row (docs/reliability.md). The jump is not
/// injected for real: the container shares this machine's kernel clock (nspawn drops
/// CAP_SYS_TIME, and a time namespace offsets only MONOTONIC/BOOTTIME), so `date -s` would
/// move the host's clock under every other process. What a jump can break is the arithmetic
/// on wall-clock times that outlive a process (alert reminders, restart back-off, auto-halt
/// hits, heartbeat and backup ages); each is a pure function of an injected `now`, tested
/// here with `now` stepped an hour either way. Intervals within one run (the monitor's
/// cycle, health timeouts, backup.timeout) use the monotonic clock and never see a step.
@Suite("Wall clock jumps")
struct ClockJumpTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600

    static func engine(_ status: HealthStatus) -> Observation {
        Observation(
            key: "unit/trading", check: "unit", target: "trading", status: status, summary: "engine \(status.rawValue)")
    }

    @Test(
        "an hour back: the next reminder comes repeat_after from the step, not an hour later; an hour on: one reminder, then the usual rhythm"
    )
    func reminders() {
        let policy = AlertPolicy(alertAfter: 1, repeatAfter: 600, flapSamples: 21)
        var states: [String: AlertState] = [:]
        func cycle(_ at: Date) -> [Alert.Kind] {
            policy.evaluate([Self.engine(.critical)], states: &states, now: at, project: "v6", host: "h").map(\.kind)
        }
        #expect(cycle(Self.start) == [.firing])
        #expect(cycle(Self.start.addingTimeInterval(300)).isEmpty)
        // Back an hour: nothing at once, and the reminder 10 min after the step (not 70).
        let back = Self.start.addingTimeInterval(300 - Self.hour)
        #expect(cycle(back).isEmpty)
        #expect(states["unit/trading"]?.lastNotified == back)
        #expect(cycle(back.addingTimeInterval(590)).isEmpty)
        #expect(cycle(back.addingTimeInterval(600)) == [.reminder])
        // On an hour: one reminder at once (it is overdue by the clock), then every 10 min again.
        let on = back.addingTimeInterval(600 + Self.hour)
        #expect(cycle(on) == [.reminder])
        #expect(cycle(on.addingTimeInterval(300)).isEmpty)
        #expect(cycle(on.addingTimeInterval(600)) == [.reminder])
        // Recovery still follows: the incident is not lost across the steps.
        let recovered = policy.evaluate(
            [Self.engine(.ok)], states: &states, now: on.addingTimeInterval(610), project: "v6", host: "h")
        #expect(recovered.map(\.kind) == [.recovered])
    }

    @Test(
        "an hour back: the monitor's restart back-off runs from the step, so a dead engine is restarted within it, not an hour later"
    )
    func restartBackoff() {
        let policy = RecoveryPolicy(maxRestarts: 3, window: 3600, delay: 10)
        let failed = UnitStatus(
            name: "v6-trading.service", loadState: "loaded", activeState: "failed", subState: "failed",
            result: "exit-code", restarts: 0, mainPID: 0, unitFileState: "enabled")
        var history: [String: RestartHistory] = [:]
        #expect(policy.decide([("trading", failed)], history: &history, now: Self.start).count == 1)
        // One minute later by the old clock, but the clock went back an hour: without the
        // clamp the 10 s back-off would last 1 h 10 s.
        let back = Self.start.addingTimeInterval(60 - Self.hour)
        #expect(policy.decide([("trading", failed)], history: &history, now: back).isEmpty)
        #expect(history["trading"]?.times == [back])
        #expect(
            policy.decide([("trading", failed)], history: &history, now: back.addingTimeInterval(10)) == [
                .restart(component: "trading", unit: "v6-trading.service", attempt: 2)
            ])
    }

    @Test("an hour back: auto-halt hits leave the window one window after the step, not one window plus an hour")
    func autoHaltWindow() {
        let policy = AutoHaltPolicy(after: 3, window: .seconds(900), components: ["trading"])
        var state = AutoHaltState()
        let critical = Alert(
            key: "unit/trading", kind: .firing, severity: .critical, project: "v6", host: "h", check: "unit",
            target: "trading", summary: "down", at: Self.start)
        #expect(policy.record([critical, critical], state: &state, halted: false, now: Self.start) == nil)
        let back = Self.start.addingTimeInterval(-Self.hour)
        #expect(policy.record([], state: &state, halted: false, now: back) == nil)
        #expect(state.hits.count == 2 && state.hits.allSatisfy { $0.at == back })
        // A window after the step they are gone: one more critical does not halt.
        #expect(policy.record([critical], state: &state, halted: false, now: back.addingTimeInterval(900)) == nil)
        #expect(state.hits.count == 1)
    }

    @Test("an hour back: a heartbeat touched before the step is 'age unknown' (warning), never fresh for an hour")
    func heartbeatFromTheFuture() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clockjump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("heartbeat").path
        FileManager.default.createFile(atPath: path, contents: Data("1".utf8))
        let touched = Date()
        try FileManager.default.setAttributes([.modificationDate: touched], ofItemAtPath: path)
        func check(at now: Date) async -> CheckResult? {
            await HeartbeatCheck(
                timeout: .seconds(5), component: "trading", path: path, maxAge: .seconds(30),
                fileSystem: RootedFileSystem(), now: now
            ).run().first
        }
        let back = await check(at: touched.addingTimeInterval(-Self.hour))
        #expect(back?.status == .warning, "\(back?.summary ?? "")")
        #expect(back?.summary.contains("in the future") == true)
        #expect(await check(at: touched.addingTimeInterval(2))?.status == .ok)
        // An hour on: the engine's heartbeat is an hour old until it touches it again — the
        // check says critical (true for a dead engine; a live one touches it within seconds).
        #expect(await check(at: touched.addingTimeInterval(Self.hour))?.status == .critical)
    }
}
