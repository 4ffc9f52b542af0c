import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `tradectl logs --files`: the components' log-file lines as entries to interleave with the
/// journal's.
///
/// A line's time is the one it starts with (`LogLineTime`); a line without one (a traceback's
/// body, a plain-format program) takes the time of the line before it, and a file's first lines
/// the file's mtime, so they keep their place in the file. Priority comes from the component's
/// `log_format` (info when the line states none). Rotated siblings (`engine.log.1`, not the
/// compressed ones) are read only with `--since`, and only those written to since then.
public enum LogFileScan {
    /// The entries of every file of `sources` that pass the query's time, priority and grep
    /// filters, oldest first per file; with `-n`, at most the last N of each file.
    public static func entries(_ query: LogQuery, sources: [LogFileSource]) throws -> [LogEntry] {
        let matcher = try query.grep.map { try MessageMatcher(pattern: $0) }
        var entries: [LogEntry] = []
        var seen: Set<String> = []
        for source in sources {
            let shared = String(source.pattern.dropLast(source.glob.count))
            for path in files(source, since: query.since) where seen.insert(path).inserted {
                let label = path.hasPrefix(shared) ? String(path.dropFirst(shared.count)) : path
                var fileEntries: [LogEntry] = []
                var previous: UInt64?
                read(path) { text, modified in
                    // The time the line states, else the previous line's, else the file's mtime.
                    let realtime = LogLineTime.parse(text).map(LogTime.microseconds) ?? previous ?? modified
                    previous = realtime
                    if let since = query.since, realtime < since { return }
                    if let until = query.until, realtime > until { return }
                    let priority = source.format.priority(of: text, recorded: nil)
                    if let maxPriority = query.maxPriority, priority > maxPriority { return }
                    if let matcher, !matcher.matches(text) { return }
                    fileEntries.append(
                        LogEntry(
                            realtime: realtime, priority: String(priority), unit: source.unit, message: text,
                            identifier: source.component, file: label))
                    if let lines = query.lines, fileEntries.count > 2 * lines + 1024 {
                        fileEntries.removeFirst(fileEntries.count - lines)
                    }
                }
                if let lines = query.lines { fileEntries = Array(fileEntries.suffix(lines)) }
                entries += fileEntries
            }
        }
        return entries
    }

    /// Journal and file entries in time order (stable: a journal entry before a file line of the
    /// same microsecond, each source's own order kept), the last `lines` with `-n`.
    public static func merge(journal: [LogEntry], files: [LogEntry], lines: Int?) -> [LogEntry] {
        let merged =
            (journal.enumerated().map { (0, $0.offset, $0.element) }
            + files.enumerated().map { (1, $0.offset, $0.element) })
            .sorted { lhs, rhs in
                if lhs.2.realtime != rhs.2.realtime { return lhs.2.realtime < rhs.2.realtime }
                return (lhs.0, lhs.1) < (rhs.0, rhs.1)
            }
            .map(\.2)
        guard let lines else { return merged }
        return Array(merged.suffix(lines))
    }

    /// The files of a source: rotated siblings written since `since` (oldest first), then the
    /// followed files themselves.
    static func files(_ source: LogFileSource, since: UInt64?) -> [String] {
        let current = LogFileFollower.expand(source.pattern)
        guard let since else { return current }
        var rotated: [(path: String, modified: UInt64)] = []
        for path in current {
            let directory = (path as NSString).deletingLastPathComponent
            let base = (path as NSString).lastPathComponent
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            where (name.hasPrefix(base + ".") || name.hasPrefix(base + "-")) && LogFileFollower.isRotatedName(name)
                && name.wholeMatch(of: /.+\.(gz|xz|bz2|zst|lz4|Z)/) == nil
            {
                let sibling = "\(directory)/\(name)"
                guard let file = OpenFile(sibling) else { continue }
                let modified = LogTime.microseconds(Date(timeIntervalSince1970: file.modified))
                if modified >= since { rotated.append((sibling, modified)) }
            }
        }
        return rotated.sorted { $0.modified < $1.modified }.map(\.path) + current
    }

    /// Calls `line` with each line of the file (a last line without newline included) and the
    /// file's mtime in microseconds. Reads in 64 KiB chunks: a large log is never held whole.
    static func read(_ path: String, line: (String, UInt64) -> Void) {
        guard let file = OpenFile(path) else { return }
        let modified = LogTime.microseconds(Date(timeIntervalSince1970: file.modified))
        var offset: UInt64 = 0
        var pending: [UInt8] = []
        while offset < file.size {
            let bytes = file.read(at: offset, length: min(1 << 16, Int(file.size - offset)))
            if bytes.isEmpty { break }
            offset += UInt64(bytes.count)
            pending += bytes
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                line(OpenFile.text(pending[start..<newline]), modified)
                start = newline + 1
            }
            pending.removeSubrange(0..<start)
        }
        if !pending.isEmpty { line(OpenFile.text(pending[...]), modified) }
    }
}
