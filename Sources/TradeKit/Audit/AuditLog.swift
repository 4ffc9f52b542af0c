import Foundation

/// `tradectl audit`: the audit rows of the state database, read-only.
public struct AuditLog: Sendable {
    public var layout: DeployLayout
    public var fileSystem: FileSystem

    public init(layout: DeployLayout, fileSystem: FileSystem) {
        self.layout = layout
        self.fileSystem = fileSystem
    }

    /// Oldest first. A project never deployed has no state database yet: no rows, and none is created.
    public func entries(since: Date? = nil) throws -> [AuditEntry] {
        guard fileSystem.info(layout.stateDatabase) != nil else { return [] }
        return try StateStore(surveying: fileSystem.hostPath(layout.stateDatabase)).auditEntries(since: since)
    }
}

/// Text and JSON for `tradectl audit`.
public enum AuditOutput {
    /// `[{"at", "user", "pid", "command", "result"}]`, `at` in ISO 8601 (UTC).
    public static func json(_ entries: [AuditEntry]) -> String { JSONOutput.string(entries) }

    public static func table(_ entries: [AuditEntry]) -> String {
        guard !entries.isEmpty else { return "no audit entries\n" }
        let formatter = ISO8601DateFormatter()
        let userWidth = max(4, entries.map(\.user.count).max() ?? 0)
        let commandWidth = min(60, max(7, entries.map(\.command.count).max() ?? 0))
        var out =
            "TIME                  " + "USER".padded(userWidth) + "  PID      " + "COMMAND".padded(commandWidth)
            + "  RESULT\n"
        for entry in entries {
            out +=
                formatter.string(from: entry.at) + "  " + entry.user.padded(userWidth) + "  "
                + "\(entry.pid)".padded(7) + "  " + oneLine(entry.command).padded(commandWidth) + "  "
                + oneLine(entry.result) + "\n"
        }
        return out
    }

    /// The first line, marked when more follow (failure results carry journal lines; `--json` has them all).
    static func oneLine(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        return lines.count <= 1 ? String(lines.first ?? "") : "\(lines[0]) …"
    }
}
