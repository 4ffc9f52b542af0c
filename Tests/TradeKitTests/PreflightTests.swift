import Foundation
import Testing

@testable import TradeKit

@Suite("Pre-flight (doctor)")
struct PreflightTests {
    static func v6() throws -> Deployment {
        try ConfigLoader(environment: [:]).load(path: Repo.example("v6")).0
    }

    static func statuses(_ results: [CheckResult]) -> [String: HealthStatus] {
        Dictionary(results.map { ("\($0.check) \($0.target)", $0.status) }, uniquingKeysWith: { $1 })
    }

    @Test("versions and constraints")
    func versions() throws {
        let version = try #require(DottedVersion.first(in: "Python 3.11.2\n"))
        #expect(version.description == "3.11.2")
        #expect(VersionConstraint(parsing: ">=3.11")?.admits(version) == true)
        #expect(VersionConstraint(parsing: ">=3.10, <3.11")?.admits(version) == false)
        #expect(VersionConstraint(parsing: "==3.11")?.admits(try #require(DottedVersion(parsing: "3.11.0"))) == true)
        #expect(VersionConstraint(parsing: ">3.9")?.admits(try #require(DottedVersion(parsing: "3.10"))) == true)
        for bad in ["3.11", ">=", ">=three", ""] { #expect(VersionConstraint(parsing: bad) == nil, "\(bad)") }
    }

    @Test("required_env: missing and empty keys are named; values are only looked at")
    func envJudge() {
        let text = "# comment\nexport OPS_KEY=\"abc\"\nOPS_EMPTY=\nOPS_QUOTED_EMPTY=''\nOPS_LATER=x\nOPS_LATER=\n"
        let (missing, empty) = EnvRequirement.judge(
            text, required: ["OPS_KEY", "OPS_EMPTY", "OPS_QUOTED_EMPTY", "OPS_LATER", "OPS_ABSENT"])
        #expect(missing == ["OPS_ABSENT"])
        #expect(empty == ["OPS_EMPTY", "OPS_QUOTED_EMPTY", "OPS_LATER"])
    }

    @Test("the judge: errors, warnings and what is fine")
    func judge() throws {
        var deployment = try Self.v6()
        deployment.preflight.minFreeMemoryMiB = 256
        deployment.preflight.minFreeDiskMiB = 1024
        var facts = PreflightFacts(offline: false)
        facts.interpreters = [
            .init(component: "engine", command: "/usr/bin/python3", constraint: ">=3.11", output: "Python 3.9.2"),
            .init(component: "dashboard", command: "python3", constraint: ">=3.11", output: "Python 3.12.1"),
            .init(component: "sync", command: "pypy", constraint: ">=3.11", output: nil, failure: "not found"),
        ]
        facts.memoryAvailableMiB = 100
        facts.disks = [.init(label: "root", path: "/opt/v6", freeMiB: 5000)]
        facts.envFiles = [
            EnvRequirement(component: "engine", file: "shared/.env", exists: true, missing: ["V6_KEY"], empty: [])
        ]
        facts.ports = [
            .init(component: "dashboard", port: 8501, inUse: true, projectUnitsActive: ["v6-dashboard.service"]),
            .init(component: "engine", port: 9000, inUse: true, projectUnitsActive: []),
            .init(component: "engine", port: 9001, inUse: false, projectUnitsActive: nil),
        ]
        facts.tcp = [.init(component: nil, endpoint: "127.0.0.1:7497", reachable: false, detail: "refused")]
        facts.clockSynchronized = nil
        facts.clockDetail = "no timedated"
        facts.systemdVersion = 252
        let results = PreflightJudge(deployment: deployment, facts: facts).results()
        let found = Self.statuses(results)
        #expect(found["interpreter engine: /usr/bin/python3"] == .critical)
        #expect(found["interpreter dashboard: python3"] == .ok)
        #expect(found["interpreter sync: pypy"] == .critical)
        #expect(found["memory host"] == .critical)
        #expect(found["disk root"] == .ok)
        #expect(found["env engine: shared/.env"] == .critical)
        #expect(results.first { $0.check == "env" }?.summary.contains("V6_KEY") == true)
        #expect(found["port dashboard: 8501"] == .ok, "held by its own unit")
        #expect(found["port engine: 9000"] == .critical, "held by someone else")
        #expect(found["port engine: 9001"] == .ok)
        #expect(found["tcp 127.0.0.1:7497"] == .warning, "not required: a warning")
        #expect(found["clock host"] == .warning, "cannot tell")
        #expect(found["systemd host"] == .ok)

        deployment.preflight.requireTCP = true
        deployment.project.environment = .production
        facts.clockSynchronized = false
        facts.systemdVersion = 245
        let strict = Self.statuses(PreflightJudge(deployment: deployment, facts: facts).results())
        #expect(strict["tcp 127.0.0.1:7497"] == .critical)
        #expect(strict["clock host"] == .critical, "an unsynchronised clock stops a production deploy")
        #expect(strict["systemd host"] == .critical)
        #expect(deployment.preflight.requireClockSync, "the default in production")
        deployment.preflight.requireClockSync = false
        let relaxed = Self.statuses(PreflightJudge(deployment: deployment, facts: facts).results())
        #expect(relaxed["clock host"] == .warning, "require_clock_sync = false: warned about only")
    }

    @Test("offline: no host checks; time zones: a zone-less schedule off the market's zone warns")
    func offlineAndZones() throws {
        var deployment = try Self.v6()
        deployment.market.timezone = "America/New_York"
        deployment.components[0].schedule = nil
        deployment.components[0].restartDaily = "*-*-* 06:00"
        var facts = PreflightFacts(offline: true)
        facts.hostTimeZone = "Etc/UTC"
        let results = PreflightJudge(deployment: deployment, facts: facts).results()
        #expect(!results.contains { ["clock", "systemd", "memory", "disk", "port", "tcp"].contains($0.check) })
        let zone = try #require(results.first { $0.check == "timezone" && $0.status == .warning })
        #expect(zone.summary.contains("America/New_York"))
        facts.hostTimeZone = "America/New_York"
        #expect(PreflightJudge(deployment: deployment, facts: facts).results().allSatisfy { $0.status == .ok })
        #expect(PreflightJudge.zone(of: "*:*:0/2") == nil && PreflightJudge.zone(of: "Mon *-*-* 0/4:00") == nil)
        #expect(PreflightJudge.zone(of: "Mon..Fri 09:30 America/New_York") == "America/New_York")
        #expect(PreflightJudge.zone(of: "*-*-* 02:30 UTC") == "UTC")
        deployment.components[0].restartDaily = "*-*-* 06:00 Mars/Olympus"
        #expect(
            PreflightJudge(deployment: deployment, facts: facts).results().contains {
                $0.check == "timezone" && $0.status == .critical
            })
    }

