import Foundation
import Logging
import Testing

@testable import TradeKit

/// A service manager that answers from a table and records every verb; stop/start change the table.
final class RecordingServiceManager: ServiceManager, @unchecked Sendable {
    private let lock = NSLock()
    private var states: [String: String]
    private(set) var calls: [String] = []

    init(states: [String: String]) { self.states = states }

    func status(of units: [String]) async throws -> [String: UnitStatus] {
        lock.withLock {
            var result: [String: UnitStatus] = [:]
            for unit in units {
                let state = states[unit] ?? "inactive"
                result[unit] = UnitStatus(
                    name: unit, loadState: "loaded", activeState: state,
                    subState: state == "active" ? "running" : "dead",
                    result: "success", restarts: 0, mainPID: 0, unitFileState: "enabled")
            }
            return result
        }
    }

    func properties(_ names: [String], of units: [String]) async throws -> [String: [String: String]] { [:] }

    func daemonReload() async throws { lock.withLock { calls.append("daemon-reload") } }

    func perform(_ verb: UnitVerb, units: [String]) async throws {
        lock.withLock {
            calls.append("\(verb.rawValue) \(units.joined(separator: " "))")
            for unit in units {
                if verb == .stop { states[unit] = "inactive" }
                if verb == .start || verb == .restart { states[unit] = "active" }
            }
        }
    }

    var recorded: [String] { lock.withLock { calls } }
}

let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

@Suite("Halt and resume plans")
struct IncidentPlanTests {
    static func v6() throws -> Deployment {
        try ConfigLoader(environment: [:]).load(path: Repo.example("v6")).0
    }

    static let running: [String: UnitStatus] = [
        "v6-trading.service": status("v6-trading.service", "active"),
        "v6-trading-restart.timer": status("v6-trading-restart.timer", "active"),
        "v6-trading-restart.service": status("v6-trading-restart.service", "inactive"),
    ]
    static let stopped: [String: UnitStatus] = running.mapValues {
        status($0.name, $0.name == "v6-trading.service" ? "failed" : "inactive")
    }

    static func status(_ name: String, _ state: String) -> UnitStatus {
        UnitStatus(
            name: name, loadState: "loaded", activeState: state, subState: "", result: "success", restarts: 0,
            mainPID: 0,
            unitFileState: "enabled")
    }

