import Foundation

/// Sends alerts to PagerDuty through the Events API v2: firing, reminder, escalation and test
/// alerts trigger (or update) an incident, a recovery resolves it.
///
/// The routing key (the integration key of a PagerDuty service) is the credential: whoever
/// holds it can open incidents. It travels only in the request body and appears in no error,
/// log line or description.
public struct PagerDutyNotifier: Notifier {
    /// The public endpoint; tests and EU accounts pass another.
    public static let defaultURL = URL(string: "https://events.pagerduty.com/v2/enqueue")!

    public let name: String
    private let routingKey: String
    private let url: URL
    private let poster: HTTPPoster

    /// `timeout` bounds one attempt (connect, send, answer); retries are the queue's business.
    public init(
        routingKey: String, url: URL = PagerDutyNotifier.defaultURL, timeout: Duration, name: String = "pagerduty"
    ) {
        self.name = name
        self.routingKey = routingKey
        self.url = url
        poster = HTTPPoster(notifier: name, timeout: timeout)
    }

    public func deliver(_ alert: Alert) async throws {
        let answer = try await poster.post(Self.event(alert, routingKey: routingKey), to: url)
        // PagerDuty answers 202 Accepted; any 2xx means it took the event.
        guard (200..<300).contains(answer.status) else {
            throw NotifierError(notifier: name, code: .rejected, detail: "HTTP \(answer.status)\(reason(answer))")
        }
    }

    /// The incident's identity: `<project>/<alert key>`, e.g. `paper/unit/engine`.
    ///
    /// An alert's key names its condition and stays the same from firing through reminders to
    /// recovery, so the resolve event closes the incident the trigger opened and reminders
    /// update it instead of opening new ones. The project keeps two desks sharing one
    /// PagerDuty service apart. PagerDuty allows 255 characters; a longer key is cut.
    public static func dedupKey(_ alert: Alert) -> String {
        String("\(alert.project)/\(alert.key)".prefix(255))
    }

    /// The Events API v2 document: `trigger` with a payload, or `resolve` with only the key.
    public static func event(_ alert: Alert, routingKey: String) -> Data {
        let resolves = alert.kind == .recovered
        let event = Event(
            routingKey: routingKey, eventAction: resolves ? "resolve" : "trigger", dedupKey: dedupKey(alert),
            client: "tradectl",
            payload: resolves
                ? nil
                : Event.Payload(
                    summary: String(alert.title.prefix(1024)), source: alert.host, severity: alert.severity.rawValue,
                    timestamp: ISO8601DateFormatter().string(from: alert.at),
                    component: alert.target.isEmpty ? alert.check : alert.target, group: alert.project,
                    class: alert.check,
                    customDetails: ["kind": alert.kind.rawValue, "summary": alert.summary, "key": alert.key]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Strings only: encoding cannot fail.
        return (try? encoder.encode(event)) ?? Data()
    }

    /// PagerDuty explains a 400 in `message` (`Event object is invalid`) and `errors`; the
    /// message is shown when it is short, one line and does not quote the routing key.
    private func reason(_ answer: HTTPPoster.Answer) -> String {
        if answer.status == 429 { return ": rate limited" }
        struct Refusal: Decodable { var message: String? }
        guard let message = (try? JSONDecoder().decode(Refusal.self, from: answer.body))?.message,
            !message.isEmpty, message.count <= 120, !message.contains(where: \.isNewline),
            !message.contains(routingKey)
        else { return "" }
        return ": \(message)"
    }
}

/// The subset of the Events API v2 event that alerts fill.
private struct Event: Encodable {
    struct Payload: Encodable {
        var summary: String
        var source: String
        /// PagerDuty takes critical, error, warning, info: our three severities are among them.
        var severity: String
        var timestamp: String
        var component: String
        var group: String
        var `class`: String
        var customDetails: [String: String]
    }

    var routingKey: String
    var eventAction: String
    var dedupKey: String
    var client: String
    var payload: Payload?
}
