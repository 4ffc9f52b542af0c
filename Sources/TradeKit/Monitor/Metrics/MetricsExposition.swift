import Foundation
import Prometheus

/// Renders a `MonitorSnapshot` as Prometheus text exposition format 0.0.4.
///
/// Built on swift-prometheus: it writes the `# HELP`/`# TYPE` lines, escapes label values
/// (`\\`, `\"`, `\n`) and HELP text, and checks metric and label names, which is the part of
/// the format that is easy to get subtly wrong by hand. A fresh registry per render makes
/// the output a pure function of the snapshot: a component removed from the config, or a
/// value not known yet (no backup so far), simply has no sample, rather than a stale one or
/// a misleading 0. The registry emits families in hash order; they are sorted afterwards so
/// that two scrapes of the same state are byte-identical and `curl | diff` works.
public enum MetricsExposition {
    /// The `Content-Type` of `/metrics`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Status as a number, the same as `tradectl health`'s exit codes and Nagios':
    /// 0 ok, 1 warning, 2 critical, 3 unknown.
    public static func value(_ status: HealthStatus) -> Double { Double(status.exitCode) }

    public static func render(_ snapshot: MonitorSnapshot) -> String {
        let registry = PrometheusCollectorRegistry()
        let project = ("project", snapshot.project)
        addComponents(snapshot, project, registry)
        addChecks(snapshot, project, registry)
        addJournal(snapshot, project, registry)
        addHistory(snapshot, project, registry)
        addAlerts(snapshot, project, registry)
        addMonitor(snapshot, project, registry)
        return sorted(registry.emitToString())
    }

    /// Families by name, samples by text. swift-prometheus writes each family as `# HELP`,
    /// `# TYPE`, then its samples, one per line (newlines in label values are escaped).
    static func sorted(_ text: String) -> String {
        var families: [(name: String, header: [Substring], samples: [Substring])] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let name = String(line.dropFirst(7).prefix { $0 != " " })
                if families.last?.name == name {
                    families[families.count - 1].header.append(line)
                } else {
                    families.append((name, [line], []))
                }
            } else if families.isEmpty {
                families.append(("", [], [line]))
            } else {
                families[families.count - 1].samples.append(line)
            }
        }
        let lines = families.sorted { $0.name < $1.name }.flatMap { $0.header + $0.samples.sorted() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    private typealias Label = (String, String)

    private static func addComponents(
        _ snapshot: MonitorSnapshot, _ project: Label, _ registry: PrometheusCollectorRegistry
    ) {
        for component in snapshot.components {
            let labels = [project, ("component", component.name)]
            gauge(registry, Family.componentUp, labels).set(to: component.up ? 1 : 0)
            counter(registry, Family.componentRestarts, labels, component.restarts)
            counter(registry, Family.monitorRestarts, labels, component.monitorRestarts)
        }
    }

    /// One sample per (check, target); when a check reports the same target twice, the
    /// worst result wins, as in `tradectl health`.
    private static func addChecks(
        _ snapshot: MonitorSnapshot, _ project: Label, _ registry: PrometheusCollectorRegistry
    ) {
        var worst: [String: (check: String, target: String, status: HealthStatus)] = [:]
        for result in snapshot.checks {
            let key = "\(result.check)\u{0}\(result.target)"
            if let seen = worst[key], seen.status >= result.status { continue }
            worst[key] = (result.check, result.target, result.status)
        }
        for entry in worst.values {
            gauge(registry, Family.checkStatus, [project, ("check", entry.check), ("target", entry.target)]).set(
                to: value(entry.status))
        }
        gauge(registry, Family.healthStatus, [project]).set(to: value(snapshot.status))
    }

    private static func addJournal(
        _ snapshot: MonitorSnapshot, _ project: Label, _ registry: PrometheusCollectorRegistry
    ) {
        for (component, count) in snapshot.journalErrors {
            counter(registry, Family.journalErrors, [project, ("component", component)], count)
        }
        for (pattern, count) in snapshot.patternMatches {
            counter(registry, Family.patternMatches, [project, ("pattern", pattern)], count)
        }
    }

    private static func addHistory(
        _ snapshot: MonitorSnapshot, _ project: Label, _ registry: PrometheusCollectorRegistry
    ) {
        if let at = snapshot.lastBackupAt {
            gauge(registry, Family.backupAt, [project]).set(to: at.timeIntervalSince1970)
        }
        if let bytes = snapshot.lastBackupBytes {
            gauge(registry, Family.backupBytes, [project]).set(to: Double(bytes))
        }
        if let at = snapshot.lastDeployAt {
            gauge(registry, Family.deployAt, [project]).set(to: at.timeIntervalSince1970)
        }
    }

    /// Every alert kind and every result appear from the start, at 0: a counter that is
    /// born at 1 hides its first increase from `increase()` and `rate()`.
    private static func addAlerts(
        _ snapshot: MonitorSnapshot, _ project: Label, _ registry: PrometheusCollectorRegistry
    ) {
        for kind in Alert.Kind.allCases {
            counter(registry, Family.alerts, [project, ("kind", kind.rawValue)], snapshot.alerts[kind] ?? 0)
        }
        for reason in ["silenced", "acknowledged"] {
            counter(registry, Family.muted, [project, ("reason", reason)], snapshot.muted[reason] ?? 0)
        }
        for notifier in snapshot.notifiers {
            for (result, count) in [
                ("sent", notifier.sent), ("failed", notifier.failed), ("dropped", notifier.dropped),
            ] {
                let labels = [project, ("notifier", notifier.name), ("result", result)]
                counter(registry, Family.deliveries, labels, count)
            }
            gauge(registry, Family.queued, [project, ("notifier", notifier.name)]).set(to: Double(notifier.queued))
        }
    }

    private static func addMonitor(
        _ snapshot: MonitorSnapshot, _ project: Label, _ registry: PrometheusCollectorRegistry
    ) {
        counter(registry, Family.cycles, [project], snapshot.cycles)
        if snapshot.cycles > 0 {
            gauge(registry, Family.cycleSeconds, [project]).set(to: snapshot.cycleSeconds)
            gauge(registry, Family.cycleAt, [project]).set(to: snapshot.at.timeIntervalSince1970)
        }
        gauge(registry, Family.killSwitch, [project]).set(to: snapshot.halted ? 1 : 0)
        gauge(registry, Family.deploying, [project]).set(to: snapshot.deploying ? 1 : 0)
    }

    /// Counters carry the absolute value the snapshot holds; a negative one (never expected)
    /// is clamped, as swift-prometheus traps on a negative increment.
    private static func counter(
        _ registry: PrometheusCollectorRegistry, _ family: MetricNameDescriptor, _ labels: [Label], _ value: Int
    ) {
        registry.makeCounter(descriptor: family, labels: labels).increment(by: Int64(max(value, 0)))
    }

    private static func gauge(
        _ registry: PrometheusCollectorRegistry, _ family: MetricNameDescriptor, _ labels: [Label]
    ) -> Gauge {
        registry.makeGauge(descriptor: family, labels: labels)
    }
}

