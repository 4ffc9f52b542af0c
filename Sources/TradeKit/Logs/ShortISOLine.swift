/// One entry as journalctl's short-iso line (systemd 252, `--full`, no colour), written as
/// bytes.
///
/// The one short-iso formatter: `logs` hands it the fields it copied out of the journal
/// (`ShortISOFields`, no String per field), and `LogFormat.shortISO` a `LogEntry`'s (log file
/// lines, tests). What journalctl does and this does too, past `time host name[pid]: message`:
/// - a host name, name or pid that is not printable text, or is 300 bytes or more, is left out
///   (a name left out is ` unknown`);
/// - tabs, colour sequences and trailing carriage returns of a MESSAGE are cleaned up
///   (`TerminalNoise`); one still not printable (`PrintableText`) is `[N blob data]`;
/// - continuation lines of a multi-line message are indented by the prefix's length in bytes,
///   not counting ` unknown` (journalctl's own count leaves it out), and a final newline adds
///   no empty line;
/// - an entry without MESSAGE is not printed at all.
enum ShortISOLine {
    /// journalctl's PRINT_CHAR_THRESHOLD for the fields of the prefix.
    static let fieldLimit = 300

    struct Fields {
        var hostname: ArraySlice<UInt8>?
        /// The unit without `.service`, or SYSLOG_IDENTIFIER (tradectl's choice, see `LogFormat.shortISO`).
        var name: ArraySlice<UInt8>?
        var pid: ArraySlice<UInt8>?
        var message: ArraySlice<UInt8>?
    }

    /// Appends the line and its newline to `out`; false (nothing appended) without a MESSAGE.
    @discardableResult
    static func append(_ fields: Fields, realtime: UInt64, clock: inout ShortISOClock, to out: inout [UInt8]) -> Bool {
        guard let raw = fields.message else { return false }
        let start = out.count
        clock.append(realtime, to: &out)
        if let hostname = fields.hostname, shallPrint(hostname) {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: hostname)
        }
        var uncounted = 0
        if let name = fields.name, shallPrint(name) {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: name)
        } else {
            out.append(contentsOf: " unknown".utf8)
            uncounted = 8
        }
        if let pid = fields.pid, shallPrint(pid) {
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: pid)
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: ": ".utf8)
        let indent = out.count - start - uncounted
        let message = TerminalNoise.strip(raw)
        guard PrintableText.isPrintable(message) else {
            out.append(contentsOf: "[\(PrintableText.size(message.count)) blob data]\n".utf8)
            return true
        }
        appendLines(message, indent: indent, to: &out)
        return true
    }

    /// The message's lines, each after the first indented by `indent` spaces.
    private static func appendLines(_ message: ArraySlice<UInt8>, indent: Int, to out: inout [UInt8]) {
        guard !message.isEmpty else {
            out.append(UInt8(ascii: "\n"))
            return
        }
        var lineStart = message.startIndex
        while lineStart < message.endIndex {
            let lineEnd = message[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? message.endIndex
            if lineStart != message.startIndex {
                out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
            }
            out.append(contentsOf: message[lineStart..<lineEnd])
            out.append(UInt8(ascii: "\n"))
            lineStart = lineEnd + 1
        }
    }

    private static func shallPrint(_ field: ArraySlice<UInt8>) -> Bool {
        field.count < fieldLimit && PrintableText.isPrintable(field)
    }
}
