import Foundation

/// What kind of receiver a `[[alerts.receivers]]` table describes.
public enum ReceiverType: String, Sendable, Codable, CaseIterable {
    case slack, webhook, email, pagerduty, telegram, command
}

/// One named place alerts can go (`[[alerts.receivers]]`). Secrets are never written here:
/// the `*_env` keys name variables of `alerts.env_file` (or the monitor's environment).
public struct ReceiverConfig: Sendable, Equatable {
    public var name: String = ""
    public var type: ReceiverType = .webhook
    /// slack/webhook: the variable holding the URL (the URL carries the token).
    public var urlEnv: String?
    /// pagerduty: Events API endpoint; telegram: Bot API base; webhook: a URL without a
    /// token (else use `url_env`). Defaults are the services' public endpoints.
    public var url: String?
    /// webhook: `generic` JSON (default) or `slack`.
    public var format: WebhookFormat = .generic
    /// email: `smtp://host:587` (STARTTLS) or `smtps://host:465`.
    public var smtpURL: String?
    public var from: String?
    public var to: [String] = []
    public var username: String?
    public var passwordEnv: String?
    /// email: refuse to send unless the server upgrades to TLS (smtp:// only).
    public var starttls: Bool = true
    /// email: CA bundle for a server with a private CA.
    public var caFile: String?
    /// pagerduty: the variable holding the integration's routing key.
    public var routingKeyEnv: String?
    /// telegram: the variable holding the bot token, and the chat to write to.
    public var tokenEnv: String?
    public var chatID: String?
    /// command: argv of a program run per alert with the alert as JSON on stdin.
    public var command: [String] = []
    /// Per delivery attempt; default `alerts.timeout`.
    public var timeout: ConfigDuration?

    public init() {}

    /// The names of the variables this receiver reads its secrets from.
    public var secretVariables: [String] {
        [urlEnv, passwordEnv, routingKeyEnv, tokenEnv].compactMap { $0 }
    }
}

/// When a route delivers, relative to `[market]` sessions.
public enum RouteActivity: String, Sendable, Codable, CaseIterable {
    case always
    case marketHours = "market-hours"
    case outsideMarketHours = "outside-market-hours"
}

/// One `[[alerts.routes]]` entry: which alerts (severity at least, components, checks, kinds,
/// times) go to which receivers, and how often a lasting problem is repeated there. Every
/// route that matches delivers; a receiver named by two matching routes gets the alert once.
public struct AlertRoute: Sendable, Equatable {
    public var name: String = ""
    public var receivers: [String] = []
    public var minSeverity: Severity = .warning
    /// Empty: any. Matched against the alert's target (the component of unit, http,
    /// heartbeat… checks) and the component a journal finding came from.
    public var components: [String] = []
    /// Empty: any. Check names (`unit`, `http`, `journal`, `journal-pattern`, `recovery`…).
    public var checks: [String] = []
    /// Empty: any. Alert kinds (`firing`, `reminder`, `recovered`, `escalation`, `test`).
    public var kinds: [String] = []
    /// `HH:MM-HH:MM` in the market's time zone: only alerts at least `quiet_min_severity` go out then.
    public var quietHours: String?
    public var quietMinSeverity: Severity = .critical
    public var active: RouteActivity = .always
    /// Reminder interval on this route; default `alerts.repeat_after`. `0s`: never.
    public var repeatAfter: ConfigDuration?

    public init() {}
}
