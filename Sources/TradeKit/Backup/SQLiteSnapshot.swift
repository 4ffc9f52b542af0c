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

    /// Copies `live` into the new file `destination`, fsyncs it and checks it with `PRAGMA quick_check`.
    public static func take(live: String, into destination: String) throws {
        guard FileManager.default.fileExists(atPath: live) else {
            throw Failure(database: live, reason: "file does not exist")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let source = try DatabaseQueue(path: live, configuration: configuration)
            let target = try DatabaseQueue(path: destination)
            try source.backup(to: target)
            // The copy keeps the source's WAL flag in its header; a single-file DELETE-mode
            // database is what belongs in an archive.
            try target.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            let check = try target.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") }
            try target.close()
            try source.close()
            guard check == "ok" else { throw Failure(database: live, reason: "quick_check: \(check ?? "no answer")") }
        } catch let failure as Failure {
            throw failure
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw DiskFull(directory: (destination as NSString).deletingLastPathComponent)
        } catch {
            throw Failure(database: live, reason: "\(error)")
        }
        try fsyncFile(destination)
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
