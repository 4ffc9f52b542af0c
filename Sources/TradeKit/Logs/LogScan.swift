import Foundation

/// One pass over the journal for `tradectl logs`: position, then read forward, counting and
/// printing what passes the filters. Lives on the thread that opened `reader` (sd-journal
/// handles must not change threads), hence a plain non-Sendable class.
final class LogScan {
    private let reader: JournalReader
    private let query: LogQuery
    private let matcher: MessageMatcher?
    private let output: Output
    private var fields = ShortISOFields()
    /// Entries that passed every filter so far (printed, or only counted with --count).
    private(set) var count = 0
    /// Set once --until is passed, or when -n found nothing and there is nothing to follow.
    private var finished = false

    /// What becomes of an entry that passes the filters.
    enum Output {
        /// Counted only (--count).
        case none
        /// Handed on as a `LogEntry` (JSON, the --files merge).
        case entries((LogEntry) -> Void)
        /// Printed as short-iso from its raw fields: the fast path of plain `logs`.
        case shortISO(LogSink)
    }

    init(reader: JournalReader, query: LogQuery, output: Output) throws {
        self.reader = reader
        self.query = query
        self.output = output
        matcher = try query.grep.map { try MessageMatcher(pattern: $0) }
    }

    /// Applies the matches and seeks to where output starts: the Nth-last match with -n, else
    /// --since (sd_journal_seek_realtime_usec, no scan of older entries), else the head.
    func position() throws {
        try reader.apply(query.filter)
        if let lines = query.lines {
            try seekLast(lines)
        } else if let since = query.since {
            try reader.seek(realtime: since)
        } else {
            try reader.seekHead()
        }
    }

    /// Walks back from the end (or from --until) over matching entries, then seeks to the
    /// oldest of the last `wanted` by cursor, so reading forward prints them in order and a
    /// follower continues from there without gaps or repeats.
    private func seekLast(_ wanted: Int) throws {
        if let until = query.until { try reader.seek(realtime: until + 1) } else { try reader.seekTail() }
        var found = 0
        var start: String?
        while found < wanted, try reader.previous() {
            let time = try reader.realtime()
            if let since = query.since, time < since { break }
            if let until = query.until, time > until { continue }
            guard accepts() else { continue }
            found += 1
            start = try reader.cursor()
        }
        if let start {
            try reader.seek(cursor: start)
        } else if query.follow {
            // Nothing to show yet: stand on the last entry so only new ones follow.
            try reader.seekTail()
            _ = try reader.previous()
        } else {
            finished = true
        }
    }

    /// Reads forward to the current end of the journal, or until an entry is past --until.
    func drain() throws {
        let checksTime = query.since != nil || query.until != nil
        while !finished, try reader.next() {
            if checksTime {
                let time = try reader.realtime()
                if let until = query.until, time > until {
                    finished = true
                    break
                }
                if let since = query.since, time < since { continue }
            }
            guard accepts() else { continue }
            count += 1
            switch output {
            case .none: break
            case .entries(let emit): emit(try entry())
            case .shortISO(let sink):
                // An unreadable (corrupt) entry is counted but not printed, as journalctl skips it.
                if try fields.read(reader) { sink.shortISO(fields.line, realtime: try reader.realtime()) }
            }
        }
    }

    /// --grep over MESSAGE; an entry without MESSAGE never matches a pattern (as in journalctl).
    /// With --priority, an entry of a unit with a declared `log_format` must also state a
    /// level that urgent (the filter let all of that unit's entries through).
    private func accepts() -> Bool {
        if query.maxPriority != nil, !query.formats.isEmpty {
            let unit = JournalUnitField.unit(of: reader)
            if let unit, query.formats[unit] != nil,
                !query.admits(unit: unit, message: reader.field("MESSAGE"), recorded: reader.field("PRIORITY"))
            {
                return false
            }
        }
        guard let matcher else { return true }
        return reader.field("MESSAGE").map(matcher.matches) ?? false
    }

    private func entry() throws -> LogEntry {
        let unit = JournalUnitField.unit(of: reader)
        let message = reader.field("MESSAGE")
        let recorded = reader.field("PRIORITY")
        var entry = LogEntry(
            realtime: try reader.realtime(), priority: recorded, unit: unit, message: message,
            pid: reader.field("_PID"), identifier: reader.field("SYSLOG_IDENTIFIER"),
            hostname: reader.field("_HOSTNAME"))
        if let unit, query.formats[unit] != nil {
            entry.priority = query.judgedPriority(unit: unit, message: message, recorded: recorded)
            entry.journalPriority = recorded
        }
        return entry
    }
}
