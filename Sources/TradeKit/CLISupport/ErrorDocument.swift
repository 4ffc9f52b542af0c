import Foundation

/// What a command that failed under `--json` prints on stdout, so a caller that parses stdout
/// (the Ansible modules, a cron wrapper, a dashboard) gets the failure as data instead of
/// having to scrape stderr. The one-line message still goes to stderr as without `--json`.
///
///     {"error": {"exit_status": 65, "exit_meaning": "invalid config or data",
///                "message": "…", "hint": "…", "config_issues": [{"severity", "file",
///                "line", "key", "message"}]}}
///
/// The message is the same text stderr gets, which never carries a secret's value.
public enum ErrorDocument {
    public static func json(for error: Error, message: String) -> String {
        let status = ExitStatus.of(error)
        var body: [String: Any] = [
            "exit_status": Int(status.rawValue),
            "exit_meaning": status.meaning,
            "message": message,
        ]
        if let hint = ExitStatus.hint(for: error) { body["hint"] = hint }
        if let configError = error as? ConfigError {
            body["config_issues"] = configError.issues.map { issue -> [String: Any] in
                var entry: [String: Any] = [
                    "severity": issue.severity.rawValue, "file": issue.file, "key": issue.key,
                    "message": issue.message,
                ]
                if let line = issue.line { entry["line"] = line }
                return entry
            }
        }
        let data = try? JSONSerialization.data(withJSONObject: ["error": body], options: [.sortedKeys])
        return data.flatMap { String(data: $0, encoding: .utf8) } ?? #"{"error":{"exit_status":1}}"#
    }
}

extension ExitStatus {
    /// The words docs/cli.md gives each exit code.
    public var meaning: String {
        switch self {
        case .success: return "success"
        case .failure: return "operation failed"
        case .usage: return "usage"
        case .dataError: return "invalid config or data"
        case .unavailable: return "unavailable (systemd, journald or a remote)"
        case .tempFail: return "another tradectl holds the project lock"
        case .noPermission: return "permission denied"
        }
    }
}
