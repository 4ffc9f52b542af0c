import Foundation

/// Splits a step's command line into arguments the way a POSIX shell splits words, without
/// running a shell: quotes and backslashes work, expansion and operators are refused.
///
/// Steps are run with `exec`, not `sh -c`, so `$VAR`, `|`, `;` or `>` would silently mean
/// something else than they do in a terminal; refusing them keeps a step's meaning the same
/// when an operator copies it by hand.
public enum ShellWords {
    public struct SplitError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func split(_ line: String) throws(SplitError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(line).makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            case "'":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw SplitError(message: "unterminated ' quote") }
                    if next == "'" { break }
                    current.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw SplitError(message: "unterminated \" quote") }
                    if next == "\"" { break }
                    if next == "$" || next == "`" { throw refused(next) }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { throw SplitError(message: "unterminated \" quote") }
                        if !"\"\\$`".contains(escaped) { current.append("\\") }
                        current.append(escaped)
                    } else {
                        current.append(next)
                    }
                }
            case "\\":
                guard let escaped = iterator.next() else { throw SplitError(message: "a line may not end with \\") }
                inWord = true
                current.append(escaped)
            case "#" where !inWord:
                return words  // a comment, as in a shell
            case "|", ";", "&", "<", ">", "(", ")", "$", "`":
                throw refused(character)
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }

    private static func refused(_ character: Character) -> SplitError {
        SplitError(
            message: "`\(character)` is shell syntax, and steps are not run by a shell; "
                + "quote it with '…' if it is part of an argument")
    }

    /// Quotes a word so `split` (and a shell) gives it back unchanged.
    public static func quote(_ word: String) -> String {
        let plain = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
