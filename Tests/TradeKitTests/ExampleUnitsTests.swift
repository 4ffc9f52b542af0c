import Foundation
import Testing

@testable import TradeKit

/// Each example rendered offline, as `deploy` installs it (system scope), against the table of
/// what its seed system's own plan asks for (docs/examples.md): unit names and key directives.
@Suite("Examples render their seed systems' units")
struct ExampleUnitsTests {
    /// A directive a unit must have (`Key=Value`), or must not have at all (`!Key`).
    typealias Expectations = [String: [String]]

    static func units(_ example: String, environment: [String: String] = [:]) throws -> [String: String] {
        let (deployment, _) = try ConfigLoader(environment: environment).load(path: Repo.example(example))
        let templates = try TemplateSet.load(projectDirectory: nil, builtinDirectory: "\(Repo.root)/templates")
        let units = try UnitRenderer(deployment: deployment, templates: templates, tradectlPath: "/usr/bin/tradectl")
            .render()
        return Dictionary(units.map { ($0.name, $0.content) }) { first, _ in first }
    }

    static func check(_ units: [String: String], names: Set<String>, expectations: Expectations) {
        #expect(Set(units.keys) == names)
        for (unit, directives) in expectations {
            guard let content = units[unit] else {
                Issue.record("\(unit) not rendered")
                continue
            }
            let lines = content.split(separator: "\n").map(String.init)
            for directive in directives {
                if directive.hasPrefix("!") {
                    let key = directive.dropFirst() + "="
                    #expect(!lines.contains { $0.hasPrefix(key) }, "\(unit) has \(key)\n\(content)")
                } else {
                    #expect(lines.contains(directive), "\(unit) lacks \(directive)\n\(content)")
                }
            }
        }
    }

    static let network = ["After=network-online.target", "Wants=network-online.target"]

    @Test("V6: v6-trading, v6-dashboard, v6-position-sync as user trading; restart 5 min after boot, then every 24 h")
    func v6() throws {
        let units = try Self.units("v6")
        Self.check(
            units,
            names: [
                "v6-trading.service", "v6-trading-restart.service", "v6-trading-restart.timer", "v6-dashboard.service",
                "v6-position-sync.service", "v6-backup.service", "v6-backup.timer", "v6-health.service",
                "v6-health.timer", "v6-monitor.service", "v6-gateway.service",
            ],
            expectations: [
                "v6-trading.service": [
                    "Wants=network-online.target", "Type=simple", "Restart=on-failure", "RestartSec=10s",
                    "User=trading",
                    "WorkingDirectory=/opt/v6-trading/current", "EnvironmentFile=/opt/v6-trading/shared/.env",
                    "TimeoutStopSec=45s", "ExecStart=/usr/bin/python3 engine.py",
                    "After=v6-gateway.service network-online.target",
                    "Environment=\"PRODUCTION_IB_PORT=7497\"",
                ],
                "v6-dashboard.service": [
                    "Restart=always", "User=trading", "WorkingDirectory=/opt/v6-trading/current",
                    "EnvironmentFile=/opt/v6-trading/shared/.env",
                    "After=v6-trading.service network-online.target", "Wants=network-online.target",
                    "ExecStart=/usr/bin/python3 dashboard.py --headless --port 8501",
                ],
                "v6-position-sync.service": ["Restart=on-failure", "User=trading"],
                "v6-gateway.service": Self.network + ["Restart=always", "User=trading"],
                "v6-trading-restart.timer": [
                    "Unit=v6-trading-restart.service", "OnBootSec=5min", "OnUnitActiveSec=24h", "!OnCalendar",
                    "!Persistent",
                ],
                "v6-trading-restart.service": ["ExecStart=/bin/systemctl restart v6-trading.service"],
                "v6-health.timer": ["OnCalendar=*:0/5"],
                "v6-backup.timer": ["RandomizedDelaySec=30min", "FixedRandomDelay=yes"],
            ])
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        let trading = try #require(deployment.component(named: "trading"))
        #expect(trading.probes.tcp == "127.0.0.1:7497")
        #expect(deployment.component(named: "position-sync")?.probes.heartbeat == "data/position-sync.last")
        #expect(deployment.component(named: "dashboard")?.probes.http == "http://127.0.0.1:8501/health")
    }

