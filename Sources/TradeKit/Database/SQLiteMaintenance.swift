import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// A mutating maintenance task on a live database.
public enum SQLiteTask: String, Sendable, Codable, CaseIterable {
    /// `PRAGMA optimize`: refreshes query-planner statistics where SQLite thinks they help.
    case optimize
    /// WAL checkpoint, `VACUUM`, checkpoint again: rebuilds the file without free pages.
    case vacuum
}

/// One maintenance task for the Executor: the database as the plan names it, and how long to
/// wait for the engine's locks.
public struct SQLiteJob: Sendable, Equatable {
    /// As configured in `backup.databases`, e.g. `data/v6.db`.
    public var name: String
    /// Path on the target machine.
    public var path: String
    public var task: SQLiteTask
    public var busyTimeout: ConfigDuration

    public init(name: String, path: String, task: SQLiteTask, busyTimeout: ConfigDuration) {
        self.name = name
        self.path = path
        self.task = task
        self.busyTimeout = busyTimeout
    }
}

/// How one database fared. Locked and corrupt databases are results, not thrown errors, so one
/// busy database does not stop the others.
public struct SQLiteResult: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case ok
        /// Another process held a lock longer than the busy timeout; nothing changed.
        case locked
        /// `quick_check`/`integrity_check` found damage, or the file is not a database.
        case corrupt
        case missing
        case failed
    }

    public var name: String
    public var path: String
    public var task: String
    public var outcome: Outcome
    public var detail: String
    /// Database plus `-wal`, in bytes.
    public var sizeBefore: Int
    public var sizeAfter: Int
    public var durationMilliseconds: Int

    enum CodingKeys: String, CodingKey {
        case name, path, task, outcome, detail
        case sizeBefore = "size_before"
        case sizeAfter = "size_after"
        case durationMilliseconds = "duration_ms"
    }
}

/// What `PRAGMA page_count`, `freelist_count` and `page_size` say, for plans.
public struct SQLiteStats: Sendable, Equatable {
    public var pageSize: Int
    public var pages: Int
    public var freePages: Int
    public var journalMode: String

    public var bytes: Int { pageSize * pages }
    public var freeBytes: Int { pageSize * freePages }
}

/// The GRDB calls behind `tradectl db`. Every connection sets a busy timeout: the engine may be
/// writing, and its short WAL transactions are waited for, not failed on.
public enum SQLiteMaintenance {
    /// `PRAGMA integrity_check` on a read-only connection (never writes, never blocks a WAL writer).
    public static func integrityCheck(hostPath: String, busyTimeout: ConfigDuration) -> (SQLiteResult.Outcome, [String])
    {
        guard FileManager.default.fileExists(atPath: hostPath) else { return (.missing, ["file does not exist"]) }
        do {
            // A survey connection: `db check` (and a runbook rehearsing it) leaves no -wal/-shm behind.
            let queue = try SurveyConnection.open(hostPath, busyTimeout: busyTimeout.seconds)
            defer { try? queue.close() }
            let rows = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            return rows == ["ok"] ? (.ok, []) : (.corrupt, rows)
        } catch {
            return classify(error)
        }
    }

    /// Page counts and journal mode, read-only; nil when the file cannot be read as a database.
    /// `vacuum`'s plan asks, so it reads through a `SurveyConnection`: a dry run leaves no
    /// `-wal`/`-shm` behind.
    public static func stats(hostPath: String, busyTimeout: ConfigDuration) -> SQLiteStats? {
        guard FileManager.default.fileExists(atPath: hostPath) else { return nil }
        guard let queue = try? SurveyConnection.open(hostPath, busyTimeout: busyTimeout.seconds) else { return nil }
        defer { try? queue.close() }
        return try? queue.read { db in
            SQLiteStats(
                pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0,
                pages: try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
                freePages: try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0,
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "")
        }
    }

    /// Bytes of the database file and its `-wal`.
    public static func footprint(hostPath: String) -> Int {
        [hostPath, hostPath + "-wal"].reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }

    /// Bytes available to us on the file system holding `directory`.
    static func freeBytes(in directory: String) -> Int? {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Runs one job. `VACUUM` is transactional in SQLite: a crash or a lock timeout leaves the old
    /// file; a database that fails `quick_check` is refused rather than rewritten.
    public static func run(_ job: SQLiteJob, hostPath: String) -> SQLiteResult {
        let clock = ContinuousClock()
        let start = clock.now
        let before = footprint(hostPath: hostPath)
        func result(_ outcome: SQLiteResult.Outcome, _ detail: String) -> SQLiteResult {
            SQLiteResult(
                name: job.name, path: job.path, task: job.task.rawValue, outcome: outcome, detail: detail,
                sizeBefore: before, sizeAfter: footprint(hostPath: hostPath),
                durationMilliseconds: Int(((clock.now - start) / .milliseconds(1)).rounded()))
        }
        guard FileManager.default.fileExists(atPath: hostPath) else { return result(.missing, "file does not exist") }
        if job.task == .vacuum, let free = freeBytes(in: (hostPath as NSString).deletingLastPathComponent),
            free < 2 * before
        {
            return result(
                .failed,
                "VACUUM needs about \(BackupOutput.size(2 * before)) free next to the database; \(BackupOutput.size(free)) available"
            )
        }
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(job.busyTimeout.seconds)
            let queue = try DatabaseQueue(path: hostPath, configuration: configuration)
            defer { try? queue.close() }
            let detail: String = try queue.writeWithoutTransaction { db in
                switch job.task {
                case .optimize:
                    try db.execute(sql: "PRAGMA optimize")
                    return "PRAGMA optimize done"
                case .vacuum:
                    let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                    guard check == ["ok"] else { throw Refused(problems: check) }
                    _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    try db.execute(sql: "VACUUM")
                    // VACUUM went through the WAL; checkpoint again so the file really shrinks.
                    let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    let busy: Int = row?[0] ?? 0
                    return busy == 0 ? "vacuumed" : "vacuumed (WAL not truncated: readers still active)"
                }
            }
            return result(.ok, detail)
        } catch let refused as Refused {
            return result(
                .corrupt, "quick_check failed, not vacuumed: " + refused.problems.prefix(3).joined(separator: "; "))
        } catch {
            let (outcome, problems) = classify(error)
            return result(outcome, problems.joined(separator: "; "))
        }
    }

    private struct Refused: Error { var problems: [String] }

    /// SQLite result codes → outcome; a busy database is named as such, with what to do.
    static func classify(_ error: Error) -> (SQLiteResult.Outcome, [String]) {
        guard let error = error as? DatabaseError else { return (.failed, ["\(error)"]) }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return (
                .locked,
                [
                    "database is locked by another process (busy timeout reached); nothing was changed, retry later or halt the writer first"
                ]
            )
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return (.corrupt, [error.message ?? "\(error)"])
        default:
            return (.failed, [error.message ?? "\(error)"])
        }
    }
}
