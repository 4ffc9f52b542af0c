import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A write ran out of space (ENOSPC, EDQUOT, SQLite's "database or disk is full"): one line
/// that says where, how much is free now, and what to do — instead of a library's "write failed".
public struct DiskFull: Error, Sendable, CustomStringConvertible {
    /// The directory as the config names it.
    public var directory: String
    /// Free bytes when the error was reported, after the partial file was removed (nil: unknown).
    public var free: Int?

    /// `host` is where `directory` is on this machine (under `--root`), for statvfs.
    public init(directory: String, host: String? = nil) {
        self.directory = directory
        var stats = statvfs()
        free = statvfs(host ?? directory, &stats) == 0 ? Int(stats.f_bavail) * Int(stats.f_frsize) : nil
    }

    public var description: String {
        "no space left in \(directory)" + (free.map { " (\(BackupOutput.size($0)) free now)" } ?? "")
            + ": nothing was written and the existing archives are intact; free space "
            + "(`tradectl backup prune`, or a larger disk) and run the backup again"
    }

    /// True for the errnos that mean "the filesystem is full".
    public static func isNoSpace(_ errno: Int32) -> Bool { errno == ENOSPC || errno == EDQUOT }
}
