import Foundation

/// `[health]`, `[monitor]` and the journal patterns both watch for (docs/configuration.md, docs/health-and-monitoring.md).
extension DeploymentSchema {
    static var health: SchemaSection<HealthConfig> {
        SchemaSection(
            keys: [
                .key(
                    "schedule", \.schedule, .string, default: .value("*:0/5"), doc: "timer for `tradectl health`",
                    format: "calendar spec"),
                .key("timeout", \.timeout, .duration, default: .value(.seconds(10)), doc: "per-check timeout"),
                .key(
                    "disk_warn_percent", \.diskWarnPercent, .integer(1...100), default: .value(80),
                    doc: "filesystem usage that is a warning"),
                .key(
                    "disk_crit_percent", \.diskCritPercent, .integer(1...100), default: .value(90),
                    doc: "filesystem usage that is critical"),
                .key(
                    "memory_warn_percent", \.memoryWarnPercent, .integer(0...100), default: .value(10),
                    doc: "MemAvailable below this is a warning"),
                .key(
                    "memory_crit_percent", \.memoryCritPercent, .integer(0...100), default: .value(5),
                    doc: "MemAvailable below this is critical"),
                .key(
                    "errors_warn_per_hour", \.errorsWarnPerHour, .integer(), default: .value(10),
                    doc: "journal entries of priority ≤ err per hour that are a warning"),
                .key(
                    "errors_crit_per_hour", \.errorsCritPerHour, .integer(), default: .value(100),
                    doc: "… that are critical"),
                .key(
                    "error_patterns", \.errorPatterns, .stringList, default: .value([]),
                    doc: "lines that count as errors whatever their priority (e.g. `\"rate limit\"`)",
                    format: "list of regular expressions", check: regexList),
                .key(
                    "backup_max_age", \.backupMaxAge, .duration, default: .value(.seconds(26 * 3600)),
                    doc: "newest backup older than this is critical"),
                .key(
                    "timer_grace", \.timerGrace, .duration, default: .value(.seconds(600)),
                    doc: "how late a timer run may be before it counts as missed"),
                .key(
                    "history_keep", \.historyKeep, .integer(1...1_000_000), default: .value(1000),
                    doc: "health runs kept in the state DB"),
            ],
            crossChecks: { health, reader in
                if health.diskWarnPercent > health.diskCritPercent {
                    reader.report("disk_warn_percent", "must not be above disk_crit_percent")
                }
            })
    }

