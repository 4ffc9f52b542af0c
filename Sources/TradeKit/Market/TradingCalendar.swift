import Foundation

/// `[market]` made usable: whether the market is open at an instant, until when, and when it
/// opens next — with holidays (closed all day) and early closes (the day's sessions end sooner).
public struct TradingCalendar: Sendable {
    public let timeZone: TimeZone
    public let sessions: [WeeklySession]
    /// `YYYY-MM-DD` dates closed all day: `holidays`, then those of `holidays_file`.
    public let holidays: Set<String>
    /// Early closes by `YYYY-MM-DD`: the minute after local midnight the market closes that day.
    public let earlyCloses: [String: Int]

    /// nil when the config has a value that does not parse (`config check` reports which).
    public init?(_ market: MarketConfig) {
        guard let zone = TimeZone(identifier: market.timezone) else { return nil }
        let sessions = market.sessions.compactMap(WeeklySession.init(parsing:))
        guard sessions.count == market.sessions.count, market.holidays.allSatisfy(Self.isDate) else { return nil }
        var early: [String: Int] = [:]
        for text in market.earlyCloses {
            guard let close = Self.earlyClose(text) else { return nil }
            early[close.date] = close.minute
        }
        var holidays = Set(market.holidays)
        if let file = market.holidaysFile {
            holidays.formUnion(file.holidays)
            // An inline early close wins over the file's for the same day.
            early.merge(file.earlyCloses) { inline, _ in inline }
        }
        timeZone = zone
        self.sessions = sessions
        self.holidays = holidays
        earlyCloses = early
    }

    /// One session as it runs on a given day: from `open` to `close` (cut short on an early close).
    public struct Span: Sendable, Equatable {
        public var open: Date
        public var close: Date
        /// The close is an early close (`early_closes`, or a line with a time in `holidays_file`).
        public var early: Bool
    }

    /// The market at an instant.
    public enum State: Sendable, Equatable {
        case open(Span)
        /// Closed until `opens`; nil when no session opens in the next two weeks.
        case closed(opens: Date?)

        public var isOpen: Bool {
            if case .open = self { return true }
            return false
        }
    }

    /// Open (in which session, until when) or closed (until when) at `date`.
    public func state(at date: Date) -> State {
        let today = LocalDay(date, in: timeZone)
        for day in [today.adding(-1), today] {
            if let span = spans(on: day).first(where: { $0.open <= date && date < $0.close }) { return .open(span) }
        }
        var day = today
        for _ in 0..<15 {
            if let next = spans(on: day).map(\.open).filter({ $0 > date }).min() { return .closed(opens: next) }
            day = day.adding(1)
        }
        return .closed(opens: nil)
    }

    /// Whether a session is running at `date` (a session that started the day before and
    /// crosses midnight counts; a holiday closes the sessions that start on it).
    public func isOpen(at date: Date) -> Bool { state(at: date).isOpen }

    /// The sessions starting on `day`: none on a holiday; an early close on the day a span
    /// covers ends it there.
    func spans(on day: LocalDay) -> [Span] {
        guard !holidays.contains(day.text) else { return [] }
        return sessions.filter { $0.days.contains(day.weekday) }.compactMap { session in
            let window = session.window
            let end = window.start < window.end ? window.end : window.end + 1440
            guard let open = instant(day, minute: window.start), var close = instant(day, minute: end) else {
                return nil
            }
            var early = false
            for candidate in [day, day.adding(1)] {
                guard let minute = earlyCloses[candidate.text], let cut = instant(candidate, minute: minute),
                    open < cut, cut < close
                else { continue }
                close = cut
                early = true
            }
            return Span(open: open, close: close, early: early)
        }
    }