    static func summary(_ plan: Plan) -> [String] {
        plan.changes.map { "\($0.effect.typeName) \($0.effect.target)" }
    }

    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("halt: flag first, then the restart timer, then a plain graceful stop of the engine")
    func haltRunning() throws {
        let planner = IncidentPlanner(
            deployment: try Self.v6(), survey: IncidentSurvey(flag: nil, unitStatuses: Self.running), offline: false)
        let plan = planner.halt(reason: "broker returns stale quotes", user: "alice", now: Self.now)
        #expect(
            Self.summary(plan) == [
                "file /opt/v6-trading/shared/KILL", "systemctl.stop v6-trading-restart.timer",
                "systemctl.stop v6-trading.service",
            ])
        guard let written = plan.actions[0].effect(as: WriteFile.self) else {
            Issue.record("first action is not the flag file")
            return
        }
        #expect(
            String(decoding: written.content, as: UTF8.self)
                == "broker returns stale quotes (halted by alice at 2026-11-18T11:06:40Z)\n")
        #expect(written.mode == 0o644 && !written.secret)
        #expect(plan.actions[0].change == .create)
        // dashboard and position-sync are not in kill_switch.components: left alone.
        #expect(!PlanRenderer.text(plan).contains("dashboard"))
    }

    @Test("halt when halted: no reason changes nothing; a new reason keeps who and when")
    func haltTwice() throws {
        let flag = Data("old reason (halted by alice at 2026-11-18T11:06:40Z)\n".utf8)
        let planner = IncidentPlanner(
            deployment: try Self.v6(), survey: IncidentSurvey(flag: flag, unitStatuses: Self.stopped), offline: false)
        let again = planner.halt(reason: nil, user: "bob", now: Self.now.addingTimeInterval(600))
        #expect(again.isEmpty, "\(PlanRenderer.text(again))")
        let updated = planner.halt(reason: "still stale", user: "bob", now: Self.now.addingTimeInterval(600))
        #expect(Self.summary(updated) == ["file /opt/v6-trading/shared/KILL"])
        guard let content = updated.changes[0].effect(as: WriteFile.self)?.content else { return }
        #expect(String(decoding: content, as: UTF8.self) == "still stale (halted by alice at 2026-11-18T11:06:40Z)\n")
        #expect(updated.changes[0].note == "already halted; reason updated")
    }

    @Test("halt when halted by hand keeps the hand-written flag; an engine started meanwhile is stopped again")
    func haltOverHandWrittenFlag() throws {
        let planner = IncidentPlanner(
            deployment: try Self.v6(),
            survey: IncidentSurvey(flag: Data("broker down\n".utf8), unitStatuses: Self.running), offline: false)
        let plan = planner.halt(reason: nil, user: "bob", now: Self.now)
        #expect(Self.summary(plan) == ["systemctl.stop v6-trading-restart.timer", "systemctl.stop v6-trading.service"])
    }

    @Test("resume: flag removed, reset-failed, start, then the health gate on the engine")
    func resumeStopped() throws {
        let flag = Data("x (halted by alice at 2026-11-18T11:06:40Z)\n".utf8)
        let planner = IncidentPlanner(
            deployment: try Self.v6(), survey: IncidentSurvey(flag: flag, unitStatuses: Self.stopped), offline: false)
        let plan = planner.resume()
        #expect(
            Self.summary(plan) == [
                "remove /opt/v6-trading/shared/KILL",
                "systemctl.reset-failed v6-trading.service v6-trading-restart.timer",
                "systemctl.start v6-trading.service v6-trading-restart.timer",
                "health-gate v6-trading.service v6-trading-restart.timer",
            ])
        guard let spec = plan.changes[3].effect(as: WaitHealthy.self)?.spec else { return }
        #expect(spec.targets.map(\.component) == ["trading"])
        #expect(spec.timers == ["v6-trading-restart.timer"])
        #expect(!PlanRenderer.text(plan).contains("dashboard"))
    }

    @Test("resume when not halted and running: nothing to do, and it says so")
    func resumeNotHalted() throws {
        let planner = IncidentPlanner(
            deployment: try Self.v6(), survey: IncidentSurvey(flag: nil, unitStatuses: Self.running), offline: false)
        let plan = planner.resume()
        #expect(plan.isEmpty)
        #expect(plan.notes.contains { $0.contains("not engaged") })
    }

    @Test("a oneshot trading component: halt stops its timer (and a running run); resume starts only the timer")
    func oneshotComponent() throws {
        let deployment = try ConfigLoader(environment: [:]).load(path: Repo.example("thetagang")).0
        #expect(KillSwitch(deployment).units.startable == ["thetagang-seller.timer"])
        let statuses = [
            "thetagang-seller.timer": Self.status("thetagang-seller.timer", "active"),
            "thetagang-seller.service": Self.status("thetagang-seller.service", "activating"),
        ]
        let halt = IncidentPlanner(
            deployment: deployment, survey: IncidentSurvey(flag: nil, unitStatuses: statuses), offline: false
        )
        .halt(reason: nil, user: "alice", now: Self.now)
        #expect(
            Self.summary(halt) == [
                "file /opt/thetagang/shared/state/KILL", "systemctl.stop thetagang-seller.timer",
                "systemctl.stop thetagang-seller.service",
            ])
        let resume = IncidentPlanner(
            deployment: deployment, survey: IncidentSurvey(flag: Data("x\n".utf8), unitStatuses: [:]), offline: false
        ).resume()
        #expect(
            resume.changes.filter { $0.effect.typeName == "systemctl.start" }.map(\.effect.target) == [
                "thetagang-seller.timer"
            ])
    }

    @Test("offline or without a manager: only the flag, with a note saying what was not done")
    func withoutManager() throws {
        let offline = IncidentPlanner(
            deployment: try Self.v6(), survey: IncidentSurvey(flag: nil, unitStatuses: nil), offline: true)
        let plan = offline.halt(reason: nil, user: "alice", now: Self.now)
        #expect(Self.summary(plan) == ["file /opt/v6-trading/shared/KILL"])
        #expect(plan.notes.contains { $0.contains("offline") && $0.contains("v6-trading.service") })
        // An example whose kill switch holds nothing: the flag alone.
        let ivcrush = try ConfigLoader(environment: [:]).load(path: Repo.example("ivcrush")).0
        let none = IncidentPlanner(
            deployment: ivcrush, survey: IncidentSurvey(flag: nil, unitStatuses: [:]), offline: false
        )
        .halt(reason: nil, user: "alice", now: Self.now)
        #expect(none.changes.map(\.effect.typeName) == ["file"])
        #expect(none.notes.contains { $0.contains("kill_switch.components is empty") })
    }

    @Test("the flag line round-trips; hand-written text is a reason")
    func flagFormat() {
        let flag = KillSwitchFlag(reason: "stale (quotes) from broker", by: "alice", at: Self.now)
        #expect(KillSwitchFlag.parse(flag.text) == flag)
        let bare = KillSwitchFlag(reason: "", by: "bob", at: Self.now)
        #expect(bare.text == "halted by bob at 2026-11-18T11:06:40Z\n")
        #expect(KillSwitchFlag.parse(bare.text) == bare)
        #expect(KillSwitchFlag.parse("broker down\n") == KillSwitchFlag(reason: "broker down", by: nil, at: nil))
        #expect(KillSwitchFlag.problem(inReason: "two\nlines") != nil)
        #expect(KillSwitchFlag.problem(inReason: "fine, one line") == nil)
    }

    @Test("every component unit gets TRADECTL_KILL_SWITCH; tradectl's own units do not")
    func unitEnvironment() throws {
        var deployment = try Self.v6()
        deployment.killSwitch.file = "/srv/v6 flags/KILL 100%"
        let templates = try TemplateSet.load(projectDirectory: nil, builtinDirectory: "\(Repo.root)/templates")
        let units = try UnitRenderer(
            deployment: deployment, templates: templates, tradectlPath: "/usr/local/bin/tradectl"
        ).render()
        for name in ["v6-trading.service", "v6-dashboard.service", "v6-position-sync.service"] {
            let unit = try #require(units.first { $0.name == name })
            #expect(
                unit.content.contains("Environment=\"TRADECTL_KILL_SWITCH=/srv/v6 flags/KILL 100%%\""),
                "\(unit.content)")
        }
        for unit in units where unit.component == nil || unit.isTimer || unit.name.hasSuffix("-restart.service") {
            #expect(!unit.content.contains("TRADECTL_KILL_SWITCH"), "\(unit.name)")
        }
    }
}

