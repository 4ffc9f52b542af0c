import Foundation

/// The instants a systemd `OnCalendar=` spec fires at, for the forms tradectl's schedules use:
/// `[WEEKDAYS] [YYYY-MM-DD] HH:MM[:SS] [TIMEZONE]` with `*`, lists (`9,12`), ranges (`9..16`)
/// and repetitions (`0/15`, `*/2`) in each field, and the shorthands `minutely`, `hourly`,
/// `daily`, `weekly`, `monthly`, `yearly`. Anything else is nil: `config check` then says
/// nothing about it rather than guess (systemd's own `systemd-analyze calendar` is the authority).
struct CalendarTimes: Sendable, Equatable {
    /// ISO weekdays (1 = Monday … 7 = Sunday); all seven when the spec names none.
    var weekdays: Set<Int>
    /// nil: any.
    var years: Set<Int>?
    var months: Set<Int>?
    var days: Set<Int>?
    var hours: Set<Int>
    var minutes: Set<Int>
    /// The spec's own zone, else the host's.
    var timeZone: TimeZone

    init?(_ spec: String, hostZone: TimeZone = .current) {
        var words = spec.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var zone = hostZone
        if let last = words.last, words.count > 1, let named = TimeZone(identifier: last) {
            zone = named
            words.removeLast()
        }
        switch words.first?.lowercased() {
        case "minutely": words = ["*-*-*", "*:*:00"]
        case "hourly": words = ["*-*-*", "*:00:00"]
        case "daily": words = ["*-*-*", "00:00:00"]
        case "weekly": words = ["Mon", "*-*-*", "00:00:00"]
        case "monthly": words = ["*-*-01", "00:00:00"]
        case "yearly", "annually": words = ["*-01-01", "00:00:00"]
        default: break
        }
        guard (1...3).contains(words.count), let time = words.last, time.contains(":") else { return nil }
        var weekdays = Set(1...7)
        var rest = words.dropLast()
        if let first = rest.first, first.first?.isLetter == true {
            guard let days = Self.weekdays(first) else { return nil }
            weekdays = days
            rest = rest.dropFirst()
        }
        if let date = rest.first {
            let parts = date.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard rest.count == 1, parts.count == 3 else { return nil }
            guard let years = Self.field(parts[0], 1970...2999), let months = Self.field(parts[1], 1...12),
                let days = Self.field(parts[2], 1...31)
            else { return nil }
            self.years = parts[0] == "*" ? nil : years
            self.months = parts[1] == "*" ? nil : months
            self.days = parts[2] == "*" ? nil : days
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(clock.count), let hours = Self.field(clock[0], 0...23),
            let minutes = Self.field(clock[1], 0...59)
        else { return nil }
        self.weekdays = weekdays
        self.hours = hours
        self.minutes = minutes
        timeZone = zone
    }

    /// The instants it fires at from `start` for `days` days (to the minute; seconds ignored).
    func instants(from start: Date, days count: Int) -> [Date] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var result: [Date] = []
        let first = LocalDay(start, in: timeZone)
        for offset in 0..<count {
            let day = first.adding(offset)
            guard weekdays.contains(day.weekday), years?.contains(day.year) ?? true,
                months?.contains(day.month) ?? true, days?.contains(day.day) ?? true
            else { continue }
            for hour in hours.sorted() {
                for minute in minutes.sorted() {
                    let parts = DateComponents(
                        year: day.year, month: day.month, day: day.day, hour: hour, minute: minute)
                    if let date = calendar.date(from: parts) { result.append(date) }
                }
            }
        }
        return result
    }

    /// `Mon..Fri`, `Sat,Sun`, `Monday`: ISO weekdays.
    static func weekdays(_ text: String) -> Set<Int>? {
        var days: Set<Int> = []
        for item in text.split(separator: ",") {
            let range = item.components(separatedBy: "..")
            guard (1...2).contains(range.count), let first = day(range[0]), let last = day(range[range.count - 1])
            else { return nil }
            var current = first
            while true {
                days.insert(current)
                if current == last { break }
                current = current % 7 + 1
            }
        }
        return days.isEmpty ? nil : days
    }

    private static func day(_ name: String) -> Int? {
        guard name.count >= 3 else { return nil }
        return WeeklySession.day(String(name.prefix(3)))
    }

    /// `*`, `5`, `9..16`, `0/15`, `*/2`, `1,15`: the values in `range`.
    static func field(_ text: String, _ range: ClosedRange<Int>) -> Set<Int>? {
        var values: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(stepParts.count) else { return nil }
            let step = stepParts.count == 2 ? Int(stepParts[1]) : 1
            guard let step, step > 0 else { return nil }
            let base = stepParts[0]
            let low: Int
            let high: Int
            if base == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else {
                let bounds = base.components(separatedBy: "..")
                guard (1...2).contains(bounds.count), let from = Int(bounds[0]), let to = Int(bounds[bounds.count - 1])
                else { return nil }
                // `9..16` a range; `0/15` from 0 to the end by 15; `5` just 5.
                (low, high) = bounds.count == 2 ? (from, to) : (from, stepParts.count == 2 ? range.upperBound : from)
            }
            guard range.contains(low), range.contains(high), low <= high else { return nil }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values.isEmpty ? nil : values
    }
}
