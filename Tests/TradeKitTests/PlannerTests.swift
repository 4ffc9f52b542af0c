import Foundation
import Logging
import Testing

@testable import TradeKit

/// A service manager that answers from a table and records nothing: plans only.
struct FakeServiceManager: ServiceManager {
    var states: [String: String]
    func status(of units: [String]) async throws -> [String: UnitStatus] {
        var result: [String: UnitStatus] = [:]
        for unit in units {
            let state = states[unit] ?? "inactive"
            result[unit] = UnitStatus(
                name: unit, loadState: "loaded", activeState: state, subState: state == "active" ? "running" : "dead",
                result: "success", restarts: 0, mainPID: 0, unitFileState: "enabled")
        }
        return result
    }
    func properties(_ names: [String], of units: [String]) async throws -> [String: [String: String]] { [:] }
    func daemonReload() async throws {}
    func perform(_ verb: UnitVerb, units: [String]) async throws {}
}

/// Plans from real probes of a temp root and a fake manager: which systemctl actions deploy chooses.
@Suite("Deploy planner")
struct PlannerTests {
    let dir = TempDir()

    func setUp() async throws -> (Deployment, DeployRequest, RootedFileSystem) {
        // User scope: the planner's choices do not depend on a `v6` account existing here.
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        deployment.project.scope = .user
        let fs = RootedFileSystem(root: "\(dir.path)/root")
        let offline = DeployRequest(
            offline: true, tradectlPath: "/usr/local/bin/tradectl",
            environment: ["TRADECTL_TEMPLATES_DIR": "\(Repo.root)/templates", "HOME": "/home/op"],
            user: "test")
        let runner = DeployRunner(
            deployment: deployment, request: offline, fileSystem: fs,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        _ = try await runner.run(dryRun: false)
        var online = offline
        online.offline = false
        return (deployment, online, fs)
    }

    func plan(
        _ deployment: Deployment, _ request: DeployRequest, _ fs: FileSystem, states: [String: String]
    ) async throws -> Plan {
        let runner = DeployRunner(
            deployment: deployment, request: request, fileSystem: fs,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await runner.makePlan(services: FakeServiceManager(states: states)).0
    }

    static let services = [
        "v6-trading.service", "v6-dashboard.service", "v6-position-sync.service", "v6-gateway.service",
    ]
    static let allActive = Dictionary(
        uniqueKeysWithValues: (services + [
            "v6-trading-restart.timer", "v6-backup.timer", "v6-health.timer", "v6-monitor.service",
            "v6-logrotate.timer",
        ]).map { ($0, "active") })

    @Test("everything installed and running: nothing to do")
    func nothingToDo() async throws {
        let (deployment, request, fs) = try await setUp()
        let plan = try await plan(deployment, request, fs, states: Self.allActive)
        #expect(plan.changes.isEmpty, "\(PlanRenderer.text(plan))")
    }

    @Test("installed but stopped: start without daemon-reload, then the health gate")
    func startsStoppedUnits() async throws {
        let (deployment, request, fs) = try await setUp()
        var states = Self.allActive
        states["v6-dashboard.service"] = "inactive"
        let plan = try await plan(deployment, request, fs, states: states)
        #expect(plan.changes.map(\.effect.typeName) == ["systemctl.start", "health-gate"])
        #expect(plan.changes.first?.effect.target == "v6-dashboard.service")
    }

    @Test("a changed unit file: diff, daemon-reload, restart of that unit only")
    func restartsChangedUnit() async throws {
        let (deployment, request, fs) = try await setUp()
        let path = "/home/op/.config/systemd/user/v6-dashboard.service"
        let old = String(decoding: fs.read(path)!, as: UTF8.self).replacingOccurrences(
            of: "TimeoutStopSec=10s", with: "TimeoutStopSec=99s")
        try fs.writeAtomically(path, data: Data(old.utf8), mode: 0o644, owner: nil)
        let plan = try await plan(deployment, request, fs, states: Self.allActive)
        let types = plan.changes.map(\.effect.typeName)
        #expect(types == ["file", "systemctl.daemon-reload", "systemctl.restart", "health-gate"])
        #expect(plan.changes[0].diff?.contains("-TimeoutStopSec=99s\n+TimeoutStopSec=10s") == true)
        #expect(plan.changes[2].effect.target == "v6-dashboard.service")
    }

    @Test("a unit of a removed component is stopped, disabled and deleted")
    func removesStaleUnits() async throws {
        let (deployment, request, fs) = try await setUp()
        try fs.writeAtomically(
            "/home/op/.config/systemd/user/v6-oldbot.service", data: Data("[Service]\nExecStart=/bin/true\n".utf8),
            mode: 0o644, owner: nil)
        var states = Self.allActive
        states["v6-oldbot.service"] = "active"
        let plan = try await plan(deployment, request, fs, states: states)
        let summary = plan.changes.map { "\($0.effect.typeName) \($0.effect.target)" }
        #expect(summary.contains("systemctl.stop v6-oldbot.service"))
        #expect(summary.contains("remove /home/op/.config/systemd/user/v6-oldbot.service"))
        #expect(summary.contains("systemctl.daemon-reload "))
    }

    @Test("a new source: new release, switch, restart of every service")
    func newRelease() async throws {
        let (deployment, request, fs) = try await setUp()
        var changed = deployment
        let source = TempDir()
        try FileManager.default.copyItem(atPath: deployment.releases.source, toPath: "\(source.path)/app")
        _ = source.write("app/VERSION", "2\n")
        changed.releases.source = "\(source.path)/app"
        let plan = try await plan(changed, request, fs, states: Self.allActive)
        let types = plan.changes.map(\.effect.typeName)
        #expect(types.contains("release"))
        #expect(types.contains("finalize"))
        let switchIndex = try #require(plan.changes.firstIndex { $0.effect.target.hasSuffix("/current") })
        let finalizeIndex = try #require(plan.changes.firstIndex { $0.effect.typeName == "finalize" })
        #expect(finalizeIndex < switchIndex, "current must move only after the release is complete")
        let restart = try #require(plan.changes.first { $0.effect.typeName == "systemctl.restart" })
        // The installed config names the new source, so the monitor restarts to read it too.
        #expect(
            Set(restart.effect.target.split(separator: " ").map(String.init))
                == Set(Self.services + ["v6-monitor.service"]))
    }

    @Test("a routed receiver whose secret variable is unset is named in the plan, never a value")
    func receiverSecretMissing() async throws {
        let (deployment, request, fs) = try await setUp()
        let env = fs.hostPath("\(deployment.project.root)/shared/.env")
        let text = try String(contentsOfFile: env, encoding: .utf8)
        #expect(try await plan(deployment, request, fs, states: Self.allActive).notes.isEmpty)
        let without = text.split(separator: "\n").filter { !$0.hasPrefix("ALERT_WEBHOOK_URL=") }.joined(separator: "\n")
        try without.write(toFile: env, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: env)
        let notes = try await plan(deployment, request, fs, states: Self.allActive).notes
        #expect(
            notes.contains { $0.hasPrefix("receiver desk: ALERT_WEBHOOK_URL is not set in shared/.env") }, "\(notes)")
        #expect(!notes.joined().contains("127.0.0.1:9099"))
    }

    @Test("a config change alone restarts the monitor, which reads the installed config once at start")
    func configChangeRestartsMonitor() async throws {
        let (deployment, request, fs) = try await setUp()
        var changed = deployment
        changed.alerts.routes[0].minSeverity = .critical
        let plan = try await plan(changed, request, fs, states: Self.allActive)
        let summary = plan.changes.map { "\($0.effect.typeName) \($0.effect.target)" }
        #expect(summary.contains("systemctl.restart v6-monitor.service"), "\(summary)")
        #expect(
            !summary.contains { $0.hasPrefix("systemctl.restart") && $0.contains("v6-trading.service") }, "\(summary)")
    }
}
