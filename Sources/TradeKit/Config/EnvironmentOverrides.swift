import Foundation

/// Applies `TRADECTL_<SECTION>_<KEY>` variables on top of the file's values.
///
/// Which sections exist and how a value is parsed come from `DeploymentSchema`: lists are
/// comma-separated, integers and booleans are parsed as such, everything else is a string
/// that the decoder reads like a file value. Lists of tables (`[[components]]`) cannot be overridden.
struct EnvironmentOverrides {
    /// The overridable sections: every table of the top level, longest name first so that a
    /// section whose name starts another's cannot capture its variables.
    static let sections: [(name: String, keys: [String: KeyKind])] = DeploymentSchema.root.keys
        .filter { $0.kind == .table }
        .map { ($0.name, $0.subKeys) }
        .sorted { $0.name.count > $1.name.count }

    var environment: [String: String]

    func apply(to root: inout ConfigNode, issues: IssueCollector) {
        for (variable, text) in environment.sorted(by: { $0.key < $1.key }) {
            guard let (section, key, kind) = Self.split(variable) else { continue }
            let origin = ConfigOrigin.environment(variable: variable)
            let dotted = "\(section).\(key)"
            let value: ConfigValue
            switch kind {
            case .stringList:
                let items = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                value = .array(items.filter { !$0.isEmpty }.map { ConfigNode(.string($0), origin: origin) })
            case .integer:
                guard let number = Int(text) else {
                    issues.error(dotted, "must be an integer, got \"\(text)\"", at: origin)
                    continue
                }
                value = .integer(number)
            case .bool:
                guard let flag = Bool(text) else {
                    issues.error(dotted, "must be true or false, got \"\(text)\"", at: origin)
                    continue
                }
                value = .bool(flag)
            default:
                // Strings, durations, choices; an unknown key is reported by the decoder like one in the file.
                value = .string(text)
            }
            ConfigLoader.set(&root, section: section, key: key, to: ConfigNode(value, origin: origin))
        }
    }

    /// `TRADECTL_KILL_SWITCH_FILE` → (`kill_switch`, `file`, its kind); nil for variables that are not overrides.
    static func split(_ variable: String) -> (String, String, KeyKind?)? {
        guard variable.hasPrefix("TRADECTL_") else { return nil }
        let rest = variable.dropFirst("TRADECTL_".count)
        for section in sections {
            let prefix = section.name.uppercased() + "_"
            if rest.hasPrefix(prefix), rest.count > prefix.count {
                let key = rest.dropFirst(prefix.count).lowercased()
                return (section.name, key, section.keys[key])
            }
        }
        return nil
    }
}
