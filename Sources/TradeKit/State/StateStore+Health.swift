import Foundation
import GRDB

extension StateStore {
    static func registerHealthMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-health-runs") { db in
            try db.create(table: "health_runs") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("status", .text).notNull()
                table.column("results", .text).notNull()
                table.column("restarts", .text).notNull()
            }
        }
    }

    /// Records one run and keeps only the newest `keep` runs (history stays bounded).
    public func recordHealth(_ report: HealthReport, restarts: [String: Int], keep: Int) throws {
        let restartsJSON = String(decoding: (try? JSONEncoder().encode(restarts)) ?? Data(), as: UTF8.self)
        try write { db in
            try db.execute(
                sql: "INSERT INTO health_runs (at, status, results, restarts) VALUES (?, ?, ?, ?)",
                arguments: [report.at, report.status.rawValue, HealthOutput.json(report), restartsJSON])
            try db.execute(
                sql: "DELETE FROM health_runs WHERE id NOT IN (SELECT id FROM health_runs ORDER BY id DESC LIMIT ?)",
                arguments: [keep])
        }
    }

    /// NRestarts per unit at the newest recorded run.
    public func lastHealthRestarts() throws -> [String: Int] {
        try read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT restarts FROM health_runs ORDER BY id DESC LIMIT 1") else {
                return [:]
            }
            return (try? JSONDecoder().decode([String: Int].self, from: Data(text.utf8))) ?? [:]
        }
    }

    /// The newest run: when and how it ended.
    public func lastHealth() throws -> (at: Date, status: String)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT at, status FROM health_runs ORDER BY id DESC LIMIT 1") else {
                return nil
            }
            return (row["at"], row["status"])
        }
    }

    public func healthRunCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM health_runs") ?? 0 }
    }
}