    static var monitor: SchemaSection<MonitorConfig> {
        SchemaSection(
            keys: [
                .key(
                    "enabled", \.enabled, .bool, default: .value(true),
                    doc: "install and start `<name>-monitor.service`"),
                .key(
                    "interval", \.interval, .duration, default: .value(.seconds(30)),
                    doc: "time between cycles (health checks + journal findings)"),
                .key(
                    "watchdog", \.watchdog, .duration, default: .value(.seconds(120)),
                    doc: "`WatchdogSec=` of the monitor unit; the monitor pings at half of it. Warning when shorter "
                        + "than two intervals"),
                .key(
                    "journal_patterns", \.journalPatterns, .stringList, default: .value([]),
                    doc: "shorthand: any matching journal line of the project's units is a warning",
                    format: "list of regular expressions", check: regexList),
                .tables(
                    "patterns", \.patterns, journalPattern, blank: { _ in JournalPattern(name: "", regex: nil) },
                    doc: "journal rules, see below"),
                .key(
                    "auto_restart", \.autoRestart, .bool, default: .value(true),
                    doc: "restart services systemd gave up on (failed, or inactive while enabled)"),
                .key(
                    "max_restarts", \.maxRestarts, .integer(), default: .value(3),
                    doc: "monitor restarts per component per `restart_window`; then one escalation alert"),
                .key(
                    "restart_window", \.restartWindow, .duration, default: .value(.seconds(3600)),
                    doc: "the window `max_restarts` counts in"),
                .key(
                    "restart_delay", \.restartDelay, .duration, default: .value(.seconds(10)),
                    doc: "wait before the 2nd restart in the window; doubled for each further one"),
                .key(
                    "alert_after", \.alertAfter, .integer(1...1000), default: .value(2),
                    doc: "bad results in a row before a check alerts; as many good ones before it recovers"),
                .key(
                    "alert_after_checks", \.alertAfterChecks,
                    .integerTable(1...1000, fallback: 1, checkName: knownCheck), default: .value([:]),
                    doc: "per check name, e.g. `{ http = 3, journal-pattern = 1 }` (journal patterns default to 1)",
                    omitWhen: \.isEmpty),
                .key(
                    "flap_samples", \.flapSamples, .integer(5...200), default: .value(21),
                    doc: "results per check kept for flap detection"),
                .key(
                    "flap_high_percent", \.flapHighPercent, .integer(1...100), default: .value(50),
                    doc: "a check whose recent results changed (good↔bad) this often is flapping: one message, then "
                        + "quiet"),
                .key(
                    "flap_low_percent", \.flapLowPercent, .integer(0...100), default: .value(25),
                    doc: "it stops flapping below this; the normal rules decide again"),
                .optional(
                    "metrics_listen", \.metricsListen, .string,
                    doc: "serve `/metrics`, `/health`, `/ready` (e.g. `\"127.0.0.1:9464\"`)",
                    format: "`host:port`, loopback only",
                    check: { value, _ in
                        MetricsAddress(parsing: value) != nil
                            ? [] : [.init(message: "must be host:port on a loopback address, e.g. \"127.0.0.1:9464\"")]
                    }),
                .optional(
                    "textfile_dir", \.textfileDir, .string,
                    doc: "also write `tradectl_<project>.prom` there (node_exporter textfile collector), atomically",
                    format: "absolute path",
                    check: { value, _ in value.hasPrefix("/") ? [] : [.init(message: "must be an absolute path")] }),
                .key(
                    "down_outside_session", \.downOutsideSession, .choice, default: .value(.critical),
                    doc: "severity of a `trades = true` component down while `[market]` is closed (critical during "
                        + "a session; docs/market-hours.md)"),
            ],
            crossChecks: { monitor, reader in
                if monitor.flapLowPercent > monitor.flapHighPercent {
                    reader.report("flap_low_percent", "must not be above flap_high_percent")
                }
                if monitor.watchdog.seconds > 0, monitor.watchdog.seconds < 2 * monitor.interval.seconds {
                    reader.warn("watchdog", "is shorter than two intervals; a slow cycle could trip it")
                }
            })
    }

    static var journalPattern: SchemaSection<JournalPattern> {
        SchemaSection(
            keys: [
                .key(
                    "name", \.name, .string, default: .required(placeholder: { context in "pattern\(context.index)" }),
                    doc: "names the alert key `journal-pattern/<name>` and the metric label"),
                .optional(
                    "regex", \.regex, .string, doc: "matched against the message (a Python traceback is one message)",
                    format: "regular expression",
                    check: { value, _ in
                        isRegex(value) ? [] : [.init(message: "is not a valid regular expression: \(value)")]
                    }),
                .optional(
                    "priority", \.priority, .syslogPriority,
                    doc: "only entries at least this severe; a pattern needs `regex`, `priority` or both",
                    format: "`emerg`…`debug` or 0–7"),
                .key(
                    "threshold", \.threshold, .integer(), default: .value(0),
                    doc: "bad while more than this many matches fall within `window`"),
                .key(
                    "window", \.window, .duration, default: .value(.seconds(3600)),
                    doc: "the span `threshold` counts in"),
                .key("severity", \.severity, .choice, default: .value(.warning), doc: "the alert's severity"),
            ],
            crossChecks: { pattern, reader in
                if pattern.regex == nil && pattern.priority == nil {
                    reader.report("regex", "a pattern needs regex, priority or both")
                }
            })
    }

    static func knownCheck(_ name: String) -> String? {
        HealthSuite.names.contains(name) || name == "journal-pattern"
            ? nil : "names unknown check; known: \(HealthSuite.names.joined(separator: ", "))"
    }
}
