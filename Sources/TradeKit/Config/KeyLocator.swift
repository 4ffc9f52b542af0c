import Foundation

/// Finds the line on which each key of a TOML document is written.
///
/// TOMLKit reports positions only for syntax errors; validation errors need the line
/// of a key too. The document has already been parsed successfully when this runs,
/// so a line scanner that understands headers, dotted keys, array tables, inline
/// tables and multi-line strings/arrays is enough. Paths look like
/// `project.name`, `components[0].probes.http`.
struct KeyLocator {
    private(set) var lines: [String: Int] = [:]

    init(source: String) {
        var tablePath: [String] = []
        var arrayCounts: [String: Int] = [:]
        var inMultilineString: String?
        var bracketDepth = 0

        for (index, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = Self.stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
            if let delimiter = inMultilineString {
                if line.contains(delimiter) { inMultilineString = nil }
                continue
            }
            if bracketDepth > 0 {
                bracketDepth += Self.bracketBalance(line)
                continue
            }
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                let name = Self.headerName(line, open: "[[", close: "]]")
                let base = Self.resolvedPath(name, arrayCounts: arrayCounts, exceptLast: true)
                let key = base.joined(separator: ".")
                let count = arrayCounts[key, default: 0]
                arrayCounts[key] = count + 1
                tablePath = base.dropLast() + ["\(base.last ?? "")[\(count)]"]
                record(tablePath, line: lineNumber)
                continue
            }
            if line.hasPrefix("[") {
                let name = Self.headerName(line, open: "[", close: "]")
                tablePath = Self.resolvedPath(name, arrayCounts: arrayCounts, exceptLast: false)
                record(tablePath, line: lineNumber)
                continue
            }
            guard let equals = Self.assignmentIndex(line) else { continue }
            let keyPart = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            let valuePart = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            let keyPath = tablePath + Self.splitDotted(keyPart)
            record(keyPath, line: lineNumber)
            if valuePart.hasPrefix("{") { recordInline(valuePart, under: keyPath, line: lineNumber) }
            for delimiter in ["\"\"\"", "'''"] where valuePart.hasPrefix(delimiter) {
                let rest = valuePart.dropFirst(3)
                if !rest.contains(delimiter) { inMultilineString = delimiter }
            }
            if valuePart.hasPrefix("[") { bracketDepth = max(0, Self.bracketBalance(valuePart)) }
        }
    }

    /// The line of `path`, or of its nearest enclosing table.
    func line(for path: String) -> Int? {
        var candidate = path
        while true {
            if let line = lines[candidate] { return line }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
            candidate = String(candidate[..<cut])
        }
    }

    private mutating func record(_ path: [String], line: Int) {
        let key = path.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        if lines[key] == nil { lines[key] = line }
    }

    private mutating func recordInline(_ text: String, under path: [String], line: Int) {
        let body = text.dropFirst().prefix { $0 != "}" }
        for pair in body.split(separator: ",") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let key = String(pair[..<equals]).trimmingCharacters(in: .whitespaces)
            record(path + Self.splitDotted(key), line: line)
        }
    }

    private static func resolvedPath(_ name: String, arrayCounts: [String: Int], exceptLast: Bool) -> [String] {
        // `[components.probes]` after `[[components]]` belongs to the latest component.
        var result: [String] = []
        let parts = splitDotted(name)
        for (offset, part) in parts.enumerated() {
            let prefix = (result + [part]).joined(separator: ".")
            let isLast = offset == parts.count - 1
            if let count = arrayCounts[prefix], count > 0, !(isLast && exceptLast) {
                result.append("\(part)[\(count - 1)]")
            } else {
                result.append(part)
            }
        }
        return result
    }

    private static func headerName(_ line: String, open: String, close: String) -> String {
        var name = line.dropFirst(open.count)
        if let end = name.range(of: close) { name = name[..<end.lowerBound] }
        return name.trimmingCharacters(in: .whitespaces)
    }

    static func splitDotted(_ key: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in key {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    /// Index of the `=` that separates key from value, ignoring `=` inside quoted keys.
    private static func assignmentIndex(_ line: String) -> String.Index? {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            }
        }
        return nil
    }

    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                return String(line[..<index])
            }
        }
        return line
    }

    private static func bracketBalance(_ text: String) -> Int {
        var balance = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "[" {
                balance += 1
            } else if character == "]" {
                balance -= 1
            }
        }
        return balance
    }
}