    @Test("Databento: daily 18:00 Central, two retries five minutes apart, user databento-service, /health on 8080")
    func databento() throws {
        let units = try Self.units("databento")
        Self.check(
            units,
            names: [
                "databento-pull.service", "databento-pull.timer", "databento-status.service",
                "databento-backup.service", "databento-backup.timer", "databento-health.service",
                "databento-health.timer", "databento-monitor.service",
            ],
            expectations: [
                "databento-pull.service": Self.network + [
                    "Type=oneshot", "User=databento-service", "WorkingDirectory=/opt/databento-options/current",
                    "Restart=on-failure", "RestartSec=5min", "StartLimitBurst=3", "StartLimitIntervalSec=30min",
                ],
                "databento-pull.timer": [
                    "OnCalendar=*-*-* 18:00 America/Chicago", "Persistent=true", "!RandomizedDelaySec",
                ],
                "databento-status.service": [
                    "User=databento-service", "ExecStart=/usr/bin/python3 status.py --port 8080",
                ],
            ])
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("databento"))
        #expect(deployment.component(named: "status")?.probes.http == "http://127.0.0.1:8080/health")
    }

    @Test("IV Crush: one ivcrush.service oneshot, weekdays 09:30 ET, RandomizedDelaySec 5 min, Persistent, online")
    func ivcrush() throws {
        let units = try Self.units("ivcrush")
        Self.check(
            units,
            names: [
                "ivcrush.service", "ivcrush.timer", "ivcrush-backup.service", "ivcrush-backup.timer",
                "ivcrush-health.service", "ivcrush-health.timer", "ivcrush-monitor.service",
            ],
            expectations: [
                "ivcrush.service": Self.network + [
                    "Type=oneshot", "User=ivcrush", "Group=ivcrush", "EnvironmentFile=/opt/ivcrush/shared/.env",
                    "SyslogIdentifier=ivcrush", "!Restart",
                ],
                "ivcrush.timer": [
                    "Unit=ivcrush.service", "OnCalendar=Mon..Fri 09:30 America/New_York", "RandomizedDelaySec=5min",
                    "Persistent=true",
                ],
                "ivcrush-backup.timer": ["OnCalendar=*-*-* 02:00"],
            ])
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("ivcrush"))
        #expect(deployment.backup.databases == ["data/ivcrush.db", "data/cache.db"])
    }

    @Test("ThetaGang: hourly on weekdays in market hours; thetagang.toml a shared file, backed up")
    func thetagang() throws {
        let units = try Self.units("thetagang")
        Self.check(
            units,
            names: [
                "thetagang-seller.service", "thetagang-seller.timer", "thetagang-backup.service",
                "thetagang-backup.timer", "thetagang-health.service", "thetagang-health.timer",
                "thetagang-monitor.service",
            ],
            expectations: [
                "thetagang-seller.service": Self.network + [
                    "Type=oneshot", "ExecStart=/usr/bin/python3 thetagang.py --config thetagang.toml",
                ],
                "thetagang-seller.timer": ["OnCalendar=Mon..Fri 09..16:00 America/New_York", "Persistent=true"],
            ])
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("thetagang"))
        #expect(deployment.releases.shared.contains(SharedPath("thetagang.toml")))
        #expect(deployment.backup.paths.contains("thetagang.toml"))
    }

    @Test("user scope: no network-online.target, which a user manager does not have")
    func userScopeHasNoNetworkTarget() throws {
        let units = try Self.units("v6", environment: ["TRADECTL_PROJECT_SCOPE": "user"])
        for (name, content) in units { #expect(!content.contains("network-online.target"), "\(name)") }
        #expect(units["v6-dashboard.service"]?.contains("After=v6-trading.service\n") == true)
    }

    @Test("unit features are checked: restart_every and retries where they apply")
    func misplacedKeys() throws {
        let config = """
            [project]
            name = "p"
            [releases]
            source = "/tmp"
            [[components]]
            name = "bot"
            exec = "/bin/true"
            retries = 2
            schedule_random_delay = "1min"
            restart_daily = "*-*-* 06:00"
            restart_every = "24h"
            [[components]]
            name = "job"
            kind = "oneshot"
            exec = "/bin/true"
            schedule = "daily"
            restart_every = "24h"
            """
        #expect(throws: (any Error).self) { try ConfigLoader(environment: [:]).parse(text: config, path: "/t.toml") }
        do {
            _ = try ConfigLoader(environment: [:]).parse(text: config, path: "/t.toml")
        } catch {
            let text = "\(error)"
            for key in [
                "components[0].retries", "components[0].schedule_random_delay", "components[0].restart_every",
                "components[1].restart_every",
            ] {
                #expect(text.contains(key), "\(key) not reported: \(text)")
            }
        }
    }

    @Test("unit names must not collide: a component `backup`, or `restart` beside one named like the project")
    func unitNameCollisions() throws {
        func issues(_ components: String) -> String {
            let config = """
                [project]
                name = "p"
                [releases]
                source = "/tmp"
                \(components)
                """
            do {
                _ = try ConfigLoader(environment: [:]).parse(text: config, path: "/t.toml")
                return ""
            } catch {
                return "\(error)"
            }
        }
        let backup = issues("[[components]]\nname = \"backup\"\nexec = \"/bin/true\"")
        #expect(backup.contains("p-backup.service is also tradectl's own backup unit"), "\(backup)")
        let restart = issues(
            """
            [[components]]
            name = "p"
            exec = "/bin/true"
            restart_every = "24h"
            [[components]]
            name = "restart"
            exec = "/bin/true"
            """)
        #expect(restart.contains("p-restart.service"), "\(restart)")
        #expect(issues("[[components]]\nname = \"p\"\nexec = \"/bin/true\"").isEmpty)
    }
}
