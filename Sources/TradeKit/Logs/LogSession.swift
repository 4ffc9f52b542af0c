import Dispatch
import Foundation
import Synchronization

/// Runs `tradectl logs` reads on a thread of their own: sd-journal handles must stay on the
/// thread that opened them, and `--follow` blocks in sd_journal_wait, which must not hold
/// a thread of the async executor.
public enum LogSession {
    /// How often a follower wakes to check for SIGINT/SIGTERM when the journal is quiet.
    static let waitMicroseconds: UInt64 = 250_000
    /// How long a follower stopped with `settle` keeps reading (see `StopFlag.stop(settle:)`).
    static let settleTime: Duration = .seconds(1)

    /// Reads `query` from `source`; returns how many entries matched (printed or counted).
    /// Output goes to stdout unless the query only counts; `stop` ends a follow.
    /// `files` (`logs --files`): log files whose lines are interleaved with the journal's.
    /// A stopped follower reads once more what was stored up to the stop, and for `settleTime`
    /// longer when stopped with `settle`.
    public static func run(
        _ query: LogQuery, source: JournalSource, scope: Scope, format: LogFormat, stop: StopFlag = StopFlag(),
        files: [LogFileSource] = []
    ) async throws -> Int {
        try await onJournalThread {
            files.isEmpty
                ? try read(query, source: source, scope: scope, format: format, stop: stop)
                : try readWithFiles(query, source: source, scope: scope, format: format, files: files)
        }
    }

    /// Runs `body` on a thread of its own: an sd-journal handle must stay on the thread that
    /// opened it, and a blocking read must not hold a thread of the async executor.
    static func onJournalThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "tradectl-journal"
            thread.start()
        }
    }

    private static func read(
        _ query: LogQuery, source: JournalSource, scope: Scope, format: LogFormat, stop: StopFlag
    )
        throws -> Int
    {
        let reader = try JournalAccess.open(source, scope: scope)
        let sink = query.countOnly ? nil : LogSink(fileDescriptor: STDOUT_FILENO)
        let output: LogScan.Output =
            switch (sink, format) {
            case (nil, _): .none
            case (let sink?, .shortISO): .shortISO(sink)
            case (let sink?, .json): .entries { sink.append($0, as: .json) }
            }
        if sink != nil {
            // journalctl --full: compressed values whole, not cut at sd-journal's default 64 KiB.
            try? reader.setDataThreshold(0)
        }
        let scan = try LogScan(reader: reader, query: query, output: output)
        do {
            try scan.position()
            try scan.drain()
            try sink?.flush()
            while query.follow && !stop.isStopped {
                guard try reader.wait(microseconds: waitMicroseconds) else { continue }
                try scan.drain()
                try sink?.flush()
            }
            if query.follow {
                // Counted in wall-clock time, not wake-ups: a busy journal wakes a waiter at
                // every entry, and four wake-ups were once over before the unit's lines came.
                let settleUntil = ContinuousClock.now + (stop.settles ? settleTime : .zero)
                repeat {
                    _ = try reader.wait(microseconds: stop.settles ? waitMicroseconds : 0)
                    try scan.drain()
                    try sink?.flush()
                } while ContinuousClock.now < settleUntil
            }
        } catch is LogSink.Closed {
            // The reader of our output went away (`| head`): stop quietly, like journalctl.
        } catch let error as JournalError {
            throw JournalUnavailable(detail: "reading the journal: \(error)")
        }
        return scan.count
    }
}

extension LogSession {
    /// The journal's entries and the files' lines, merged by time, then printed: no --follow.
    fileprivate static func readWithFiles(
        _ query: LogQuery, source: JournalSource, scope: Scope, format: LogFormat, files: [LogFileSource]
    ) throws -> Int {
        let collected = Collected()
        // The files are shown even when the journal cannot be read (an OS tree under --root
        // without one); the command still exits 69 afterwards, so nobody takes it for complete.
        var unavailable: JournalUnavailable?
        do {
            let reader = try JournalAccess.open(source, scope: scope)
            let scan = try LogScan(reader: reader, query: query, output: .entries { collected.entries.append($0) })
            try scan.position()
            try scan.drain()
        } catch let error as JournalUnavailable {
            unavailable = error
        } catch let error as JournalError {
            unavailable = JournalUnavailable(detail: "reading the journal: \(error)")
        }
        let merged = LogFileScan.merge(
            journal: collected.entries, files: try LogFileScan.entries(query, sources: files), lines: query.lines)
        if !query.countOnly {
            let sink = LogSink(fileDescriptor: STDOUT_FILENO)
            do {
                for entry in merged { sink.append(entry, as: format) }
                try sink.flush()
            } catch is LogSink.Closed {}
        }
        if let unavailable { throw unavailable }
        return merged.count
    }

    private final class Collected {
        var entries: [LogEntry] = []
    }
}

/// Buffered output: one write(2) per 64 KiB, and at the end of every follow cycle so lines
/// appear as they are logged (a terminal or a pipe sees each batch at once).
final class LogSink {
    struct Closed: Error {}

    private let fileDescriptor: Int32
    private var buffer: [UInt8] = []
    private var clock = ShortISOClock()

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        buffer.reserveCapacity(1 << 17)
    }

    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        flushIfFull()
    }

    /// `entry` as `format` prints it (short-iso straight into the buffer, no String per line).
    func append(_ entry: LogEntry, as format: LogFormat) {
        switch format {
        case .shortISO: shortISO(LogFormat.shortISOFields(entry), realtime: entry.realtime)
        case .json: line(LogFormat.json(entry))
        }
    }

    /// A short-iso line; nothing for an entry without MESSAGE (`ShortISOLine`).
    func shortISO(_ fields: ShortISOLine.Fields, realtime: UInt64) {
        ShortISOLine.append(fields, realtime: realtime, clock: &clock, to: &buffer)
        flushIfFull()
    }

    private func flushIfFull() {
        if buffer.count >= 1 << 16 { try? flush() }
    }

    /// Writes everything buffered, retrying on EINTR and short writes; a closed pipe is `Closed`.
    func flush() throws {
        var offset = 0
        defer { buffer.removeAll(keepingCapacity: true) }
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { write(fileDescriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written < 0 { throw Closed() }
            offset += written
        }
    }
}

/// Set from a signal handler queue, read by the follower thread between waits.
public final class StopFlag: Sendable {
    private struct State {
        var stopped = false
        var settles = false
        /// Kept alive for as long as the flag is.
        var sources: [DispatchSourceSignal] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var isStopped: Bool { state.withLock { $0.stopped } }
    /// Whether the follower was asked to keep reading a while after the stop.
    var settles: Bool { state.withLock { $0.settles } }

    /// Stops a follower. `settle`: keep reading for `LogSession.settleTime` first, for lines
    /// journald may still be storing when nothing could confirm they are stored (`run --follow`
    /// as a user that may not ask journald to sync).
    public func stop(settle: Bool = false) {
        state.withLock {
            $0.stopped = true
            $0.settles = $0.settles || settle
        }
    }

    /// A flag set by SIGINT or SIGTERM. The signals are ignored by default handling and
    /// delivered through dispatch sources instead, so the follower ends cleanly (exit 0,
    /// output flushed) rather than the process dying mid-line.
    public static func onTermination() -> StopFlag {
        let flag = StopFlag()
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            // Made under the lock so the source goes straight into the state that keeps it.
            flag.state.withLock { state in
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { flag.stop() }
                source.resume()
                state.sources.append(source)
            }
        }
        return flag
    }
}
