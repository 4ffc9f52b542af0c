import CSystemd
import Foundation

/// An sd-journal error with the C call and its message.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(-code)))" }
    /// True when the journal exists but this user may not read it.
    public var isPermissionDenied: Bool { code == -EACCES || code == -EPERM }
}

/// The only file that touches libsystemd's sd-journal: reading entries and sending them.
///
/// A `JournalReader` owns an `sd_journal*`, closes it in `deinit`, and must stay on the
/// thread that opened it (sd-journal is not thread-safe), hence not Sendable.
public final class JournalReader {
    private var handle: OpaquePointer?

    /// Opens the local journal, or journal files in `directory` when given; with `osRoot`
    /// the directory is an OS tree whose /var/log/journal and /run/log/journal are read
    /// (like `journalctl --root`), which is what `--root DIR` means to every command.
    public init(directory: String? = nil, osRoot: Bool = false) throws {
        var pointer: OpaquePointer?
        if let directory {
            let flags = osRoot ? Int32(SD_JOURNAL_OS_ROOT) : 0
            try Self.check(
                sd_journal_open_directory(&pointer, directory, flags), "sd_journal_open_directory(\(directory))")
        } else {
            try Self.check(sd_journal_open(&pointer, Int32(SD_JOURNAL_LOCAL_ONLY)), "sd_journal_open")
        }
        handle = pointer
    }

    deinit { sd_journal_close(handle) }

    /// The last `count` messages of a unit, oldest first, as `time message` lines.
    public func lastMessages(unit: String, count: Int) throws -> [String] {
        try apply(JournalFilter(groups: [JournalUnitField.alternatives([unit])]))
        try Self.check(sd_journal_seek_tail(handle), "sd_journal_seek_tail")
        var lines: [String] = []
        while lines.count < count {
            let step = sd_journal_previous(handle)
            try Self.check(step, "sd_journal_previous")
            if step == 0 { break }
            let message = field("MESSAGE") ?? ""
            var microseconds: UInt64 = 0
            sd_journal_get_realtime_usec(handle, &microseconds)
            let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
            lines.append("\(Self.timeFormatter.string(from: date)) \(message)")
        }
        return lines.reversed()
    }

    /// The value of one field of the current entry, nil when the entry has none.
    public func field(_ name: String) -> String? {
        var data: UnsafeRawPointer?
        var length = 0
        guard sd_journal_get_data(handle, name, &data, &length) >= 0, let data else { return nil }
        // sd_journal_get_data returns "NAME=value"; decode only the value (no copy of the name,
        // no Character walk: `tradectl logs` calls this six times per printed entry).
        let skip = min(name.utf8.count + 1, length)
        return String(decoding: UnsafeRawBufferPointer(start: data + skip, count: length - skip), as: UTF8.self)
    }

    private static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "MMM dd HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()

    @discardableResult
    static func check(_ result: Int32, _ call: String) throws -> Int32 {
        if result < 0 { throw JournalError(call: call, code: result) }
        return result
    }
}

/// Reading for `tradectl logs`: matches, seeking, stepping, waiting. Each method is one
/// sd-journal call whose negative return becomes a `JournalError`.
extension JournalReader {
    /// Replaces the matches with `filter`, an AND of OR-groups. sd-journal ORs matches on the
    /// same field and ANDs different fields within one term, so groups are separated with
    /// `sd_journal_add_conjunction` and alternatives with `sd_journal_add_disjunction`,
    /// which is how journalctl combines `-u A -u B -p err` (see sd_journal_add_match(3)).
    public func apply(_ filter: JournalFilter) throws {
        sd_journal_flush_matches(handle)
        for group in filter.groups {
            for alternative in group {
                for match in alternative {
                    try Self.check(sd_journal_add_match(handle, match, 0), "sd_journal_add_match(\(match))")
                }
                try Self.check(sd_journal_add_disjunction(handle), "sd_journal_add_disjunction")
            }
            try Self.check(sd_journal_add_conjunction(handle), "sd_journal_add_conjunction")
        }
    }

    public func seekHead() throws { try Self.check(sd_journal_seek_head(handle), "sd_journal_seek_head") }
    public func seekTail() throws { try Self.check(sd_journal_seek_tail(handle), "sd_journal_seek_tail") }

    /// Positions before the first entry at or after `microseconds` since the epoch.
    public func seek(realtime microseconds: UInt64) throws {
        try Self.check(sd_journal_seek_realtime_usec(handle, microseconds), "sd_journal_seek_realtime_usec")
    }

    /// Positions so that the next `next()` returns the entry `cursor` names.
    public func seek(cursor: String) throws {
        try Self.check(sd_journal_seek_cursor(handle, cursor), "sd_journal_seek_cursor")
    }

