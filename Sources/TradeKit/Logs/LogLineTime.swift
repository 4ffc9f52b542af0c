import Foundation

/// The time a log file line states at its start: Python logging's `%(asctime)s`
/// (`2026-12-07 10:00:00,123`) or ISO-8601 (`2026-12-07T10:00:00.123Z`, `…+02:00`), optionally
/// inside `[…]`. Local time when the line names no zone, as Python writes it.
public enum LogLineTime {
    /// nil when the line does not start with a time.
    public static func parse(_ line: String) -> Date? {
        var bytes = Array(line.utf8.prefix(40))
        if bytes.first == UInt8(ascii: "[") { bytes.removeFirst() }
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), let year = number(0..<4), let month = number(5..<7),
            let day = number(8..<10), let hour = number(11..<13), let minute = number(14..<16),
            let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        var zoneOffset: Int?
        if index < bytes.count {
            let sign = bytes[index]
            if sign == UInt8(ascii: "Z") {
                zoneOffset = 0
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), index + 3 <= bytes.count,
                let hours = number(index + 1..<index + 3)
            {
                var minutes = 0
                var next = index + 3
                if next < bytes.count, bytes[next] == UInt8(ascii: ":") { next += 1 }
                if next + 2 <= bytes.count, let value = number(next..<next + 2) { minutes = value }
                zoneOffset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
            }
        }
        let seconds: Int
        if let zoneOffset {
            seconds = timegm(&parts) - zoneOffset
        } else {
            parts.tm_isdst = -1
            seconds = mktime(&parts)
        }
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
