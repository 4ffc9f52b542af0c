import Foundation
import Logging

/// Follows the project's units in the journal on a thread of its own (sd-journal blocks in
/// `sd_journal_wait` and must stay on the thread that opened it) and hands entries to the
/// monitor loop in batches, with the cursor of the last entry handed over.
///
/// Resumes from a saved cursor; when that entry is gone (vacuumed, rotated away) it says so
/// (`gaps`) and starts from the oldest entry still there. When the journal errors, it backs
/// off (1 s doubling to 60 s) instead of spinning.
public final class JournalFollower: @unchecked Sendable {
    public struct Batch: Sendable {
        public var events: [JournalEvent] = []
        /// Cursor of the last entry in `events` (or the resume point when none).
        public var cursor: String?
        /// Times the saved position was lost and entries may have been missed.
        public var gaps = 0
        /// Journal errors since the last batch (each one backed off).
        public var errors = 0
        /// Entries not buffered because the loop did not drain in time.
        public var dropped = 0
    }

    private let units: [String]
    private let logger: Logger
    private let directory: String?
    private let lock = NSLock()
    private var pending = Batch()
    private var stopped = false
    private var thread: Thread?
    /// Entries buffered beyond this are dropped (and counted): memory stays bounded if
    /// the loop stalls while a unit floods the journal.
    private let capacity = 50_000

    /// `cursor`: where the previous monitor stopped; nil starts at the end (no old news).
    public init(units: [String], cursor: String?, logger: Logger, directory: String? = nil) {
        self.units = units
        self.logger = logger
        self.directory = directory
        pending.cursor = cursor
    }

    public func start() {
        let thread = Thread { [self] in follow() }
        thread.name = "journal-follower"
        thread.start()
        self.thread = thread
    }

    /// Asks the thread to stop; it notices within a second.
    public func stop() { lock.withLock { stopped = true } }

    /// Everything followed since the previous call.
    public func drain() -> Batch {
        lock.withLock {
            let batch = pending
            pending = Batch(cursor: batch.cursor)
            return batch
        }
    }

    /// Reads what is there now and returns (for `monitor --once`): no thread.
    public func readAvailable() -> Batch {
        if let reader = try? open() {
            _ = try? readAll(reader)
        }
        return drain()
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func follow() {
        var backoff: UInt32 = 1
        while !isStopped {
            do {
                let reader = try open()
                backoff = 1
                while !isStopped {
                    try readAll(reader)
                    _ = try reader.wait(microseconds: 1_000_000)
                }
            } catch {
                lock.withLock { pending.errors += 1 }
                logger.warning("journal follower: \(error); retrying in \(backoff)s")
                for _ in 0..<backoff where !isStopped { sleep(1) }
                backoff = min(backoff * 2, 60)
            }
        }
    }

    /// Opens the journal and positions after the saved cursor, or at the tail.
    private func open() throws -> JournalReader {
        let reader = try JournalReader(directory: directory)
        try reader.apply(JournalFilter(groups: [units.map { ["_SYSTEMD_UNIT=\($0)"] }]))
        guard let cursor = lock.withLock({ pending.cursor }) else {
            try reader.seekTail()
            // seek_tail leaves the position after the last entry only once previous() steps onto it.
            _ = try reader.previous()
            let last = try? reader.cursor()
            lock.withLock { pending.cursor = last }
            return reader
        }
        try reader.seek(cursor: cursor)
        guard try reader.next() else { return reader }
        if try reader.test(cursor: cursor) { return reader }  // on the saved entry: the next `next()` is new.
        // The saved entry is gone (vacuumed, rotated away); sd-journal put us on the closest
        // newer one, which has not been read yet: take it now, readAll goes on after it.
        lock.withLock { pending.gaps += 1 }
        logger.warning("journal follower: saved position is gone (journal rotated or vacuumed); entries may have been missed")
        try takeCurrent(reader)
        return reader
    }

    private func readAll(_ reader: JournalReader) throws {
        while try reader.next() { try takeCurrent(reader) }
    }

    private func takeCurrent(_ reader: JournalReader) throws {
        let event = JournalEvent(
            unit: reader.field("_SYSTEMD_UNIT") ?? "", priority: Int(reader.field("PRIORITY") ?? "6") ?? 6,
            message: reader.field("MESSAGE") ?? "",
            at: Date(timeIntervalSince1970: Double(try reader.realtime()) / 1_000_000), pid: reader.field("_PID"))
        let cursor = try reader.cursor()
        lock.withLock {
            if pending.events.count < capacity { pending.events.append(event) } else { pending.dropped += 1 }
            pending.cursor = cursor
        }
    }
}
