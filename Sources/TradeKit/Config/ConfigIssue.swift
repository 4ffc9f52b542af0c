import Foundation

/// One problem found in a config, located by file, line and key.
public struct ConfigIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var severity: Severity
    public var file: String
    public var line: Int?
    public var key: String
    public var message: String

    public init(_ severity: Severity, file: String, line: Int?, key: String, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    init(_ severity: Severity, origin: ConfigOrigin, configPath: String, key: String, message: String) {
        switch origin {
        case .file(let path, let line):
            self.init(severity, file: path, line: line, key: key, message: message)
        case .environment(let variable):
            self.init(severity, file: "environment \(variable)", line: nil, key: key, message: message)
        case .flag(let flag):
            self.init(severity, file: "flag \(flag)", line: nil, key: key, message: message)
        case .defaultValue:
            self.init(severity, file: configPath, line: nil, key: key, message: message)
        }
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let prefix = severity == .warning ? "warning: " : ""
        return "\(place): \(prefix)\(key): \(message)"
    }
}

/// The config could not be used; carries every error (and the warnings found alongside).
public struct ConfigError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) { self.issues = issues }

    public var errors: [ConfigIssue] { issues.filter { $0.severity == .error } }

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
