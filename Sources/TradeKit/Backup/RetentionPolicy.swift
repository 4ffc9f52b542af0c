import Foundation

/// Which backup archives to keep, using the rules of restic's `forget --keep-*`
/// options, so operators can reason about our retention with restic's docs.
///
/// - The rules are ORed: an archive is kept when any rule wants it, and every rule
///   that wanted it is listed as a reason.
/// - `keepLast n` keeps the n newest archives.
/// - `keepHourly/Daily/Weekly/Monthly/Yearly n` keep the newest archive of each of the
///   last n calendar periods that hold an archive. A period without an archive does
///   not count, so a gap in backups never uses up the quota. Periods are calendar
///   hours, days, ISO weeks (Monday to Sunday), months and years in the calendar's time
///   zone, not spans counted back from the time of the run.
/// - `keepWithin d` keeps every archive taken less than d before the newest archive,
///   not before the current time, so a host that stopped backing up does not lose its
///   history to this rule. (restic also ignores archives dated in the future when it
///   picks the newest one; this code has no clock, so the caller must drop those.)
///   Unlike restic's `1y2m` durations, d is a plain number of seconds.
/// - A count of 0 (or less) and a `keepWithin` of nil (or 0 or less) turn a rule off.
///   restic refuses an empty policy; here an empty policy keeps everything, so a
///   missing setting can never delete backups.
public struct RetentionPolicy: Sendable, Equatable {
    public var keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly: Int
    /// Seconds before the newest archive; nil turns the rule off.
    public var keepWithin: TimeInterval?

    public init(
        keepLast: Int = 0, keepHourly: Int = 0, keepDaily: Int = 0, keepWeekly: Int = 0,
        keepMonthly: Int = 0, keepYearly: Int = 0, keepWithin: TimeInterval? = nil
    ) {
        self.keepLast = keepLast
        self.keepHourly = keepHourly
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepMonthly = keepMonthly
        self.keepYearly = keepYearly
        self.keepWithin = keepWithin
    }

    /// True when no rule is on; `apply` then keeps every archive.
    public var isEmpty: Bool {
        [keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly].allSatisfy { $0 <= 0 }
            && (keepWithin ?? 0) <= 0
    }
}

/// The outcome of applying a `RetentionPolicy`: every input id is in exactly one of
/// `keep` and `remove` (ids are assumed to be unique).
public struct RetentionDecision<ID: Hashable & Sendable>: Sendable, Equatable {
    /// Kept ids with every reason they were kept, e.g. ["last snapshot", "daily snapshot"].
    public var keep: [ID: [String]]
    /// Ids to delete, newest first.
    public var remove: [ID]

    public init(keep: [ID: [String]] = [:], remove: [ID] = []) {
        self.keep = keep
        self.remove = remove
    }
}

extension RetentionPolicy {
    /// Decides which archives to keep.
    ///
    /// - Parameters:
    ///   - snapshots: the archives as (id, time), in any order; ties on time keep the
    ///     input order, the earlier one counting as newer.
    ///   - protected: ids never removed (the newest verified archive, one a restore is
    ///     using). They are kept with the reason "protected" after any rule reasons, and
    ///     like restic's `--keep-tag` they do not use up any rule's count.
    ///   - calendar: the calendar and time zone that define hours, days, weeks, months
    ///     and years. Its week settings are replaced by ISO ones, as in restic.
    public func apply<ID>(
        _ snapshots: [(id: ID, time: Date)], protected: Set<ID> = [], calendar: Calendar
    ) -> RetentionDecision<ID> {
        let sorted = snapshots.enumerated().sorted {
            $0.element.time != $1.element.time ? $0.element.time > $1.element.time : $0.offset < $1.offset
        }.map(\.element)
        var decision = RetentionDecision<ID>()
        guard !isEmpty else {
            for snapshot in sorted {
                decision.keep[snapshot.id] =
                    ["no retention policy"] + (protected.contains(snapshot.id) ? ["protected"] : [])
            }
            return decision
        }
        let iso: Calendar = {
            var iso = calendar
            iso.firstWeekday = 2  // Monday
            iso.minimumDaysInFirstWeek = 4  // week 1 holds the year's first Thursday
            return iso
        }()
        func period(_ components: Set<Calendar.Component>) -> (Int, Date) -> [Int?] {
            { _, time in
                let c = iso.dateComponents(components, from: time)
                return [c.era, c.year, c.yearForWeekOfYear, c.weekOfYear, c.month, c.day, c.hour]
            }
        }
        // One counter per count rule, as in restic: walking from newest to oldest, an
        // archive whose period differs from the last kept one for that rule opens a new
        // period, so it is the newest of that period and uses one of the rule's counts.
        var rules: [(left: Int, reason: String, period: (Int, Date) -> [Int?], last: [Int?]?)] = [
            (keepLast, "last snapshot", { index, _ in [index] }, nil),
            (keepHourly, "hourly snapshot", period([.era, .year, .month, .day, .hour]), nil),
            (keepDaily, "daily snapshot", period([.era, .year, .month, .day]), nil),
            (keepWeekly, "weekly snapshot", period([.yearForWeekOfYear, .weekOfYear]), nil),
            (keepMonthly, "monthly snapshot", period([.era, .year, .month]), nil),
            (keepYearly, "yearly snapshot", period([.era, .year]), nil),
        ]
        let within = (keepWithin ?? 0) > 0 ? keepWithin : nil
        let newest = sorted.first?.time ?? .distantPast
        for (index, snapshot) in sorted.enumerated() {
            var reasons: [String] = []
            // Strictly after the cutoff, like restic's `Time.After`.
            if let within, snapshot.time > newest.addingTimeInterval(-within) {
                reasons.append("within \(Self.durationLabel(within))")
            }
            for i in rules.indices where rules[i].left > 0 {
                let key = rules[i].period(index, snapshot.time)
                if key != rules[i].last {
                    rules[i].last = key
                    rules[i].left -= 1
                    reasons.append(rules[i].reason)
                }
            }
            if protected.contains(snapshot.id) { reasons.append("protected") }
            if reasons.isEmpty {
                decision.remove.append(snapshot.id)
            } else {
                decision.keep[snapshot.id, default: []] += reasons
            }
        }
        return decision
    }

    /// restic-style label for a duration, e.g. 172800 → "2d", 129600 → "1d12h".
    static func durationLabel(_ seconds: TimeInterval) -> String {
        var rest = Int(seconds.rounded())
        var label = ""
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)] where rest >= size {
            label += "\(rest / size)\(unit)"
            rest %= size
        }
        return label.isEmpty ? "0s" : label
    }
}
