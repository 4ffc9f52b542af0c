import Foundation
import Testing

@testable import TradeKit

/// A manager whose oneshot ends with `exitStatus`: start fails like systemd's job does for a
/// non-zero status, and the properties say how the program ended.
final class OneshotManager: ServiceManager, @unchecked Sendable {
    private let lock = NSLock()
    var exitStatus: Int
    var activeState: String
    private(set) var calls: [String] = []

    init(exitStatus: Int, activeState: String = "inactive") {
        self.exitStatus = exitStatus
        self.activeState = activeState
    }

    func status(of units: [String]) async throws -> [String: UnitStatus] {
        let state = lock.withLock { activeState }
        return Dictionary(
            uniqueKeysWithValues: units.map {
                (
                    $0,
                    UnitStatus(
                        name: $0, loadState: "loaded", activeState: state, subState: "dead", result: "success",
                        restarts: 0, mainPID: 0, unitFileState: "static")
                )
            })
    }

    func properties(_ names: [String], of units: [String]) async throws -> [String: [String: String]] {
        let status = lock.withLock { exitStatus }
        let fields = [
            "Result": status == 0 ? "success" : "exit-code", "ExecMainStatus": "\(status)", "ExecMainCode": "1",
        ]
        return Dictionary(uniqueKeysWithValues: units.map { ($0, fields) })
    }

    func daemonReload() async throws {}

    func perform(_ verb: UnitVerb, units: [String]) async throws {
        let status = lock.withLock {
            calls.append("\(verb.rawValue) \(units.joined(separator: " "))")
            return exitStatus
        }
        if verb == .start, status != 0 {
            throw UnitJobFailed(verb: .start, unit: units[0], result: "failed", unitResult: "exit-code")
        }
    }

    var recorded: [String] { lock.withLock { calls } }
}

@Suite("tradectl run: plans")
struct ComponentRunPlanTests {
    static func thetagang() throws -> Deployment {
        try ConfigLoader(environment: [:]).load(path: Repo.example("thetagang")).0
    }

    static func status(_ active: String, load: String = "loaded") -> UnitStatus {
        UnitStatus(
            name: "thetagang-seller.service", loadState: load, activeState: active, subState: "", result: "success",
            restarts: 0, mainPID: 0, unitFileState: "static")
    }

    static func summary(_ plan: Plan) -> [String] {
        plan.changes.map { "\($0.effect.typeName) \($0.effect.target)" }
    }

    @Test("an idle oneshot: one run action on its service")
    func idle() throws {
        let planner = ComponentRunPlanner(
            deployment: try Self.thetagang(), survey: RunSurvey(halted: nil, status: Self.status("inactive")),
            offline: false)
        #expect(Self.summary(try planner.plan(component: "seller", force: false)) == ["run thetagang-seller.service"])
    }

