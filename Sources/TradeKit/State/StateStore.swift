import Foundation
import GRDB

/// A write through a store a survey opened (`StateStore(surveying:)`): surveys never write.
public struct StateStoreReadOnly: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var description: String { "the state database \(path) is open read-only (a survey)" }
}

/// tradectl's own SQLite database (`<state_dir>/state.db`, WAL): releases, deploys, audit.
public final class StateStore: Sendable {
    /// A `DatabasePool` for writing; a `DatabaseQueue` that refuses writes for surveys.
    private let pool: any DatabaseWriter
    public let path: String
    /// Opened by `init(surveying:)`: every write fails.
    public let readOnly: Bool

    /// Opens (creating and migrating) the state database at a host path.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        readOnly = false
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw StateDatabaseUnusable.explaining(error, path: path)
        }
    }

    /// Opens the existing state database at a host path for a read-only survey: nothing in
    /// its directory changes (see `SurveyConnection`), and writes fail. A database an older
    /// tradectl left with migrations pending is copied into memory and migrated there, so a
    /// dry run after an upgrade reads the schema the real run will have, without migrating
    /// the file.
    public init(surveying path: String) throws {
        self.path = path
        readOnly = true
        do {
            pool = try Self.survey(path)
        } catch {
            throw StateDatabaseUnusable.explaining(error, path: path)
        }
    }

    private static func survey(_ path: String) throws -> any DatabaseWriter {
        let file = try SurveyConnection.open(path)
        if try file.read(Self.migrator.hasCompletedMigrations) { return file }
        let copy = try DatabaseQueue()
        try file.backup(to: copy)
        try file.close()
        try Self.migrator.migrate(copy)
        return copy
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-releases-deploys-audit") { db in
            try db.create(table: "releases") { table in
                table.primaryKey("version", .text)
                table.column("digest", .text).notNull()
                table.column("source", .text).notNull()
                table.column("created_at", .datetime).notNull()
                table.column("created_by", .text).notNull()
            }
            try db.create(table: "deploys") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("command", .text).notNull()
                table.column("version", .text)
                table.column("started_at", .datetime).notNull()
                table.column("finished_at", .datetime)
                table.column("changes", .integer).notNull()
                table.column("plan", .text).notNull()
                table.column("outcome", .text).notNull()
                table.column("message", .text)
            }
            try db.create(table: "audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("user", .text).notNull()
                table.column("pid", .integer).notNull()
                table.column("command", .text).notNull()
                table.column("result", .text).notNull()
            }
        }
        registerBackupMigration(&migrator)
        registerHealthMigration(&migrator)
        registerMonitorMigration(&migrator)
        registerKnownDatabasesMigration(&migrator)
        registerScheduleMigration(&migrator)
        registerAlertsMigration(&migrator)
        registerOffsiteMigration(&migrator)
        registerOutboxMigration(&migrator)
        registerSafetyCopiesMigration(&migrator)
        return migrator
    }

    /// Every write goes through here; a survey's store refuses them (GRDB runs each `read`
    /// under `PRAGMA query_only`, so reads cannot write either).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        if readOnly { throw StateStoreReadOnly(path: path) }
        do {
            return try pool.write(body)
        } catch {
            throw StateDatabaseUnusable.explaining(error, path: path)
        }
    }
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StateDatabaseUnusable.explaining(error, path: path)
        }
    }

    public func recordRelease(_ metadata: ReleaseMetadata) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO releases (version, digest, source, created_at, created_by) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(version) DO UPDATE SET digest = excluded.digest
                    """,
                arguments: [
                    metadata.version, metadata.digest, metadata.source, metadata.createdAt, metadata.createdBy,
                ])
        }
    }

    /// One deploy (or other mutating command): its plan as JSON and how it ended.
    public struct DeployRecord: Sendable, Equatable {
        public var command: String
        public var version: String?
        public var startedAt: Date
        public var finishedAt: Date
        public var changes: Int
        public var planJSON: String
        public var outcome: String
        public var message: String?
    }

    public func recordDeploy(_ record: DeployRecord, audit: AuditEntry) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO deploys (command, version, started_at, finished_at, changes, plan, outcome, message)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.command, record.version, record.startedAt, record.finishedAt, record.changes,
                    record.planJSON, record.outcome, record.message,
                ])
            try db.execute(
                sql: "INSERT INTO audit (at, user, pid, command, result) VALUES (?, ?, ?, ?, ?)",
                arguments: [audit.at, audit.user, audit.pid, audit.command, audit.result])
        }
    }

    public func deploys() throws -> [DeployRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deploys ORDER BY id").map(Self.deployRecord)
        }
    }

    /// The newest successful deploy, read alone (the monitor and health ask every cycle; the
    /// whole table carries every plan's JSON).
    public func lastSuccessfulDeploy() throws -> DeployRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM deploys WHERE outcome = 'success' ORDER BY id DESC LIMIT 1")
                .map(Self.deployRecord)
        }
    }

    /// When the project was first deployed successfully on this machine.
    public func firstSuccessfulDeployAt() throws -> Date? {
        try read { db in
            try Date.fetchOne(
                db, sql: "SELECT finished_at FROM deploys WHERE outcome = 'success' ORDER BY id ASC LIMIT 1")
        }
    }

    private static func deployRecord(_ row: Row) -> DeployRecord {
        DeployRecord(
            command: row["command"], version: row["version"], startedAt: row["started_at"],
            finishedAt: row["finished_at"],
            changes: row["changes"], planJSON: row["plan"], outcome: row["outcome"], message: row["message"])
    }

    /// Marks the newest record of `version` as rolled back (its update failed the health gate).
    public func markRolledBack(version: String) throws {
        try write { db in
            try db.execute(
                sql:
                    "UPDATE deploys SET outcome = 'rolled back' WHERE id = (SELECT MAX(id) FROM deploys WHERE version = ?)",
                arguments: [version])
        }
    }

}
