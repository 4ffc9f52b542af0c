import Foundation
import Logging

/// swift-log handler that writes structured entries to journald via `sd_journal_sendv`,
/// used when tradectl runs under systemd (its stderr is the journal).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String, command: String, project: String?) {
        self.label = label
        metadata["TRADECTL_COMMAND"] = "\(command)"
        if let project { metadata["TRADECTL_PROJECT"] = "\(project)" }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("MESSAGE", Self.message(event.message.description, event.metadata)),
            ("PRIORITY", "\(Self.priority(event.level))"),
            ("SYSLOG_IDENTIFIER", "tradectl"),
            ("CODE_FILE", event.file), ("CODE_LINE", "\(event.line)"), ("CODE_FUNC", event.function),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields.append((Self.fieldName(key), "\(value)"))
        }
        JournalWriter.send(fields)
    }

    /// Journal field names are upper case letters, digits and underscores.
    static func fieldName(_ key: String) -> String {
        let mapped = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        let name = String(mapped)
        return name.first?.isNumber == true ? "F_\(name)" : name
    }

    static func message(_ text: String, _ metadata: Logger.Metadata?) -> String {
        guard let metadata, !metadata.isEmpty else { return text }
        return text + " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// syslog priorities: 3 err … 7 debug.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}