/// Halt and resume applied through the Executor, on an offline-deployed root and a recording manager.
@Suite("Halt and resume runner")
struct IncidentRunnerTests {
    func deployed() throws -> (TempDir, Deployment, RootedFileSystem) {
        let dir = TempDir()
        let root = "\(dir.path)/root"
        let deploy = try runTradectl(["deploy", "--config", Repo.example("v6"), "--root", root, "--quiet"])
        try #require(deploy.status == 0, "\(deploy.stderr)")
        let deployment = try ConfigLoader(environment: [:]).load(path: Repo.example("v6")).0
        return (dir, deployment, RootedFileSystem(root: root))
    }

    @Test("halt writes the flag, stops the engine, audits; a second halt changes nothing and is audited too")
    func haltApplies() async throws {
        let (dir, deployment, fs) = try deployed()
        let manager = RecordingServiceManager(states: [
            "v6-trading.service": "active", "v6-trading-restart.timer": "active",
        ])
        var runner = IncidentRunner(
            deployment: deployment, fileSystem: fs, environment: [:], offline: false, logger: quietLogger, user: "alice"
        )
        runner.services = manager
        let first = try await runner.halt(reason: "broker down", dryRun: false)
        #expect(first.applied && !first.wasHalted)
        #expect(manager.recorded == ["stop v6-trading-restart.timer", "stop v6-trading.service"])
        let flag = try #require(KillSwitch(deployment).state(fs))
        #expect(flag.reason == "broker down" && flag.by == "alice")
        let info = try #require(fs.info("/opt/v6-trading/shared/KILL"))
        #expect(info.mode == 0o644)
        let second = try await runner.halt(reason: nil, dryRun: false)
        #expect(second.wasHalted && second.plan.isEmpty)
        #expect(manager.recorded.count == 2)
        let audit = try AuditLog(layout: DeployLayout(deployment, environment: [:]), fileSystem: fs).entries()
        #expect(audit.suffix(2).map(\.command) == ["halt: broker down", "halt"])
        #expect(audit.suffix(2).map(\.user) == ["alice", "alice"])
        #expect(audit.last?.result == "success: 0 changes (already halted)")
        withExtendedLifetime(dir) {}
    }

    @Test("dry-run plans without the lock, the flag or an audit row")
    func dryRunTouchesNothing() async throws {
        let (dir, deployment, fs) = try deployed()
        var runner = IncidentRunner(
            deployment: deployment, fileSystem: fs, environment: [:], offline: false, logger: quietLogger)
        let manager = RecordingServiceManager(states: ["v6-trading.service": "active"])
        runner.services = manager
        let before = try AuditLog(layout: DeployLayout(deployment, environment: [:]), fileSystem: fs).entries().count
        let outcome = try await runner.halt(reason: "x", dryRun: true)
        #expect(!outcome.applied && outcome.plan.changes.count == 2)
        #expect(fs.info("/opt/v6-trading/shared/KILL") == nil)
        #expect(manager.recorded.isEmpty)
        #expect(
            try AuditLog(layout: DeployLayout(deployment, environment: [:]), fileSystem: fs).entries().count == before)
        withExtendedLifetime(dir) {}
    }
}

@Suite("Resume before deploy")
struct ResumeNotInstalledTests {
    @Test("units systemd does not know are not started; the note says to deploy")
    func notInstalled() throws {
        let deployment = try ConfigLoader(environment: [:]).load(path: Repo.example("v6")).0
        let unknown = Dictionary(
            uniqueKeysWithValues: KillSwitch(deployment).units.all.map {
                (
                    $0,
                    UnitStatus(
                        name: $0, loadState: "not-found", activeState: "inactive", subState: "dead", result: "success",
                        restarts: 0, mainPID: 0, unitFileState: "")
                )
            })
        let plan = IncidentPlanner(
            deployment: deployment, survey: IncidentSurvey(flag: Data("x\n".utf8), unitStatuses: unknown),
            offline: false
        )
        .resume()
        #expect(plan.changes.map(\.effect.typeName) == ["remove"])
        #expect(plan.notes.contains { $0.contains("not installed: run tradectl deploy") })
    }
}
