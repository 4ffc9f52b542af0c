import Foundation
import GRDB

/// One archive's copy on an off-site target (`backup.offsite`), as the catalog knows it.
public struct OffsiteCopy: Sendable, Equatable, Codable {
    /// The archive's file name (the local archive may be gone: remote retention is its own).
    public var archive: String
    /// The target's label (`s3:bucket/path`, `sftp:user@host:22/path`): a new target starts afresh.
    public var remote: String
    /// The copy's name on the target, as rclone addresses it (decrypted name through crypt).
    public var remotePath: String
    public var size: Int
    /// The archive's SHA-256: what the verification held the copy against.
    public var sha256: String
    public var created: Date
    /// `verified` (uploaded and checked), `failed` (to retry), `uploaded` (not checked yet).
    public var status: String
    public var uploadedAt: Date?
    public var verifiedAt: Date?
    /// Why the last attempt failed (rclone's last lines), nil after success.
    public var error: String?
    public var attempts: Int

    public var isVerified: Bool { status == "verified" && verifiedAt != nil }

    enum CodingKeys: String, CodingKey {
        case archive, remote, size, sha256, created, status, error, attempts
        case remotePath = "remote_path"
        case uploadedAt = "uploaded_at"
        case verifiedAt = "verified_at"
    }
}

extension StateStore {
    static func registerOffsiteMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-offsite-copies") { db in
            try db.create(table: "offsite_copies") { table in
                table.column("archive", .text).notNull()
                table.column("remote", .text).notNull()
                table.column("remote_path", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("sha256", .text).notNull()
                table.column("created_at", .datetime).notNull()
                table.column("status", .text).notNull()
                table.column("uploaded_at", .datetime)
                table.column("verified_at", .datetime)
                table.column("error", .text)
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.primaryKey(["archive", "remote"])
            }
        }
    }

    public func upsertOffsiteCopy(_ copy: OffsiteCopy) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO offsite_copies (archive, remote, remote_path, size, sha256, created_at, status,
                      uploaded_at, verified_at, error, attempts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(archive, remote) DO UPDATE SET remote_path = excluded.remote_path,
                      size = excluded.size, sha256 = excluded.sha256, status = excluded.status,
                      uploaded_at = excluded.uploaded_at, verified_at = excluded.verified_at,
                      error = excluded.error, attempts = excluded.attempts
                    """,
                arguments: [
                    copy.archive, copy.remote, copy.remotePath, copy.size, copy.sha256, copy.created, copy.status,
                    copy.uploadedAt, copy.verifiedAt, copy.error, copy.attempts,
                ])
        }
    }

    /// Copies on `remote` (every target when nil), newest archive first.
    public func offsiteCopies(remote: String? = nil) throws -> [OffsiteCopy] {
        try read { db in
            let rows: [Row]
            if let remote {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM offsite_copies WHERE remote = ? ORDER BY created_at DESC",
                    arguments: [remote])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM offsite_copies ORDER BY created_at DESC")
            }
            return rows.map { row in
                OffsiteCopy(
                    archive: row["archive"], remote: row["remote"], remotePath: row["remote_path"], size: row["size"],
                    sha256: row["sha256"], created: row["created_at"], status: row["status"],
                    uploadedAt: row["uploaded_at"], verifiedAt: row["verified_at"], error: row["error"],
                    attempts: row["attempts"])
            }
        }
    }

    public func deleteOffsiteCopy(archive: String, remote: String) throws {
        try write { db in
            try db.execute(
                sql: "DELETE FROM offsite_copies WHERE archive = ? AND remote = ?", arguments: [archive, remote])
        }
    }
}
