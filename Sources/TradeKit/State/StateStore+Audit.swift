import Foundation
import GRDB

extension StateStore {
    /// Adds one row to the audit log (who, when, what, how it ended).
    public func recordAudit(_ entry: AuditEntry) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO audit (at, user, pid, command, result) VALUES (?, ?, ?, ?, ?)",
                arguments: [entry.at, entry.user, entry.pid, entry.command, entry.result])
        }
    }
}
