import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// A command failed because a filesystem was full, whatever layer noticed (a system call,
/// Foundation's file APIs, SQLite's "database or disk is full"): one line naming the
/// filesystem, what failed, and what to do — the CLI's counterpart of the backup's `DiskFull`.
public struct NoSpaceLeft: Sendable, CustomStringConvertible {
    /// Where the filesystem is mounted (nil: no path was named by the error).
    public var mountPoint: String?
    /// Free bytes there now, after the command cleaned up after itself.
    public var free: Int?
    /// The error as the failing layer put it.
    public var failure: String
    /// The command to run again, e.g. `tradectl deploy`.
    public var command: String

    /// nil unless `error`, or an error it wraps, says the filesystem is full. A `DiskFull`
    /// (the backup's own, already one clear line) is left to describe itself.
    public init?(_ error: any Error, command: String) {
        guard !(error is DiskFull), let path = Self.fullPath(in: error) else { return nil }
        failure = "\(error)"
        self.command = command
        let named = path.isEmpty ? Self.firstAbsolutePath(in: failure) : path
        mountPoint = named.map(Self.mountPoint(of:))
        free = mountPoint.flatMap(Self.freeBytes(in:))
    }

    public var description: String {
        let place = mountPoint ?? "the filesystem"
        let room = free.map { "\(BackupOutput.size($0)) free now; " } ?? ""
        return "no space left on \(place) (\(room)\(failure)): free space on \(place) and run `\(command)` again"
    }

    /// The path the full write was to; "" when the error is a full disk but names no path; nil
    /// when it is something else.
    static func fullPath(in error: any Error) -> String? {
        switch error {
        case let failure as ApplyError: return fullPath(in: failure.underlying)
        case let call as SystemCallError: return DiskFull.isNoSpace(call.errno) ? call.path : nil
        case let database as DatabaseError: return database.resultCode.primaryResultCode == .SQLITE_FULL ? "" : nil
        default: break
        }
        let ns = error as NSError
        let isFull =
            (ns.domain == NSPOSIXErrorDomain && DiskFull.isNoSpace(Int32(ns.code)))
            || (ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteOutOfSpace.rawValue)
        if isFull { return ns.userInfo[NSFilePathErrorKey] as? String ?? "" }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error, let path = fullPath(in: underlying) {
            return path.isEmpty ? (ns.userInfo[NSFilePathErrorKey] as? String ?? "") : path
        }
        // Errors that kept only the text (a child's stderr, a wrapped library message).
        let text = "\(error)"
        let markers = [
            String(cString: strerror(ENOSPC)), String(cString: strerror(EDQUOT)), "database or disk is full",
        ]
        return markers.contains(where: text.contains) ? "" : nil
    }

    static func firstAbsolutePath(in text: String) -> String? {
        let separators = CharacterSet(charactersIn: " ():,'\"`")
        return text.components(separatedBy: separators).first { $0.hasPrefix("/") && $0.count > 1 }
    }

    /// The mount point holding `path`: the highest ancestor on the same device (a path that
    /// no longer exists, the partial file removed, is judged by its nearest existing ancestor).
    static func mountPoint(of path: String) -> String {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        var info = stat()
        while current != "/" && stat(current, &info) != 0 {
            current = (current as NSString).deletingLastPathComponent
        }
        let device = info.st_dev
        while current != "/" {
            let parent = (current as NSString).deletingLastPathComponent
            var parentInfo = stat()
            guard stat(parent, &parentInfo) == 0, parentInfo.st_dev == device else { break }
            current = parent
        }
        return current
    }

    static func freeBytes(in directory: String) -> Int? {
        var stats = statvfs()
        return statvfs(directory, &stats) == 0 ? Int(stats.f_bavail) * Int(stats.f_frsize) : nil
    }
}
