import Foundation

/// A value `secrets set` refuses (exit 64). Says what is wrong, never the value.
public struct EnvValueError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .usage }
    public var description: String
}

/// An env file (`KEY=value` lines, as systemd's EnvironmentFile= reads them), edited line by line
/// so comments, blank lines, order and every other assignment stay as they were.
public struct EnvFile: Sendable, Equatable {
    public private(set) var lines: [String]

    public init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    /// The file's bytes: every line ends with a newline.
    public var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    /// Assigned keys in file order, each once.
    public var keys: [String] {
        var seen: Set<String> = []
        return lines.compactMap(Self.key(of:)).filter { seen.insert($0).inserted }
    }

    /// Keys assigned more than once (systemd uses the last; `set` leaves one).
    public var duplicateKeys: [String] {
        var counts: [String: Int] = [:]
        for key in lines.compactMap(Self.key(of:)) { counts[key, default: 0] += 1 }
        return keys.filter { counts[$0, default: 0] > 1 }
    }

    /// The key a line assigns; nil for comments (`#`, `;`), blank lines and lines without `=`.
    /// Accepts leading blanks and a shell-style `export `.
    public static func key(of line: String) -> String? {
        var rest = Substring(line).drop { $0 == " " || $0 == "\t" }
        if rest.first == "#" || rest.first == ";" { return nil }
        if rest.hasPrefix("export ") { rest = rest.dropFirst("export ".count).drop { $0 == " " } }
        guard let equals = rest.firstIndex(of: "=") else { return nil }
        let key = rest[..<equals].trimmingCharacters(in: .whitespaces)
        return isValidKey(key) ? key : nil
    }

    public static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else {
            return false
        }
        return key.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
        }
    }

    /// What `set` did to the file.
    public enum Change: String, Sendable { case added, changed, unchanged }

    /// Sets `key`: its first assignment is rewritten in place, later duplicates are dropped (they
    /// would hold an old value); a new key is appended. Other lines are left byte for byte.
    @discardableResult
    public mutating func set(_ key: String, to value: String) throws -> Change {
        guard Self.isValidKey(key) else {
            throw EnvValueError(
                description: "\(key) is not a valid variable name (letters, digits and _, not starting with a digit)")
        }
        try Self.validate(value: value)
        let line = "\(key)=\(Self.quote(value))"
        let indices = lines.indices.filter { Self.key(of: lines[$0]) == key }
        guard let first = indices.first else {
            lines.append(line)
            return .added
        }
        let before = lines
        lines[first] = line
        for index in indices.dropFirst().reversed() { lines.remove(at: index) }
        return lines == before ? .unchanged : .changed
    }

    /// One line, no control characters (a tab is fine), not empty.
    public static func validate(value: String) throws {
        if value.isEmpty { throw EnvValueError(description: "the value is empty; nothing changed") }
        for scalar in value.unicodeScalars where scalar != "\t" {
            if scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                throw EnvValueError(description: "the value has a line break; env files hold one line per value")
            }
            if scalar.properties.generalCategory == .control {
                throw EnvValueError(description: "the value has a control character")
            }
        }
    }

    /// The value as systemd's EnvironmentFile= (and a POSIX shell) reads it back unchanged:
    /// bare when it is only safe characters, in single quotes when it has no `'`, otherwise in
    /// double quotes with `\`, `"`, `$` and `` ` `` escaped.
    public static func quote(_ value: String) -> String {
        let safe = value.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "_@%+=:,./-".unicodeScalars.contains(scalar))
        }
        if safe { return value }
        if !value.contains("'") { return "'\(value)'" }
        var escaped = ""
        for character in value {
            if "\\\"$`".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return "\"\(escaped)\""
    }
}
