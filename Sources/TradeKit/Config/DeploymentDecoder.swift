import Foundation

/// Turns the located TOML tree into a `Deployment`, applying defaults and recording type errors.
struct DeploymentDecoder {
    let configPath: String
    let issues: IssueCollector
    let workingDirectory: String

    static let topLevelKeys = [
        "project", "releases", "components", "deploy", "backup", "health", "monitor", "alerts", "kill_switch", "runbooks",
    ]

    func decode(_ root: ConfigNode) -> Deployment? {
        let fileOrigin = ConfigOrigin.file(path: configPath, line: 1)
        let top = SectionReader(path: "", node: root, issues: issues, fallbackOrigin: fileOrigin)
        let project = decodeProject(top.table("project"))
        let releases = decodeReleases(top.table("releases"))
        let components = decodeComponents(top.node("components"), origin: top.origin)
        let deploy = decodeDeploy(top.table("deploy"))
        let backup = decodeBackup(top.table("backup"), project: project.name)
        let health = decodeHealth(top.table("health"))
        let monitor = decodeMonitor(top.table("monitor"))
        let alerts = decodeAlerts(top.table("alerts"))
        let killSwitch = decodeKillSwitch(top.table("kill_switch"), project: project, components: components)
        let runbooks = decodeRunbooks(top.table("runbooks"))
        top.finish()
        return Deployment(
            configPath: configPath, project: project, releases: releases, components: components, deploy: deploy,
            backup: backup, health: health, monitor: monitor, alerts: alerts, killSwitch: killSwitch,
            runbooks: runbooks)
    }

    private var configDirectory: String { URL(fileURLWithPath: configPath).deletingLastPathComponent().path }

