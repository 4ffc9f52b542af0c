import Foundation
import Testing

@testable import TradeKit

/// The short-iso line byte for byte as journalctl (systemd 252) prints it. The expected lines
/// were printed by `journalctl -D … -o short-iso` from a journal written with
/// systemd-journal-remote (LogsDirectoryTests compares the two programs on such a journal).
@Suite("Logs: short-iso lines as journalctl prints them")
struct ShortISOLineTests {
    /// The line for `message` after the prefix `T host python3[42]: `, T the clock's own text.
    static func line(
        _ message: [UInt8]?, hostname: String? = "host", name: String? = "python3", pid: String? = "42"
    )
        -> String?
    {
        var clock = ShortISOClock()
        var out: [UInt8] = []
        let fields = ShortISOLine.Fields(
            hostname: hostname.map { ArraySlice($0.utf8) }, name: name.map { ArraySlice($0.utf8) },
            pid: pid.map { ArraySlice($0.utf8) }, message: message.map { $0[...] })
        guard ShortISOLine.append(fields, realtime: 1_795_262_400_000_000, clock: &clock, to: &out) else { return nil }
        let stamp = String(decoding: ShortISOClock.format(1_795_262_400), as: UTF8.self)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasPrefix(stamp))
        return String(text.dropFirst(stamp.count))
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("multi-line messages: continuation lines indented by the prefix, no line for a final newline")
    func multiLine() {
        let indent = String(repeating: " ", count: 24 + " host python3[42]: ".count)
        #expect(
            Self.line(Self.bytes("multi\nline\n\nend"))
                == " host python3[42]: multi\n\(indent)line\n\(indent)\n\(indent)end\n")
        #expect(Self.line(Self.bytes("trailing newline\n")) == " host python3[42]: trailing newline\n")
        #expect(Self.line([]) == " host python3[42]: \n")
        #expect(Self.line(nil) == nil, "an entry without MESSAGE is not printed")
        // journalctl's indent leaves out ` unknown`, 8 bytes short.
        let short = String(repeating: " ", count: 24 + " host unknown[7]: ".count - 8)
        #expect(Self.line(Self.bytes("a\nb"), name: nil, pid: "7") == " host unknown[7]: a\n\(short)b\n")
        // The indent counts bytes: ö is two.
        let wide = String(repeating: " ", count: 24 + " höst python3[42]: ".utf8.count)
        #expect(Self.line(Self.bytes("x\ny"), hostname: "höst") == " höst python3[42]: x\n\(wide)y\n")
    }

    @Test("not printable: invalid UTF-8, noncharacters, C0/C1 controls and DEL are [N blob data]")
    func blobs() {
        let cases: [([UInt8], String)] = [
            (Self.bytes("bad utf8 ") + [0xFF], "[10B blob data]"),
            (Self.bytes("nonchar ") + [0xEF, 0xBF, 0xBE], "[11B blob data]"),
            (Self.bytes("fdd0 ") + [0xEF, 0xB7, 0x90], "[8B blob data]"),
            (Self.bytes("c1 ") + [0xC2, 0x85], "[5B blob data]"),
            (Self.bytes("del ") + [0x7F], "[5B blob data]"),
            (Self.bytes("surrogate ") + [0xED, 0xA0, 0x80], "[13B blob data]"),
            (Self.bytes("overlong ") + [0xC0, 0xAF], "[11B blob data]"),
            (Self.bytes(String(repeating: "x", count: 1500)) + [0x01], "[1.4K blob data]"),
            (Self.bytes("\r carriage"), "[10B blob data]"),
            (Self.bytes("ok é € 😀"), "ok é € 😀"),
        ]
        for (message, expected) in cases {
            #expect(Self.line(message) == " host python3[42]: \(expected)\n", "\(message)")
        }
        #expect(PrintableText.size(1 << 20 | 1 << 19) == "1.5M")
    }

    @Test("tabs, colour and hyperlink sequences, trailing carriage returns cleaned up as journalctl does")
    func terminalNoise() {
        let cases: [(String, String)] = [
            ("tab\there", "tab        here"),
            ("ansi \u{1B}[31mred\u{1B}[0m", "ansi red"),
            ("red \u{1B}[1;31mbold\u{1B}[m", "red bold"),
            ("cso \u{1B}]8;;http://x\u{07}link\u{1B}]8;;\u{07} end", "cso link end"),
            ("trailing cr\r", "trailing cr"),
            ("truncated csi \u{1B}[31", "[18B blob data]"),
            ("csi bad \u{1B}[31xyz", "[15B blob data]"),
            ("esc other \u{1B}Q", "[12B blob data]"),
            ("esc end \u{1B}", "[9B blob data]"),
            ("csi with ?: \u{1B}[?25l", "[18B blob data]"),
            ("cr mid\rdle", "[10B blob data]"),
        ]
        for (message, expected) in cases {
            #expect(Self.line(Self.bytes(message)) == " host python3[42]: \(expected)\n", "\(message.debugDescription)")
        }
        let indent = String(repeating: " ", count: 24 + " host python3[42]: ".count)
        #expect(Self.line(Self.bytes("cr before nl\r\nnext")) == " host python3[42]: cr before nl\n\(indent)next\n")
        #expect(
            Self.line(Self.bytes("tab\tthen\nline2\tx"))
                == " host python3[42]: tab        then\n\(indent)line2        x\n")
    }

    @Test("prefix fields not printable or of 300 bytes or more are left out; a tab in one stays")
    func prefixFields() {
        #expect(Self.line(Self.bytes("m"), hostname: String(repeating: "h", count: 300)) == " python3[42]: m\n")
        let host = String(repeating: "h", count: 299)
        #expect(Self.line(Self.bytes("m"), hostname: host) == " \(host) python3[42]: m\n")
        #expect(Self.line(Self.bytes("m"), hostname: "ho\tst") == " ho\tst python3[42]: m\n")
        #expect(Self.line(Self.bytes("m"), name: "id\u{1B}", pid: "7") == " host unknown[7]: m\n")
        #expect(Self.line(Self.bytes("m"), hostname: nil, pid: nil) == " python3: m\n")
    }

    @Test("the clock: strftime's %Y-%m-%dT%H:%M:%S%z in the local zone, second by second")
    func clock() {
        // Every hour over two years covers both DST changes of whatever zone the tests run in.
        for seconds in stride(from: 1_767_225_600, to: 1_830_297_600, by: 3_599) {
            var time = time_t(seconds)
            var parts = tm()
            localtime_r(&time, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            let expected = buffer[..<length].map { UInt8(bitPattern: $0) }
            #expect(ShortISOClock.format(seconds) == expected, "\(seconds)")
        }
        var clock = ShortISOClock()
        var out: [UInt8] = []
        clock.append(1_795_262_400_100_000, to: &out)
        clock.append(1_795_262_400_900_000, to: &out)
        clock.append(1_795_262_401_000_000, to: &out)
        #expect(
            out == ShortISOClock.format(1_795_262_400) + ShortISOClock.format(1_795_262_400)
                + ShortISOClock.format(1_795_262_401))
    }
}
