import Foundation
import GRDB

/// A connection for reading an SQLite database that a read-only survey (a dry run's plan)
/// may open: it refuses writes and leaves the directory as it found it.
///
/// `Configuration.readonly` alone is not enough for a WAL database: a read-only connection
/// creates `-wal` and `-shm` when they are missing and, not being allowed to clean up,
/// leaves them behind. A read-write connection that is the last one to close deletes them,
/// and with nothing written its checkpoint writes nothing (checked byte for byte). So:
/// - no `-wal`, `-shm` or `-journal` next to the file: nobody has it open and nothing needs
///   recovery; open read-write, so closing removes what opening created;
/// - any of them present: open read-only, which creates nothing new and never replays a
///   WAL or rolls back a hot journal into the file.
///
/// Use the queue's `read` only: GRDB runs each under `PRAGMA query_only`, so even on the
/// read-write connection a statement that would write fails (a pragma set at open would not
/// hold, since GRDB resets `query_only` after every read).
///
/// GRDB's `DatabasePool` is no survey connection either: opening one writes (it creates and
/// drops a table, `grdb_issue_102`, so the WAL file is not empty), which bumps the schema
/// cookie and the change counter of the file.
public enum SurveyConnection {
    /// The database at host path `path`, which must exist (it is never created).
    public static func open(_ path: String, busyTimeout: TimeInterval = 10) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SystemCallError(call: "open", path: path, errno: ENOENT)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.readonly = hasSidecars(path)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// True when SQLite keeps state of the database beside it: a WAL, its index or a rollback journal.
    static func hasSidecars(_ path: String) -> Bool {
        ["-wal", "-shm", "-journal"].contains { FileManager.default.fileExists(atPath: path + $0) }
    }
}
