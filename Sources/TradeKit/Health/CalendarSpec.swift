import Foundation
import Synchronization

/// The longest gap between runs of a systemd calendar spec, from `systemd-analyze calendar`
/// (systemd's own parser, so every spec systemd accepts is understood the same way).
enum CalendarSpec {
    /// Answers per spec for an hour: the monitor asks every cycle, and a schedule's longest
    /// gap over its next ten runs barely moves (a `systemd-analyze` run costs ~6 ms of CPU).
    private static let cache = GapCache()

    /// The cached answer, nil when `systemd-analyze` gives none. Only for a project whose state
    /// DB holds no gaps (deployed by an older tradectl): `deploy` records them (`measure`).
    static func longestGap(_ spec: String, launcher: ProcessLauncher, now: Date = Date()) async -> TimeInterval? {
        if let cached = cache.get(spec, now: now) { return cached }
        guard let gap = try? await measure(spec, launcher: launcher) else { return nil }
        cache.set(spec, gap, now: now)
        return gap
    }

    /// Runs `systemd-analyze calendar --iterations=10` (uncached): the longest gap between two
    /// of the next ten elapses. Throws when the program is missing, fails, or lists too few.
    static func measure(_ spec: String, launcher: ProcessLauncher) async throws -> TimeInterval {
        let command = Command(
            "systemd-analyze", ["calendar", "--iterations=10", spec], environment: ["TZ": "UTC", "LC_ALL": "C"])
        let result: CommandResult
        do {
            result = try await launcher.run(command)
        } catch {
            throw CalendarGapUnavailable(spec: spec, reason: "systemd-analyze could not be run: \(error)")
        }
        guard result.succeeded else {
            let why = result.errorOutput.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
            throw CalendarGapUnavailable(spec: spec, reason: "systemd-analyze calendar failed: \(why)")
        }
        let times = elapses(result.output)
        guard times.count >= 2 else {
            throw CalendarGapUnavailable(spec: spec, reason: "systemd-analyze listed \(times.count) elapse(s), need 2")
        }
        return zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }.max() ?? 0
    }

    /// Parses `Next elapse: Mon 2026-11-23 14:30:00 UTC` and `Iter. #2: …` lines.
    static func elapses(_ output: String) -> [Date] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE yyyy-MM-dd HH:mm:ss"
        return output.split(separator: "\n").compactMap { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("Next elapse:") || text.hasPrefix("Iter. #"),
                let colon = text.firstIndex(of: ":")
            else { return nil }
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return formatter.date(from: value.replacingOccurrences(of: " UTC", with: ""))
        }
    }
}

/// `systemd-analyze` gave no longest gap for a schedule: missing, refused the spec, or too few runs.
struct CalendarGapUnavailable: Error, Sendable, CustomStringConvertible {
    var spec: String
    var reason: String
    var description: String { reason }
}

/// A small thread-safe memo of longest gaps with a time-to-live.
private final class GapCache: Sendable {
    private let entries = Mutex<[String: (gap: TimeInterval, at: Date)]>([:])
    private let lifetime: TimeInterval = 3600

    func get(_ spec: String, now: Date) -> TimeInterval? {
        entries.withLock { entries in
            guard let entry = entries[spec], now.timeIntervalSince(entry.at) < lifetime else { return nil }
            return entry.gap
        }
    }

    func set(_ spec: String, _ gap: TimeInterval, now: Date) {
        entries.withLock { $0[spec] = (gap, now) }
    }
}