    @Test("a oneshot left failed is reset first")
    func resetsFailed() throws {
        let planner = ComponentRunPlanner(
            deployment: try Self.thetagang(), survey: RunSurvey(halted: nil, status: Self.status("failed")),
            offline: false)
        #expect(
            Self.summary(try planner.plan(component: "seller", force: false)) == [
                "systemctl.reset-failed thetagang-seller.service", "run thetagang-seller.service",
            ])
    }

    @Test("a trading oneshot is refused while halted; --force plans it and says so")
    func killSwitch() throws {
        let halted = KillSwitchFlag(reason: "broker down", by: "alice", at: nil)
        let planner = ComponentRunPlanner(
            deployment: try Self.thetagang(), survey: RunSurvey(halted: halted, status: Self.status("inactive")),
            offline: false)
        #expect(throws: RunRefused.self) { try planner.plan(component: "seller", force: false) }
        do {
            _ = try planner.plan(component: "seller", force: false)
        } catch {
            #expect("\(error)".contains("broker down") && "\(error)".contains("--force"))
            #expect(ExitStatus.of(error) == .failure)
        }
        let forced = try planner.plan(component: "seller", force: true)
        #expect(Self.summary(forced) == ["run thetagang-seller.service"])
        #expect(forced.changes.first?.note?.contains("--force") == true)
    }

    @Test("a component outside the kill switch runs while halted")
    func notHeld() throws {
        var deployment = try Self.thetagang()
        deployment.killSwitch.components = []
        let planner = ComponentRunPlanner(
            deployment: deployment,
            survey: RunSurvey(halted: KillSwitchFlag(reason: "x", by: nil, at: nil), status: Self.status("inactive")),
            offline: false)
        #expect(Self.summary(try planner.plan(component: "seller", force: false)) == ["run thetagang-seller.service"])
    }

    @Test("unknown names and services are usage errors (64); an uninstalled unit is refused")
    func refusals() throws {
        let deployment = try ConfigLoader(environment: [:]).load(path: Repo.example("databento")).0
        let planner = ComponentRunPlanner(
            deployment: deployment, survey: RunSurvey(halted: nil, status: Self.status("inactive", load: "not-found")),
            offline: false)
        for name in ["nope", "status"] {
            #expect(throws: RunUsageError.self) { try planner.plan(component: name, force: false) }
        }
        #expect(throws: RunRefused.self) { try planner.plan(component: "pull", force: false) }
        #expect(ExitStatus.of(RunUsageError(description: "")) == .usage)
    }

    @Test("offline: nothing to apply, a note on what to do on the target")
    func offline() throws {
        let planner = ComponentRunPlanner(
            deployment: try Self.thetagang(), survey: RunSurvey(halted: nil, status: nil), offline: true)
        let plan = try planner.plan(component: "seller", force: false)
        #expect(plan.isEmpty)
        #expect(plan.notes.joined().contains("tradectl run seller"))
    }
}

@Suite("tradectl run: applied")
struct ComponentRunApplyTests {
    func deployed() throws -> (TempDir, Deployment, RootedFileSystem) {
        let dir = TempDir()
        let root = "\(dir.path)/root"
        let deploy = try runTradectl(["deploy", "--config", Repo.example("thetagang"), "--root", root, "--quiet"])
        try #require(deploy.status == 0, "\(deploy.stderr)")
        let deployment = try ConfigLoader(environment: [:]).load(path: Repo.example("thetagang")).0
        return (dir, deployment, RootedFileSystem(root: root))
    }

    func runner(_ deployment: Deployment, _ fs: RootedFileSystem, _ manager: OneshotManager) -> ComponentRunner {
        var runner = ComponentRunner(
            deployment: deployment, fileSystem: fs, environment: [:], offline: false, logger: quietLogger,
            user: "alice")
        runner.services = manager
        return runner
    }

