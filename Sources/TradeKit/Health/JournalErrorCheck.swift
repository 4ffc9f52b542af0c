import Foundation

/// Entries of priority ≤ err (and lines matching `health.error_patterns`) of the project's
/// units in the last hour, read through sd-journal. A journal that cannot be read is
/// `unknown`, never "0 errors".
///
/// Units whose component declares a `log_format` (python, json) are read whole and each
/// line judged by the level it states, since journald stores a program's output at info
/// whatever it says; a Python traceback (one entry per line) counts once. Plain units keep
/// the cheap `PRIORITY=0..3` match, where sd-journal does the filtering.
public struct JournalErrorCheck: Check {
    public let kind = CheckKind.journal
    public var timeout: Duration
    public var units: [String]
    public var patterns: [String]
    public var warnPerHour: Int
    public var critPerHour: Int
    public var now: Date
    public var directory: String? = nil
    /// Unit → the format its lines are written in; units not in it are plain.
    public var formats: [String: LineFormat] = [:]

    /// Units judged by PRIORITY alone, and those whose lines state their level.
    var plainUnits: [String] { units.filter { (formats[$0] ?? .plain) == .plain } }
    var readUnits: [String] { units.filter { (formats[$0] ?? .plain) != .plain } }

    public func run() async -> [CheckResult] {
        let this = self
        return [await blocking { this.count() }]
    }

    func count() -> CheckResult {
        let since = UInt64(max(0, now.timeIntervalSince1970 - 3600) * 1_000_000)
        let plain = plainUnits
        let read = readUnits
        let plainGroup = JournalUnitField.alternatives(plain)
        let errorsOfPlain = JournalUnitField.alternatives(plain, also: (0...3).map { "PRIORITY=\($0)" })
        // A stopped journald records nothing: counting its files would say "0 errors" while
        // every component's output is being lost.
        if directory == nil, let down = JournaldProbe.down() {
            return CheckResult(
                check: name, target: "journal", status: .warning,
                summary: "\(down): the units' output is not being recorded, so errors cannot be counted; "
                    + JournaldProbe.remedy)
        }
        do {
            let reader = try JournalReader(directory: directory)
            let expressions = patterns.compactMap { try? NSRegularExpression(pattern: $0) }
            var errors = 0
            if !plain.isEmpty {
                errors += try Self.count(
                    reader, JournalFilter(groups: [errorsOfPlain]), since: since, patterns: [])
                if !expressions.isEmpty {
                    // Pattern hits of lower priority (a "rate limit" warning) count as errors too.
                    errors += try Self.count(
                        reader, JournalFilter(groups: [plainGroup]), since: since, patterns: expressions,
                        skipPriorityUpTo: 3)
                }
            }
            if !read.isEmpty {
                errors += try countStated(reader, units: read, since: since, patterns: expressions)
            }
            let status: HealthStatus = errors >= critPerHour ? .critical : errors >= warnPerHour ? .warning : .ok
            return CheckResult(
                check: name, target: "journal", status: status,
                summary: "\(errors) error(s) in the last hour (warn ≥ \(warnPerHour), crit ≥ \(critPerHour))"
                    + statedNote(read),
                metrics: [
                    Metric(
                        "journal_errors_1h", Double(errors), unit: "", warn: Double(warnPerHour),
                        crit: Double(critPerHour), min: 0)
                ])
        } catch let error as JournalError where error.isPermissionDenied {
            return CheckResult(
                check: name, target: "journal", status: .unknown,
                summary: "cannot read the journal (permission denied): run as root or add the user to systemd-journal")
        } catch {
            return CheckResult(
                check: name, target: "journal", status: .unknown, summary: "cannot read the journal: \(error)")
        }
    }

    static func count(
        _ reader: JournalReader, _ filter: JournalFilter, since: UInt64, patterns: [NSRegularExpression],
        skipPriorityUpTo: Int = -1
    ) throws -> Int {
        try reader.apply(filter)
        try reader.seek(realtime: since)
        var total = 0
        while try reader.next() {
            guard !patterns.isEmpty else {
                total += 1
                continue
            }
            if let priority = reader.field("PRIORITY").flatMap(Int.init), priority <= skipPriorityUpTo { continue }
            let message = reader.field("MESSAGE") ?? ""
            let range = NSRange(message.startIndex..., in: message)
            if patterns.contains(where: { $0.firstMatch(in: message, range: range) != nil }) { total += 1 }
        }
        return total
    }

    /// Every entry of `units` since `since`, judged by the level its line states; tracebacks
    /// grouped (the monitor's `TracebackGrouper`) so one crash is one error. An entry that
    /// is not an error counts when it matches a pattern, as for plain units.
    func countStated(
        _ reader: JournalReader, units: [String], since: UInt64, patterns: [NSRegularExpression]
    ) throws -> Int {
        try reader.apply(JournalFilter(groups: [JournalUnitField.alternatives(units)]))
        try reader.seek(realtime: since)
        var grouper = TracebackGrouper()
        var total = 0
        func tally(_ events: [JournalEvent]) {
            for event in events {
                let range = NSRange(event.message.startIndex..., in: event.message)
                if event.isError || patterns.contains(where: { $0.firstMatch(in: event.message, range: range) != nil })
                {
                    total += 1
                }
            }
        }
        while try reader.next() {
            let unit = JournalUnitField.unit(of: reader) ?? ""
            let event = JournalEvent(
                unit: unit, priority: reader.field("PRIORITY").flatMap { Int($0) } ?? 6,
                message: reader.field("MESSAGE") ?? "",
                at: Date(timeIntervalSince1970: Double(try reader.realtime()) / 1_000_000), pid: reader.field("_PID"))
            tally(grouper.feed(event.classified(by: formats[unit])))
        }
        tally(grouper.flush(olderThan: .distantFuture))
        return total
    }

    /// Says which units' levels came from their lines, so "0 errors" is not read as journald's count alone.
    func statedNote(_ read: [String]) -> String {
        guard !read.isEmpty else { return "" }
        let names = read.map { unit in unit.hasSuffix(".service") ? String(unit.dropLast(8)) : unit }
        return "; levels read from the lines of \(names.joined(separator: ", "))"
    }
}
