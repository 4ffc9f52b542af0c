import Foundation

/// The one JSON encoding every `--json` document uses: pretty, sorted keys, ISO-8601 dates.
public enum JSONOutput {
    public static func string<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}

extension String {
    /// Pads to a column without cutting longer text (`padding(toLength:)` would truncate).
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
