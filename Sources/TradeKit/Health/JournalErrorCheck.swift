import Foundation

/// Entries of priority ≤ err (and lines matching `health.error_patterns`) of the project's
/// units in the last hour, read through sd-journal. A journal that cannot be read is
/// `unknown`, never "0 errors".
public struct JournalErrorCheck: Check {
    public let kind = CheckKind.journal
    public var timeout: Duration
    public var units: [String]
    public var patterns: [String]
    public var warnPerHour: Int
    public var critPerHour: Int
    public var now: Date
    public var directory: String? = nil

    public func run() async -> [CheckResult] {
        let this = self
        return [await blocking { this.count() }]
    }

    func count() -> CheckResult {
        let since = UInt64(max(0, now.timeIntervalSince1970 - 3600) * 1_000_000)
        let unitGroup = units.map { ["_SYSTEMD_UNIT=\($0)"] }
        let priorityGroup = (0...3).map { ["PRIORITY=\($0)"] }
        do {
            let reader = try JournalReader(directory: directory)
            var errors = try Self.count(
                reader, JournalFilter(groups: [unitGroup, priorityGroup]), since: since, patterns: [])
            let expressions = patterns.compactMap { try? NSRegularExpression(pattern: $0) }
            if !expressions.isEmpty {
                // Pattern hits of lower priority (a "rate limit" warning) count as errors too.
                errors += try Self.count(
                    reader, JournalFilter(groups: [unitGroup]), since: since, patterns: expressions, skipPriorityUpTo: 3
                )
            }
            let status: HealthStatus = errors >= critPerHour ? .critical : errors >= warnPerHour ? .warning : .ok
            return CheckResult(
                check: name, target: "journal", status: status,
                summary: "\(errors) error(s) in the last hour (warn ≥ \(warnPerHour), crit ≥ \(critPerHour))",
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
}
