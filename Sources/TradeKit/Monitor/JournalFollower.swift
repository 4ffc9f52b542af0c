import Foundation
import Logging
import Synchronization

/// Follows the project's units in the journal on a thread of its own (sd-journal blocks in
/// `sd_journal_wait` and must stay on the thread that opened it) and hands entries to the
/// monitor loop in batches, with the cursor of the last entry handed over.
///
/// Resumes from a saved cursor; when that entry is gone (vacuumed, rotated away) it says so
/// (`gaps`) and starts from the oldest entry still there. When the journal errors, it backs
/// off (1 s doubling to 60 s) instead of spinning.
///
/// Sendable without a waiver: the sd-journal handle (`JournalReader`) is never stored, only
/// made and used inside `follow()` on the follower thread (or inside `readAvailable()`); what
/// that thread shares with the loop is `shared`, under its Mutex.
public final class JournalFollower: Sendable {
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
    private struct Shared {
        var pending = Batch()
        var stopped = false
    }

    private let shared: Mutex<Shared>
    /// Entries buffered beyond this are dropped (and counted): memory stays bounded if
    /// the loop stalls while a unit floods the journal.
    private let capacity = 50_000

    /// `cursor`: where the previous monitor stopped; nil starts at the end (no old news).
    public init(units: [String], cursor: String?, logger: Logger, directory: String? = nil) {
        self.units = units
        self.logger = logger
        self.directory = directory
        shared = Mutex(Shared(pending: Batch(cursor: cursor)))
    }

    public func start() {
        let thread = Thread { [self] in follow() }
        thread.name = "journal-follower"
        thread.start()
    }

    /// Asks the thread to stop; it notices within a second.
    public func stop() { shared.withLock { $0.stopped = true } }

    /// Everything followed since the previous call.
    public func drain() -> Batch {
        shared.withLock { shared in
            let batch = shared.pending
            shared.pending = Batch(cursor: batch.cursor)
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

    private var isStopped: Bool { shared.withLock { $0.stopped } }

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
                shared.withLock { $0.pending.errors += 1 }
                logger.warning("journal follower: \(error); retrying in \(backoff)s")
                for _ in 0..<backoff where !isStopped { sleep(1) }
                backoff = min(backoff * 2, 60)
            }
        }
    }

    /// Opens the journal and positions after the saved cursor, or at the tail.
    private func open() throws -> JournalReader {
        let reader = try JournalReader(directory: directory)
        try reader.apply(JournalFilter(groups: [JournalUnitField.alternatives(units)]))
        guard let cursor = shared.withLock({ $0.pending.cursor }) else {
            try reader.seekTail()
            // seek_tail leaves the position after the last entry only once previous() steps onto it.
            _ = try reader.previous()
            let last = try? reader.cursor()
            shared.withLock { $0.pending.cursor = last }
            return reader
        }
        try reader.seek(cursor: cursor)
        guard try reader.next() else { return reader }
        if try reader.test(cursor: cursor) { return reader }  // on the saved entry: the next `next()` is new.
        // The saved entry is gone (vacuumed, rotated away); sd-journal put us on the closest
        // newer one, which has not been read yet: take it now, readAll goes on after it.
        shared.withLock { $0.pending.gaps += 1 }
        logger.warning(
            "journal follower: saved position is gone (journal rotated or vacuumed); entries may have been missed")
        try takeCurrent(reader)
        return reader
    }

    private func readAll(_ reader: JournalReader) throws {
        while try reader.next() { try takeCurrent(reader) }
    }

    private func takeCurrent(_ reader: JournalReader) throws {
        let event = JournalEvent(
            unit: JournalUnitField.unit(of: reader) ?? "", priority: Int(reader.field("PRIORITY") ?? "6") ?? 6,
            message: reader.field("MESSAGE") ?? "",
            at: Date(timeIntervalSince1970: Double(try reader.realtime()) / 1_000_000), pid: reader.field("_PID"))
        let cursor = try reader.cursor()
        shared.withLock { shared in
            if shared.pending.events.count < capacity {
                shared.pending.events.append(event)
            } else {
                shared.pending.dropped += 1
            }
            shared.pending.cursor = cursor
        }
    }
}
