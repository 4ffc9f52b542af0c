import Foundation

/// Sends each alert as a Telegram message through a bot (`sendMessage` of the Bot API).
///
/// The bot token is the credential and Telegram wants it in the URL path
/// (`/bot<token>/sendMessage`), so the URL is never shown: errors come from `HTTPPoster` in
/// our own words, and Telegram's `description` is quoted only when the token is not in it.
public struct TelegramNotifier: Notifier {
    /// The public Bot API server; tests and self-hosted Bot API servers pass another.
    public static let defaultAPIURL = URL(string: "https://api.telegram.org")!

    public let name: String
    private let token: String
    private let chatID: String
    private let apiURL: URL
    private let poster: HTTPPoster

    /// `chatID` is a numeric id (`-1001234567890`) or a channel's `@username`; `timeout`
    /// bounds one attempt, retries are the queue's business.
    public init(
        token: String, chatID: String, apiURL: URL = TelegramNotifier.defaultAPIURL, timeout: Duration,
        name: String = "telegram"
    ) {
        self.name = name
        self.token = token
        self.chatID = chatID
        self.apiURL = apiURL
        poster = HTTPPoster(notifier: name, timeout: timeout)
    }

    public func deliver(_ alert: Alert) async throws {
        let url = apiURL.appendingPathComponent("bot\(token)").appendingPathComponent("sendMessage")
        let answer = try await poster.post(Self.message(alert, chatID: chatID), to: url)
        guard (200..<300).contains(answer.status) else {
            throw NotifierError(notifier: name, code: .rejected, detail: "HTTP \(answer.status)\(reason(answer.body))")
        }
    }

    /// The `sendMessage` document: `chat_id`, `text` in Telegram's HTML, `parse_mode`, and no
    /// link previews (a summary quoting a URL must not unfurl it in the chat).
    public static func message(_ alert: Alert, chatID: String) -> Data {
        let message = Message(chatId: chatID, text: text(alert))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(message)) ?? Data()
    }

    /// The alert in Telegram's HTML: a bold headline, the summary, the context line and time.
    ///
    /// Telegram's HTML mode reads `&`, `<` and `>` as markup and rejects the whole message on a
    /// tag it does not know, so every alert field is escaped. The summary is cut well below the
    /// 4096-character limit on a message's text.
    public static func text(_ alert: Alert) -> String {
        let what = alert.target.isEmpty ? alert.check : "\(alert.check) \(alert.target)"
        let escape = AlertPayload.escape
        return [
            "\(icon(alert)) <b>\(alert.kind.rawValue.uppercased())</b> \(alert.severity.rawValue) — \(escape(what))",
            escape(AlertPayload.truncated(alert.summary, limit: 3000)),
            "project <b>\(escape(alert.project))</b> · host <b>\(escape(alert.host))</b> · key <code>"
                + "\(escape(alert.key))</code>",
            ISO8601DateFormatter().string(from: alert.at),
        ].joined(separator: "\n")
    }

    /// Telegram explains errors as `{"ok": false, "error_code": 401, "description": "Unauthorized"}`;
    /// the description is shown when it is short, one line and does not quote the token.
    private func reason(_ body: Data) -> String {
        struct Refusal: Decodable { var description: String? }
        let secret = token.split(separator: ":").last.map(String.init) ?? token
        guard let description = (try? JSONDecoder().decode(Refusal.self, from: body))?.description,
            !description.isEmpty, description.count <= 200, !description.contains(where: \.isNewline),
            !description.contains(token), secret.isEmpty || !description.contains(secret)
        else { return "" }
        return ": \(description)"
    }

    private static func icon(_ alert: Alert) -> String {
        if alert.kind == .recovered { return "✅" }
        switch alert.severity {
        case .critical: return "🔴"
        case .warning: return "⚠️"
        case .info: return "ℹ️"
        }
    }
}

private struct Message: Encodable {
    var chatId: String
    var text: String
    var parseMode = "HTML"
    var disableWebPagePreview = true
}
