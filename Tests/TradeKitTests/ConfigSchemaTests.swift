import Foundation
import Testing

@testable import TradeKit

@Suite("Config schema")
struct ConfigSchemaTests {
    @Test("docs/configuration.md holds the key tables the schema generates")
    func docTablesAreCurrent() throws {
        let path = "\(Repo.root)/docs/configuration.md"
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        let generated = try ConfigSchemaDoc.update(committed).split(separator: "\n", omittingEmptySubsequences: false)
        let lines = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDifference = Array(zip(lines, generated)).firstIndex { $0 != $1 } ?? min(lines.count, generated.count)
        let isCurrent = lines == generated
        #expect(
            isCurrent,
            """
            docs/configuration.md is stale from line \(firstDifference + 1): run \(ConfigSchemaDoc.regenerateCommand) \
            and commit the result
            """)
    }

    @Test("every table has rows, and every row a type, a default and a meaning")
    func everyKeyIsDocumented() throws {
        for name in ConfigSchemaDoc.tableNames {
            let rows = try #require(ConfigSchemaDoc.tables.first { $0.path == name }).rows
            #expect(!rows.isEmpty, "\(name)")
            for row in rows {
                #expect(!row.type.isEmpty && !row.defaultText.isEmpty && !row.meaning.isEmpty, "\(name).\(row.key)")
            }
        }
    }

    @Test("a marker naming no table, or a table without markers, is refused")
    func markersAreChecked() {
        #expect(throws: ConfigSchemaDoc.DocError.self) {
            try ConfigSchemaDoc.update("<!-- BEGIN GENERATED KEYS: nope -->\n<!-- END GENERATED KEYS: nope -->\n")
        }
        #expect(throws: ConfigSchemaDoc.DocError.self) { try ConfigSchemaDoc.update("no markers at all\n") }
    }

    @Test("environment overrides take their type from the schema: lists, integers, booleans, strings")
    func overridesAreTyped() throws {
        let env = [
            "TRADECTL_BACKUP_KEEP_LAST": "3", "TRADECTL_HEALTH_HISTORY_KEEP": "50",
            "TRADECTL_MONITOR_AUTO_RESTART": "false", "TRADECTL_BACKUP_PATHS": "a, b",
            "TRADECTL_ALERTS_MIN_SEVERITY": "critical", "TRADECTL_MONITOR_INTERVAL": "1min",
            "TRADECTL_RUNBOOKS_DIRS": "/srv/runbooks",
        ]
        let loader = ConfigLoader(environment: env, workingDirectory: "/tmp")
        let (deployment, _) = try loader.parse(text: minimalConfig(source: "/s"), path: "/etc/t.toml")
        #expect(deployment.backup.keepLast == 3)
        #expect(deployment.health.historyKeep == 50)
        #expect(deployment.monitor.autoRestart == false)
        #expect(deployment.backup.paths == ["a", "b"])
        #expect(deployment.alerts.minSeverity == .critical)
        #expect(deployment.monitor.interval == .seconds(60))
        #expect(deployment.runbooks.dirs == ["/srv/runbooks"])
    }

    @Test("every integer and boolean key of a section refuses a bad environment value with the variable's name")
    func everyTypedKeyIsOverridable() throws {
        for section in EnvironmentOverrides.sections {
            for (key, kind) in section.keys {
                let bad: String
                switch kind {
                case .integer: bad = "many"
                case .bool: bad = "maybe"
                default: continue
                }
                let variable = "TRADECTL_\(section.name.uppercased())_\(key.uppercased())"
                let loader = ConfigLoader(environment: [variable: bad], workingDirectory: "/tmp")
                let error = try #require(throws: ConfigError.self, "\(variable)") {
                    try loader.parse(text: minimalConfig(source: "/s"), path: "/etc/t.toml")
                }
                #expect(error.issues.first?.file == "environment \(variable)")
                #expect(error.issues.first?.key == "\(section.name).\(key)")
            }
        }
    }

    @Test("a config setting every key parses back from config show and from the installed copy")
    func everyKeyRoundTrips() throws {
        let extra = """
            schedule = "*-*-* 03:00"
            compression = "zstd"
            databases = ["data/x.db"]
            paths = ["data/"]
            include_logs = true
            keep_within = "2d"
            [health]
            error_patterns = ["boom"]
            timer_grace = "5min"
            [monitor]
            enabled = false
            journal_patterns = ["oops"]
            alert_after_checks = { http = 3 }
            metrics_listen = "127.0.0.1:9464"
            textfile_dir = "/var/lib/prom"
            [[monitor.patterns]]
            name = "errors"
            priority = "err"
            threshold = 10
            [alerts]
            webhook_format = "generic"
            command = ["/usr/bin/mail", "-s", "alert"]
            retries = 5
            [kill_switch]
            components = ["engine"]
            [runbooks]
            dirs = ["/srv/runbooks"]
            """
        var text = minimalConfig(source: "/s", extra: extra)
        text = text.replacingOccurrences(
            of: "trades = true",
            with: "trades = true\nenvironment = { TZ = \"UTC\" }\nprobes.tcp = \"127.0.0.1:9000\"\n"
                + "probes.heartbeat = \"data/beat\"\nprobes.heartbeat_max_age = \"1min\"")
        let loader = ConfigLoader(environment: [:], workingDirectory: "/tmp")
        let (deployment, _) = try loader.parse(text: text, path: "/etc/t.toml")
        #expect(deployment.monitor.patterns.first?.priority == 3)
        #expect(deployment.components[0].probes.heartbeatMaxAge == .seconds(60))
        for purpose in [ConfigPrinter.Purpose.show, .install] {
            let (again, _) = try loader.parse(
                text: ConfigPrinter.toml(deployment, purpose: purpose), path: deployment.configPath)
            var expected = deployment
            expected.origins = again.origins
            #expect(again == expected, "\(purpose)")
        }
    }

    @Test("secret keys: show prints <redacted>, the installed copy leaves them out")
    func secretFlag() throws {
        let text = minimalConfig(source: "/s", extra: "[alerts]\nwebhook_url = \"https://hooks.example/T0/secret\"")
        let (deployment, _) = try ConfigLoader(environment: [:], workingDirectory: "/tmp")
            .parse(text: text, path: "/etc/t.toml")
        #expect(ConfigPrinter.toml(deployment).contains("webhook_url = \"\(Secrets.redacted)\""))
        let installed = ConfigPrinter.toml(deployment, purpose: .install)
        #expect(!installed.contains("webhook_url") && !installed.contains("T0/secret"))
    }
}
