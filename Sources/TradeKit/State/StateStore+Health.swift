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
        migrator.registerMigration("v4-restart-baselines") { db in
            try db.create(table: "restart_baselines") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("restarts", .text).notNull()
            }
        }
    }

    /// After tradectl itself restarted services and they passed the health gate, their
    /// restart counters are the new baseline: restarts caused by a rolled-back release are
    /// not a restart loop of the release that replaced it.
    public func recordRestartBaseline(_ restarts: [String: Int], at date: Date = Date()) throws {
        let json = String(decoding: (try? JSONEncoder().encode(restarts)) ?? Data(), as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT INTO restart_baselines (at, restarts) VALUES (?, ?)", arguments: [date, json])
            try db.execute(
                sql:
                    "DELETE FROM restart_baselines WHERE id NOT IN (SELECT id FROM restart_baselines ORDER BY id DESC LIMIT 100)"
            )
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

    /// NRestarts per unit at the newest health run or restart baseline, whichever is later.
    public func lastHealthRestarts() throws -> [String: Int] {
        try read { db in
            let run = try Row.fetchOne(db, sql: "SELECT at, restarts FROM health_runs ORDER BY id DESC LIMIT 1")
            let baseline = try Row.fetchOne(
                db, sql: "SELECT at, restarts FROM restart_baselines ORDER BY id DESC LIMIT 1")
            let newest = [run, baseline].compactMap { $0 }.max { ($0["at"] as Date) < ($1["at"] as Date) }
            guard let text: String = newest?["restarts"] else { return [:] }
            return (try? JSONDecoder().decode([String: Int].self, from: Data(text.utf8))) ?? [:]
        }
    }

    /// The newest run: when and how it ended.
    public func lastHealth() throws -> (at: Date, status: String)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT at, status FROM health_runs ORDER BY id DESC LIMIT 1")
            else {
                return nil
            }
            return (row["at"], row["status"])
        }
    }
}