    private func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: configDirectory).appendingPathComponent(path).standardized.path
    }

    private func decodeProject(_ reader: SectionReader) -> ProjectConfig {
        let name = reader.requiredString("name") ?? "unnamed"
        let user = reader.string("user") ?? name
        let project = ProjectConfig(
            name: name,
            environment: reader.choice("environment", default: .dev),
            root: reader.string("root") ?? "/opt/\(name)",
            user: user,
            group: reader.string("group") ?? user,
            scope: reader.choice("scope", default: .system),
            stateDir: reader.string("state_dir") ?? "/var/lib/tradectl/\(name)",
            templatesDir: reader.string("templates_dir").map(resolve),
            tradectlPath: reader.string("tradectl_path"))
        reader.finish()
        return project
    }

    private func decodeReleases(_ reader: SectionReader) -> ReleasesConfig {
        let source = reader.requiredString("source").map(resolve) ?? ""
        let exclude = reader.has("exclude") ? reader.stringList("exclude") : [".git", "__pycache__"]
        let releases = ReleasesConfig(
            source: source,
            keep: reader.int("keep", default: 5, range: 1...1000),
            build: reader.stringList("build"),
            preSwitch: reader.stringList("pre_switch"),
            shared: reader.stringList("shared").map(SharedPath.init),
            exclude: exclude)
        reader.finish()
        return releases
    }

    private func decodeComponents(_ node: ConfigNode?, origin: ConfigOrigin) -> [Component] {
        guard let node else {
            issues.error("components", "at least one [[components]] table is required", at: origin)
            return []
        }
        guard case .array(let items) = node.value else {
            issues.error("components", "must be written as [[components]] tables", at: node.origin)
            return []
        }
        return items.enumerated().map { index, item in
            decodeComponent(SectionReader(path: "components[\(index)]", node: item, issues: issues, fallbackOrigin: origin))
        }
    }

    private func decodeComponent(_ reader: SectionReader) -> Component {
        let kind: ComponentKind = reader.choice("kind", default: .service)
        let probesReader = reader.table("probes")
        let probes = Probes(
            http: probesReader.string("http"),
            tcp: probesReader.string("tcp"),
            heartbeat: probesReader.string("heartbeat"),
            heartbeatMaxAge: probesReader.duration("heartbeat_max_age", default: .seconds(300)),
            sqlite: probesReader.string("sqlite"))
        probesReader.finish()
        let component = Component(
            name: reader.requiredString("name") ?? "",
            kind: kind,
            exec: reader.requiredString("exec") ?? "",
            workingDir: reader.string("working_dir") ?? ".",
            envFile: reader.string("env_file"),
            environment: reader.stringTable("environment"),
            schedule: reader.string("schedule"),
            restart: reader.choice("restart", default: kind == .service ? .onFailure : .no),
            restartSec: reader.duration("restart_sec", default: .seconds(5)),
            stopTimeout: reader.duration("stop_timeout"),
            after: reader.stringList("after"),
            requires: reader.stringList("requires"),
            trades: reader.bool("trades", default: false),
            dryRun: reader.bool("dry_run", default: false),
            restartDaily: reader.string("restart_daily"),
            probes: probes)
        reader.finish()
        return component
    }

    private func decodeDeploy(_ reader: SectionReader) -> DeploySettings {
        let settings = DeploySettings(healthTimeout: reader.duration("health_timeout", default: .seconds(60)))
        reader.finish()
        return settings
    }

    private func decodeBackup(_ reader: SectionReader, project: String) -> BackupConfig {
        let backup = BackupConfig(
            dir: reader.string("dir") ?? "/var/backups/tradectl/\(project)",
            schedule: reader.string("schedule") ?? "*-*-* 02:30",
            compression: reader.string("compression") ?? "gzip",
            databases: reader.stringList("databases"),
            paths: reader.stringList("paths"),
            includeLogs: reader.bool("include_logs", default: false),
            keepLast: reader.int("keep_last", default: 7),
            keepHourly: reader.int("keep_hourly", default: 0),
            keepDaily: reader.int("keep_daily", default: 14),
            keepWeekly: reader.int("keep_weekly", default: 8),
            keepMonthly: reader.int("keep_monthly", default: 12),
            keepWithin: reader.duration("keep_within"),
            maxEntryMiB: reader.int("max_entry_mib", default: 65_536, range: 1...Int(UInt32.max)),
            maxTotalMiB: reader.int("max_total_mib", default: 262_144, range: 1...Int(UInt32.max)),
            maxEntries: reader.int("max_entries", default: 100_000, range: 1...Int(UInt32.max)))
        if !["gzip", "zstd"].contains(backup.compression) {
            issues.error(
                reader.keyPath("compression"), "must be \"gzip\" or \"zstd\", got \"\(backup.compression)\"",
                at: reader.originOf("compression"))
        }
        reader.finish()
        return backup
    }

    private func decodeHealth(_ reader: SectionReader) -> HealthConfig {
        let health = HealthConfig(
            schedule: reader.string("schedule") ?? "*:0/5",
            timeout: reader.duration("timeout", default: .seconds(10)),
            diskWarnPercent: reader.int("disk_warn_percent", default: 80, range: 1...100),
            diskCritPercent: reader.int("disk_crit_percent", default: 90, range: 1...100),
            memoryWarnPercent: reader.int("memory_warn_percent", default: 10, range: 0...100),
            memoryCritPercent: reader.int("memory_crit_percent", default: 5, range: 0...100),
            errorsWarnPerHour: reader.int("errors_warn_per_hour", default: 10),
            errorsCritPerHour: reader.int("errors_crit_per_hour", default: 100),
            errorPatterns: reader.stringList("error_patterns"),
            backupMaxAge: reader.duration("backup_max_age", default: .seconds(26 * 3600)),
            timerGrace: reader.duration("timer_grace", default: .seconds(600)),
            historyKeep: reader.int("history_keep", default: 1000, range: 1...1_000_000))
        for (index, pattern) in health.errorPatterns.enumerated() where (try? NSRegularExpression(pattern: pattern)) == nil {
            issues.error(
                "\(reader.keyPath("error_patterns"))[\(index)]", "is not a valid regular expression: \(pattern)",
                at: reader.originOf("error_patterns"))
        }
        if health.diskWarnPercent > health.diskCritPercent {
            issues.error(
                reader.keyPath("disk_warn_percent"), "must not be above disk_crit_percent",
                at: reader.originOf("disk_warn_percent"))
        }
        reader.finish()
        return health
    }

    private func decodeMonitor(_ reader: SectionReader) -> MonitorConfig {
        let patterns = reader.stringList("journal_patterns")
        for (index, pattern) in patterns.enumerated() where (try? NSRegularExpression(pattern: pattern)) == nil {
            issues.error(
                "\(reader.keyPath("journal_patterns"))[\(index)]", "is not a valid regular expression: \(pattern)",
                at: reader.originOf("journal_patterns"))
        }
        let alertAfterChecks = reader.table("alert_after_checks")
        var perCheck: [String: Int] = [:]
        for name in alertAfterChecks.keys {
            if !HealthSuite.names.contains(name) && name != "journal-pattern" {
                issues.error(
                    alertAfterChecks.keyPath(name), "names unknown check; known: \(HealthSuite.names.joined(separator: ", "))",
                    at: alertAfterChecks.originOf(name))
            }
            perCheck[name] = alertAfterChecks.int(name, default: 1, range: 1...1000)
        }
        alertAfterChecks.finish()
        let monitor = MonitorConfig(
            enabled: reader.bool("enabled", default: true),
            interval: reader.duration("interval", default: .seconds(30)),
            watchdog: reader.duration("watchdog", default: .seconds(120)),
            journalPatterns: patterns,
            patterns: decodePatterns(reader),
            autoRestart: reader.bool("auto_restart", default: true),
            maxRestarts: reader.int("max_restarts", default: 3),
            restartWindow: reader.duration("restart_window", default: .seconds(3600)),
            restartDelay: reader.duration("restart_delay", default: .seconds(10)),
            alertAfter: reader.int("alert_after", default: 2, range: 1...1000),
            alertAfterChecks: perCheck,
            flapSamples: reader.int("flap_samples", default: 21, range: 5...200),
            flapHighPercent: reader.int("flap_high_percent", default: 50, range: 1...100),
            flapLowPercent: reader.int("flap_low_percent", default: 25, range: 0...100),
            metricsListen: reader.string("metrics_listen"),
            textfileDir: reader.string("textfile_dir"))
        if let listen = monitor.metricsListen, MetricsAddress(parsing: listen) == nil {
            issues.error(
                reader.keyPath("metrics_listen"), "must be host:port on a loopback address, e.g. \"127.0.0.1:9464\"",
                at: reader.originOf("metrics_listen"))
        }
        if let directory = monitor.textfileDir, !directory.hasPrefix("/") {
            issues.error(reader.keyPath("textfile_dir"), "must be an absolute path", at: reader.originOf("textfile_dir"))
        }
        if monitor.flapLowPercent > monitor.flapHighPercent {
            issues.error(
                reader.keyPath("flap_low_percent"), "must not be above flap_high_percent", at: reader.originOf("flap_low_percent"))
        }
        if monitor.watchdog.seconds > 0, monitor.watchdog.seconds < 2 * monitor.interval.seconds {
            issues.warning(
                reader.keyPath("watchdog"), "is shorter than two intervals; a slow cycle could trip it",
                at: reader.originOf("watchdog"))
        }
        reader.finish()
        return monitor
    }

    /// `[[monitor.patterns]]`: name, regex, priority, threshold, window, severity.
    private func decodePatterns(_ reader: SectionReader) -> [JournalPattern] {
        guard let node = reader.node("patterns") else { return [] }
        guard case .array(let items) = node.value else {
            issues.error(reader.keyPath("patterns"), "must be written as [[monitor.patterns]] tables", at: node.origin)
            return []
        }
        return items.enumerated().map { index, item in
            let table = SectionReader(path: "\(reader.keyPath("patterns"))[\(index)]", node: item, issues: issues, fallbackOrigin: node.origin)
            let regex = table.string("regex")
            if let regex, (try? NSRegularExpression(pattern: regex)) == nil {
                issues.error(table.keyPath("regex"), "is not a valid regular expression: \(regex)", at: table.originOf("regex"))
            }
            var priority: Int?
            if let text = table.string("priority") {
                priority = LogPriority.parse(text)
                if priority == nil {
                    issues.error(
                        table.keyPath("priority"), "must be a syslog priority (emerg…debug or 0…7), got \"\(text)\"",
                        at: table.originOf("priority"))
                }
            }
            if regex == nil && priority == nil {
                issues.error(table.keyPath("regex"), "a pattern needs regex, priority or both", at: table.originOf("regex"))
            }
            let pattern = JournalPattern(
                name: table.requiredString("name") ?? "pattern\(index)", regex: regex, priority: priority,
                threshold: table.int("threshold", default: 0), window: table.duration("window", default: .seconds(3600)),
                severity: table.choice("severity", default: .warning))
            table.finish()
            return pattern
        }
    }

    private func decodeAlerts(_ reader: SectionReader) -> AlertsConfig {
        let webhook = reader.string("webhook_url")
        if let webhook, !(webhook.hasPrefix("https://") || webhook.hasPrefix("http://")) {
            // Never echo the value: webhook URLs carry tokens.
            issues.error(reader.keyPath("webhook_url"), "must be an http(s) URL", at: reader.originOf("webhook_url"))
        }
        let command = reader.stringList("command")
        if let program = command.first, !program.hasPrefix("/") {
            issues.error(reader.keyPath("command"), "must start with an absolute path to the program", at: reader.originOf("command"))
        }
        let alerts = AlertsConfig(
            webhookURL: webhook,
            webhookFormat: reader.choice("webhook_format", default: .slack),
            command: command,
            minSeverity: reader.choice("min_severity", default: .warning),
            repeatAfter: reader.duration("repeat_after", default: .seconds(3600)),
            timeout: reader.duration("timeout", default: .seconds(10)),
            retries: reader.int("retries", default: 3, range: 0...20),
            queueSize: reader.int("queue_size", default: 100, range: 1...100_000))
        reader.finish()
        return alerts
    }

    private func decodeKillSwitch(
        _ reader: SectionReader, project: ProjectConfig, components: [Component]
    ) -> KillSwitchConfig {
        let listed = reader.has("components") ? reader.stringList("components") : nil
        let config = KillSwitchConfig(
            file: reader.string("file") ?? "\(project.root)/shared/KILL",
            components: listed ?? components.filter(\.trades).map(\.name))
        for name in listed ?? [] where !components.contains(where: { $0.name == name }) {
            issues.error(
                reader.keyPath("components"), "names unknown component \"\(name)\"", at: reader.originOf("components"))
        }
        reader.finish()
        return config
    }
}
