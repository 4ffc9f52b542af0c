import Foundation
import Testing

@testable import TradeKit

/// A service manager that answers properties from a table (every property as
/// `ServiceManager.properties` spells it) and records what it was asked; or is unreachable.
final class TableServiceManager: ServiceManager, @unchecked Sendable {
    private let lock = NSLock()
    private let table: [String: [String: String]]
    private let unreachable: Bool
    private var asked: [[String]] = []

    init(_ table: [String: [String: String]], unreachable: Bool = false) {
        self.table = table
        self.unreachable = unreachable
    }

    var queries: [[String]] { lock.withLock { asked } }

    func properties(_ names: [String], of units: [String]) async throws -> [String: [String: String]] {
        if unreachable { throw ServiceManagerUnavailable(detail: "no user manager at /nonexistent/systemd/private") }
        lock.withLock { asked.append(units) }
        var answer: [String: [String: String]] = [:]
        for unit in units {
            let known = table[unit] ?? ["LoadState": "not-found", "ActiveState": "inactive", "SubState": "dead"]
            answer[unit] = known.filter { names.contains($0.key) }.merging(["Id": unit]) { $1 }
        }
        return answer
    }

    func status(of units: [String]) async throws -> [String: UnitStatus] {
        try await properties(UnitStatus.propertyNames, of: units).reduce(into: [:]) {
            $0[$1.key] = UnitStatus(name: $1.key, properties: $1.value)
        }
    }

    func daemonReload() async throws {}
    func perform(_ verb: UnitVerb, units: [String]) async throws {}
}

/// Answers `systemd-analyze calendar` with a fixed 5-minute schedule, so no process runs.
struct FiveMinuteCalendar: ProcessLauncher {
    func run(_ command: Command) async throws -> CommandResult {
        let lines = (0..<3).map { "Iter. #\($0 + 1): Thu 2026-12-03 10:\(String(format: "%02d", $0 * 5)):00 UTC" }
        return CommandResult(status: 0, signaled: false, output: lines.joined(separator: "\n"), errorOutput: "")
    }
}

