import Foundation
import Testing

@testable import TradeKit

/// Retention follows restic's `forget --keep-*` rules. Expected outcomes come from
/// restic's documentation ("Removing backup snapshots", doc/060_forget.rst), from the
/// golden files of restic's own policy test (internal/restic/snapshot_policy_test.go,
/// testdata/policy_keep_snapshots_N), and from hand-worked cases for each rule.
/// Every test uses a fixed UTC calendar so results never depend on the machine's zone.
@Suite("Retention policy (restic forget semantics)")
struct RetentionPolicyTests {
    // MARK: restic docs: one backup every Sunday for 12 weeks

    /// The snapshot list of the docs' "simple example", oldest first.
    static let sundays: [(id: String, time: Date)] = [
        ("0a1f9759", "2019-09-01 11:00:00"), ("46cfe4d5", "2019-09-08 11:00:00"),
        ("f6b1f037", "2019-09-15 11:00:00"), ("eb430a5d", "2019-09-22 11:00:00"),
        ("8cf1cb9a", "2019-09-29 11:00:00"), ("5d33b116", "2019-10-06 11:00:00"),
        ("b9553125", "2019-10-13 11:00:00"), ("e1a7b58b", "2019-10-20 11:00:00"),
        ("8f8018c0", "2019-10-27 11:00:00"), ("59403279", "2019-11-03 11:00:00"),
        ("dfee9fb4", "2019-11-10 11:00:00"), ("e1ae2f40", "2019-11-17 11:00:00"),
    ].map { (id: $0.0, time: utcDate($0.1)) }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var policy: RetentionPolicy
        var keep: [String: [String]]
        var testDescription: String { name }
    }

    static let docsCases: [Case] = [
        // Documented output: `forget --keep-daily 4` keeps the last four Sundays.
        Case(
            name: "docs: --keep-daily 4", policy: .init(keepDaily: 4),
            keep: [
                "8f8018c0": ["daily snapshot"], "59403279": ["daily snapshot"],
                "dfee9fb4": ["daily snapshot"], "e1ae2f40": ["daily snapshot"],
            ]),
        Case(
            name: "--keep-last 3", policy: .init(keepLast: 3),
            keep: [
                "59403279": ["last snapshot"], "dfee9fb4": ["last snapshot"], "e1ae2f40": ["last snapshot"],
            ]),
        // Each Sunday ends its own ISO week (Monday to Sunday).
        Case(
            name: "--keep-weekly 4", policy: .init(keepWeekly: 4),
            keep: [
                "8f8018c0": ["weekly snapshot"], "59403279": ["weekly snapshot"],
                "dfee9fb4": ["weekly snapshot"], "e1ae2f40": ["weekly snapshot"],
            ]),
        // The newest Sunday of November, October and September.
        Case(
            name: "--keep-monthly 3", policy: .init(keepMonthly: 3),
            keep: [
                "e1ae2f40": ["monthly snapshot"], "8f8018c0": ["monthly snapshot"], "8cf1cb9a": ["monthly snapshot"],
            ]),
        Case(name: "--keep-yearly 1", policy: .init(keepYearly: 1), keep: ["e1ae2f40": ["yearly snapshot"]]),
        // Within is measured from the newest snapshot (2019), not from today.
        Case(name: "--keep-within 2d", policy: .init(keepWithin: 2 * day), keep: ["e1ae2f40": ["within 2d"]]),
        // 2019-11-03 11:00 is exactly 14 days before the newest: not within (strict, as restic's After).
        Case(
            name: "--keep-within 14d", policy: .init(keepWithin: 14 * day),
            keep: [
                "e1ae2f40": ["within 14d"], "dfee9fb4": ["within 14d"],
            ]),
        Case(name: "--keep-within 36h", policy: .init(keepWithin: 36 * hour), keep: ["e1ae2f40": ["within 1d12h"]]),
        // Rules are ORed and each kept snapshot lists every rule that wanted it.
        Case(
            name: "--keep-last 1 --keep-monthly 3", policy: .init(keepLast: 1, keepMonthly: 3),
            keep: [
                "e1ae2f40": ["last snapshot", "monthly snapshot"],
                "8f8018c0": ["monthly snapshot"], "8cf1cb9a": ["monthly snapshot"],
            ]),
        Case(
            name: "--keep-daily 2 --keep-within 21d", policy: .init(keepDaily: 2, keepWithin: 21 * day),
            keep: [
                "e1ae2f40": ["within 21d", "daily snapshot"], "dfee9fb4": ["within 21d", "daily snapshot"],
                "59403279": ["within 21d"],
            ]),
        // The docs' long-term policy on this short history: only three months and one year exist.
        Case(
            name: "--keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75",
            policy: .init(keepDaily: 7, keepWeekly: 5, keepMonthly: 12, keepYearly: 75),
            keep: [
                "e1ae2f40": ["daily snapshot", "weekly snapshot", "monthly snapshot", "yearly snapshot"],
                "dfee9fb4": ["daily snapshot", "weekly snapshot"], "59403279": ["daily snapshot", "weekly snapshot"],
                "8f8018c0": ["daily snapshot", "weekly snapshot", "monthly snapshot"],
                "e1a7b58b": ["daily snapshot", "weekly snapshot"],
                "b9553125": ["daily snapshot"], "5d33b116": ["daily snapshot"], "8cf1cb9a": ["monthly snapshot"],
            ]
        ),
    ]

    @Test("restic docs: twelve Sundays", arguments: docsCases)
    func docsExample(_ c: Case) {
        let decision = c.policy.apply(Self.sundays, calendar: utc)
        #expect(decision.keep == c.keep)
        // Everything else is removed, newest first.
        #expect(decision.remove == Self.sundays.reversed().map(\.id).filter { c.keep[$0] == nil })
    }

    @Test("restic docs: --keep-daily 4 removes exactly the documented eight")
    func docsRemoveList() {
        let decision = RetentionPolicy(keepDaily: 4).apply(Self.sundays, calendar: utc)
        #expect(
            decision.remove == [
                "e1a7b58b", "b9553125", "5d33b116", "8cf1cb9a", "eb430a5d", "f6b1f037", "46cfe4d5", "0a1f9759",
            ])
    }

    /// Docs: "suppose you make one backup every day for 100 years" with
    /// `--keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75`: 7 dailies, of
    /// which one is also a weekly so 4 more weeklies, then the month and year ends.
    @Test("restic docs: a daily backup for 100 years")
    func hundredYears() {
        // 1924-11-18 … 2024-11-17, a Sunday, so the 7 dailies are exactly one ISO week.
        let end = utcDate("2024-11-17 11:00:00")
        let count = 36_525
        let snapshots = (0..<count).map { (id: $0, time: end.addingTimeInterval(-Double(count - 1 - $0) * day)) }
        let decision = RetentionPolicy(keepDaily: 7, keepWeekly: 5, keepMonthly: 12, keepYearly: 75)
            .apply(snapshots, calendar: utc)
        let reasons = decision.keep.values
        func kept(_ reason: String) -> Int { reasons.filter { $0.contains(reason) }.count }
        #expect(kept("daily snapshot") == 7)
        #expect(kept("weekly snapshot") == 5)
        #expect(reasons.filter { $0 == ["weekly snapshot"] }.count == 4)
        #expect(kept("monthly snapshot") == 12)
        #expect(kept("yearly snapshot") == 75)
        // November 2024 is a daily and December 2023 is both a month and a year end,
        // so 7 + 4 + 11 month ends + 73 year ends (1950 … 2022).
        #expect(decision.keep.count == 95)
        #expect(decision.keep.count + decision.remove.count == count)
        #expect(
            decision.keep[count - 1] == ["daily snapshot", "weekly snapshot", "monthly snapshot", "yearly snapshot"])
    }

    // MARK: restic's own test data and golden files

    /// restic's testExpireSnapshots (UTC), in restic's (unsorted) order.
    static let resticTimes: [String] = [
        "2014-09-01 10:20:30", "2014-09-02 10:20:30", "2014-09-05 10:20:30", "2014-09-06 10:20:30",
        "2014-09-08 10:20:30", "2014-09-09 10:20:30", "2014-09-10 10:20:30", "2014-09-11 10:20:30",
        "2014-09-20 10:20:30", "2014-09-22 10:20:30", "2014-08-08 10:20:30", "2014-08-10 10:20:30",
        "2014-08-12 10:20:30", "2014-08-13 10:20:30", "2014-08-13 10:20:30.1", "2014-08-15 10:20:30",
        "2014-08-18 10:20:30", "2014-08-20 10:20:30", "2014-08-21 10:20:30", "2014-08-22 10:20:30",
        "2014-10-01 10:20:30", "2014-10-02 10:20:30", "2014-10-05 10:20:30", "2014-10-06 10:20:30",
        "2014-10-08 10:20:30", "2014-10-09 10:20:30", "2014-10-10 10:20:30", "2014-10-11 10:20:30",
        "2014-10-20 10:20:30", "2014-10-22 10:20:30", "2014-11-08 10:20:30", "2014-11-10 10:20:30",
        "2014-11-12 10:20:30", "2014-11-13 10:20:30", "2014-11-13 10:20:30.1", "2014-11-15 10:20:30",
        "2014-11-18 10:20:30", "2014-11-20 10:20:30", "2014-11-21 10:20:30", "2014-11-22 10:20:30",
        "2015-09-01 10:20:30", "2015-09-02 10:20:30", "2015-09-05 10:20:30", "2015-09-06 10:20:30",
        "2015-09-08 10:20:30", "2015-09-09 10:20:30", "2015-09-10 10:20:30", "2015-09-11 10:20:30",
        "2015-09-20 10:20:30", "2015-09-22 10:20:30", "2015-08-08 10:20:30", "2015-08-10 10:20:30",
        "2015-08-12 10:20:30", "2015-08-13 10:20:30", "2015-08-13 10:20:30.1", "2015-08-15 10:20:30",
        "2015-08-18 10:20:30", "2015-08-20 10:20:30", "2015-08-21 10:20:30", "2015-08-22 10:20:30",
        "2015-10-01 10:20:30", "2015-10-02 10:20:30", "2015-10-05 10:20:30", "2015-10-06 10:20:30",
        "2015-10-08 10:20:30", "2015-10-09 10:20:30", "2015-10-10 10:20:30", "2015-10-11 10:20:30",
        "2015-10-20 10:20:30", "2015-10-22 10:20:30", "2015-10-22 10:20:30", "2015-10-22 10:20:30",
        "2015-10-22 10:20:30", "2015-10-22 10:20:30", "2015-11-08 10:20:30", "2015-11-10 10:20:30",
        "2015-11-12 10:20:30", "2015-11-13 10:20:30", "2015-11-13 10:20:30.1", "2015-11-15 10:20:30",
        "2015-11-18 10:20:30", "2015-11-20 10:20:30", "2015-11-21 10:20:30", "2015-11-22 10:20:30",
        "2016-01-01 01:02:03", "2016-01-01 01:03:03", "2016-01-01 07:08:03", "2016-01-03 07:02:03",
        "2016-01-04 10:23:03", "2016-01-04 11:23:03", "2016-01-04 12:23:03", "2016-01-04 12:24:03",
        "2016-01-04 12:28:03", "2016-01-04 12:30:03", "2016-01-04 16:23:03", "2016-01-05 09:02:03",
        "2016-01-06 08:02:03", "2016-01-07 10:02:03", "2016-01-08 20:02:03", "2016-01-09 21:02:03",
        "2016-01-12 21:02:03", "2016-01-12 21:08:03", "2016-01-18 12:02:03",
    ]

    static let goldenCases: [Case] = [
        Case(
            name: "golden 6: daily 3", policy: .init(keepDaily: 3),
            keep: [
                "2016-01-18 12:02:03": ["daily snapshot"], "2016-01-12 21:08:03": ["daily snapshot"],
                "2016-01-09 21:02:03": ["daily snapshot"],
            ]),
        Case(
            name: "golden 9: last 5, daily 5", policy: .init(keepLast: 5, keepDaily: 5),
            keep: [
                "2016-01-18 12:02:03": ["last snapshot", "daily snapshot"],
                "2016-01-12 21:08:03": ["last snapshot", "daily snapshot"],
                "2016-01-12 21:02:03": ["last snapshot"],
                "2016-01-09 21:02:03": ["last snapshot", "daily snapshot"],
                "2016-01-08 20:02:03": ["last snapshot", "daily snapshot"],
                "2016-01-07 10:02:03": ["daily snapshot"],
            ]),
        Case(
            name: "golden 10: last 2, daily 10", policy: .init(keepLast: 2, keepDaily: 10),
            keep: [
                "2016-01-18 12:02:03": ["last snapshot", "daily snapshot"],
                "2016-01-12 21:08:03": ["last snapshot", "daily snapshot"],
                "2016-01-09 21:02:03": ["daily snapshot"], "2016-01-08 20:02:03": ["daily snapshot"],
                "2016-01-07 10:02:03": ["daily snapshot"], "2016-01-06 08:02:03": ["daily snapshot"],
                "2016-01-05 09:02:03": ["daily snapshot"], "2016-01-04 16:23:03": ["daily snapshot"],
                "2016-01-03 07:02:03": ["daily snapshot"], "2016-01-01 07:08:03": ["daily snapshot"],
            ]),
        Case(
            name: "golden 11: weekly 2", policy: .init(keepWeekly: 2),
            keep: [
                "2016-01-18 12:02:03": ["weekly snapshot"], "2016-01-12 21:08:03": ["weekly snapshot"],
            ]),
        Case(
            name: "golden 12: weekly 4", policy: .init(keepWeekly: 4),
            keep: [
                "2016-01-18 12:02:03": ["weekly snapshot"], "2016-01-12 21:08:03": ["weekly snapshot"],
                "2016-01-09 21:02:03": ["weekly snapshot"], "2016-01-03 07:02:03": ["weekly snapshot"],
            ]),
        Case(
            name: "golden 13: daily 3, weekly 4", policy: .init(keepDaily: 3, keepWeekly: 4),
            keep: [
                "2016-01-18 12:02:03": ["daily snapshot", "weekly snapshot"],
                "2016-01-12 21:08:03": ["daily snapshot", "weekly snapshot"],
                "2016-01-09 21:02:03": ["daily snapshot", "weekly snapshot"],
                "2016-01-03 07:02:03": ["weekly snapshot"],
            ]),
        Case(
            name: "golden 16: yearly 10", policy: .init(keepYearly: 10),
            keep: [
                "2016-01-18 12:02:03": ["yearly snapshot"], "2015-11-22 10:20:30": ["yearly snapshot"],
                "2014-11-22 10:20:30": ["yearly snapshot"],
            ]),
        Case(
            name: "golden 17: daily 7, weekly 2, monthly 3, yearly 10",
            policy: .init(keepDaily: 7, keepWeekly: 2, keepMonthly: 3, keepYearly: 10),
            keep: [
                "2016-01-18 12:02:03": ["daily snapshot", "weekly snapshot", "monthly snapshot", "yearly snapshot"],
                "2016-01-12 21:08:03": ["daily snapshot", "weekly snapshot"],
                "2016-01-09 21:02:03": ["daily snapshot"], "2016-01-08 20:02:03": ["daily snapshot"],
                "2016-01-07 10:02:03": ["daily snapshot"], "2016-01-06 08:02:03": ["daily snapshot"],
                "2016-01-05 09:02:03": ["daily snapshot"],
                "2015-11-22 10:20:30": ["monthly snapshot", "yearly snapshot"],
                "2015-10-22 10:20:30": ["monthly snapshot"],
                "2014-11-22 10:20:30": ["yearly snapshot"],
            ]
        ),
        Case(
            name: "golden 21: within 1d", policy: .init(keepWithin: day), keep: ["2016-01-18 12:02:03": ["within 1d"]]),
        Case(
            name: "golden 23: within 7d", policy: .init(keepWithin: 7 * day),
            keep: [
                "2016-01-18 12:02:03": ["within 7d"], "2016-01-12 21:08:03": ["within 7d"],
                "2016-01-12 21:02:03": ["within 7d"],
            ]),
    ]

    @Test("restic golden files", arguments: goldenCases)
    func golden(_ c: Case) {
        let snapshots = Self.resticTimes.enumerated().map { (id: $0.offset, time: utcDate($0.element)) }
        let decision = c.policy.apply(snapshots, calendar: utc)
        let byTime = Dictionary(
            decision.keep.map { (Self.resticTimes[$0.key], $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(decision.keep.count == c.keep.count)
        #expect(byTime == c.keep)
        #expect(decision.remove.count == snapshots.count - c.keep.count)
        let removedTimes = decision.remove.map { snapshots[$0].time }
        #expect(removedTimes == removedTimes.sorted(by: >), "remove is newest first")
    }

    // MARK: rule details

    @Test("periods without a snapshot do not use up the count")
    func emptyPeriodsNotCounted() {
        let hourly: [(id: String, time: Date)] = [
            ("10:05", "2024-03-04 10:05:00"), ("10:40", "2024-03-04 10:40:00"),
            ("13:00", "2024-03-04 13:00:00"), ("17:30", "2024-03-04 17:30:00"),
        ].map { (id: $0.0, time: utcDate($0.1)) }
        let h = RetentionPolicy(keepHourly: 3).apply(hourly, calendar: utc)
        #expect(h.keep == ["17:30": ["hourly snapshot"], "13:00": ["hourly snapshot"], "10:40": ["hourly snapshot"]])
        #expect(h.remove == ["10:05"])

        // restic forum example: nothing on May 3rd, two on May 2nd.
        let may: [(id: String, time: Date)] = [
            ("a1", "2023-05-01 08:00:00"), ("a2", "2023-05-02 08:00:00"), ("a3", "2023-05-02 11:00:00"),
            ("a4", "2023-05-04 09:00:00"), ("a5", "2023-05-05 10:00:00"),
        ].map { (id: $0.0, time: utcDate($0.1)) }
        let d = RetentionPolicy(keepDaily: 4).apply(may, calendar: utc)
        #expect(Set(d.keep.keys) == ["a5", "a4", "a3", "a1"])
        #expect(d.remove == ["a2"])

        let months: [(id: String, time: Date)] = [
            ("jan", "2023-01-15 00:00:00"), ("jun", "2023-06-15 00:00:00"), ("jun-early", "2023-06-01 00:00:00"),
            ("dec", "2023-12-31 23:59:59"),
        ].map { (id: $0.0, time: utcDate($0.1)) }
        let m = RetentionPolicy(keepMonthly: 3).apply(months, calendar: utc)
        #expect(Set(m.keep.keys) == ["dec", "jun", "jan"])
        #expect(m.remove == ["jun-early"])
    }

    @Test("protected ids are never removed and do not use up counts")
    func protectedIDs() {
        let p = RetentionPolicy(keepLast: 2)
        let decision = p.apply(Self.sundays, protected: ["0a1f9759", "e1ae2f40", "not-a-snapshot"], calendar: utc)
        #expect(
            decision.keep == [
                "e1ae2f40": ["last snapshot", "protected"], "dfee9fb4": ["last snapshot"], "0a1f9759": ["protected"],
            ])
        #expect(decision.remove.count == 9)
        #expect(!decision.remove.contains("0a1f9759"))
        // Even a policy that keeps almost nothing never drops a protected archive.
        let within = RetentionPolicy(keepWithin: 1).apply(Self.sundays, protected: ["b9553125"], calendar: utc)
        #expect(within.keep == ["e1ae2f40": ["within 1s"], "b9553125": ["protected"]])
    }

    @Test("an empty policy keeps everything")
    func emptyPolicy() {
        let decision = RetentionPolicy().apply(Self.sundays, protected: ["e1ae2f40"], calendar: utc)
        #expect(decision.remove.isEmpty)
        #expect(decision.keep.count == 12)
        #expect(decision.keep["0a1f9759"] == ["no retention policy"])
        #expect(decision.keep["e1ae2f40"] == ["no retention policy", "protected"])
        #expect(RetentionPolicy().apply([(id: String, time: Date)](), calendar: utc) == RetentionDecision())
        #expect(RetentionPolicy(keepLast: 1).apply([(id: String, time: Date)](), calendar: utc) == RetentionDecision())
    }

    @Test(
        "isEmpty",
        arguments: [
            (RetentionPolicy(), true), (RetentionPolicy(keepWithin: 0), true), (RetentionPolicy(keepDaily: -1), true),
            (RetentionPolicy(keepLast: 1), false), (RetentionPolicy(keepYearly: 1), false),
            (RetentionPolicy(keepWithin: 60), false),
        ])
    func isEmpty(policy: RetentionPolicy, expected: Bool) {
        #expect(policy.isEmpty == expected)
    }

    @Test("the result does not depend on input order")
    func inputOrder() {
        let p = RetentionPolicy(keepLast: 1, keepDaily: 3, keepMonthly: 2, keepWithin: 10 * day)
        let shuffled = Self.sundays.enumerated().sorted { ($0.offset * 7) % 12 < ($1.offset * 7) % 12 }.map(\.element)
        #expect(p.apply(shuffled, calendar: utc) == p.apply(Self.sundays, calendar: utc))
        #expect(p.apply(Self.sundays.reversed(), calendar: utc) == p.apply(Self.sundays, calendar: utc))
        // Only equal times fall back to input order: the earlier one counts as newer.
        let t = utcDate("2015-10-22 10:20:30")
        let tie = RetentionPolicy(keepLast: 1).apply([(id: "first", time: t), (id: "second", time: t)], calendar: utc)
        #expect(tie.keep == ["first": ["last snapshot"]] && tie.remove == ["second"])
    }

    @Test("periods follow the calendar's time zone")
    func timeZone() throws {
        // 23:30 and 00:30 UTC are two UTC days but one day in Berlin (00:30 and 01:30 CET).
        let snapshots: [(id: String, time: Date)] = [
            (id: "late", time: utcDate("2024-01-10 23:30:00")), (id: "early", time: utcDate("2024-01-11 00:30:00")),
        ]
        let p = RetentionPolicy(keepDaily: 5)
        #expect(p.apply(snapshots, calendar: utc).remove.isEmpty)
        var berlin = Calendar(identifier: .gregorian)
        berlin.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(p.apply(snapshots, calendar: berlin).remove == ["late"])
    }

    @Test("weeks are ISO weeks (Monday to Sunday) whatever the calendar's first weekday")
    func isoWeeks() {
        var sundayFirst = utc
        sundayFirst.firstWeekday = 1
        sundayFirst.minimumDaysInFirstWeek = 1
        let snapshots: [(id: String, time: Date)] = [
            ("sat", "2019-11-16 11:00:00"), ("sun", "2019-11-17 11:00:00"), ("mon", "2019-11-18 11:00:00"),
        ].map { (id: $0.0, time: utcDate($0.1)) }
        let decision = RetentionPolicy(keepWeekly: 2).apply(snapshots, calendar: sundayFirst)
        #expect(decision.keep == ["mon": ["weekly snapshot"], "sun": ["weekly snapshot"]])
        #expect(decision.remove == ["sat"])
        // 2020-12-31 (Thu) and 2021-01-03 (Sun) are both in ISO week 2020-W53.
        let newYear: [(id: String, time: Date)] = [
            (id: "thu", time: utcDate("2020-12-31 12:00:00")), (id: "sun", time: utcDate("2021-01-03 12:00:00")),
        ]
        #expect(RetentionPolicy(keepWeekly: 5).apply(newYear, calendar: sundayFirst).remove == ["thu"])
    }

    @Test(
        "within labels",
        arguments: [
            (2 * day, "2d"), (36 * hour, "1d12h"), (90 * 60, "1h30min"), (45, "45s"), (day + 1, "1d1s"),
        ] as [(TimeInterval, String)])
    func withinLabel(seconds: TimeInterval, label: String) {
        #expect(RetentionPolicy.durationLabel(seconds) == label)
    }
}

private let hour: TimeInterval = 3_600
private let day: TimeInterval = 86_400

/// A Gregorian calendar in UTC, so buckets never depend on the machine's time zone.
private let utc: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? .gmt
    return calendar
}()

/// Parses "YYYY-MM-DD HH:MM:SS[.f]" as UTC with plain arithmetic (days from the civil
/// date), so the fixtures need no formatter and no optional.
private func utcDate(_ text: String) -> Date {
    let f = text.split(whereSeparator: { "-: ".contains($0) }).map { Double($0) ?? .nan }
    let (m, d) = (Int(f[1]), Int(f[2]))
    let y = m <= 2 ? Int(f[0]) - 1 : Int(f[0])
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * ((m + 9) % 12) + 2) / 5 + d - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = era * 146_097 + dayOfEra - 719_468
    return Date(timeIntervalSince1970: Double(days) * day + f[3] * hour + f[4] * 60 + f[5])
}
