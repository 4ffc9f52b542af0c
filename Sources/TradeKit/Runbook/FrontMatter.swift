import Foundation

/// The YAML-ish header of a runbook: `key: value` lines, `- item` lists, `>`/`|` blocks.
///
/// Deliberately not full YAML (no anchors, flow lists or types): the five keys need none
/// of it, and a small grammar gives exact line numbers for every mistake.
struct FrontMatter {
    static let keys = ["id", "title", "severity", "symptoms", "when"]
    static let listKeys: Set<String> = ["symptoms"]

    enum Value: Equatable {
        case text(String)
        case list([String])
    }

    private(set) var values: [String: Value] = [:]
    private(set) var lines: [String: Int] = [:]

    /// Reads `source` (the lines between the `---` markers); `firstLine` is the file line of source[0].
    init(_ source: [Substring], firstLine: Int, file: String, issues: inout [RunbookIssue]) {
        var current: String?
        var style: Character?  // ">" folded, "|" literal, nil plain
        var textLines: [String] = []
        var items: [String] = []

        func close() {
            guard let key = current else { return }
            if Self.listKeys.contains(key) {
                values[key] = textLines.isEmpty ? .list(items) : .text(textLines.joined(separator: " "))
            } else {
                values[key] = .text(textLines.joined(separator: style == "|" ? "\n" : " "))
            }
            current = nil
            style = nil
            textLines = []
            items = []
        }

        for (offset, raw) in source.enumerated() {
            let line = firstLine + offset
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indented = raw.first == " " || raw.first == "\t"
            if indented || trimmed.hasPrefix("- ") || trimmed == "-" {
                guard let key = current else {
                    issues.append(.error("front matter: indented line belongs to no key", file: file, line: line))
                    continue
                }
                if Self.listKeys.contains(key), trimmed.hasPrefix("-"), textLines.isEmpty {
                    items.append(Self.unquote(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)))
                } else if Self.listKeys.contains(key), !items.isEmpty {
                    items[items.count - 1] += " " + trimmed
                } else if Self.listKeys.contains(key) {
                    issues.append(
                        .error("front matter: \(key) is a list; write one `- item` per line", file: file, line: line))
                } else {
                    textLines.append(style == "|" ? String(raw.drop { $0 == " " || $0 == "\t" }) : trimmed)
                }
                continue
            }
            close()
            guard let colon = trimmed.firstIndex(of: ":") else {
                issues.append(.error("front matter: expected `key: value`, got `\(trimmed)`", file: file, line: line))
                continue
            }
            let key = String(trimmed[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(trimmed[trimmed.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard Self.keys.contains(key) || key.hasPrefix("x-") else {
                issues.append(
                    .error(
                        "front matter: unknown key `\(key)`; known: \(Self.keys.joined(separator: ", ")) (or x-… for your own)",
                        file: file, line: line))
                continue
            }
            if lines[key] != nil {
                issues.append(
                    .error(
                        "front matter: `\(key)` is given twice (first on line \(lines[key] ?? 0))", file: file,
                        line: line))
                continue
            }
            lines[key] = line
            current = key
            if [">", "|", ">-", "|-"].contains(value) {
                style = value.first
            } else if value.hasPrefix("[") {
                issues.append(
                    .error("front matter: write \(key) as one `- item` per line, not [a, b]", file: file, line: line))
            } else if !value.isEmpty {
                if Self.listKeys.contains(key) {
                    issues.append(
                        .error("front matter: \(key) is a list; write one `- item` per line", file: file, line: line))
                } else {
                    textLines.append(Self.unquote(value))
                }
            }
        }
        close()
    }

    func text(_ key: String) -> String? {
        if case .text(let value) = values[key], !value.isEmpty { return value }
        return nil
    }

    func list(_ key: String) -> [String] {
        if case .list(let items) = values[key] { return items.filter { !$0.isEmpty } }
        return []
    }

    static func unquote(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first else {
            return value
        }
        return String(value.dropFirst().dropLast())
    }
}
