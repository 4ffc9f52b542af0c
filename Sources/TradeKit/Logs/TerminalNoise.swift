/// journalctl's clean-up of a MESSAGE before printing it (systemd 252's `strip_tab_ansi`):
/// a tab becomes 8 spaces, ANSI colour sequences (`ESC [ digits ; … m`) and operating-system
/// sequences (`ESC ] … BEL`, terminal hyperlinks) are dropped, and carriage returns at the end
/// or before a newline are dropped. Anything else, a truncated or other sequence included,
/// stays and then makes the message not printable (`[N blob data]`).
enum TerminalNoise {
    /// `message` cleaned up; the same bytes when there is nothing to clean (the common case,
    /// checked without copying).
    static func strip(_ message: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard message.contains(where: { $0 == tab || $0 == escape || $0 == carriageReturn }) else { return message }
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 32)
        var index = message.startIndex
        var pendingReturns = 0
        while index < message.endIndex {
            let byte = message[index]
            index += 1
            if byte == carriageReturn {
                pendingReturns += 1
                continue
            }
            // Kept only when something other than a newline follows.
            if byte != newline { out.append(contentsOf: repeatElement(carriageReturn, count: pendingReturns)) }
            pendingReturns = 0
            switch byte {
            case tab: out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 8))
            case escape: index = skipSequence(message, after: index, into: &out)
            default: out.append(byte)
            }
        }
        return out[...]
    }

    /// After an ESC at `start - 1`: the index past a whole colour or OS sequence (dropped), or
    /// for anything else `ESC` (and the next byte, unless `[` or `]`) copied and the index
    /// past what was copied, as systemd re-reads a bad sequence's body as text.
    private static func skipSequence(_ message: ArraySlice<UInt8>, after start: Int, into out: inout [UInt8]) -> Int {
        guard start < message.endIndex else {
            out.append(escape)
            return start
        }
        let kind = message[start]
        guard kind == UInt8(ascii: "[") || kind == UInt8(ascii: "]") else {
            out.append(contentsOf: [escape, kind])
            return start + 1
        }
        var index = start + 1
        while index < message.endIndex {
            let byte = message[index]
            if kind == UInt8(ascii: "[") {
                // strchr("01234567890;m", c) also finds the terminating NUL.
                if byte == UInt8(ascii: "m") { return index + 1 }
                guard byte == 0 || byte == UInt8(ascii: ";") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                else { break }
            } else {
                if byte == bell { return index + 1 }
                guard (32...126).contains(byte) else { break }
            }
            index += 1
        }
        out.append(contentsOf: [escape, kind])
        return start + 1
    }

    private static let tab: UInt8 = 0x09
    private static let newline: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D
    private static let escape: UInt8 = 0x1B
    private static let bell: UInt8 = 0x07
}
