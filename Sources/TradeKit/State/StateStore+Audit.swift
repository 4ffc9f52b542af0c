import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Who did what, when: one row per mutating command (and per runbook step).
///
/// `command` and `result` are shown to operators by `tradectl audit`: they must never hold a
/// secret value (a key name and a file are fine).
public struct AuditEntry: Sendable, Equatable, Codable {
    public var at: Date
    public var user: String
    public var pid: Int32
    public var command: String
    public var result: String

    public init(at: Date, user: String, pid: Int32, command: String, result: String) {
        self.at = at
        self.user = user
        self.pid = pid
        self.command = command
        self.result = result
    }

    /// An entry for this process: the invoking user's name and this pid.
    public init(command: String, result: String, at: Date = Date()) {
        self.init(at: at, user: ProcessInfo.processInfo.userName, pid: getpid(), command: command, result: result)
    }
}

extension StateStore {
    /// Appends one audit row. Runbook steps use command `runbook <name> step <n>: <command>`
    /// and result `exit <code>`.
    public func recordAudit(_ entry: AuditEntry) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO audit (at, user, pid, command, result) VALUES (?, ?, ?, ?, ?)",
                arguments: [entry.at, entry.user, entry.pid, entry.command, entry.result])
        }
    }

    /// Audit rows in the order they were written, optionally only those at or after `since`.
    public func auditEntries(since: Date? = nil) throws -> [AuditEntry] {
        try read { db in
            let rows: [Row]
            if let since {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE at >= ? ORDER BY id", arguments: [since])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id")
            }
            return rows.map { row in
                AuditEntry(
                    at: row["at"], user: row["user"], pid: row["pid"], command: row["command"], result: row["result"])
            }
        }
    }

    /// The newest audit row of exactly `command` (e.g. `backup`: each run, scheduled or not).
    public func lastAudit(command: String) throws -> AuditEntry? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM audit WHERE command = ? ORDER BY id DESC LIMIT 1", arguments: [command]
            ).map { row in
                AuditEntry(
                    at: row["at"], user: row["user"], pid: row["pid"], command: row["command"], result: row["result"])
            }
        }
    }
}
