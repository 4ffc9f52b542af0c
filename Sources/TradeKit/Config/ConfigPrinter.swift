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
        var out =
            purpose == .install
            ? "# Installed by `tradectl deploy` for \(deployment.project.name): the validated effective config that\n"
                + "# tradectl's units read. Do not edit: change the source config and deploy again.\n"
                + "# Secrets are not here: they are in \(deployment.project.name).env beside it, if there are any.\n"
            : "# effective config of \(deployment.configPath) (secrets redacted)\n"
        for (name, value) in DeploymentSchema.root.entries(deployment, purpose: purpose) {
            switch value {
            case .table(let entries): out += "[\(name)]\n" + lines(entries) + "\n"
            case .tables(let tables): out += tables.map { "[[\(name)]]\n" + lines($0) + "\n" }.joined()
            case .literal(let text): out += "\(name) = \(text)\n"
            }
        }
        return out
    }

    /// The same document as JSON (`config show --json`), converted from the TOML by TOMLKit.
    public static func json(_ deployment: Deployment) -> String {
        guard let table = try? TOMLTable(string: toml(deployment)) else { return "{}" }
        return table.convert(to: .json)
    }

    private static func lines(_ entries: [(String, PrintedValue)]) -> String {
        entries.compactMap { key, value in inline(value).map { "\(key) = \($0)\n" } }.joined()
    }

    /// A value below the top level; an empty table or list of tables is left out.
    private static func inline(_ value: PrintedValue) -> String? {
        switch value {
        case .literal(let text): return text
        case .table(let entries):
            let parts = entries.compactMap { key, value in inline(value).map { "\(key) = \($0)" } }
            return parts.isEmpty ? nil : "{ " + parts.joined(separator: ", ") + " }"
        case .tables(let tables):
            return tables.isEmpty ? nil : "[" + tables.compactMap { inline(.table($0)) }.joined(separator: ", ") + "]"
        }
    }

    static func list(_ values: [String]) -> String { "[" + values.map(q).joined(separator: ", ") + "]" }

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
                if scalar.value < 0x20 {
                    escaped += String(format: "\\u%04X", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"\(escaped)\""
    }
}
