import Foundation
import Logging

/// Builds the notifiers `[alerts]` asks for.
public enum Notifiers {
    /// The webhook when `webhook_url` is set, the command when `command` is non-empty, and
    /// the journal always: alerts stay findable with journalctl when every receiver is down.
    ///
    /// A URL Foundation cannot parse is logged (without its value, it is a secret) and
    /// skipped; the config validator already rejects anything that is not http(s).
    public static func make(from config: AlertsConfig, logger: Logger) -> [any Notifier] {
        var notifiers: [any Notifier] = []
        if let text = config.webhookURL {
            if let url = URL(string: text), url.scheme == "https" || url.scheme == "http" {
                notifiers.append(
                    WebhookNotifier(url: url, format: config.webhookFormat, timeout: config.timeout.duration))
            } else {
                logger.error("alerts.webhook_url is not a valid URL; webhook notifier disabled")
            }
        }
        if !config.command.isEmpty {
            notifiers.append(CommandNotifier(argv: config.command, timeout: config.timeout.duration))
        }
        notifiers.append(JournalNotifier())
        logger.debug("notifiers ready", metadata: ["notifiers": "\(notifiers.map(\.name).joined(separator: ","))"])
        return notifiers
    }
}
