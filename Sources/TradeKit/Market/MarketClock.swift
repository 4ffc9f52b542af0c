import Foundation

/// The instant market-hours decisions are made at: the session gate, `status` and `config check`.
///
/// `TRADECTL_NOW` (ISO-8601, e.g. `2026-12-07T15:00:00Z`) stands in for the real time, so tests
/// and the demo decide "open" or "closed" instead of inheriting the hour they happen to run at.
/// It is read here and nowhere else, and moves nothing but these decisions: timestamps in the
/// state database, the audit log, release metadata and backups keep the real time.
public enum MarketClock {
    public static let variable = "TRADECTL_NOW"

    /// `TRADECTL_NOW` when set, else the real time; a value that is not ISO-8601 is an error (exit 64).
    public static func now(environment: [String: String]) throws -> Date {
        guard let text = environment[variable], !text.isEmpty else { return Date() }
        guard let date = parse(text) else { throw InvalidClock(text: text) }
        return date
    }

    /// `2026-12-07T15:00:00Z`, `2026-12-07T10:00:00-05:00`, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// `TRADECTL_NOW` is not an ISO-8601 instant (exit 64).
public struct InvalidClock: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var text: String
    public var description: String {
        "\(MarketClock.variable) must be an ISO-8601 instant such as 2026-12-07T15:00:00Z, got \"\(text)\""
    }
    public var exitStatus: ExitStatus { .usage }
}
