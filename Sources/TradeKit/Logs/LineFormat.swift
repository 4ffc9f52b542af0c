import Foundation

/// How a component writes its log lines (`log_format`), so the level it states counts.
///
/// journald stores a program's stdout/stderr at priority info (or what a `<3>` prefix says,
/// with `SyslogLevelPrefix=yes`). A Python engine logging `ERROR:engine:order rejected`
/// through `logging` therefore looks like info to any priority filter; reading the level
/// out of the line is what makes "> 10 errors an hour" mean what the operator thinks.
public enum LineFormat: String, Sendable, Codable, CaseIterable {
    /// No level in the text: the journal's priority stands.
    case plain
    /// Python `logging`: a level name near the start (`ERROR:root:…`, the default
    /// format, or `2026-12-07 10:00:00,123 - engine - ERROR - …`, `[ERROR] …`), and
    /// `Traceback (most recent call last):` as an error.
    case python
    /// One JSON object per line with a level field (`level`, `levelname`, `severity`, `lvl`).
    case json

    /// The syslog priority (0 emerg … 7 debug) the line states, nil when it states none.
    public func statedPriority(of line: String) -> Int? {
        switch self {
        case .plain: return nil
        case .python: return Self.pythonPriority(line)
        case .json: return Self.jsonPriority(line)
        }
    }

    /// The priority to judge a line by: the more severe of what journald recorded and what
    /// the line states (a line never makes an error less severe).
    public func priority(of line: String, recorded: Int?) -> Int {
        let recorded = recorded ?? 6
        guard let stated = statedPriority(of: line) else { return recorded }
        return min(recorded, stated)
    }

    /// Level words and their syslog priorities. Upper case only for `python`: an
    /// `error` inside a message is not a level.
    static let levelWords: [String: Int] = [
        "EMERGENCY": 0, "EMERG": 0, "ALERT": 1, "CRITICAL": 2, "FATAL": 2, "CRIT": 2, "ERROR": 3, "ERR": 3,
        "WARNING": 4, "WARN": 4, "NOTICE": 5, "INFO": 6, "DEBUG": 7, "TRACE": 7,
    ]

    /// A level word where logging formats put it: after nothing but a timestamp, bracketed
    /// or parenthesised fields (`[MainThread]`, `(1234)`), `-`/`|` separators and at most
    /// one logger name (`engine -`, `databento[42]:`, `app.risk`). Upper case, or any case
    /// in brackets (`[error   ]`, structlog's console format). Anything past that prefix is
    /// the message's own words: `INFO:engine:ERROR count 0` is info, `engine: order rejected
    /// ERROR 201` (a `print`) states no level.
    nonisolated(unsafe) private static let pythonLevel =
        #/^\s*(?:\d[\d\-:.,/TZ+]*\s+|\[[^\]]{0,48}\]\s*|\([^)]{0,48}\)\s*|[-|]\s+)*(?:[A-Za-z_][\w.\-]{0,47}(?:\[\d+\])?(?::\s*|\s+)(?:[-|]\s+)?)?(?:(CRITICAL|FATAL|ERROR|WARNING|WARN|NOTICE|INFO|DEBUG)|\[\s*((?i:critical|fatal|error|warning|warn|notice|info|debug))\s*\])(?=$|[\s\]:|,\-)])/#

    static func pythonPriority(_ line: String) -> Int? {
        if line.hasPrefix("Traceback (most recent call last)") { return 3 }
        // The level sits in the prefix logging adds; past it, the words are the message's own.
        let head = line.prefix(120)
        guard let match = head.firstMatch(of: pythonLevel),
            let word = match.output.1 ?? match.output.2
        else { return nil }
        return levelWords[word.uppercased()]
    }

    static func jsonPriority(_ line: String) -> Int? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard trimmed.first == "{", let data = trimmed.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        for key in ["level", "levelname", "severity", "lvl", "log.level", "loglevel"] {
            guard let value = object[key] else { continue }
            if let text = value as? String {
                if let number = Int(text) { return numericPriority(number) }
                return levelWords[text.uppercased()]
            }
            if let number = value as? Int { return numericPriority(number) }
        }
        return nil
    }

    /// 0–7 are syslog priorities; larger numbers are Python's (10 debug … 50 critical).
    static func numericPriority(_ number: Int) -> Int? {
        if (0...7).contains(number) { return number }
        switch number {
        case 50...: return 2
        case 40..<50: return 3
        case 30..<40: return 4
        case 20..<30: return 6
        case 1..<20: return 7
        default: return nil
        }
    }
}
