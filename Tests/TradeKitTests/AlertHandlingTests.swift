import Foundation
import Testing

@testable import TradeKit

/// Silences, acknowledgements, `alerts list` and the monitor's auto-halt.
@Suite("Alert handling")
struct AlertHandlingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func v6() throws -> Deployment {
        var deployment = try ConfigLoader(environment: [:]).load(path: Repo.example("v6")).0
        deployment.killSwitch.autoHaltAfter = 3
        deployment.killSwitch.autoHaltWindow = .seconds(900)
        return deployment
    }

    static func critical(_ key: String, target: String, kind: Alert.Kind = .firing, at: Date = now) -> Alert {
        Alert(
            key: key, kind: kind, severity: .critical, project: "v6", host: "h", check: "unit", target: target,
            summary: "\(target) down", at: at)
    }

    /// A temp `--root` with the v6 state directory, and a runner on it.
    final class Project {
        let dir = TempDir("alerts")
        let deployment: Deployment
        let manager: RecordingServiceManager
        var fileSystem: RootedFileSystem { RootedFileSystem(root: dir.path) }
        var layout: DeployLayout { DeployLayout(deployment, environment: [:]) }
        var database: String { fileSystem.hostPath(layout.stateDatabase) }

        init(_ deployment: Deployment, states: [String: String] = [:]) throws {
            self.deployment = deployment
            manager = RecordingServiceManager(states: states)
            try FileManager.default.createDirectory(
                atPath: fileSystem.hostPath(layout.stateDir), withIntermediateDirectories: true)
        }

        func runner(user: String = "alice") -> AlertsRunner {
            AlertsRunner(
                deployment: deployment, fileSystem: fileSystem, environment: [:], offline: false, logger: quietLogger,
                user: user)
        }

        func store() throws -> StateStore { try StateStore(path: database) }

        /// Seeds the monitor's state: `key` firing at `severity` since `since`.
        func firing(_ key: String, _ severity: Severity, since: Date) throws {
            var state = MonitorState()
            var alert = AlertState()
            alert.firing = true
            alert.firingSeverity = severity
            alert.firingSince = since
            alert.lastNotified = since
            state.alerts[key] = alert
            try store().saveMonitorState(state)
        }

        func suite() -> HealthSuite {
            HealthSuite(deployment: deployment, fileSystem: fileSystem, environment: [:], services: manager)
        }
    }

    // MARK: matching and lapsing

    @Test("a silence matches its component, check or key, and only while active")
    func silenceMatching() {
        let silence = Silence(
            id: 1, matcher: "trading", reason: "maintenance", createdBy: "alice", createdAt: Self.now,
            expiresAt: Self.now.addingTimeInterval(7200))
        #expect(silence.matches(Self.critical("unit/trading", target: "trading")))
        #expect(!silence.matches(Self.critical("unit/dashboard", target: "dashboard")))
        let byCheck = Silence(
            id: 2, matcher: "disk", reason: "", createdBy: "", createdAt: Self.now, expiresAt: Self.now)
        #expect(byCheck.matches(key: "disk//opt", check: "disk", target: "/opt"))
        let byKey = Silence(
            id: 3, matcher: "unit/trading", reason: "", createdBy: "", createdAt: Self.now, expiresAt: Self.now)
        #expect(byKey.matches(key: "unit/trading", check: "unit", target: "trading"))
        #expect(!byKey.matches(key: "heartbeat/trading", check: "heartbeat", target: "trading"))

        #expect(silence.isActive(at: Self.now.addingTimeInterval(7199)))
        #expect(!silence.isActive(at: Self.now.addingTimeInterval(7200)))
        var removed = silence
        removed.removedAt = Self.now.addingTimeInterval(60)
        #expect(!removed.isActive(at: Self.now.addingTimeInterval(120)))

        let mutes = AlertMutes(silences: [silence])
        let alert = Self.critical("unit/trading", target: "trading")
        #expect(mutes.mute(alert, state: nil, at: Self.now)?.label == "silenced")
        #expect(mutes.mute(alert, state: nil, at: Self.now.addingTimeInterval(7200)) == nil)
        #expect(alert.muted(.silenced(silence)).summary == "trading down [silenced #1 by alice: maintenance]")
    }

    @Test("an ack stops reminders of its state and lapses on a severity change or a recovery")
    func ackLapses() {
        let policy = AlertPolicy(alertAfter: 1, repeatAfter: 600)
        var states: [String: AlertState] = [:]
        func cycle(_ status: HealthStatus, _ offset: Double) -> [Alert] {
            policy.evaluate(
                [
                    Observation(
                        key: "unit/trading", check: "unit", target: "trading", status: status, summary: "trading")
                ], states: &states, now: Self.now.addingTimeInterval(offset), project: "v6", host: "h")
        }
        #expect(cycle(.warning, 0).map(\.kind) == [.firing])
        let since = states["unit/trading"]?.firingSince
        #expect(since == Self.now)
        let ack = Acknowledgement(
            key: "unit/trading", ackedBy: "alice", ackedAt: Self.now, severity: .warning, firingSince: since)
        let mutes = AlertMutes(acknowledgements: [ack])
        let reminder = cycle(.warning, 700)
        #expect(reminder.map(\.kind) == [.reminder])
        #expect(mutes.mute(reminder[0], state: states["unit/trading"], at: Self.now)?.label == "acknowledged")
        #expect(mutes.lapsed(states).isEmpty)
        // Worse: sent (a firing, not a reminder), and the ack no longer holds.
        let worse = cycle(.critical, 710)
        #expect(worse.map(\.kind) == [.firing])
        #expect(mutes.mute(worse[0], state: states["unit/trading"], at: Self.now) == nil)
        #expect(mutes.lapsed(states) == ["unit/trading"])
        #expect(states["unit/trading"]?.firingSince == Self.now, "a severity change is the same episode")
        // Recovery: sent, firing-since cleared, the ack lapsed.
        var recovered = states
        recovered["unit/trading"]?.firingSeverity = .warning
        #expect(!mutes.lapsed(recovered).contains("unit/trading"))
        let back = cycle(.ok, 720)
        #expect(back.map(\.kind) == [.recovered])
        #expect(mutes.mute(back[0], state: states["unit/trading"], at: Self.now) == nil)
        #expect(states["unit/trading"]?.firingSince == nil)
        #expect(mutes.lapsed(states) == ["unit/trading"])
    }

    @Test("alert states saved before firingSince existed still load")
    func tolerantState() throws {
        let old =
            #"{"alerts":{"unit/trading":{"consecutiveBad":3,"consecutiveGood":0,"firing":true,"#
            + #""firingSeverity":"critical","recent":[true],"flapping":false}}}"#
        let decoder = JSONDecoder()
        let state = try decoder.decode(MonitorState.self, from: Data(old.utf8))
        #expect(state.alerts["unit/trading"]?.firing == true)
        #expect(state.alerts["unit/trading"]?.firingSince == nil)
        #expect(state.autoHalt == AutoHaltState())
    }

    // MARK: commands

    @Test("silence: a dry run writes nothing; the real run adds the silence and an audit row")
    func silenceCommand() async throws {
        let project = try Project(try Self.v6())
        let runner = project.runner()
        let dry = try await runner.silence(
            matcher: "trading", duration: .seconds(7200), reason: "broker maintenance", dryRun: true, now: Self.now)
        #expect(!dry.applied)
        #expect(dry.plan.changes(of: AddSilence.self).map(\.matcher) == ["trading"])
        #expect(!FileManager.default.fileExists(atPath: project.database), "a dry run created the state DB")

        let real = try await runner.silence(
            matcher: "trading", duration: .seconds(7200), reason: "broker maintenance", dryRun: false, now: Self.now)
        #expect(real.silenceID == 1)
        let store = try project.store()
        let silences = try store.activeSilences(at: Self.now.addingTimeInterval(60))
        #expect(silences.map(\.matcher) == ["trading"])
        #expect(silences.first?.createdBy == "alice" && silences.first?.reason == "broker maintenance")
        #expect(try store.activeSilences(at: Self.now.addingTimeInterval(7200)).isEmpty)
        let audit = try store.auditEntries()
        #expect(audit.map(\.command) == ["alerts silence trading for 2h: broker maintenance"])
        #expect(audit.first?.user == "alice" && audit.first?.result == "success: silence #1")

        // Unknown matcher: a usage error (64), nothing written.
        await #expect(throws: AlertsUsageError.self) {
            _ = try await runner.silence(
                matcher: "engien", duration: .seconds(60), reason: "typo", dryRun: false, now: Self.now)
        }
        #expect(ExitStatus.of(AlertsUsageError(description: "")) == .usage)

        // Unsilence: dry run changes nothing, the real one ends it and is audited.
        let before = try Data(contentsOf: URL(fileURLWithPath: project.database))
        _ = try await project.runner(user: "bob").unsilence("1", dryRun: true, now: Self.now.addingTimeInterval(60))
        #expect(try store.activeSilences(at: Self.now.addingTimeInterval(60)).count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: project.database)) == before)
        _ = try await project.runner(user: "bob").unsilence(
            "trading", dryRun: false, now: Self.now.addingTimeInterval(60))
        #expect(try store.activeSilences(at: Self.now.addingTimeInterval(120)).isEmpty)
        #expect(try store.allSilences().first?.removedAt != nil)
        #expect(try store.auditEntries().last?.command == "alerts unsilence trading")
        await #expect(throws: AlertsUsageError.self) {
            _ = try await runner.unsilence("1", dryRun: false, now: Self.now.addingTimeInterval(180))
        }
    }

    @Test("ack: only a firing key; a dry run writes nothing; the real run records it and an audit row")
    func ackCommand() async throws {
        let project = try Project(try Self.v6())
        try project.firing("unit/trading", .critical, since: Self.now)
        let runner = project.runner()
        await #expect(throws: AlertsUsageError.self) {
            _ = try await runner.ack(key: "unit/dashboard", dryRun: false, now: Self.now)
        }
        let store = try project.store()
        let auditBefore = try store.auditEntries()
        let dry = try await runner.ack(key: "unit/trading", dryRun: true, now: Self.now)
        #expect(dry.plan.changes(of: AcknowledgeAlert.self).map(\.acknowledgement.key) == ["unit/trading"])
        #expect(try store.acknowledgements().isEmpty && store.auditEntries() == auditBefore)
        _ = try await runner.ack(key: "unit/trading", dryRun: false, now: Self.now.addingTimeInterval(30))
        let acks = try store.acknowledgements()
        #expect(acks.map(\.ackedBy) == ["alice"] && acks.first?.severity == .critical)
        #expect(acks.first?.holds(for: try store.monitorState().alerts["unit/trading"]) == true)
        #expect(try store.auditEntries().last?.command == "alerts ack unit/trading")
        // Again: nothing to change.
        let again = try await runner.ack(key: "unit/trading", dryRun: false, now: Self.now.addingTimeInterval(60))
        #expect(again.plan.isEmpty)
    }

    @Test("alerts list shows firing alerts with age, ack and silence, flapping keys and silences; reads only")
    func listOutput() throws {
        var monitor = MonitorState()
        var engine = AlertState()
        engine.firing = true
        engine.firingSeverity = .critical
        engine.firingSince = Self.now.addingTimeInterval(-750)
        engine.lastNotified = Self.now.addingTimeInterval(-150)
        monitor.alerts["unit/trading"] = engine
        var dashboard = AlertState()
        dashboard.flapping = true
        monitor.alerts["http/dashboard"] = dashboard
        monitor.autoHalt.hits = [.init(key: "unit/trading", at: Self.now.addingTimeInterval(-750))]
        let silence = Silence(
            id: 4, matcher: "trading", reason: "broker maintenance", createdBy: "bob",
            createdAt: Self.now.addingTimeInterval(-60), expiresAt: Self.now.addingTimeInterval(7140))
        let ack = Acknowledgement(
            key: "unit/trading", ackedBy: "alice", ackedAt: Self.now, severity: .critical,
            firingSince: engine.firingSince)
        let listing = AlertsListing(
            survey: AlertsSurvey(monitor: monitor, silences: [silence], acknowledgements: [ack]),
            deployment: try Self.v6(), now: Self.now)
        #expect(
            listing.text == """
                KEY           SEVERITY  SINCE                 AGE    LAST NOTIFIED         FLAPPING  ACKED BY  SILENCED
                unit/trading  critical  2027-01-15T07:47:30Z  12min  2027-01-15T07:57:30Z  no        alice     #4
                flapping: http/dashboard

                ID  MATCHER  EXPIRES IN  BY   REASON
                #4  trading  1h 59min    bob  broker maintenance

                auto-halt: 1 of 3 critical alerts in 15min (unit/trading)

                """)
        let json = listing.json
        #expect(json.contains(#""acked_by" : "alice""#) && json.contains(#""expires_in_seconds" : 7140"#))
        #expect(json.contains(#""age_seconds" : 750"#) && json.contains(#""silenced_by" : 4"#))
        let empty = AlertsListing(survey: AlertsSurvey(), deployment: try Self.v6(), now: Self.now)
        #expect(empty.text.hasPrefix("nothing is firing\n\nno active silences\n"))
    }

    @Test("alerts list through the binary: no state DB is created, none is changed")
    func listWritesNothing() throws {
        let dir = TempDir("alerts-list")
        let fresh = try runTradectl(["alerts", "list", "--config", Repo.example("v6"), "--root", dir.path])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.hasPrefix("nothing is firing"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty == true)
        for command in [["alerts"], ["alerts", "silence"], ["alerts", "unsilence"], ["alerts", "ack"]] {
            let help = try runTradectl(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("Examples:"), "\(command)")
        }
        let bad = try runTradectl([
            "alerts", "silence", "trading", "--for", "soon", "--reason", "x", "--config", Repo.example("v6"),
            "--root", dir.path,
        ])
        #expect(bad.status == 64)
        let unknown = try runTradectl([
            "alerts", "ack", "unit/trading", "--config", Repo.example("v6"), "--root", dir.path,
        ])
        #expect(unknown.status == 64, "\(unknown.stderr)")
    }

    // MARK: auto-halt

    @Test("auto-halt counts criticals of kill-switch components in the window: N-1 nothing, the Nth halts")
    func autoHaltPolicy() throws {
        let policy = AutoHaltPolicy(try Self.v6())
        #expect(policy.components == ["trading"])
        var state = AutoHaltState()
        let two = [
            Self.critical("unit/trading", target: "trading"), Self.critical("heartbeat/trading", target: "trading"),
        ]
        #expect(policy.record(two, state: &state, halted: false, now: Self.now) == nil)
        // Not counted: another component, a warning, a reminder.
        var warning = Self.critical("sqlite/trading", target: "trading")
        warning.severity = .warning
        let ignored = [
            Self.critical("http/dashboard", target: "dashboard"), warning,
            Self.critical("unit/trading", target: "trading", kind: .reminder),
        ]
        #expect(policy.record(ignored, state: &state, halted: false, now: Self.now.addingTimeInterval(10)) == nil)
        #expect(state.hits.count == 2)
        // Outside the window: the first two no longer count.
        var late = state
        let third = [Self.critical("recovery/trading", target: "trading", kind: .escalation)]
        #expect(policy.record(third, state: &late, halted: false, now: Self.now.addingTimeInterval(900)) == nil)
        #expect(late.hits.count == 1)
        // Within it: the third halts.
        let reason = policy.record(third, state: &state, halted: false, now: Self.now.addingTimeInterval(600))
        #expect(reason == "auto-halt: 3 critical alerts in 15min: unit/trading, heartbeat/trading, recovery/trading")
        #expect(state.pending == reason)
        // Once halted: nothing counts, nothing pending.
        #expect(policy.record(two, state: &state, halted: true, now: Self.now.addingTimeInterval(610)) == nil)
        #expect(state == AutoHaltState())
        var off = try Self.v6()
        off.killSwitch.autoHaltAfter = 0
        var untouched = AutoHaltState()
        #expect(AutoHaltPolicy(off).record(two + third, state: &untouched, halted: false, now: Self.now) == nil)
    }

    @Test("auto-halt runs halt's plan: flag, graceful stop, audit by tradectl-monitor, one alert; never twice")
    func autoHaltRun() async throws {
        let project = try Project(
            try Self.v6(), states: ["v6-trading.service": "active", "v6-trading-restart.timer": "active"])
        let halter = MonitorAutoHalt(suite: project.suite(), logger: quietLogger)
        let store = try project.store()
        var state = AutoHaltState()
        let first = [
            Self.critical("unit/trading", target: "trading"), Self.critical("heartbeat/trading", target: "trading"),
        ]
        #expect(await halter.run(first, state: &state, halted: false, now: Self.now, host: "h", store: store).isEmpty)
        #expect(project.manager.recorded.isEmpty)
        let third = [Self.critical("recovery/trading", target: "trading", kind: .escalation)]
        let alerts = await halter.run(
            third, state: &state, halted: false, now: Self.now.addingTimeInterval(30), host: "h", store: store)
        #expect(alerts.map(\.key) == ["auto-halt"] && alerts.first?.kind == .escalation)
        #expect(alerts.first?.severity == .critical && alerts.first?.check == "auto-halt")
        #expect(alerts.first?.summary.contains("unit/trading, heartbeat/trading, recovery/trading") == true)
        let flag = try #require(KillSwitch(project.deployment).state(project.fileSystem))
        #expect(flag.by == "tradectl-monitor")
        #expect(flag.reason.hasPrefix("auto-halt: 3 critical alerts in 15min"))
        #expect(project.manager.recorded == ["stop v6-trading-restart.timer", "stop v6-trading.service"])
        let audit = try store.auditEntries()
        #expect(audit.map(\.user) == ["tradectl-monitor"])
        #expect(audit.first?.command.hasPrefix("halt: auto-halt: 3 critical alerts") == true)
        #expect(state == AutoHaltState())
        // The next cycles see the kill switch on: no second halt, whatever fires.
        let more = await halter.run(
            first + third, state: &state, halted: true, now: Self.now.addingTimeInterval(60), host: "h", store: store)
        #expect(more.isEmpty && project.manager.recorded.count == 2)
        #expect(try store.auditEntries().count == 1)
    }

    @Test("auto-halt while a deploy holds the lock: one alert saying so, retried next cycle")
    func autoHaltLockHeld() async throws {
        var deployment = try Self.v6()
        deployment.killSwitch.autoHaltAfter = 1
        let project = try Project(deployment, states: ["v6-trading.service": "active"])
        let halter = MonitorAutoHalt(suite: project.suite(), logger: quietLogger)
        let store = try project.store()
        var state = AutoHaltState()
        var lock: ProjectLock? = try ProjectLock(
            path: project.fileSystem.hostPath(project.layout.lockFile), command: "deploy")
        let failed = await halter.run(
            [Self.critical("unit/trading", target: "trading")], state: &state, halted: false, now: Self.now, host: "h",
            store: store)
        #expect(failed.count == 1 && failed.first?.summary.contains("auto-halt FAILED") == true)
        #expect(state.pending != nil && !KillSwitch(deployment).isEngaged(project.fileSystem))
        let quiet = await halter.run(
            [], state: &state, halted: false, now: Self.now.addingTimeInterval(15), host: "h", store: store)
        #expect(quiet.isEmpty, "the failure is announced once")
        #expect(lock != nil)
        lock = nil  // the deploy is over
        // Next cycle, outside the window even: the pending halt is carried out.
        let done = await halter.run(
            [], state: &state, halted: false, now: Self.now.addingTimeInterval(3600), host: "h", store: store)
        #expect(done.first?.summary.contains("kill switch engaged by the monitor") == true)
        #expect(KillSwitch(deployment).isEngaged(project.fileSystem))
    }

    // MARK: the cycle

    /// Records what the cycle hands to the notifiers.
    actor RecordingSink: AlertSink {
        var sent: [(Alert, [String])] = []
        func enqueue(_ alert: Alert, to receivers: [String]) async { sent.append((alert, receivers)) }
        func enqueue(_ alert: Alert, to receivers: [String], tickets: [String: Int64], journal: Bool) async {
            sent.append((alert, receivers))
        }
        func stats() async -> [MonitorSnapshot.NotifierSample] { [] }
    }

    @Test("the cycle keeps silenced alerts from receivers, marks them for the journal, and counts them")
    func cycleSilences() async throws {
        var deployment = try Self.v6()
        deployment.monitor.alertAfter = 1
        deployment.monitor.autoRestart = false
        deployment.killSwitch.autoHaltAfter = 0
        deployment.alerts.webhookURL = "http://127.0.0.1:9/hook"
        deployment.alerts.minSeverity = .info
        let project = try Project(deployment, states: ["v6-trading.service": "failed"])
        try project.store().addSilence(
            matcher: "trading", reason: "maintenance", by: "alice", at: Date().addingTimeInterval(-60),
            expires: Date().addingTimeInterval(3600))
        let sink = RecordingSink()
        let cycle = MonitorCycle(suite: project.suite(), sink: sink, logger: quietLogger, host: "h")
        let snapshot = await cycle.run(journal: { JournalFollower.Batch() })
        let sent = await sink.sent
        let engine = try #require(sent.first { $0.0.key == "unit/trading" })
        #expect(engine.1.isEmpty, "a silenced alert reached \(engine.1)")
        #expect(engine.0.summary.hasSuffix("[silenced #1 by alice: maintenance]"))
        #expect((snapshot.muted["silenced"] ?? 0) >= 1)
        // Its state advanced all the same: firing, so the silence's end brings a reminder.
        #expect(try project.store().monitorState().alerts["unit/trading"]?.firing == true)
        let dashboard = sent.first { $0.0.target == "dashboard" && $0.0.kind == .firing }
        #expect(dashboard.map { !$0.1.isEmpty } ?? true, "an unsilenced alert reached no receiver")
    }
}
