import Foundation

/// One journal entry of a project unit, or a Python traceback grouped from several.
public struct JournalEvent: Sendable, Equatable {
    public var unit: String
    public var priority: Int
    public var message: String
    public var at: Date
    public var pid: String?

    public init(unit: String, priority: Int, message: String, at: Date, pid: String? = nil) {
        self.unit = unit
        self.priority = priority
        self.message = message
        self.at = at
        self.pid = pid
    }

    public var isError: Bool { priority <= 3 }

    /// The event judged by the level its line states (`log_format`): a Python `ERROR:` line
    /// journald stored at info becomes an error. nil or `plain` leaves it as journald said.
    public func classified(by format: LineFormat?) -> JournalEvent {
        guard let format, format != .plain else { return self }
        var event = self
        event.priority = format.priority(of: message, recorded: priority)
        return event
    }
}

/// Python writes a traceback one line per journal entry (stderr is line-buffered):
/// `Traceback (most recent call last):`, indented `File …`/source lines, then the exception
/// line. Counted line by line, one crash would look like ten errors; grouped, it is one event.
///
/// `logging.exception(…)` writes its message line (`ERROR:engine:fill failed`) just before
/// the traceback, so an error line is held until the next line of its writer: when that
/// opens a traceback within a second, the two are one event.
public struct TracebackGrouper: Sendable {
    private var open: [String: JournalEvent] = [:]
    /// Per writer, its last error line, which a traceback may still follow.
    private var held: [String: JournalEvent] = [:]
    /// How soon after an error line a traceback belongs to it (one `logging` write).
    static let heldFor: TimeInterval = 1

    public init() {}

    /// Feeds one entry; returns the events complete so far (an entry outside a traceback, or
    /// a finished traceback block).
    public mutating func feed(_ event: JournalEvent) -> [JournalEvent] {
        let stream = "\(event.unit)/\(event.pid ?? "")"
        if var block = open[stream] {
            if Self.continues(event.message) {
                block.message += "\n" + event.message
                block.priority = min(block.priority, event.priority)
                open[stream] = block
                return []
            }
            // The first unindented line ends the block: the exception (`ValueError: …`) belongs to it.
            block.message += "\n" + event.message
            block.priority = min(block.priority, event.priority, 3)
            open[stream] = nil
            return [block]
        }
        var done: [JournalEvent] = []
        let previous = held.removeValue(forKey: stream)
        if event.message.hasPrefix("Traceback (most recent call last)") {
            if var head = previous, event.at.timeIntervalSince(head.at) <= Self.heldFor {
                head.message += "\n" + event.message
                head.priority = min(head.priority, event.priority)
                open[stream] = head
            } else {
                done += previous.map { [$0] } ?? []
                open[stream] = event
            }
            return done
        }
        done += previous.map { [$0] } ?? []
        if event.isError {
            held[stream] = event
        } else {
            done.append(event)
        }
        return done
    }

    /// Blocks still open (the process died mid-traceback, or the rest has not arrived yet)
    /// and error lines still held. Called at the end of a cycle's batch only when their writer
    /// is quiet for a while.
    public mutating func flush(olderThan cutoff: Date) -> [JournalEvent] {
        let stale = open.filter { $0.value.at < cutoff }
        for key in stale.keys { open[key] = nil }
        let quiet = held.filter { $0.value.at < cutoff }
        for key in quiet.keys { held[key] = nil }
        return quiet.values.sorted { $0.at < $1.at }
            + stale.values.map {
                var block = $0
                block.priority = min(block.priority, 3)
                return block
            }
    }

    static func continues(_ line: String) -> Bool {
        line.hasPrefix(" ") || line.hasPrefix("\t") || line.isEmpty
            || line.hasPrefix("During handling of the above exception")
            || line.hasPrefix("The above exception was the direct cause")
    }
}

/// Counts matches of each configured pattern in its sliding window.
public struct PatternCounter: Sendable {
    public let patterns: [JournalPattern]
    private let expressions: [NSRegularExpression?]
    /// Match times per pattern name, pruned to the pattern's window (persisted across restarts).
    public var hits: [String: [Date]]

    public init(patterns: [JournalPattern], hits: [String: [Date]] = [:]) {
        self.patterns = patterns
        expressions = patterns.map { pattern in pattern.regex.flatMap { try? NSRegularExpression(pattern: $0) } }
        self.hits = hits
    }

    /// `journal_patterns` (plain regexes) become "any match is a warning" patterns.
    public static func patterns(of monitor: MonitorConfig) -> [JournalPattern] {
        monitor.patterns + monitor.journalPatterns.map { JournalPattern(name: $0, regex: $0) }
    }

    /// Records the patterns `event` matches; returns their names.
    @discardableResult
    public mutating func record(_ event: JournalEvent) -> [String] {
        var matched: [String] = []
        for (pattern, expression) in zip(patterns, expressions) {
            if let priority = pattern.priority, event.priority > priority { continue }
            if let expression {
                let range = NSRange(event.message.startIndex..., in: event.message)
                guard expression.firstMatch(in: event.message, range: range) != nil else { continue }
            } else if pattern.regex != nil {
                continue
            }
            hits[pattern.name, default: []].append(event.at)
            // Bounded memory (and state DB row) under a storm: beyond this the decision is the same.
            let cap = max(pattern.threshold + 1, 1000)
            if let count = hits[pattern.name]?.count, count > cap { hits[pattern.name]?.removeFirst(count - cap) }
            matched.append(pattern.name)
        }
        return matched
    }

    /// One observation per pattern: bad while the count in its window exceeds its threshold.
    public mutating func observations(now: Date) -> [Observation] {
        patterns.map { pattern in
            let recent = (hits[pattern.name] ?? []).filter { now.timeIntervalSince($0) <= pattern.window.seconds }
            hits[pattern.name] = recent
            let bad = recent.count > pattern.threshold
            let window = pattern.window.description
            let summary =
                bad
                ? "\(recent.count) matching journal entries in the last \(window) (threshold \(pattern.threshold))"
                : "\(recent.count) matching journal entries in the last \(window)"
            return Observation(
                key: "journal-pattern/\(pattern.name)", check: "journal-pattern", target: pattern.name,
                status: bad ? (pattern.severity == .critical ? .critical : .warning) : .ok, summary: summary)
        }
    }
}
