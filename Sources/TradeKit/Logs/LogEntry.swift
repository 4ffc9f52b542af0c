import Foundation

/// The fields of one journal entry that `tradectl logs` shows; absent fields are nil.
public struct LogEntry: Sendable, Equatable {
    /// Microseconds since the epoch (`__REALTIME_TIMESTAMP`).
    public var realtime: UInt64
    /// The priority to show: journald's, or for a component with a declared `log_format` the
    /// level its line states when more severe.
    public var priority: String?
    /// journald's own PRIORITY, set only when `priority` was judged from the line (JSON
    /// `JOURNAL_PRIORITY`).
    public var journalPriority: String?
    public var unit: String?
    public var message: String?
    public var pid: String?
    public var identifier: String?
    public var hostname: String?
    /// The log file a `logs --files` line came from, relative to `shared/` (not a journal field).
    public var file: String?

    public init(
        realtime: UInt64, priority: String? = nil, unit: String? = nil, message: String? = nil, pid: String? = nil,
        identifier: String? = nil, hostname: String? = nil, journalPriority: String? = nil, file: String? = nil
    ) {
        self.realtime = realtime
        self.priority = priority
        self.unit = unit
        self.message = message
        self.pid = pid
        self.identifier = identifier
        self.hostname = hostname
        self.journalPriority = journalPriority
        self.file = file
    }
}

/// The two output formats: journalctl's `short-iso` lines, or one JSON object per line.
public enum LogFormat: Sendable {
    case shortISO
    case json

    /// The entry's line without its newline; nil for an entry the format leaves out (short-iso:
    /// one without MESSAGE, as journalctl does).
    public func render(_ entry: LogEntry) -> String? {
        switch self {
        case .shortISO: return Self.shortISO(entry)
        case .json: return Self.json(entry)
        }
    }

    /// `2026-11-21T13:00:00+0000 host engine[42]: message` (a log file's line:
    /// `engine[logs/engine.log]: message`), written by `ShortISOLine` as journalctl writes it.
    /// The name is the unit without `.service` rather than journalctl's SYSLOG_IDENTIFIER:
    /// every Python component logs as `python3`, which would not say which component spoke.
    static func shortISO(_ entry: LogEntry) -> String? {
        var clock = ShortISOClock()
        var out: [UInt8] = []
        guard ShortISOLine.append(shortISOFields(entry), realtime: entry.realtime, clock: &clock, to: &out) else {
            return nil
        }
        return String(decoding: out.dropLast(), as: UTF8.self)
    }

    static func shortISOFields(_ entry: LogEntry) -> ShortISOLine.Fields {
        let name = entry.unit.map(Self.withoutServiceSuffix) ?? entry.identifier
        return ShortISOLine.Fields(
            hostname: entry.hostname.map { ArraySlice($0.utf8) }, name: name.map { ArraySlice($0.utf8) },
            pid: (entry.file ?? entry.pid).map { ArraySlice($0.utf8) },
            message: entry.message.map { ArraySlice($0.utf8) })
    }

    /// journalctl's `-o json` spelling for the fields we read: every value a string, absent
    /// fields left out. For a component with a declared `log_format`, PRIORITY is the judged
    /// one and JOURNAL_PRIORITY what journald stored (not a journal field: tradectl's own).
    static func json(_ entry: LogEntry) -> String {
        var pairs = [("__REALTIME_TIMESTAMP", String(entry.realtime))]
        let optional: [(String, String?)] = [
            ("PRIORITY", entry.priority), ("JOURNAL_PRIORITY", entry.journalPriority), ("_SYSTEMD_UNIT", entry.unit),
            ("MESSAGE", entry.message),
            ("_PID", entry.pid), ("SYSLOG_IDENTIFIER", entry.identifier), ("_HOSTNAME", entry.hostname),
            ("TRADECTL_LOG_FILE", entry.file),
        ]
        for (key, value) in optional { if let value { pairs.append((key, value)) } }
        return "{" + pairs.map { "\"" + $0.0 + "\":" + jsonString($0.1) }.joined(separator: ",") + "}"
    }

    static func withoutServiceSuffix(_ unit: String) -> String {
        guard unit.hasSuffix(".service") else { return unit }
        return String(decoding: unit.utf8.dropLast(8), as: UTF8.self)
    }

    /// A JSON string literal; most messages need no escaping and are copied whole.
    static func jsonString(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// `--grep`: a regular expression over MESSAGE, case-insensitive when the pattern has no
/// upper-case letter (journalctl's "smart case"), so `--grep order` also finds "Order".
public struct MessageMatcher {
    private let regex: NSRegularExpression

    public init(pattern: String) throws {
        let caseless = !pattern.contains { $0.isUppercase }
        regex = try NSRegularExpression(pattern: pattern, options: caseless ? [.caseInsensitive] : [])
    }

    public func matches(_ message: String) -> Bool {
        regex.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) != nil
    }
}
