import Foundation

/// The stdout lines of a unit's process that journald stored without the unit's name.
///
/// journald learns which unit a stdout stream belongs to from the writer's cgroup, read from
/// /proc when it first handles the stream. A process that has already exited by then (a
/// oneshot that prints two lines and ends, on a busy host) leaves only `_PID`, `_COMM` and
/// `_TRANSPORT=stdout`: `journalctl -u` never shows those lines, and neither did
/// `run --follow` (a CI run printed none of a failing unit's output). The stream's `_PID` is
/// the process the manager started (`ExecMainPID`), so after the run they can be found by it.
enum UnattributedLines {
    /// Prints, in `format` and attributed to `unit`, the stdout entries of `pid` since `since`
    /// that carry no unit. Returns how many there were. Runs on the journal's own thread
    /// (`LogSession.onJournalThread`).
    static func print(
        pid: Int32, unit: String, since: UInt64, source: JournalSource, scope: Scope, format: LogFormat
    ) async throws -> Int {
        try await LogSession.onJournalThread {
            try read(pid: pid, unit: unit, since: since, source: source, scope: scope, format: format)
        }
    }

    /// The filter: this process's stdout stream.
    static func filter(pid: Int32) -> JournalFilter {
        JournalFilter(groups: [[["_PID=\(pid)"]], [["_TRANSPORT=stdout"]]])
    }

    private static func read(
        pid: Int32, unit: String, since: UInt64, source: JournalSource, scope: Scope, format: LogFormat
    ) throws -> Int {
        let reader = try JournalAccess.open(source, scope: scope)
        let sink = LogSink(fileDescriptor: STDOUT_FILENO)
        var count = 0
        do {
            try reader.apply(filter(pid: pid))
            try reader.seek(realtime: since)
            while try reader.next() {
                let time = try reader.realtime()
                // Attributed entries were shown by the follower; a pid reused before `since`
                // is someone else's.
                guard time >= since, JournalUnitField.unit(of: reader) == nil else { continue }
                count += 1
                sink.append(
                    LogEntry(
                        realtime: time, priority: reader.field("PRIORITY"), unit: unit,
                        message: reader.field("MESSAGE"), pid: reader.field("_PID"),
                        identifier: reader.field("SYSLOG_IDENTIFIER"), hostname: reader.field("_HOSTNAME")),
                    as: format)
            }
            try sink.flush()
        } catch is LogSink.Closed {
        } catch let error as JournalError {
            throw JournalUnavailable(detail: "reading the journal: \(error)")
        }
        return count
    }
}
