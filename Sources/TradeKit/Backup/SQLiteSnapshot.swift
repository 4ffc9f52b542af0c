import Foundation
import GRDB

/// An online-consistent copy of a live SQLite database, taken while the engine keeps writing.
///
/// SQLite's backup API copies in one step here (GRDB's default `pagesPerStep: -1`):
/// a stepwise copy restarts on every write and may never finish under a busy writer,
/// while one step holds a read transaction — which, in WAL mode, does not block the writer.
public enum SQLiteSnapshot {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var database: String
        public var reason: String
        public var description: String { "snapshot of \(database): \(reason)" }
    }

    /// The copy and the check read or write each page about once: SQLite's default 2 MiB page
    /// cache per connection buys them nothing, and on the backup's own threads it stayed in
    /// the peak RSS (their malloc arenas are not returned before exit).
    static let smallCache = "PRAGMA cache_size = -256"

    /// Copies `live` into the new file `destination` and checks the copy with `PRAGMA quick_check`.
    public static func take(live: String, into destination: String) throws {
        try copy(live: live, into: destination)
        try quickCheck(destination, of: live)
    }

    /// Copies `live` into the new file `destination`, in DELETE mode, without checking it.
    ///
    /// The copy is a temporary file that is archived and deleted within the run, so it is never
    /// fsynced (`synchronous = OFF`, no fsync after): only the archive has to be durable, and a
    /// 200 MiB fsync here queued the writer's checkpoint behind its writeback. Unsynced dirty
    /// pages of a file deleted within seconds are dropped, never written.
    public static func copy(live: String, into destination: String) throws {
        guard FileManager.default.fileExists(atPath: live) else {
            throw Failure(database: live, reason: "file does not exist")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in try db.execute(sql: smallCache) }
            let source = try DatabaseQueue(path: live, configuration: configuration)
            var unsynced = Configuration()
            unsynced.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF; \(smallCache)") }
            let target = try DatabaseQueue(path: destination, configuration: unsynced)
            try source.backup(to: target)
            // The copy keeps the source's WAL flag in its header; a single-file DELETE-mode
            // database is what belongs in an archive.
            try target.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try target.close()
            try source.close()
        } catch let failure as Failure {
            throw failure
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw DiskFull(directory: (destination as NSString).deletingLastPathComponent)
        } catch {
            throw Failure(database: live, reason: "\(error)")
        }
    }

    /// `PRAGMA quick_check` of a snapshot (read-only: it may run while the file is being archived);
    /// throws naming the live database `of` when it is not `ok`.
    public static func quickCheck(_ snapshot: String, of live: String) throws {
        let check: String?
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.prepareDatabase { db in try db.execute(sql: smallCache) }
            let queue = try DatabaseQueue(path: snapshot, configuration: configuration)
            defer { try? queue.close() }
            check = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") }
        } catch {
            throw Failure(database: live, reason: "quick_check: \(error)")
        }
        guard check == "ok" else { throw Failure(database: live, reason: "quick_check: \(check ?? "no answer")") }
    }

    /// `wal` when the database file's header says WAL (bytes 18 and 19 are 2), else `delete`:
    /// read from the header, without opening a connection that could leave `-wal`/`-shm`.
    public static func journalMode(ofFile path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "delete" }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20 else { return "delete" }
        return header[18] == 2 && header[19] == 2 ? "wal" : "delete"
    }

    /// Puts a restored copy back in WAL mode (the archive holds it in DELETE mode). Closing
    /// the only connection checkpoints and removes the `-wal`, so the file stays self-contained.
    public static func enableWAL(_ path: String) throws {
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try queue.close()
        } catch {
            throw Failure(database: path, reason: "journal_mode = WAL: \(error)")
        }
    }

    /// True when the live database opens and passes `PRAGMA quick_check`. Restore's survey
    /// asks, so it reads through a `SurveyConnection`: no `-wal`/`-shm` left by a dry run.
    public static func isIntact(_ path: String) -> Bool {
        do {
            let queue = try SurveyConnection.open(path)
            defer { try? queue.close() }
            return try queue.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") } == "ok"
        } catch {
            return false
        }
    }

    /// `PRAGMA integrity_check` of a database file (used by verify and restore).
    public static func integrityCheck(_ path: String) -> String {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            let rows = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            return rows.joined(separator: "; ")
        } catch {
            return "\(error)"
        }
    }

    static func fsyncFile(_ path: String) throws {
        let descriptor = try systemCall("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(descriptor) }
        try systemCall("fsync", path) { fsync(descriptor) }
    }
}
