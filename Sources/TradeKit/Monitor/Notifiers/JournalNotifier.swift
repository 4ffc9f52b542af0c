import Foundation

/// Writes every alert to journald as a structured entry, so `journalctl
/// TRADECTL_ALERT_KIND=firing` lists alerts even when the webhook was down.
///
/// Priorities follow syslog: critical → 2 (crit), warning → 4 (warning), info and every
/// recovery → 6 (info), so `journalctl -p warning` shows what needs attention.
public struct JournalNotifier: Notifier {
    public let name = "journal"
    public let receivesEveryAlert = true
    private let send: @Sendable ([(String, String)]) -> Int32

    /// `send` is `JournalWriter.send`; tests pass a recorder.
    public init(send: @escaping @Sendable ([(String, String)]) -> Int32 = { JournalWriter.send($0) }) {
        self.send = send
    }

    public func deliver(_ alert: Alert) async throws {
        let result = send(Self.fields(alert))
        guard result >= 0 else {
            throw NotifierError(
                notifier: name, code: .journal, detail: "sd_journal_sendv failed: \(String(cString: strerror(-result)))"
            )
        }
    }

    /// The entry's fields, in the order journalctl -o verbose shows them.
    public static func fields(_ alert: Alert) -> [(String, String)] {
        [
            ("MESSAGE", alert.title),
            ("PRIORITY", "\(priority(alert))"),
            ("SYSLOG_IDENTIFIER", "tradectl"),
            ("TRADECTL_PROJECT", alert.project),
            ("TRADECTL_ALERT_KEY", alert.key),
            ("TRADECTL_ALERT_KIND", alert.kind.rawValue),
            ("TRADECTL_ALERT_SEVERITY", alert.severity.rawValue),
            ("TRADECTL_ALERT_CHECK", alert.check),
            ("TRADECTL_ALERT_TARGET", alert.target),
        ]
    }

    /// syslog priority of an alert.
    public static func priority(_ alert: Alert) -> Int {
        if alert.kind == .recovered { return 6 }
        switch alert.severity {
        case .critical: return 2
        case .warning: return 4
        case .info: return 6
        }
    }
}
