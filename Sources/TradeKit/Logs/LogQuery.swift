import Foundation

/// An sd-journal match expression kept as data, so the filter `tradectl logs` builds can be
/// tested without a journal; `JournalReader.apply` turns it into sd_journal_add_* calls.
public struct JournalFilter: Sendable, Equatable {
    /// An AND of groups; each group an OR of alternatives; each alternative an AND of
    /// `FIELD=value` matches.
    public var groups: [[[String]]]

    public init(groups: [[[String]]]) { self.groups = groups }
}

/// What `tradectl logs` reads, after the command line has been checked and resolved.
public struct LogQuery: Sendable, Equatable {
    public var units: [String]
    /// Show entries with PRIORITY at most this (0 emerg … 7 debug); nil for all.
    public var maxPriority: Int?
    /// Bounds in microseconds since the epoch, as the journal stores time.
    public var since: UInt64?
    public var until: UInt64?
    public var grep: String?
    public var lines: Int?
    public var follow: Bool
    public var countOnly: Bool
    /// Unit → `log_format` for the units whose lines state their level (python, json): their
    /// entries are judged, matched against `maxPriority` and shown by that level.
    public var formats: [String: LineFormat]

    public init(
        units: [String], maxPriority: Int? = nil, since: UInt64? = nil, until: UInt64? = nil, grep: String? = nil,
        lines: Int? = nil, follow: Bool = false, countOnly: Bool = false, formats: [String: LineFormat] = [:]
    ) {
        self.units = units
        self.maxPriority = maxPriority
        self.since = since
        self.until = until
        self.grep = grep
        self.lines = lines
        self.follow = follow
        self.countOnly = countOnly
        self.formats = formats.filter { units.contains($0.key) && $0.value != .plain }
    }

    /// (unit A or unit B …) and (PRIORITY=0 or … or PRIORITY=N), like `journalctl -u A -u B -p N`,
    /// the unit named in either field (`JournalUnitField`).
    /// Units whose lines state their level are read at every priority (journald stored a
    /// Python `ERROR:` line at info) and judged line by line (`admits`): with `-p`, the
    /// filter is (plain units and PRIORITY ≤ N) or one of those units.
    public var filter: JournalFilter {
        guard let maxPriority else { return JournalFilter(groups: [JournalUnitField.alternatives(units)]) }
        let priorities = (0...maxPriority).map { "PRIORITY=\($0)" }
        let plain = units.filter { formats[$0] == nil }
        // sd-journal ORs matches of one field within a term and ANDs different fields.
        let alternatives =
            JournalUnitField.alternatives(plain, also: priorities)
            + JournalUnitField.alternatives(units.filter { formats[$0] != nil })
        return JournalFilter(groups: [alternatives])
    }

    /// The priority to show and match `entry`'s line by: the level it states for a unit with
    /// a declared format (or journald's, if more severe), else journald's.
    public func judgedPriority(unit: String?, message: String?, recorded: String?) -> String? {
        guard let unit, let format = formats[unit] else { return recorded }
        return String(format.priority(of: message ?? "", recorded: recorded.flatMap { Int($0) }))
    }

    /// Whether an entry that passed `filter` is at `maxPriority` or more urgent once judged:
    /// only entries of units with a declared format still need the look.
    public func admits(unit: String?, message: String?, recorded: String?) -> Bool {
        guard let maxPriority, let unit, formats[unit] != nil else { return true }
        let judged = judgedPriority(unit: unit, message: message, recorded: recorded).flatMap { Int($0) } ?? 6
        return judged <= maxPriority
    }
}

/// Where the journal comes from: the machine's, an OS tree (`--root`), or files in one
/// directory (`--directory`, for tests and benchmarks on journals built offline).
public enum JournalSource: Sendable, Equatable {
    case local
    case osRoot(String)
    case directory(String)
}

/// Syslog priorities as journalctl spells them for `-p`.
public enum LogPriority {
    public static let names = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    /// `err` or `3` → 3; nil for anything else.
    public static func parse(_ text: String) -> Int? {
        let lowered = text.lowercased()
        if let index = names.firstIndex(of: lowered) { return index }
        if let number = Int(lowered), (0...7).contains(number) { return number }
        return nil
    }
}

/// `--since`/`--until` values: a duration ago (`24h`, `90min`, also `-24h` as journalctl
/// writes it), `now`, or an ISO-8601 time (local time when it names no zone).
public enum LogTime {
    public static func parse(_ text: String, now: Date = Date(), timeZone: TimeZone = .current) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "now" { return now }
        let ago = trimmed.hasPrefix("-") ? String(trimmed.dropFirst()) : trimmed
        if let duration = ConfigDuration(parsing: ago) { return now.addingTimeInterval(-duration.seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// Microseconds since the epoch, the journal's clock.
    public static func microseconds(_ date: Date) -> UInt64 {
        UInt64(max(0, (date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    private static let formats = [
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd'T'HH:mm:ssXX",
        "yyyy-MM-dd'T'HH:mmXXXXX", "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd",
    ]
}
