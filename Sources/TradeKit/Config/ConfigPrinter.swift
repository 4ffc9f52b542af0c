import Foundation
import TOMLKit

/// Prints the effective config (after environment and flag overrides) as TOML, secrets redacted.
public enum ConfigPrinter {
    /// `show`: for a person (`config show`), secrets redacted. `install`: the copy `deploy`
    /// installs for tradectl's units, which must parse back to the same deployment — secrets
    /// are left out (they go to the env file beside it), component `environment` is kept
    /// verbatim (it is in the unit files anyway).
    public enum Purpose: Sendable { case show, install }

    public static func toml(_ deployment: Deployment, purpose: Purpose = .show) -> String {
        let install = purpose == .install
        var out = install
            ? "# Installed by `tradectl deploy` for \(deployment.project.name): the validated effective config that\n"
                + "# tradectl's units read. Do not edit: change the source config and deploy again.\n"
                + "# Secrets are not here: they are in \(deployment.project.name).env beside it, if there are any.\n"
            : "# effective config of \(deployment.configPath) (secrets redacted)\n"
        let project = deployment.project
        out += section("project", [
            ("name", q(project.name)), ("environment", q(project.environment.rawValue)), ("root", q(project.root)),
            ("user", q(project.user)), ("group", q(project.group)), ("scope", q(project.scope.rawValue)),
            ("state_dir", q(project.stateDir)), ("templates_dir", project.templatesDir.map(q)),
            ("tradectl_path", project.tradectlPath.map(q)),
        ])
        let releases = deployment.releases
        out += section("releases", [
            ("source", q(releases.source)), ("keep", "\(releases.keep)"), ("build", list(releases.build)), ("pre_switch", list(releases.preSwitch)),
            ("shared", list(releases.shared.map { $0.isDirectory ? "\($0.path)/" : $0.path })),
            ("exclude", list(releases.exclude)),
        ])
        for component in deployment.components {
            out += "[[components]]\n"
            out += lines([
                ("name", q(component.name)), ("kind", q(component.kind.rawValue)), ("exec", q(component.exec)),
                ("working_dir", q(component.workingDir)), ("env_file", component.envFile.map(q)),
                ("schedule", component.schedule.map(q)), ("restart", q(component.restart.rawValue)),
                ("restart_sec", q(component.restartSec.description)),
                ("stop_timeout", component.stopTimeout.map { q($0.description) }),
                ("after", list(component.after)), ("requires", list(component.requires)),
                ("trades", "\(component.trades)"), ("dry_run", "\(component.dryRun)"),
                ("restart_daily", component.restartDaily.map(q)),
                ("environment", component.environment.isEmpty ? nil : "{ " + component.environment.map {
                    "\($0.key) = \(Secrets.isSecretKey($0.key) && !install ? q(Secrets.redacted) : q($0.value))"
                }.joined(separator: ", ") + " }"),
                ("probes", probes(component.probes)),
            ])
            out += "\n"
        }
        out += section("deploy", [("health_timeout", q(deployment.deploy.healthTimeout.description))])
        let backup = deployment.backup
        out += section("backup", [
            ("dir", q(backup.dir)), ("schedule", q(backup.schedule)), ("compression", q(backup.compression)),
            ("databases", list(backup.databases)), ("paths", list(backup.paths)), ("include_logs", "\(backup.includeLogs)"),
            ("keep_last", "\(backup.keepLast)"), ("keep_hourly", "\(backup.keepHourly)"), ("keep_daily", "\(backup.keepDaily)"),
            ("keep_weekly", "\(backup.keepWeekly)"), ("keep_monthly", "\(backup.keepMonthly)"),
            ("keep_within", backup.keepWithin.map { q($0.description) }),
            ("max_entry_mib", "\(backup.maxEntryMiB)"), ("max_total_mib", "\(backup.maxTotalMiB)"),
            ("max_entries", "\(backup.maxEntries)"),
        ])
        let health = deployment.health
        out += section("health", [
            ("schedule", q(health.schedule)), ("timeout", q(health.timeout.description)),
            ("disk_warn_percent", "\(health.diskWarnPercent)"), ("disk_crit_percent", "\(health.diskCritPercent)"),
            ("memory_warn_percent", "\(health.memoryWarnPercent)"), ("memory_crit_percent", "\(health.memoryCritPercent)"),
            ("errors_warn_per_hour", "\(health.errorsWarnPerHour)"), ("errors_crit_per_hour", "\(health.errorsCritPerHour)"),
            ("error_patterns", list(health.errorPatterns)), ("backup_max_age", q(health.backupMaxAge.description)),
            ("timer_grace", q(health.timerGrace.description)), ("history_keep", "\(health.historyKeep)"),
        ])
        let monitor = deployment.monitor
        out += section("monitor", [
            ("enabled", "\(monitor.enabled)"), ("interval", q(monitor.interval.description)),
            ("watchdog", q(monitor.watchdog.description)), ("journal_patterns", list(monitor.journalPatterns)),
            ("patterns", monitor.patterns.isEmpty ? nil : "[" + monitor.patterns.map(pattern).joined(separator: ", ") + "]"),
            ("auto_restart", "\(monitor.autoRestart)"), ("max_restarts", "\(monitor.maxRestarts)"),
            ("restart_window", q(monitor.restartWindow.description)), ("restart_delay", q(monitor.restartDelay.description)),
            ("alert_after", "\(monitor.alertAfter)"),
            ("alert_after_checks", monitor.alertAfterChecks.isEmpty ? nil
                : "{ " + monitor.alertAfterChecks.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + " }"),
            ("flap_samples", "\(monitor.flapSamples)"),
            ("flap_high_percent", "\(monitor.flapHighPercent)"), ("flap_low_percent", "\(monitor.flapLowPercent)"),
            ("metrics_listen", monitor.metricsListen.map(q)), ("textfile_dir", monitor.textfileDir.map(q)),
        ])
        let alerts = deployment.alerts
        out += section("alerts", [
            ("webhook_url", install ? nil : alerts.webhookURL.map { _ in q(Secrets.redacted) }),
            ("webhook_format", q(alerts.webhookFormat.rawValue)),
            ("command", alerts.command.isEmpty ? nil : list(alerts.command)),
            ("min_severity", q(alerts.minSeverity.rawValue)),
            ("repeat_after", q(alerts.repeatAfter.description)),
            ("timeout", q(alerts.timeout.description)), ("retries", "\(alerts.retries)"), ("queue_size", "\(alerts.queueSize)"),
        ])
        out += section("kill_switch", [
            ("file", q(deployment.killSwitch.file)), ("components", list(deployment.killSwitch.components)),
        ])
        out += section("runbooks", [("dirs", list(deployment.runbooks.dirs))])
        return out
    }

