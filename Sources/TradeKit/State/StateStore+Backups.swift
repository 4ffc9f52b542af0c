import Foundation
import GRDB

/// One archive in the catalog.
public struct CatalogEntry: Sendable, Equatable, Codable {
    public var path: String
    public var size: Int
    public var sha256: String
    public var created: Date
    public var durationMilliseconds: Int
    public var compression: String
    /// `pending` between fsync and rename; `complete` once under its final name.
    public var status: String
    public var verifiedAt: Date?

    enum CodingKeys: String, CodingKey {
        case path, size, sha256, created, compression, status
        case durationMilliseconds = "duration_ms"
        case verifiedAt = "verified_at"
    }
}

extension StateStore {
    static func registerBackupMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-backups") { db in
            try db.create(table: "backups") { table in
                table.primaryKey("path", .text)
                table.column("size", .integer).notNull()
                table.column("sha256", .text).notNull()
                table.column("created_at", .datetime).notNull()
                table.column("duration_ms", .integer).notNull()
                table.column("compression", .text).notNull()
                table.column("status", .text).notNull()
                table.column("verified_at", .datetime)
            }
        }
    }

    /// Databases some archive has held (`backup.databases` paths, relative to `shared/`). A
    /// database missing from disk that is not here was never created (a batch job that has not
    /// run yet); one that is here has vanished.
    static func registerKnownDatabasesMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-known-databases") { db in
            try db.create(table: "known_databases") { table in
                table.primaryKey("path", .text)
                table.column("first_backed_up_at", .datetime).notNull()
            }
        }
    }

    public func recordKnownDatabases(_ paths: [String], at time: Date) throws {
        try write { db in
            for path in paths {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO known_databases (path, first_backed_up_at) VALUES (?, ?)",
                    arguments: [path, time])
            }
        }
    }

    public func knownDatabases() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT path FROM known_databases")) }
    }

    public func upsertBackup(_ entry: CatalogEntry) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO backups (path, size, sha256, created_at, duration_ms, compression, status, verified_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
                      status = excluded.status, verified_at = excluded.verified_at
                    """,
                arguments: [
                    entry.path, entry.size, entry.sha256, entry.created, entry.durationMilliseconds, entry.compression,
                    entry.status, entry.verifiedAt,
                ])
        }
    }

    public func backups() throws -> [CatalogEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM backups ORDER BY created_at DESC").map { row in
                CatalogEntry(
                    path: row["path"], size: row["size"], sha256: row["sha256"], created: row["created_at"],
                    durationMilliseconds: row["duration_ms"], compression: row["compression"], status: row["status"],
                    verifiedAt: row["verified_at"])
            }
        }
    }

    public func setBackupStatus(path: String, status: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE backups SET status = ? WHERE path = ?", arguments: [status, path])
        }
    }

    public func markVerified(path: String, at date: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE backups SET verified_at = ? WHERE path = ?", arguments: [date, path])
        }
    }

    public func deleteBackup(path: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM backups WHERE path = ?", arguments: [path]) }
    }
}