    @Test("a succeeding run returns its result and is audited")
    func success() async throws {
        let (dir, deployment, fs) = try deployed()
        let manager = OneshotManager(exitStatus: 0, activeState: "failed")
        let outcome = try await runner(deployment, fs, manager).run(component: "seller", force: false, dryRun: false)
        #expect(
            outcome.result
                == OneshotResult(component: "seller", unit: "thetagang-seller.service", result: "success", status: 0))
        #expect(manager.recorded == ["reset-failed thetagang-seller.service", "start thetagang-seller.service"])
        let audit = try AuditLog(layout: DeployLayout(deployment, environment: [:]), fileSystem: fs).entries()
        #expect(audit.last?.command == "run seller" && audit.last?.result == "success: exit status 0")
        withExtendedLifetime(dir) {}
    }

    @Test("a failing run throws naming Result and ExecMainStatus (exit 1); forced while halted is audited")
    func failure() async throws {
        let (dir, deployment, fs) = try deployed()
        try fs.writeAtomically(KillSwitch(deployment).file, data: Data("broker down\n".utf8), mode: 0o644, owner: nil)
        let manager = OneshotManager(exitStatus: 3)
        do {
            _ = try await runner(deployment, fs, manager).run(component: "seller", force: true, dryRun: false)
            Issue.record("a failing run must throw")
        } catch let error as ApplyError {
            let failed = try #require(error.underlying as? ComponentRunFailed)
            #expect(failed.outcome.result == "exit-code" && failed.outcome.status == 3)
            #expect("\(error)".contains("Result=exit-code") && "\(error)".contains("ExecMainStatus=3"))
            #expect(ExitStatus.of(error) == .failure)
        }
        let audit = try AuditLog(layout: DeployLayout(deployment, environment: [:]), fileSystem: fs).entries()
        #expect(audit.last?.command == "run seller --force")
        #expect(audit.last?.result.hasPrefix("failed:") == true)
        #expect(audit.last?.result.contains("ExecMainStatus=3") == true)
        withExtendedLifetime(dir) {}
    }

    @Test("dry-run starts nothing and records nothing")
    func dryRun() async throws {
        let (dir, deployment, fs) = try deployed()
        let manager = OneshotManager(exitStatus: 0)
        let layout = DeployLayout(deployment, environment: [:])
        let before = try AuditLog(layout: layout, fileSystem: fs).entries().count
        let outcome = try await runner(deployment, fs, manager).run(component: "seller", force: false, dryRun: true)
        #expect(outcome.result == nil && outcome.plan.changes.count == 1)
        #expect(manager.recorded.isEmpty)
        #expect(try AuditLog(layout: layout, fileSystem: fs).entries().count == before)
        withExtendedLifetime(dir) {}
    }

    @Test("another tradectl holding the project lock: exit 75, nothing started")
    func locked() async throws {
        let (dir, deployment, fs) = try deployed()
        let layout = DeployLayout(deployment, environment: [:])
        let lock = try ProjectLock(path: fs.hostPath(layout.lockFile), command: "backup")
        let manager = OneshotManager(exitStatus: 0)
        do {
            _ = try await runner(deployment, fs, manager).run(component: "seller", force: false, dryRun: false)
            Issue.record("the lock is held: run must not start")
        } catch {
            #expect(ExitStatus.of(error) == .tempFail, "\(error)")
            #expect("\(error)".contains("backup"), "the holder is named: \(error)")
        }
        #expect(manager.recorded.isEmpty)
        withExtendedLifetime(lock) {}
        withExtendedLifetime(dir) {}
    }
}

@Suite("Pre-flight of an offline deploy")
struct OfflinePreflightTests {
    @Test("a missing required_env key stops deploy --root (exit 1), named; the value never shown")
    func missingKey() throws {
        let dir = TempDir()
        _ = dir.write("src/engine.py", "print('engine')\n")
        _ = dir.write("src/.env", "ENGINE_TOKEN=tok-5e3b9a-secret\n")
        let config = dir.write(
            "tradectl.toml",
            minimalConfig(source: "\(dir.path)/src").replacingOccurrences(
                of: "trades = true", with: "trades = true\nrequired_env = [\"ENGINE_TOKEN\", \"ENGINE_ACCOUNT\"]"))
        let root = "\(dir.path)/root"
        let refused = try runTradectl(["deploy", "--config", config, "--root", root])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("ENGINE_ACCOUNT") && !refused.stderr.contains("missing ENGINE_TOKEN"))
        #expect(!(refused.stdout + refused.stderr).contains("tok-5e3b9a-secret"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/opt/demo"), "nothing was written")
        let dry = try runTradectl(["deploy", "--config", config, "--root", root, "--dry-run"])
        #expect(dry.status == 0 && dry.stderr.contains("pre-flight error") && dry.stdout.contains("dry run"))
        let skipped = try runTradectl(["deploy", "--config", config, "--root", root, "--skip-preflight", "--quiet"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
    }
}
