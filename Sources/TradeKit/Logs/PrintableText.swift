/// journalctl's test of whether a field may be printed as text, and its size for one that may not.
///
/// journalctl (systemd 252, short output) prints a MESSAGE that is not printable UTF-8 as
/// `[N blob data]`, and leaves out of the line's prefix a host name, identifier or pid that
/// is not printable or is 300 bytes or more. Printable (systemd's `utf8_is_printable`): valid
/// UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), no noncharacters
/// (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF), and no control characters but tab and newline (C0,
/// DEL, C1). Printing a log's raw escape sequences to a terminal is what this keeps out.
enum PrintableText {
    static func isPrintable<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let lead = bytes[index]
            bytes.formIndex(after: &index)
            if lead < 0x80 {
                // ASCII: everything from space to `~`, and tab and newline.
                if lead >= 0x20 ? lead == 0x7F : lead != 0x09 && lead != 0x0A { return false }
                continue
            }
            let length: Int
            var scalar: UInt32
            switch lead {
            case 0xC0...0xDF: (length, scalar) = (2, UInt32(lead & 0x1F))
            case 0xE0...0xEF: (length, scalar) = (3, UInt32(lead & 0x0F))
            case 0xF0...0xF7: (length, scalar) = (4, UInt32(lead & 0x07))
            default: return false
            }
            for _ in 1..<length {
                guard index != bytes.endIndex, bytes[index] & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(bytes[index] & 0x3F)
                bytes.formIndex(after: &index)
            }
            let shortest = scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
            guard shortest == length, scalar < 0x11_0000, scalar & 0xFFFF_F800 != 0xD800,
                !(0xFDD0...0xFDEF).contains(scalar), scalar & 0xFFFE != 0xFFFE, !(0x80...0x9F).contains(scalar)
            else { return false }
        }
        return true
    }

    /// A size as systemd's FORMAT_BYTES writes it: `512B`, `1.4K`, `2.0M` (1024-based, one
    /// decimal truncated).
    static func size(_ bytes: Int) -> String {
        let units: [(String, Int)] = [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        for (suffix, factor) in units where bytes >= factor {
            return "\(bytes / factor).\(bytes / (factor >> 10) * 10 / 1024 % 10)\(suffix)"
        }
        return "\(bytes)B"
    }
}
