import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a secret value from stdin: on a terminal without echo (asked twice), from a pipe as is.
///
/// The value is never echoed, printed or logged; the prompt goes to stderr.
public enum SecretInput {
    public struct Failure: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
        public var exitStatus: ExitStatus { .usage }
        public var description: String
    }

    /// Reads the value for `key` from `descriptor` (stdin by default).
    public static func read(key: String, descriptor: Int32 = STDIN_FILENO) throws -> String {
        if isatty(descriptor) == 1 {
            return try withEchoOff(descriptor) {
                let first = try readLine(prompt: "New value for \(key) (not shown): ", descriptor: descriptor)
                let second = try readLine(prompt: "Again, to confirm: ", descriptor: descriptor)
                guard first == second else { throw Failure(description: "the two values differ; nothing changed") }
                return first
            }
        }
        return try fromPipe(readAll(descriptor))
    }

    /// A piped value: one trailing newline (`\n` or `\r\n`) is dropped; anything else is kept.
    public static func fromPipe(_ data: Data) throws -> String {
        guard var text = String(data: data, encoding: .utf8) else {
            throw Failure(description: "the value on stdin is not UTF-8")
        }
        if text.hasSuffix("\r\n") {
            text.removeLast()  // "\r\n" is one Character
        } else if text.hasSuffix("\n") {
            text.removeLast()
        }
        return text
    }

    private static func readAll(_ descriptor: Int32) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read stdin: \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: buffer[..<count])
            if data.count > 1 << 20 { throw Failure(description: "the value on stdin is larger than 1 MiB") }
        }
    }

    /// Runs `body` with echo off (ECHONL on, so the newline still shows); echo comes back
    /// afterwards, also on SIGINT/SIGTERM. Echo goes off before any prompt is shown, so nothing
    /// typed after the prompt can be echoed.
    private static func withEchoOff<T>(_ descriptor: Int32, _ body: () throws -> T) throws -> T {
        var original = termios()
        guard tcgetattr(descriptor, &original) == 0 else {
            throw Failure(description: "cannot read the terminal settings: \(String(cString: strerror(errno)))")
        }
        var hidden = original
        hidden.c_lflag &= ~tcflag_t(ECHO)
        hidden.c_lflag |= tcflag_t(ECHONL)
        savedTerminal = original
        savedTerminalDescriptor = descriptor
        let previousInt = signal(SIGINT, restoreAndExit)
        let previousTerm = signal(SIGTERM, restoreAndExit)
        defer {
            _ = tcsetattr(descriptor, TCSANOW, &original)
            signal(SIGINT, previousInt)
            signal(SIGTERM, previousTerm)
            savedTerminalDescriptor = -1
        }
        // TCSAFLUSH drops anything typed ahead, which would have been echoed already.
        guard tcsetattr(descriptor, TCSAFLUSH, &hidden) == 0 else {
            throw Failure(description: "cannot turn off echo: \(String(cString: strerror(errno)))")
        }
        return try body()
    }

    /// Shows `prompt` on stderr and reads one line (without its newline) byte by byte.
    private static func readLine(prompt: String, descriptor: Int32) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                if bytes.isEmpty { throw Failure(description: "no value entered; nothing changed") }
                break
            }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
            if bytes.count > 1 << 20 { throw Failure(description: "the value is larger than 1 MiB") }
        }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw Failure(description: "the value is not UTF-8")
        }
        return text
    }
}

/// The terminal settings to put back if SIGINT/SIGTERM arrive while echo is off.
nonisolated(unsafe) private var savedTerminal = termios()
nonisolated(unsafe) private var savedTerminalDescriptor: Int32 = -1

/// Puts the terminal back and exits 130 (or 143); only async-signal-safe calls.
private func restoreAndExit(_ signal: Int32) {
    if savedTerminalDescriptor >= 0 { _ = tcsetattr(savedTerminalDescriptor, TCSANOW, &savedTerminal) }
    _exit(128 + signal)
}
