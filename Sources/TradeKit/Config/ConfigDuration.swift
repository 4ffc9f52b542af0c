import Foundation

/// A duration written as in systemd: `500ms`, `30s`, `5min`, `2h`, `1d`.
public struct ConfigDuration: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var milliseconds: Int

    public init(milliseconds: Int) { self.milliseconds = milliseconds }
    public static func seconds(_ value: Int) -> ConfigDuration { .init(milliseconds: value * 1000) }

    private static let units: [(suffix: String, milliseconds: Int)] = [
        ("ms", 1), ("min", 60_000), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ("w", 604_800_000),
    ]

    /// Parses `"90s"`, `"5min"`, `"1h30min"`; `nil` for anything else.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber }
            guard !digits.isEmpty, let number = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = Self.units.first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
            rest = rest.dropFirst(unit.suffix.count).drop { $0 == " " }
            total += number * unit.milliseconds
        }
        self.milliseconds = total
    }

    public var seconds: Double { Double(milliseconds) / 1000 }
    public var duration: Duration { .milliseconds(milliseconds) }

    /// The systemd spelling, e.g. `90s`, `5min`, `1500ms`.
    public var description: String {
        if milliseconds % 60_000 == 0 && milliseconds >= 60_000 { return "\(milliseconds / 60_000)min" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    /// As `description`, but whole hours as hours (`24h`, not `1440min`): the spelling of the
    /// new timer and retry directives in unit files.
    public var unitSpan: String {
        milliseconds >= 3_600_000 && milliseconds % 3_600_000 == 0 ? "\(milliseconds / 3_600_000)h" : description
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