    /// The same document as JSON (`config show --json`), converted from the TOML by TOMLKit.
    public static func json(_ deployment: Deployment) -> String {
        guard let table = try? TOMLTable(string: toml(deployment)) else { return "{}" }
        return table.convert(to: .json)
    }

    private static func section(_ name: String, _ entries: [(String, String?)]) -> String {
        "[\(name)]\n" + lines(entries) + "\n"
    }

    private static func lines(_ entries: [(String, String?)]) -> String {
        entries.compactMap { key, value in value.map { "\(key) = \($0)\n" } }.joined()
    }

    private static func probes(_ probes: Probes) -> String? {
        guard !probes.isEmpty else { return nil }
        let parts: [(String, String?)] = [
            ("http", probes.http.map(q)), ("tcp", probes.tcp.map(q)), ("heartbeat", probes.heartbeat.map(q)),
            ("heartbeat_max_age", probes.heartbeat == nil ? nil : q(probes.heartbeatMaxAge.description)),
            ("sqlite", probes.sqlite.map(q)),
        ]
        return "{ " + parts.compactMap { key, value in value.map { "\(key) = \($0)" } }.joined(separator: ", ") + " }"
    }

    private static func pattern(_ pattern: JournalPattern) -> String {
        let parts: [(String, String?)] = [
            ("name", q(pattern.name)), ("regex", pattern.regex.map(q)),
            ("priority", pattern.priority.map { q(LogPriority.names[$0]) }), ("threshold", "\(pattern.threshold)"),
            ("window", q(pattern.window.description)), ("severity", q(pattern.severity.rawValue)),
        ]
        return "{ " + parts.compactMap { key, value in value.map { "\(key) = \($0)" } }.joined(separator: ", ") + " }"
    }

    private static func list(_ values: [String]) -> String { "[" + values.map(q).joined(separator: ", ") + "]" }

    /// A TOML basic string.
    static func q(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 { escaped += String(format: "\\u%04X", scalar.value) } else { escaped.unicodeScalars.append(scalar) }
            }
        }
        return "\"\(escaped)\""
    }
}
