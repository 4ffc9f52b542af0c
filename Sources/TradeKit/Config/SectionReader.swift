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

    /// Marks `key` read; reports it as required and returns false when it is absent.
    func require(_ key: String) -> Bool {
        used.insert(key)
        guard has(key) else {
            issues.error(keyPath(key), "is required", at: origin)
            return false
        }
        return true
    }

    /// Reports a problem with `key` (`suffix` names an element, e.g. `[2]`) at its line.
    func report(_ key: String, suffix: String = "", _ message: String, at place: ConfigOrigin? = nil) {
        issues.error(keyPath(key) + suffix, message, at: place ?? originOf(key))
    }

    func warn(_ key: String, _ message: String) {
        issues.warning(keyPath(key), message, at: originOf(key))
    }

    /// nil when absent or out of `range` (reported).
    func int(_ key: String, range: ClosedRange<Int> = 0...Int.max) -> Int? {
        guard let node = node(key) else { return nil }
        return Self.int(node, keyPath: keyPath(key), range: range, issues: issues)
    }

    private static func int(
        _ node: ConfigNode, keyPath: String, range: ClosedRange<Int>, issues: IssueCollector
    )
        -> Int?
    {
        guard case .integer(let value) = node.value else {
            issues.error(keyPath, "must be an integer, got \(node.value.typeName)", at: node.origin)
            return nil
        }
        guard range.contains(value) else {
            let upper = range.upperBound == Int.max ? "" : " and at most \(range.upperBound)"
            issues.error(keyPath, "must be at least \(range.lowerBound)\(upper), got \(value)", at: node.origin)
            return nil
        }
        return value
    }

    func bool(_ key: String) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .bool(let value) = node.value else {
            issues.error(keyPath(key), "must be true or false, got \(node.value.typeName)", at: node.origin)
            return nil
        }
        return value
    }

    /// nil when absent or not a list; elements that are not strings are reported and left out.
    func stringList(_ key: String) -> [String]? {
        guard let node = node(key) else { return nil }
        guard case .array(let items) = node.value else {
            issues.error(keyPath(key), "must be a list of strings, got \(node.value.typeName)", at: node.origin)
            return nil
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

    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, as type: Choice.Type = Choice.self) -> Choice?
    where Choice.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            issues.error(keyPath(key), "must be one of \(allowed), got \"\(text)\"", at: originOf(key))
            return nil
        }
        return value
    }

    /// A table of integers in `range`, e.g. `alert_after_checks = { http = 3 }`; `checkName` may refuse a name.
    func intTable(
        _ key: String, range: ClosedRange<Int>, fallback: Int, checkName: (String) -> String?
    )
        -> [String: Int]?
    {
        guard node(key) != nil else { return nil }
        let table = self.table(key)
        var result: [String: Int] = [:]
        for name in table.keys {
            if let problem = checkName(name) { table.report(name, problem) }
            table.used.insert(name)
            result[name] =
                table.entries[name].flatMap {
                    Self.int($0, keyPath: table.keyPath(name), range: range, issues: issues)
                } ?? fallback
        }
        table.finish()
        return result
    }

    /// A nested table, e.g. `probes` inside a component.
    func table(_ key: String) -> SectionReader {
        SectionReader(path: keyPath(key), node: node(key), issues: issues, fallbackOrigin: origin)
    }

    /// An element of a list of tables, read at `path` (`components[1]`).
    func child(_ path: String, _ node: ConfigNode) -> SectionReader {
        SectionReader(path: path, node: node, issues: issues, fallbackOrigin: origin)
    }

    /// A table of string values in file order, e.g. `environment = { TZ = "UTC" }`.
    func stringTable(_ key: String) -> [(key: String, value: String)]? {
        guard let node = node(key) else { return nil }
        guard case .table(let entries, let order) = node.value else {
            issues.error(keyPath(key), "must be a table of strings, got \(node.value.typeName)", at: node.origin)
            return nil
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