    /// The instant `minute` minutes after `day`'s local midnight (1440 and more: the next day).
    func instant(_ day: LocalDay, minute: Int) -> Date? {
        let on = minute >= 1440 ? day.adding(minute / 1440) : day
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let minute = minute % 1440
        return calendar.date(
            from: DateComponents(year: on.year, month: on.month, day: on.day, hour: minute / 60, minute: minute % 60))
    }

    /// Minutes after local midnight at `date`.
    public func minuteOfDay(_ date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    static func isDate(_ text: String) -> Bool {
        text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil && LocalDay(parsing: text) != nil
    }

    /// `"YYYY-MM-DD HH:MM"` → the date and the close's minute after midnight.
    static func earlyClose(_ text: String) -> (date: String, minute: Int)? {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count == 2, isDate(words[0]), let minute = DailyWindow.minutes(words[1]), minute < 1440 else {
            return nil
        }
        return (words[0], minute)
    }
}

/// A calendar day in the market's zone, with its ISO weekday (1 = Monday … 7 = Sunday).
struct LocalDay: Sendable, Equatable {
    var year: Int
    var month: Int
    var day: Int
    var weekday: Int

    /// The day `date` falls on in `zone`.
    init(_ date: Date, in zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        self.init(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
        // Calendar's weekday is 1 = Sunday … 7 = Saturday; computed at noon UTC of the day.
        let noon = Self.utc.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) ?? Date()
        weekday = (Self.utc.component(.weekday, from: noon) + 5) % 7 + 1
    }

    /// A real date written `YYYY-MM-DD` (not 2026-02-30); nil otherwise.
    init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard parts.count == 3, (1900...2999).contains(parts[0]), (1...12).contains(parts[1]),
            let noon = Self.utc.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12)),
            Self.utc.component(.day, from: noon) == parts[2]
        else { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2])
    }

    var text: String { String(format: "%04d-%02d-%02d", year, month, day) }

    func adding(_ days: Int) -> LocalDay {
        let noon = Self.utc.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) ?? Date()
        let moved = noon.addingTimeInterval(TimeInterval(days) * 86_400)
        let parts = Self.utc.dateComponents([.year, .month, .day], from: moved)
        return LocalDay(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()
}

extension TradingCalendar {
    /// `16:00`: the local time of `date` in the market's zone.
    public func clock(_ date: Date) -> String { format(date, "HH:mm") }

    /// `Mon 09:30`, or `Mon 2026-12-28 09:30` when it is a week or more away from `now`.
    public func dayAndClock(_ date: Date, from now: Date) -> String {
        format(date, date.timeIntervalSince(now) >= 6 * 86_400 ? "EEE yyyy-MM-dd HH:mm" : "EEE HH:mm")
    }

    /// `2h13m`, `45m`, `1d17h`, `30s`: a time left, to the minute.
    public static func remaining(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds.rounded(.up)))
        if total < 60 { return "\(total)s" }
        let minutes = (total + 59) / 60
        let (days, hours, rest) = (minutes / 1440, minutes % 1440 / 60, minutes % 60)
        if days > 0 { return hours > 0 ? "\(days)d\(hours)h" : "\(days)d" }
        if hours > 0 { return rest > 0 ? "\(hours)h\(rest)m" : "\(hours)h" }
        return "\(rest)m"
    }

    /// `open, closes in 2h13m (16:00 America/New_York)` or
    /// `closed until Mon 09:30 America/New_York (in 2d17h)`.
    public func describe(at now: Date) -> String {
        let zone = timeZone.identifier
        switch state(at: now) {
        case .open(let span):
            let early = span.early ? "early close " : ""
            return "open, closes in \(Self.remaining(span.close.timeIntervalSince(now))) "
                + "(\(early)\(clock(span.close)) \(zone))"
        case .closed(let opens?):
            return "closed until \(dayAndClock(opens, from: now)) \(zone) "
                + "(in \(Self.remaining(opens.timeIntervalSince(now))))"
        case .closed(nil):
            return "closed: no session in the next two weeks"
        }
    }

    private func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
