import Foundation

/// `[market]`: when the market the project trades is open. Alert routes use it (page only
/// while trading, or only outside), and so will every market-hours-aware operation.
public struct MarketConfig: Sendable, Equatable {
    /// IANA time zone the sessions, holidays and quiet hours are written in.
    public var timezone: String = ""
    /// Weekly sessions, e.g. `"Mon..Fri 09:30-16:00"`.
    public var sessions: [String] = []
    /// Dates (`YYYY-MM-DD`, in `timezone`) the market is closed all day.
    public var holidays: [String] = []
}

/// A daily span of wall-clock time, `"22:00-07:00"`; one that ends before it starts crosses midnight.
public struct DailyWindow: Sendable, Equatable {
    /// Minutes after midnight.
    public var start: Int
    public var end: Int

    /// nil for anything but `HH:MM-HH:MM` (24-hour clock, start ≠ end).
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]), start != end
        else { return nil }
        self.start = start
        self.end = end
    }

    /// Whether `minute` (after midnight) falls in the window.
    public func contains(minute: Int) -> Bool {
        start < end ? (start..<end).contains(minute) : minute >= start || minute < end
    }

    /// `HH:MM` → minutes after midnight; `24:00` is the end of the day.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]),
            let minute = Int(parts[1]), (0...24).contains(hour), (0...59).contains(minute),
            hour < 24 || minute == 0
        else { return nil }
        return hour * 60 + minute
    }
}

/// One weekly session: days of the week and a daily window (`"Mon..Fri 09:30-16:00"`). A
/// window crossing midnight belongs to the day it starts on.
public struct WeeklySession: Sendable, Equatable {
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    public var days: Set<Int>
    public var window: DailyWindow

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// `DAYS HH:MM-HH:MM` where DAYS is `Mon`, `Mon..Fri`, `Mon,Wed,Fri` or a mix; nil otherwise.
    public init?(parsing text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, let window = DailyWindow(parsing: String(words[1])) else { return nil }
        var days: Set<Int> = []
        for item in words[0].split(separator: ",", omittingEmptySubsequences: false) {
            let range = item.components(separatedBy: "..")
            guard (1...2).contains(range.count), let first = Self.day(range[0]), let last = Self.day(range.last ?? "")
            else { return nil }
            var day = first
            while true {
                days.insert(day)
                if day == last { break }
                day = day % 7 + 1
            }
        }
        self.days = days
        self.window = window
    }

    static func day(_ name: String) -> Int? {
        dayNames.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }
}

/// `[market]` made usable: is the market open at an instant, what is the local time of day.
public struct TradingCalendar: Sendable {
    public let timeZone: TimeZone
    public let sessions: [WeeklySession]
    public let holidays: Set<String>

    /// nil when the config has a value that does not parse (`config check` reports which).
    public init?(_ market: MarketConfig) {
        guard let zone = TimeZone(identifier: market.timezone) else { return nil }
        let sessions = market.sessions.compactMap(WeeklySession.init(parsing:))
        guard sessions.count == market.sessions.count, market.holidays.allSatisfy(Self.isDate) else { return nil }
        timeZone = zone
        self.sessions = sessions
        holidays = Set(market.holidays)
    }

    /// Whether a session is running at `date` (a session that started the day before and
    /// crosses midnight counts; a holiday closes the sessions that start on it).
    public func isOpen(at date: Date) -> Bool {
        let (day, minute, dateText) = local(date)
        for session in sessions {
            let window = session.window
            if window.start < window.end {
                if session.days.contains(day), !holidays.contains(dateText), window.contains(minute: minute) {
                    return true
                }
            } else {
                // Crossing midnight: the evening part today, the morning part from yesterday's start.
                if session.days.contains(day), !holidays.contains(dateText), minute >= window.start { return true }
                let yesterday = date.addingTimeInterval(-86_400)
                let (previousDay, _, previousText) = local(yesterday)
                if session.days.contains(previousDay), !holidays.contains(previousText), minute < window.end {
                    return true
                }
            }
        }
        return false
    }

    /// Minutes after local midnight at `date`.
    public func minuteOfDay(_ date: Date) -> Int { local(date).minute }

    /// ISO weekday, minute of the day and `YYYY-MM-DD`, all in the market's zone.
    func local(_ date: Date) -> (day: Int, minute: Int, date: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        // Calendar's weekday is 1 = Sunday … 7 = Saturday.
        let weekday = ((parts.weekday ?? 1) + 5) % 7 + 1
        let text = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return (weekday, (parts.hour ?? 0) * 60 + (parts.minute ?? 0), text)
    }

    static func isDate(_ text: String) -> Bool {
        text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil
    }
}
