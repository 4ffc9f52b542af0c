import Foundation
import GRDB

/// Everything a restarted monitor must remember so it neither repeats an alert nor misses
/// a recovery: alert states, the journal position, pattern windows, its own restarts.
public struct MonitorState: Sendable, Codable, Equatable {
    public var alerts: [String: AlertState] = [:]
    public var journalCursor: String?
    public var patternHits: [String: [Date]] = [:]
    public var restarts: [String: RestartHistory] = [:]
    /// Per alert key, which route delivered it when (`AlertRouter`): recoveries go there.
    public var routing: [String: [String: Date]] = [:]
    /// Critical alerts counted towards `kill_switch.auto_halt_after`, and a halt not done yet.
    public var autoHalt = AutoHaltState()
    /// Where the log file follower stands per file (`LogFileFollower`); nil until it first ran.
    public var logFiles: [String: LogFilePosition]?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case alerts, journalCursor, patternHits, restarts, routing, autoHalt, logFiles
    }

    /// Keys a newer tradectl added may be missing from a row an older one saved: they start empty
    /// rather than making the whole state unreadable (which would re-announce every alert).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alerts = try container.decodeIfPresent([String: AlertState].self, forKey: .alerts) ?? [:]
        journalCursor = try container.decodeIfPresent(String.self, forKey: .journalCursor)
        patternHits = try container.decodeIfPresent([String: [Date]].self, forKey: .patternHits) ?? [:]
        restarts = try container.decodeIfPresent([String: RestartHistory].self, forKey: .restarts) ?? [:]
        routing = try container.decodeIfPresent([String: [String: Date]].self, forKey: .routing) ?? [:]
        autoHalt = try container.decodeIfPresent(AutoHaltState.self, forKey: .autoHalt) ?? AutoHaltState()
        logFiles = try container.decodeIfPresent([String: LogFilePosition].self, forKey: .logFiles)
    }
}

extension StateStore {
    static func registerMonitorMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-monitor-state") { db in
            try db.create(table: "monitor_state") { table in
                table.primaryKey("id", .integer).check { $0 == 1 }
                table.column("state", .text).notNull()
                table.column("updated_at", .datetime).notNull()
            }
        }
    }

    /// The saved state, or a fresh one (first start, or a row this version cannot read).
    public func monitorState() throws -> MonitorState {
        let text = try read { db in try String.fetchOne(db, sql: "SELECT state FROM monitor_state WHERE id = 1") }
        guard let text, let state = try? Self.monitorCoder.decoder.decode(MonitorState.self, from: Data(text.utf8))
        else { return MonitorState() }
        return state
    }

    /// One row, replaced in one transaction after each cycle.
    public func saveMonitorState(_ state: MonitorState, at date: Date = Date()) throws {
        let text = String(decoding: try Self.monitorCoder.encoder.encode(state), as: UTF8.self)
        try write { db in
            try db.execute(
                sql: "INSERT INTO monitor_state (id, state, updated_at) VALUES (1, ?, ?) "
                    + "ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                arguments: [text, date])
        }
    }

    static var monitorCoder: (encoder: JSONEncoder, decoder: JSONDecoder) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return (encoder, decoder)
    }
}
