import Foundation
import GRDB

/// The state database cannot be opened: damaged (truncated, overwritten) or held locked by
/// another process. One line that names the file, says what is and is not at risk, and what
/// to do — instead of SQLite's "database disk image is malformed".
public struct StateDatabaseUnusable: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public enum Reason: Sendable { case damaged, locked }
    public var path: String
    public var reason: Reason
    /// SQLite's own words.
    public var detail: String

    public var exitStatus: ExitStatus { reason == .locked ? .tempFail : .failure }

    public var description: String {
        switch reason {
        case .damaged:
            return "the state database \(path) is damaged (\(detail)); archives, releases and live data are "
                + "not kept in it and are untouched. Move it aside and run the command again — a new one is "
                + "created, and the next `backup` catalogues the archives already on disk: mv \(path) \(path).damaged"
        case .locked:
            return "the state database \(path) stayed locked by another process for 10 s (\(detail)). See who "
                + "holds it (fuser -v \(path)), then run the command again: what this run left half-done "
                + "is finished or cleaned up by the next"
        }
    }

    /// SQLite's corrupt/not-a-database and busy/locked errors become this; others pass through.
    static func explaining(_ error: Error, path: String) -> Error {
        guard let failure = error as? DatabaseError else { return error }
        let detail = failure.message ?? "\(failure.resultCode)"
        switch failure.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StateDatabaseUnusable(path: path, reason: .damaged, detail: detail)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StateDatabaseUnusable(path: path, reason: .locked, detail: detail)
        default:
            return error
        }
    }
}