    @Test("config keys: decoded, checked, printed")
    func configKeys() throws {
        let dir = TempDir()
        let config = dir.write(
            "tradectl.toml",
            minimalConfig(
                source: dir.path,
                extra: """

                    [preflight]
                    min_free_memory_mib = 512
                    depends_on_tcp = ["127.0.0.1:7497"]
                    require_tcp = true
                    """
            ).replacingOccurrences(
                of: "trades = true",
                with: "trades = true\ninterpreters = { python3 = \">=3.11\" }\nrequired_env = [\"V6_BROKER_API_KEY\"]\n"
                    + "ports = [8501]\ndepends_on_tcp = [\"localhost:4001\"]"))
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: config)
        let engine = try #require(deployment.component(named: "engine"))
        #expect(engine.preflight.interpreters.map(\.key) == ["python3"])
        #expect(engine.preflight.requiredEnv == ["V6_BROKER_API_KEY"])
        #expect(engine.preflight.ports == [8501])
        #expect(engine.preflight.dependsOnTCP == ["localhost:4001"])
        #expect(deployment.preflight.minFreeMemoryMiB == 512 && deployment.preflight.minFreeDiskMiB == 1024)
        #expect(deployment.preflight.requireTCP)

        let bad = dir.write(
            "bad.toml",
            minimalConfig(source: dir.path).replacingOccurrences(
                of: "trades = true",
                with: "trades = true\ninterpreters = { python3 = \"3.11\" }\nports = [0]\nrequired_env = [\"1X\"]"))
        #expect(throws: ConfigError.self) { try ConfigLoader(environment: [:]).load(path: bad) }
        do {
            _ = try ConfigLoader(environment: [:]).load(path: bad)
        } catch let error as ConfigError {
            let text = error.issues.map(\.description).joined(separator: "\n")
            #expect(text.contains("interpreters.python3"), "\(text)")
            #expect(text.contains("ports[0]"), "\(text)")
            #expect(text.contains("1X"), "\(text)")
        }
    }

    @Test("ports: declared ones and a local probes.http; never probes.tcp")
    func probePorts() throws {
        var component = Component()
        component.preflight.ports = [9000]
        component.probes.http = "http://127.0.0.1:8501/healthz"
        component.probes.tcp = "127.0.0.1:4001"  // a gateway it connects to: not its port
        #expect(PreflightSurvey.ports(of: component) == [9000, 8501])
        #expect(
            PreflightSurvey.interpreterCommand("python", exec: "/opt/venv/bin/python3 engine.py")
                == "/opt/venv/bin/python3")
        #expect(PreflightSurvey.interpreterCommand("node", exec: "/usr/bin/python3 engine.py") == "node")
    }

    /// A timedatectl that never answers (timedated missing, the bus slow to activate it).
    struct SilentTimedatectl: ProcessLauncher {
        func run(_ command: Command) async throws -> CommandResult {
            try await Task.sleep(for: .seconds(120))
            throw CancellationError()
        }
    }

    @Test("the clock: a timedatectl that does not answer is 'cannot tell' after 5 s, not a stalled deploy")
    func clockDoesNotStall() async throws {
        let deployment = try Self.v6()
        let survey = PreflightSurvey(
            deployment: deployment, layout: DeployLayout(deployment, environment: [:]),
            fileSystem: RootedFileSystem(root: "/"), launcher: SilentTimedatectl(), offline: false, services: nil)
        // The launcher only ever ends by being cancelled, so this detail means the deadline fired.
        let (synchronized, detail) = await survey.clock()
        #expect(synchronized == nil)
        #expect(detail == "timedatectl: no answer within 5 s")
    }
}
