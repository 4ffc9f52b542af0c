import Foundation

/// Applies `TRADECTL_<SECTION>_<KEY>` variables on top of the file's values.
struct EnvironmentOverrides {
    /// Sections that may be overridden; `[[components]]` is a list and cannot be.
    static let sections = ["kill_switch", "project", "releases", "deploy", "backup", "health", "monitor", "alerts"]
    /// Keys that hold lists (comma-separated in the environment) or non-strings.
    static let listKeys: Set<String> = [
        "releases.build", "releases.pre_switch", "releases.shared", "releases.exclude", "backup.databases", "backup.paths",
        "monitor.journal_patterns", "kill_switch.components", "health.error_patterns", "alerts.command",
    ]
    static let integerKeys: Set<String> = [
        "releases.keep", "backup.keep_last", "backup.keep_hourly", "backup.keep_daily", "backup.keep_weekly",
        "backup.keep_monthly", "backup.max_entry_mib", "backup.max_total_mib", "backup.max_entries", "health.disk_warn_percent", "health.disk_crit_percent", "health.memory_warn_percent",
        "health.memory_crit_percent", "health.errors_warn_per_hour", "health.errors_crit_per_hour", "health.history_keep", "monitor.max_restarts",
        "monitor.alert_after", "monitor.flap_samples", "monitor.flap_high_percent", "monitor.flap_low_percent", "alerts.retries", "alerts.queue_size",
    ]
    static let boolKeys: Set<String> = ["backup.include_logs", "monitor.enabled", "monitor.auto_restart"]

    var environment: [String: String]

    func apply(to root: inout ConfigNode, issues: IssueCollector) {
        for (variable, text) in environment.sorted(by: { $0.key < $1.key }) {
            guard let (section, key) = Self.split(variable) else { continue }
            let origin = ConfigOrigin.environment(variable: variable)
            let dotted = "\(section).\(key)"
            let value: ConfigValue
            if Self.listKeys.contains(dotted) {
                let items = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                value = .array(items.filter { !$0.isEmpty }.map { ConfigNode(.string($0), origin: origin) })
            } else if Self.integerKeys.contains(dotted) {
                guard let number = Int(text) else {
                    issues.error(dotted, "must be an integer, got \"\(text)\"", at: origin)
                    continue
                }
                value = .integer(number)
            } else if Self.boolKeys.contains(dotted) {
                guard let flag = Bool(text) else {
                    issues.error(dotted, "must be true or false, got \"\(text)\"", at: origin)
                    continue
                }
                value = .bool(flag)
            } else {
                value = .string(text)
            }
            ConfigLoader.set(&root, section: section, key: key, to: ConfigNode(value, origin: origin))
        }
    }

    /// `TRADECTL_KILL_SWITCH_FILE` → (`kill_switch`, `file`); nil for variables that are not overrides.
    static func split(_ variable: String) -> (String, String)? {
        guard variable.hasPrefix("TRADECTL_") else { return nil }
        let rest = variable.dropFirst("TRADECTL_".count)
        for section in sections {
            let prefix = section.uppercased() + "_"
            if rest.hasPrefix(prefix), rest.count > prefix.count {
                return (section, rest.dropFirst(prefix.count).lowercased())
            }
        }
        return nil
    }
}
