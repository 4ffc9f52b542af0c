import Foundation
import GRDB

extension StateStore {
    static func registerScheduleMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-schedule-gaps") { db in
            try db.create(table: "schedule_gaps") { table in
                table.primaryKey("spec", .text)
                table.column("seconds", .double).notNull()
                table.column("computed_at", .datetime).notNull()
            }
        }
    }

    /// The longest gap between runs of each oneshot schedule, as `deploy` last recorded it:
    /// spec → seconds. Health and the monitor read these instead of running `systemd-analyze`.
    public func scheduleGaps() throws -> [String: TimeInterval] {
        try read { db in
            var gaps: [String: TimeInterval] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT spec, seconds FROM schedule_gaps") {
                gaps[row["spec"]] = row["seconds"]
            }
            return gaps
        }
    }

    /// Makes the table hold exactly `gaps`: schedules no component has any more are dropped,
    /// a gap that did not change keeps its `computed_at`.
    public func replaceScheduleGaps(_ gaps: [String: TimeInterval], at time: Date = Date()) throws {
        try write { db in
            let specs = gaps.keys.sorted()
            if specs.isEmpty {
                try db.execute(sql: "DELETE FROM schedule_gaps")
            } else {
                let marks = Array(repeating: "?", count: specs.count).joined(separator: ", ")
                try db.execute(
                    sql: "DELETE FROM schedule_gaps WHERE spec NOT IN (\(marks))", arguments: StatementArguments(specs))
            }
            for spec in specs {
                try db.execute(
                    sql: """
                        INSERT INTO schedule_gaps (spec, seconds, computed_at) VALUES (?, ?, ?)
                        ON CONFLICT(spec) DO UPDATE SET seconds = excluded.seconds, computed_at = excluded.computed_at
                        WHERE seconds != excluded.seconds
                        """,
                    arguments: [spec, gaps[spec], time])
            }
        }
    }
}
