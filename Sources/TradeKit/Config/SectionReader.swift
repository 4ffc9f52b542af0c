import Foundation

/// Collects config problems while a config is read, so `config check` can report all of them.
final class IssueCollector {
    let configPath: String
    private(set) var issues: [ConfigIssue] = []

    init(configPath: String) { self.configPath = configPath }

    func error(_ key: String, _ message: String, at origin: ConfigOrigin) {
        issues.append(ConfigIssue(.error, origin: origin, configPath: configPath, key: key, message: message))
    }

    func warning(_ key: String, _ message: String, at origin: ConfigOrigin) {
        issues.append(ConfigIssue(.warning, origin: origin, configPath: configPath, key: key, message: message))
    }

    var hasErrors: Bool { issues.contains { $0.severity == .error } }
}

/// Typed, located access to one TOML table; every key read is marked used, and
/// `finish()` reports the ones nobody read as unknown (a typo must not fall back to a default).
final class SectionReader {
    let path: String
    let origin: ConfigOrigin
    private let entries: [String: ConfigNode]
    private let order: [String]
    private let issues: IssueCollector
    private var used: Set<String> = []

    init(path: String, node: ConfigNode?, issues: IssueCollector, fallbackOrigin: ConfigOrigin) {
        self.path = path
        self.issues = issues
        if let node, case .table(let entries, let order) = node.value {
            self.entries = entries
            self.order = order
            self.origin = node.origin
        } else {
            if let node { issues.error(path, "must be a table, got \(node.value.typeName)", at: node.origin) }
            self.entries = [:]
            self.order = []
            self.origin = node?.origin ?? fallbackOrigin
        }
    }

    /// The table's keys in file order.
    var keys: [String] { order }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func node(_ key: String) -> ConfigNode? {
        used.insert(key)
        return entries[key]
    }

    func originOf(_ key: String) -> ConfigOrigin { entries[key]?.origin ?? origin }

    func has(_ key: String) -> Bool { entries[key] != nil }

    func string(_ key: String) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let value) = node.value else {
            issues.error(keyPath(key), "must be a string, got \(node.value.typeName)", at: node.origin)
            return nil
        }
        return value
    }

    func requiredString(_ key: String) -> String? {
        guard has(key) else {
            used.insert(key)
            issues.error(keyPath(key), "is required", at: origin)
            return nil
        }
        return string(key)
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int> = 0...Int.max) -> Int {
        guard let node = node(key) else { return fallback }
        guard case .integer(let value) = node.value else {
            issues.error(keyPath(key), "must be an integer, got \(node.value.typeName)", at: node.origin)
            return fallback
        }
        guard range.contains(value) else {
            let upper = range.upperBound == Int.max ? "" : " and at most \(range.upperBound)"
            issues.error(keyPath(key), "must be at least \(range.lowerBound)\(upper), got \(value)", at: node.origin)
            return fallback
        }
        return value
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let node = node(key) else { return fallback }
        guard case .bool(let value) = node.value else {
            issues.error(keyPath(key), "must be true or false, got \(node.value.typeName)", at: node.origin)
            return fallback
        }
        return value
    }

    func stringList(_ key: String) -> [String] {
        guard let node = node(key) else { return [] }
        guard case .array(let items) = node.value else {
            issues.error(keyPath(key), "must be a list of strings, got \(node.value.typeName)", at: node.origin)
            return []
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let value) = item.value else {
                issues.error(
                    "\(keyPath(key))[\(index)]", "must be a string, got \(item.value.typeName)", at: item.origin)
                continue
            }
            result.append(value)
        }
        return result
    }

    func duration(_ key: String) -> ConfigDuration? {
        guard let text = string(key) else { return nil }
        guard let duration = ConfigDuration(parsing: text) else {
            issues.error(
                keyPath(key), "must be a duration such as \"90s\" or \"5min\", got \"\(text)\"", at: originOf(key))
            return nil
        }
        return duration
    }

    func duration(_ key: String, default fallback: ConfigDuration) -> ConfigDuration {
        duration(key) ?? fallback
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default fallback: Choice) -> Choice
    where Choice.RawValue == String {
        guard let text = string(key) else { return fallback }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            issues.error(keyPath(key), "must be one of \(allowed), got \"\(text)\"", at: originOf(key))
            return fallback
        }
        return value
    }

    /// A nested table, e.g. `probes` inside a component.
    func table(_ key: String) -> SectionReader {
        SectionReader(path: keyPath(key), node: node(key), issues: issues, fallbackOrigin: origin)
    }

    /// A table of string values in file order, e.g. `environment = { TZ = "UTC" }`.
    func stringTable(_ key: String) -> [(key: String, value: String)] {
        guard let node = node(key) else { return [] }
        guard case .table(let entries, let order) = node.value else {
            issues.error(keyPath(key), "must be a table of strings, got \(node.value.typeName)", at: node.origin)
            return []
        }
        return order.compactMap { name in
            guard let item = entries[name] else { return nil }
            guard case .string(let value) = item.value else {
                issues.error("\(keyPath(key)).\(name)", "must be a string, got \(item.value.typeName)", at: item.origin)
                return nil
            }
            return (name, value)
        }
    }

    /// Reports keys present in the table that no reader asked for.
    func finish() {
        for key in order where !used.contains(key) {
            issues.error(keyPath(key), "unknown key", at: originOf(key))
        }
    }
}
