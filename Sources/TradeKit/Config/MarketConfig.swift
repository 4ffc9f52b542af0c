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
    /// Days the sessions close early: `"YYYY-MM-DD HH:MM"` (the new close, in `timezone`).
    public var earlyCloses: [String] = []
    /// `holidays_file`: a shipped calendar (`"us-equities"`) or a file of holidays and early closes,
    /// read when the config is loaded.
    public var holidaysFile: HolidaysFile?
    /// Whether the config has a `[market]` table at all: without one, nothing is market-hours aware
    /// (the keys' defaults describe US equities, and must not gate a project that never asked).
    public var declared = false
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
