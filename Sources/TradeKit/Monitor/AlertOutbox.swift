import Foundation
import GRDB
import Synchronization

/// One alert waiting for one receiver, as the state DB keeps it until its delivery settles.
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var receiver: String
    public var alert: Alert
}

/// The alerts a cycle decided on, per receiver, saved in the same transaction as the state
/// that records them as sent.
///
/// Before the outbox, a monitor SIGKILLed between saving its state and the receiver's answer
/// lost the alert (the state said "sent"), and one killed after sending but before saving
/// sent it again. Now the decision and the alert are one write: a restarted monitor delivers
/// what is still in the outbox, and a row goes only once its delivery settled (delivered,
/// given up after the retries, or dropped from a full queue). Delivery is at least once: a
/// kill between the receiver's answer and the row's removal repeats that one alert, with the
/// same `key`, `kind` and `at` (PagerDuty's dedup_key makes it one incident).
extension StateStore {
    static func registerOutboxMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v10-alert-outbox") { db in
            try db.create(table: "alert_outbox") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("receiver", .text).notNull()
                table.column("alert", .text).notNull()
                table.column("created_at", .datetime).notNull()
            }
        }
    }

    /// Saves the monitor's state and queues `outgoing` (an alert and its receivers) in one
    /// transaction. Returns, per alert, each receiver's outbox row.
    public func saveMonitorState(
        _ state: MonitorState, outbox outgoing: [(alert: Alert, receivers: [String])], at date: Date = Date()
    ) throws -> [[String: Int64]] {
        let coder = Self.monitorCoder
        let text = String(decoding: try coder.encoder.encode(state), as: UTF8.self)
        let rows = try outgoing.map { String(decoding: try coder.encoder.encode($0.alert), as: UTF8.self) }
        return try write { db in
            try db.execute(
                sql: "INSERT INTO monitor_state (id, state, updated_at) VALUES (1, ?, ?) "
                    + "ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                arguments: [text, date])
            var tickets: [[String: Int64]] = []
            for (index, entry) in outgoing.enumerated() {
                var ids: [String: Int64] = [:]
                for receiver in entry.receivers {
                    try db.execute(
                        sql: "INSERT INTO alert_outbox (receiver, alert, created_at) VALUES (?, ?, ?)",
                        arguments: [receiver, rows[index], date])
                    ids[receiver] = db.lastInsertedRowID
                }
                tickets.append(ids)
            }
            return tickets
        }
    }

    /// What is still to be delivered, oldest first (a row this version cannot read is dropped:
    /// it would otherwise be retried at every start).
    public func outbox() throws -> [OutboxEntry] {
        let decoder = Self.monitorCoder.decoder
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, receiver, alert FROM alert_outbox ORDER BY id")
        }
        var entries: [OutboxEntry] = []
        for row in rows {
            let id: Int64 = row["id"]
            let text: String = row["alert"]
            guard let alert = try? decoder.decode(Alert.self, from: Data(text.utf8)) else {
                try removeFromOutbox(id)
                continue
            }
            entries.append(OutboxEntry(id: id, receiver: row["receiver"], alert: alert))
        }
        return entries
    }

    public func removeFromOutbox(_ id: Int64) throws {
        try write { db in try db.execute(sql: "DELETE FROM alert_outbox WHERE id = ?", arguments: [id]) }
    }
}

/// Removes an alert's outbox row once the notification queue settled its delivery. Runs on
/// the queue's worker, before the queue counts the lane idle, so `drain` (shutdown,
/// `monitor --once`) also waits for the removal.
final class OutboxSettler: Sendable {
    private let path: String
    private let opened = Mutex<StateStore?>(nil)

    init(path: String) { self.path = path }

    func settle(_ id: Int64, delivered: Bool) {
        opened.withLock { store in
            do {
                if store == nil { store = try StateStore(path: path) }
                try store?.removeFromOutbox(id)
            } catch {
                // Left in the outbox: the next start delivers it again (at least once).
            }
        }
    }
}
