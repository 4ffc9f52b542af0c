import Foundation
import GRDB

extension StateStore {
    static func registerAlertsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-alert-silences-acks") { db in
            try db.create(table: "alert_silences") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("matcher", .text).notNull()
                table.column("reason", .text).notNull()
                table.column("created_by", .text).notNull()
                table.column("created_at", .datetime).notNull()
                table.column("expires_at", .datetime).notNull()
                table.column("removed_at", .datetime)
            }
            try db.create(table: "alert_acks") { table in
                table.primaryKey("alert_key", .text)
                table.column("acked_by", .text).notNull()
                table.column("acked_at", .datetime).notNull()
                table.column("severity", .text).notNull()
                // Seconds since 1970, as MonitorState keeps it (a datetime column rounds to ms).
                table.column("firing_since", .double)
            }
        }
    }

    /// Silences in force at `now`, oldest first.
    public func activeSilences(at now: Date = Date()) throws -> [Silence] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM alert_silences WHERE removed_at IS NULL AND expires_at > ? ORDER BY id",
                arguments: [now]
            ).map(Self.silence)
        }
    }

    /// Every silence ever set, oldest first.
    public func allSilences() throws -> [Silence] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM alert_silences ORDER BY id").map(Self.silence) }
    }

    /// Adds a silence; returns its id.
    @discardableResult
    public func addSilence(matcher: String, reason: String, by user: String, at: Date, expires: Date) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_silences (matcher, reason, created_by, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [matcher, reason, user, at, expires])
            return db.lastInsertedRowID
        }
    }

    /// Ends silences before their time (they stay in the table, with `removed_at`).
    public func removeSilences(ids: [Int64], at: Date) throws {
        try write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE alert_silences SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
                    arguments: [at, id])
            }
        }
    }

    public func acknowledgements() throws -> [Acknowledgement] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert_acks ORDER BY alert_key").compactMap { row in
                guard let severity = Severity(rawValue: row["severity"]) else { return nil }
                let since: Double? = row["firing_since"]
                return Acknowledgement(
                    key: row["alert_key"], ackedBy: row["acked_by"], ackedAt: row["acked_at"], severity: severity,
                    firingSince: since.map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    /// Records an acknowledgement, replacing the key's previous one.
    public func recordAcknowledgement(_ ack: Acknowledgement) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_acks (alert_key, acked_by, acked_at, severity, firing_since) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(alert_key) DO UPDATE SET acked_by = excluded.acked_by, acked_at = excluded.acked_at,
                    severity = excluded.severity, firing_since = excluded.firing_since
                    """,
                arguments: [
                    ack.key, ack.ackedBy, ack.ackedAt, ack.severity.rawValue, ack.firingSince?.timeIntervalSince1970,
                ])
        }
    }

    /// Drops acknowledgements that lapsed (the monitor, when the state they acknowledged changed).
    public func removeAcknowledgements(keys: [String]) throws {
        guard !keys.isEmpty else { return }
        try write { db in
            for key in keys { try db.execute(sql: "DELETE FROM alert_acks WHERE alert_key = ?", arguments: [key]) }
        }
    }

    /// What the monitor applies in a cycle: active silences and the acknowledgements.
    public func alertMutes(at now: Date = Date()) throws -> AlertMutes {
        AlertMutes(silences: try activeSilences(at: now), acknowledgements: try acknowledgements())
    }

    private static func silence(_ row: Row) -> Silence {
        Silence(
            id: row["id"], matcher: row["matcher"], reason: row["reason"], createdBy: row["created_by"],
            createdAt: row["created_at"], expiresAt: row["expires_at"], removedAt: row["removed_at"])
    }
}
