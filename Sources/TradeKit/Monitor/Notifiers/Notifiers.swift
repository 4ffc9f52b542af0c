import Foundation
import Logging

/// Builds the notifiers `[alerts]` asks for: one per receiver, named as the receiver.
public enum Notifiers {
    /// Every `[[alerts.receivers]]` entry (or, with none, the legacy `webhook_url` and
    /// `command` as receivers `webhook` and `command`), and the journal always: alerts stay
    /// findable with journalctl when every receiver is down.
    ///
    /// A receiver that cannot be built (a secret variable unset, a URL Foundation cannot
    /// parse) becomes an `UnavailableNotifier` saying why, logged without any value.
    public static func make(from alerts: AlertsConfig, secrets: SecretVariables, logger: Logger) -> [any Notifier] {
        var notifiers: [any Notifier] = LegacyReceivers.make(alerts, logger: logger)
        for receiver in alerts.receivers where !notifiers.contains(where: { $0.name == receiver.name }) {
            let notifier = make(receiver, alerts: alerts, secrets: secrets)
            if let unavailable = notifier as? UnavailableNotifier {
                logger.error(
                    "alert receiver unusable",
                    metadata: ["receiver": "\(receiver.name)", "why": "\(unavailable.reason)"])
            }
            notifiers.append(notifier)
        }
        notifiers.append(JournalNotifier())
        logger.debug("notifiers ready", metadata: ["notifiers": "\(notifiers.map(\.name).joined(separator: ","))"])
        return notifiers
    }

    /// One receiver's notifier. Its secrets are looked up here, and only here.
    static func make(_ receiver: ReceiverConfig, alerts: AlertsConfig, secrets: SecretVariables) -> any Notifier {
        let name = receiver.name
        let timeout = (receiver.timeout ?? alerts.timeout).duration
        func missing(_ key: String, _ variable: String?) -> UnavailableNotifier {
            UnavailableNotifier(
                name: name, reason: "\(key) names \(variable ?? "no variable"), which is not set in \(secrets.source)")
        }
        switch receiver.type {
        case .slack, .webhook:
            let text: String
            if let variable = receiver.urlEnv {
                guard let value = secrets.value(variable) else { return missing("url_env", variable) }
                text = value
            } else {
                text = receiver.url ?? ""
            }
            guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http" else {
                return UnavailableNotifier(name: name, reason: "its URL is not an http(s) URL")
            }
            let format: WebhookFormat = receiver.type == .slack ? .slack : receiver.format
            return WebhookNotifier(url: url, format: format, timeout: timeout, name: name)
        case .command:
            return CommandNotifier(argv: receiver.command, timeout: timeout, name: name)
        case .email:
            var password: String?
            if let variable = receiver.passwordEnv {
                guard let value = secrets.value(variable) else { return missing("password_env", variable) }
                password = value
            }
            return EmailNotifier(
                url: receiver.smtpURL ?? "", from: receiver.from ?? "", to: receiver.to, username: receiver.username,
                password: password, starttls: receiver.starttls, caFile: receiver.caFile, timeout: timeout, name: name)
        case .pagerduty:
            guard let key = secrets.value(receiver.routingKeyEnv) else {
                return missing("routing_key_env", receiver.routingKeyEnv)
            }
            guard let url = endpoint(receiver, default: PagerDutyNotifier.defaultURL) else {
                return UnavailableNotifier(name: name, reason: "its url is not an http(s) URL")
            }
            return PagerDutyNotifier(routingKey: key, url: url, timeout: timeout, name: name)
        case .telegram:
            guard let token = secrets.value(receiver.tokenEnv) else { return missing("token_env", receiver.tokenEnv) }
            guard let url = endpoint(receiver, default: TelegramNotifier.defaultAPIURL) else {
                return UnavailableNotifier(name: name, reason: "its url is not an http(s) URL")
            }
            return TelegramNotifier(
                token: token, chatID: receiver.chatID ?? "", apiURL: url, timeout: timeout, name: name)
        }
    }

    /// A service's endpoint: the receiver's `url` when set (a proxy, a test server), else the public one.
    static func endpoint(_ receiver: ReceiverConfig, default fallback: URL) -> URL? {
        guard let text = receiver.url else { return fallback }
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http" else { return nil }
        return url
    }
}

/// `[alerts] webhook_url` and `command`, the settings from before receivers existed, as
/// receivers named `webhook` and `command` (used by the default route when no routes are set).
enum LegacyReceivers {
    static func names(_ alerts: AlertsConfig) -> [String] {
        (alerts.webhookURL == nil ? [] : ["webhook"]) + (alerts.command.isEmpty ? [] : ["command"])
    }

    /// A URL Foundation cannot parse is logged (without its value, it is a secret) and
    /// skipped; the config validator already rejects anything that is not http(s).
    static func make(_ alerts: AlertsConfig, logger: Logger) -> [any Notifier] {
        var notifiers: [any Notifier] = []
        if let text = alerts.webhookURL {
            if let url = URL(string: text), url.scheme == "https" || url.scheme == "http" {
                notifiers.append(
                    WebhookNotifier(url: url, format: alerts.webhookFormat, timeout: alerts.timeout.duration))
            } else {
                logger.error("alerts.webhook_url is not a valid URL; webhook notifier disabled")
            }
        }
        if !alerts.command.isEmpty {
            notifiers.append(CommandNotifier(argv: alerts.command, timeout: alerts.timeout.duration))
        }
        return notifiers
    }
}