/// Every family: `tradectl_` + name + unit suffix (base units; `total` for counters), and
/// its HELP text (swift-prometheus requires one text per family).
private enum Family {
    static var componentUp: MetricNameDescriptor {
        family(
            "component_up", "", "1 when the component's service is active (a oneshot: its last run succeeded), else 0.")
    }
    static var componentRestarts: MetricNameDescriptor {
        family(
            "component_restarts", "total",
            "Restarts of the component's unit by systemd (NRestarts); resets when the unit is reloaded or re-created.")
    }
    static var monitorRestarts: MetricNameDescriptor {
        family("monitor_restarts", "total", "Restarts of the component done by the tradectl monitor since it started.")
    }
    static var checkStatus: MetricNameDescriptor {
        family("check_status", "", "Result of a health check: 0 ok, 1 warning, 2 critical, 3 unknown.")
    }
    static var healthStatus: MetricNameDescriptor {
        family(
            "health_status", "", "Overall health of the project (worst check): 0 ok, 1 warning, 2 critical, 3 unknown.")
    }
    static var journalErrors: MetricNameDescriptor {
        family(
            "journal_errors", "total",
            "Journal entries of priority err or worse from the component since the monitor started.")
    }
    static var patternMatches: MetricNameDescriptor {
        family(
            "journal_pattern_matches", "total", "Journal entries matching a monitor pattern since the monitor started.")
    }
    static var backupAt: MetricNameDescriptor {
        family("backup_last_success_timestamp", "seconds", "Unix time of the newest complete backup.")
    }
    static var backupBytes: MetricNameDescriptor {
        family("backup_last_size", "bytes", "Size of the newest complete backup archive.")
    }
    static var deployAt: MetricNameDescriptor {
        family("deploy_last_timestamp", "seconds", "Unix time of the last successful deploy.")
    }
    static var alerts: MetricNameDescriptor {
        family("alerts", "total", "Alerts handed to the notifiers since the monitor started, by kind.")
    }
    static var muted: MetricNameDescriptor {
        family(
            "alerts_muted", "total",
            "Alerts kept from every receiver since the monitor started: by a silence, or reminders of an acknowledged alert."
        )
    }
    static var deliveries: MetricNameDescriptor {
        family(
            "notifier_deliveries", "total",
            "Alert deliveries per notifier since the monitor started: sent, failed (after retries) or dropped (queue full)."
        )
    }
    static var queued: MetricNameDescriptor {
        family("notifier_queued", "", "Alerts waiting in the notifier's queue.")
    }
    static var cycles: MetricNameDescriptor {
        family("monitor_cycles", "total", "Monitor cycles completed since the monitor started.")
    }
    static var cycleSeconds: MetricNameDescriptor {
        family("monitor_cycle_duration", "seconds", "Duration of the last monitor cycle.")
    }
    static var cycleAt: MetricNameDescriptor {
        family("monitor_last_cycle_timestamp", "seconds", "Unix time the last monitor cycle finished.")
    }
    static var killSwitch: MetricNameDescriptor {
        family("kill_switch_engaged", "", "1 while the kill switch is engaged (trading halted), else 0.")
    }
    static var deploying: MetricNameDescriptor {
        family("deploy_in_progress", "", "1 while a deploy, update or rollback is in progress, else 0.")
    }

    private static func family(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tradectl", metricName: name, unitName: unit, helpText: help)
    }
}