    /// True when the current entry is the one `cursor` names (after `seek(cursor:)` + `next()`):
    /// false means that entry was vacuumed or rotated away and entries were missed.
    public func test(cursor: String) throws -> Bool {
        try Self.check(sd_journal_test_cursor(handle, cursor), "sd_journal_test_cursor") > 0
    }

    /// Moves to the next matching entry; false at the end.
    public func next() throws -> Bool { try Self.check(sd_journal_next(handle), "sd_journal_next") > 0 }

    /// Moves to the previous matching entry; false at the start.
    public func previous() throws -> Bool { try Self.check(sd_journal_previous(handle), "sd_journal_previous") > 0 }

    /// Calls `body` with each field of the current entry as its `NAME=value` bytes, in one walk
    /// over the entry (a `field(_:)` call walks it again for every name). The bytes are valid only
    /// during the call: sd-journal may unmap them at its next read. False when the entry cannot be
    /// read (a corrupt object), which journalctl skips too.
    public func forEachField(_ body: (UnsafeRawBufferPointer) -> Void) throws -> Bool {
        sd_journal_restart_data(handle)
        var data: UnsafeRawPointer?
        var length = 0
        while true {
            let result = sd_journal_enumerate_available_data(handle, &data, &length)
            if result == -EBADMSG || result == -EADDRNOTAVAIL { return false }
            if try Self.check(result, "sd_journal_enumerate_available_data") == 0 { return true }
            if let data { body(UnsafeRawBufferPointer(start: data, count: length)) }
        }
    }

    /// The largest field value returned whole, 0 for no limit. sd-journal's default (64 KiB) cuts
    /// compressed values; journalctl's `--full` (its default) lifts the limit to print them whole.
    public func setDataThreshold(_ bytes: Int) throws {
        try Self.check(sd_journal_set_data_threshold(handle, bytes), "sd_journal_set_data_threshold")
    }

    /// The current entry's wall-clock time in microseconds since the epoch.
    public func realtime() throws -> UInt64 {
        var microseconds: UInt64 = 0
        try Self.check(sd_journal_get_realtime_usec(handle, &microseconds), "sd_journal_get_realtime_usec")
        return microseconds
    }

    /// The current entry's cursor, to come back to it after walking backwards.
    public func cursor() throws -> String {
        var pointer: UnsafeMutablePointer<CChar>?
        try Self.check(sd_journal_get_cursor(handle, &pointer), "sd_journal_get_cursor")
        defer { free(pointer) }
        return pointer.map { String(cString: $0) } ?? ""
    }

    /// Bytes of journal files opened: 0 means nothing could be opened (none there, or none
    /// readable), which `tradectl logs` must report instead of printing 0 entries.
    public func usage() throws -> UInt64 {
        var bytes: UInt64 = 0
        try Self.check(sd_journal_get_usage(handle, &bytes), "sd_journal_get_usage")
        return bytes
    }

    /// Blocks up to `microseconds` for journal changes; true when entries may have been added.
    /// A signal interrupting the wait counts as "nothing yet" so the caller checks its stop flag.
    public func wait(microseconds: UInt64) throws -> Bool {
        let result = sd_journal_wait(handle, microseconds)
        if result == -EINTR { return false }
        return try Self.check(result, "sd_journal_wait") != Int32(SD_JOURNAL_NOP)
    }
}

/// Sends structured entries to journald with `sd_journal_sendv` (the variadic
/// `sd_journal_send` cannot be called from Swift).
public enum JournalWriter {
    /// Fields like `["MESSAGE": "...", "PRIORITY": "6", "TRADECTL_COMMAND": "deploy"]`.
    @discardableResult
    public static func send(_ fields: [(String, String)]) -> Int32 {
        let strings = fields.map { "\($0.0)=\($0.1)" }
        var buffers = strings.map { string -> UnsafeMutableRawPointer in
            let bytes = Array(string.utf8)
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            return pointer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var vectors = zip(buffers, strings).map { iovec(iov_base: $0.0, iov_len: $0.1.utf8.count) }
        let result = vectors.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        buffers = buffers.map { $0 }
        return result
    }

    /// True when stderr is connected to the journal (systemd sets `JOURNAL_STREAM=dev:inode`).
    public static func stderrIsJournal(environment: [String: String]) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":").compactMap { UInt64($0) }
        guard parts.count == 2 else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == parts[0] && UInt64(status.st_ino) == parts[1]
    }
}

/// sd_notify for Type=notify services (the monitor).
public enum ServiceNotifier {
    @discardableResult
    public static func notify(_ state: String) -> Int32 { sd_notify(0, state) }

    /// The service's `WatchdogSec=` when systemd expects `WATCHDOG=1` from this process, else nil.
    public static func watchdogInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }
}
