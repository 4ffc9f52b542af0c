import Foundation

/// The longest gap between runs of a systemd calendar spec, from `systemd-analyze calendar`
/// (systemd's own parser, so every spec systemd accepts is understood the same way).
enum CalendarSpec {
    static func longestGap(_ spec: String, runner: ProcessRunner) async -> TimeInterval? {
        let command = Command(
            "systemd-analyze", ["calendar", "--iterations=10", spec], environment: ["TZ": "UTC", "LC_ALL": "C"])
        guard let result = try? await runner.run(command), result.succeeded else { return nil }
        let times = elapses(result.output)
        guard times.count >= 2 else { return nil }
        return zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }.max()
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
