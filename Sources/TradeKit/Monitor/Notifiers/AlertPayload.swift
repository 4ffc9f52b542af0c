import Foundation

/// The bytes notifiers send: the generic JSON document and the Slack message.
///
/// One encoding for the webhook's `generic` format and the command's stdin, so a script
/// written against one works with the other.
public enum AlertPayload {
    /// The alert as JSON: `{"at": "2026-11-21T14:00:00Z", "check", "host", "key", "kind",
    /// "project", "severity", "summary", "target"}`, keys sorted.
    ///
    /// Keys are snake_case (today all are single words; new fields will follow the same
    /// rule) and dates ISO-8601 in UTC, the conventions of every `--json` document.
    public static func generic(_ alert: Alert) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Alert's fields are strings, enums and a date: encoding cannot fail.
        return (try? encoder.encode(alert)) ?? Data()
    }

    /// A Slack incoming-webhook message: `text` (the one-line title, which Slack shows in
    /// notifications and uses as fallback) and `blocks` with the summary and the context.
    ///
    /// Slack reads `&`, `<` and `>` as markup (`<!channel>`, links), so they are escaped as
    /// its docs ask: an error message quoting `<html>` must not ping a channel.
    public static func slack(_ alert: Alert) -> Data {
        let what = alert.target.isEmpty ? alert.check : "\(alert.check) \(alert.target)"
        let headline = "\(icon(alert)) *\(alert.kind.rawValue.uppercased())* \(alert.severity.rawValue) — \(what)"
        let context = [
            "project *\(alert.project)*", "host *\(alert.host)*", "key `\(alert.key)`",
            "<!date^\(Int(alert.at.timeIntervalSince1970))^{date_short_pretty} {time_secs}|\(iso8601(alert.at))>",
        ]
        let message = SlackMessage(
            text: escape(alert.title),
            blocks: [
                .init(type: "section", text: .init(text: escape(headline) + "\n" + escape(truncated(alert.summary)))),
                .init(
                    type: "context",
                    elements: [.init(text: (context.prefix(3).map(escape) + [context[3]]).joined(separator: " · "))]
                ),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(message)) ?? Data()
    }

    /// Slack's mrkdwn escaping: the only three characters it treats as control sequences.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Slack rejects a section text over 3000 characters (`invalid_blocks`), which would turn
    /// a long journal line into an undeliverable alert.
    static func truncated(_ text: String, limit: Int = 2500) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    private static func icon(_ alert: Alert) -> String {
        if alert.kind == .recovered { return ":white_check_mark:" }
        switch alert.severity {
        case .critical: return ":red_circle:"
        case .warning: return ":warning:"
        case .info: return ":information_source:"
        }
    }

    private static func iso8601(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

/// The subset of Slack's Block Kit that alerts use.
private struct SlackMessage: Encodable {
    struct Text: Encodable {
        var type = "mrkdwn"
        var text: String
    }

    struct Block: Encodable {
        var type: String
        var text: Text?
        var elements: [Text]?
    }

    var text: String
    var blocks: [Block]
}