@Suite("Callers of the service manager")
struct ServiceManagerCallerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func running(restarts: Int = 0) -> [String: String] {
        [
            "LoadState": "loaded", "ActiveState": "active", "SubState": "running", "Result": "success",
            "NRestarts": "\(restarts)", "MainPID": "4242", "UnitFileState": "enabled",
            "ActiveEnterTimestamp": "@1799990000", "MemoryCurrent": "1048576",
        ]
    }

    @Test("the unit check asks the manager once for every service and judges each")
    func unitCheck() async {
        let manager = TableServiceManager([
            "v6-trading.service": running(restarts: 3),
            "v6-dashboard.service": [
                "LoadState": "loaded", "ActiveState": "failed", "SubState": "failed", "Result": "exit-code",
            ],
        ])
        let check = UnitCheck(
            timeout: .seconds(1),
            services: [
                (component: "trading", unit: "v6-trading.service"),
                (component: "dashboard", unit: "v6-dashboard.service"),
                (component: "ghost", unit: "v6-ghost.service"),
            ],
            manager: manager, previousRestarts: ["v6-trading.service": 1])
        let results = await check.run()
        #expect(manager.queries.count == 1)
        #expect(results.map(\.status) == [.warning, .critical, .critical])
        #expect(results[0].summary.contains("2 restart(s) since the last check"))
        #expect(results[1].summary.contains("failed (failed), result exit-code"))
        #expect(results[2].summary.contains("not loaded"))
    }

    @Test("an unreachable manager is one unknown result naming why, for the unit and the timer check")
    func unreachable() async {
        let manager = TableServiceManager([:], unreachable: true)
        let unit = await UnitCheck(
            timeout: .seconds(1), services: [(component: "trading", unit: "v6-trading.service")], manager: manager,
            previousRestarts: [:]
        ).run()
        #expect(unit.count == 1 && unit[0].status == .unknown && unit[0].summary.contains("not reachable"))
        let timer = await TimerCheck(
            timeout: .seconds(1),
            oneshots: [(component: "scan", timer: "p-scan.timer", service: "p-scan.service", schedule: "*:0/5")],
            manager: manager, grace: 60, now: now, launcher: FiveMinuteCalendar()
        ).run()
        #expect(timer.count == 1 && timer[0].status == .unknown && timer[0].summary.contains("not reachable"))
    }

    @Test("the timer check reads timer and service properties in one query (timestamps as @seconds)")
    func timerCheck() async {
        let manager = TableServiceManager([
            "p-scan.timer": [
                "ActiveState": "active", "LastTriggerUSec": "@\(1_800_000_000 - 100)",
                "ActiveEnterTimestamp": "@1799000000", "NextElapseUSecRealtime": "@\(1_800_000_000 + 200)",
            ],
            "p-scan.service": [
                "ActiveState": "inactive", "Result": "success", "ExecMainStatus": "0",
                "ExecMainExitTimestamp": "@\(1_800_000_000 - 90)",
            ],
        ])
        let results = await TimerCheck(
            timeout: .seconds(1),
            oneshots: [(component: "scan", timer: "p-scan.timer", service: "p-scan.service", schedule: "*:0/5")],
            manager: manager, grace: 60, now: now, launcher: FiveMinuteCalendar()
        ).run()
        #expect(manager.queries == [["p-scan.timer", "p-scan.service"]])
        #expect(results.count == 1 && results[0].status == .ok, "\(results)")
        #expect(results.first?.summary.contains("succeeded") == true)
    }

    @Test("status reports what the manager says of each component, or the manager's error")
    func status() async throws {
        let dir = TempDir()
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("databento"))
        deployment.project.scope = .user
        let services = deployment.components.filter { $0.kind == .service }.map(\.name)
        let oneshot = try #require(deployment.components.first { $0.kind == .oneshot })
        var table: [String: [String: String]] = [:]
        for name in services { table[UnitNames.service(deployment.project.name, name)] = running() }
        table[UnitNames.timer(deployment.project.name, oneshot.name)] = [
            "ActiveState": "active", "LastTriggerUSec": "@1799999000", "NextElapseUSecRealtime": "@1800003600",
        ]
        table[UnitNames.service(deployment.project.name, oneshot.name)] = [
            "ActiveState": "inactive", "Result": "exit-code", "ExecMainExitTimestamp": "@1799999010",
        ]
        let manager = TableServiceManager(table)
        let fileSystem = RootedFileSystem(root: dir.path)
        let report = await StatusService(
            deployment: deployment, fileSystem: fileSystem, environment: [:], services: manager
        ).gather(errorLines: 0)
        #expect(report.systemdError == nil)
        #expect(manager.queries.count == 1)
        let first = try #require(report.components.first { $0.name == services.first })
        #expect(first.state == "active (running)")
        #expect(first.mainPID == 4242 && first.memoryBytes == 1_048_576)
        #expect(first.since == Date(timeIntervalSince1970: 1_799_990_000))
        let job = try #require(report.components.first { $0.name == oneshot.name })
        #expect(job.state == "timer active, service inactive")
        #expect(job.lastRun == Date(timeIntervalSince1970: 1_799_999_000))
        #expect(job.nextRun == Date(timeIntervalSince1970: 1_800_003_600))
        #expect(job.lastResult == "exit-code")

        let down = await StatusService(
            deployment: deployment, fileSystem: fileSystem, environment: [:],
            services: TableServiceManager([:], unreachable: true)
        ).gather(errorLines: 0)
        #expect(down.systemdError?.contains("not reachable") == true)
        #expect(down.components.allSatisfy { $0.state.contains("unknown") })
    }

    @Test("the health suite hands its own manager to the unit and timer checks")
    func suiteUsesItsManager() async throws {
        let dir = TempDir()
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        deployment.project.scope = .user
        let manager = TableServiceManager([:])
        let suite = HealthSuite(
            deployment: deployment, fileSystem: RootedFileSystem(root: dir.path), environment: [:], services: manager)
        let unit = try #require(suite.checks(only: ["unit"], history: HealthHistory()).first)
        let results = await unit.run()
        #expect(manager.queries.count == 1)
        #expect(!results.isEmpty && results.allSatisfy { $0.status == .critical && $0.summary.contains("not loaded") })
    }

    @Test("the factory picks the bus unless TRADECTL_SERVICE_MANAGER=systemctl")
    func factory() {
        #expect(ServiceManagers.connect(scope: .user, environment: [:]) is SystemdBus)
        #expect(ServiceManagers.connect(scope: .user, environment: ["TRADECTL_SERVICE_MANAGER": "bus"]) is SystemdBus)
        let fallback = ServiceManagers.connect(scope: .user, environment: ["TRADECTL_SERVICE_MANAGER": "systemctl"])
        #expect((fallback as? Systemctl)?.scope == .user)
    }

    @Test("bus values print as systemctl show --timestamp=unix prints them")
    func busValues() {
        #expect(BusValue.unsigned(1_700_000_000_123_456).shown(as: "ActiveEnterTimestamp") == "@1700000000")
        #expect(BusValue.unsigned(0).shown(as: "ExecMainExitTimestamp") == "")
        #expect(BusValue.unsigned(UInt64.max).shown(as: "NextElapseUSecRealtime") == "")
        #expect(BusValue.unsigned(1_700_000_000_000_000).shown(as: "LastTriggerUSec") == "@1700000000")
        #expect(BusValue.unsigned(UInt64.max).shown(as: "MemoryCurrent") == "[not set]")
        #expect(BusValue.unsigned(UInt64.max).shown(as: "TimeoutStopUSec") == "infinity")
        #expect(BusValue.unsigned(7).shown(as: "NRestarts") == "7")
        #expect(BusValue.signed(-3).shown(as: "ExecMainStatus") == "-3")
        #expect(BusValue.bool(true).shown(as: "CanStart") == "yes")
        #expect(BusValue.strings(["a.service", "b.target"]).shown(as: "Wants") == "a.service b.target")
    }

    @Test("unit properties are asked on the interface that has them")
    func interfaces() {
        #expect(
            UnitInterfaces.candidates("ActiveState", of: "x.service") == [
                UnitInterfaces.unit, "org.freedesktop.systemd1.Service",
            ])
        #expect(
            UnitInterfaces.candidates("NRestarts", of: "x.service") == [
                "org.freedesktop.systemd1.Service", UnitInterfaces.unit,
            ])
        #expect(UnitInterfaces.candidates("LastTriggerUSec", of: "x.timer").first == "org.freedesktop.systemd1.Timer")
        #expect(UnitInterfaces.candidates("Id", of: "weird") == [UnitInterfaces.unit])
        #expect(busAddressEscape("/tmp/h a/systemd/private") == "/tmp/h%20a/systemd/private")
    }

    @Test("a failed job names the unit and the job's result, in systemctl's words")
    func jobFailure() {
        let failed = UnitJobFailed(verb: .start, unit: "v6-trading.service", result: "failed", unitResult: "exit-code")
        #expect(failed.description.hasPrefix("Job for v6-trading.service failed because the control process exited"))
        #expect(
            failed.description.contains("job result failed") && failed.description.contains("unit result exit-code"))
        let dependency = UnitJobFailed(verb: .restart, unit: "a.service", result: "dependency", unitResult: nil)
        #expect(dependency.description.contains("a dependency job failed"))
    }
}
