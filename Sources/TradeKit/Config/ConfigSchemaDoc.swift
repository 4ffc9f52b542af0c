import Foundation

/// The key tables of docs/configuration.md, generated from `DeploymentSchema`.
///
/// Each table sits between `<!-- BEGIN GENERATED KEYS: <table> -->` and
/// `<!-- END GENERATED KEYS: <table> -->`, so the prose around it stays hand-written.
/// `scripts/gen-config-doc.sh` rewrites them; a unit test fails when the committed page differs.
public enum ConfigSchemaDoc {
    /// The command that regenerates the tables, for messages.
    public static let regenerateCommand = "scripts/gen-config-doc.sh"

    /// Every generated table: one per section, `components`, and each list of tables (`monitor.patterns`).
    static var tables: [DocTable] {
        DeploymentSchema.root.keys.flatMap { key in key.subTables(key.name) }
    }

    /// Table names in order, as the markers name them.
    public static var tableNames: [String] { tables.map(\.path) }

    /// The markdown table for `name`, nil for a name the schema does not know.
    public static func markdown(table name: String) -> String? {
        guard let table = tables.first(where: { $0.path == name }) else { return nil }
        var out = "| key | type | default | meaning |\n|---|---|---|---|\n"
        for row in table.rows {
            out += "| `\(row.key)` | \(row.type) | \(row.defaultText) | \(row.meaning) |\n"
        }
        return out
    }

    /// Every table, each under its marker comments (what `tradectl config schema` prints).
    public static var allMarkdown: String {
        tableNames.map { name in "\(begin(name))\n\(markdown(table: name) ?? "")\(end(name))\n" }
            .joined(separator: "\n")
    }

    /// `document` with each marked block replaced by its generated table. Throws for a marker
    /// naming no table, a marker without its end, or a table the document has no marker for.
    public static func update(_ document: String) throws -> String {
        var result = ""
        var rest = Substring(document)
        var seen: [String] = []
        let prefix = "<!-- BEGIN GENERATED KEYS: "
        while let start = rest.range(of: prefix) {
            let nameEnd = try rest[start.upperBound...].range(of: " -->").orThrow("unterminated marker")
            let name = String(rest[start.upperBound..<nameEnd.lowerBound])
            let table = try markdown(table: name).orThrow("marker names unknown table \"\(name)\"")
            let closing = try rest[nameEnd.upperBound...].range(of: end(name)).orThrow("no \(end(name))")
            result += rest[..<start.lowerBound] + begin(name) + "\n" + table
            rest = rest[closing.lowerBound...]
            seen.append(name)
        }
        let missing = tableNames.filter { !seen.contains($0) }
        if !missing.isEmpty {
            throw DocError(message: "no markers for \(missing.joined(separator: ", ")); add \(begin(missing[0]))…")
        }
        return result + rest
    }

    static func begin(_ name: String) -> String { "<!-- BEGIN GENERATED KEYS: \(name) -->" }
    static func end(_ name: String) -> String { "<!-- END GENERATED KEYS: \(name) -->" }

    public struct DocError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}

extension Optional {
    fileprivate func orThrow(_ message: String) throws -> Wrapped {
        guard let self else { throw ConfigSchemaDoc.DocError(message: message) }
        return self
    }
}
