import Foundation

/// A problem in a runbook file, located by file and line like a config issue.
public struct RunbookIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var severity: Severity
    public var file: String
    public var line: Int?
    public var message: String
    /// Set when a step names a command of the contract this build lacks (so `list` can sum them up).
    public var unavailableCommand: String?

    public init(_ severity: Severity, file: String, line: Int?, message: String, unavailableCommand: String? = nil) {
        self.severity = severity
        self.file = file
        self.line = line
        self.message = message
        self.unavailableCommand = unavailableCommand
    }

    public static func error(_ message: String, file: String, line: Int?) -> RunbookIssue {
        RunbookIssue(.error, file: file, line: line, message: message)
    }

    enum CodingKeys: String, CodingKey {
        case severity, file, line, message
        case unavailableCommand = "unavailable_command"
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(severity == .warning ? "warning: " : "")\(message)"
    }
}

/// A runbook that cannot be used; carries every problem found in it.
public struct RunbookError: Error, Sendable, CustomStringConvertible {
    public var issues: [RunbookIssue]

    public init(issues: [RunbookIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
