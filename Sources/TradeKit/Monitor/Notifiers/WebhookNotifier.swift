import Foundation

/// POSTs each alert as JSON to a webhook (Slack incoming webhook or any HTTP receiver).
///
/// The URL is a secret (a Slack webhook URL is the credential): it is kept private, and every
/// failure is reported as a `NotifierError` written here rather than Foundation's error,
/// whose description and user info quote the URL.
public struct WebhookNotifier: Notifier {
    public let name: String
    private let url: URL
    private let format: WebhookFormat
    private let poster: HTTPPoster

    /// `timeout` bounds one attempt (connect, send, answer); retries are the queue's business.
    public init(url: URL, format: WebhookFormat, timeout: Duration, name: String = "webhook") {
        self.name = name
        self.url = url
        self.format = format
        poster = HTTPPoster(notifier: name, timeout: timeout)
    }

    public func deliver(_ alert: Alert) async throws {
        let body = format == .slack ? AlertPayload.slack(alert) : AlertPayload.generic(alert)
        let answer = try await poster.post(body, to: url)
        guard (200..<300).contains(answer.status) else {
            throw NotifierError(notifier: name, code: .rejected, detail: "HTTP \(answer.status)\(reason(answer.body))")
        }
    }

    /// Slack answers errors with one snake_case word (`invalid_payload`, `no_service`), worth
    /// showing; anything else (an HTML page may echo the request path, hence the token) is not.
    private func reason(_ body: Data) -> String {
        let text = String(decoding: body.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let word = !text.isEmpty && text.count <= 40 && text.allSatisfy { $0 == "_" || ("a"..."z").contains($0) }
        return word && !url.absoluteString.contains(text) ? ": \(text)" : ""
    }
}
