import Foundation
import GRDB

/// One pre-restore safety copy: the `shared/` tree a restore swapped out, kept as it was.
public struct SafetyCopyEntry: Sendable, Equatable, Codable {
    /// `<root>/pre-restore/<time>`; the tree is its `shared/`.
    public var path: String
    public var created: Date
    /// The archive (or safety copy) that was restored over it.
    public var restoredFrom: String
    /// The restored scope (relative to `shared/`): what an undo puts back.
    public var scope: [String]

    enum CodingKeys: String, CodingKey {
        case path, created, scope
        case restoredFrom = "restored_from"
    }

    public init(path: String, created: Date, restoredFrom: String, scope: [String]) {
        self.path = path
        self.created = created
        self.restoredFrom = restoredFrom
        self.scope = scope
    }
}

extension StateStore {
    static func registerSafetyCopiesMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v11-safety-copies") { db in
            try db.create(table: "safety_copies") { table in
                table.primaryKey("path", .text)
                table.column("created_at", .datetime).notNull()
                table.column("restored_from", .text).notNull()
                table.column("scope", .text).notNull()
            }
        }
    }

    public func recordSafetyCopy(_ entry: SafetyCopyEntry) throws {
        let scope = String(decoding: try JSONEncoder().encode(entry.scope), as: UTF8.self)
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO safety_copies (path, created_at, restored_from, scope) VALUES (?, ?, ?, ?)
                    """,
                arguments: [entry.path, entry.created, entry.restoredFrom, scope])
        }
    }

    /// Newest first.
    public func safetyCopies() throws -> [SafetyCopyEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM safety_copies ORDER BY created_at DESC").map { row in
                let scope: String = row["scope"]
                return SafetyCopyEntry(
                    path: row["path"], created: row["created_at"], restoredFrom: row["restored_from"],
                    scope: (try? JSONDecoder().decode([String].self, from: Data(scope.utf8))) ?? [])
            }
        }
    }

    public func deleteSafetyCopy(path: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM safety_copies WHERE path = ?", arguments: [path]) }
    }
}
