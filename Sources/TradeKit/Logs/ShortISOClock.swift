import Foundation

/// journalctl's short-iso clock, `%Y-%m-%dT%H:%M:%S%z` in local time, written as bytes.
///
/// localtime_r keeps the zone rules (DST, TZ=) exact; the digits are written here rather than
/// by strftime into a String per line, and the last second formatted is kept, since entries
/// logged in bursts share it.
struct ShortISOClock {
    private var second = Int.min
    private var text: [UInt8] = []

    mutating func append(_ microseconds: UInt64, to out: inout [UInt8]) {
        let seconds = Int(microseconds / 1_000_000)
        if seconds != second {
            text = Self.format(seconds)
            second = seconds
        }
        out.append(contentsOf: text)
    }

    static func format(_ seconds: Int) -> [UInt8] {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        let year = Int(parts.tm_year) + 1900
        // strftime for years the four digits below would not print as it does.
        guard (1000...9999).contains(year) else { return strftimeFormat(&parts) }
        var out: [UInt8] = []
        out.reserveCapacity(24)
        digits(year, 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2, &out)
        // %z: the offset's whole minutes, as glibc truncates a zone's seconds (LMT).
        let offset = Int(parts.tm_gmtoff)
        out.append(UInt8(ascii: offset < 0 ? "-" : "+"))
        let minutes = abs(offset) / 60
        digits(minutes / 60, 2, &out)
        digits(minutes % 60, 2, &out)
        return out
    }

    private static func digits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func strftimeFormat(_ parts: inout tm) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return buffer[..<length].map { UInt8(bitPattern: $0) }
    }
}
