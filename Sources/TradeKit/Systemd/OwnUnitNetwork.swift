import Foundation

/// The IP allow list of tradectl's own health and monitor units, when the config says every
/// address they talk to: `IPAddressDeny=any` plus `IPAddressAllow=` these (docs/hardening.md).
///
/// Health only reaches the components' `probes.http` and `probes.tcp`; the monitor also serves
/// its metrics on loopback and posts alerts to `alerts.webhook_url` and its receivers. Anything known only by name
/// (a probe or webhook host that is not an IP literal: Slack's addresses change) or that may go
/// anywhere (a notifier command) leaves the unit without an allow list, so nothing it needs is
/// ever cut off: `nil`. The list is decided at deploy time from the effective config, so a
/// webhook added later reaches the monitor through a deploy, which renders the unit anew.
public enum OwnUnitNetwork {
    /// `IPAddressAllow=` value for `role` (`health`, `monitor`), or nil for no IP filter.
    public static func ipAddressAllow(role: String, deployment: Deployment) -> String? {
        var hosts: [String] = []
        for component in deployment.components {
            if let url = component.probes.http {
                guard let host = URLComponents(string: url)?.host, !host.isEmpty else { return nil }
                hosts.append(host)
            }
            for case .tcp(let host, _) in ProbeSpec.of(component, root: deployment.project.root) { hosts.append(host) }
        }
        switch role {
        case "health":
            break
        case "monitor":
            guard deployment.alerts.command.isEmpty else { return nil }
            if let webhook = deployment.alerts.webhookURL {
                guard let host = URLComponents(string: webhook)?.host, !host.isEmpty else { return nil }
                hosts.append(host)
            }
            for receiver in deployment.alerts.receivers {
                guard let host = receiverHost(receiver) else { return nil }
                hosts.append(host)
            }
        // metrics_listen is loopback by validation (MetricsAddress), covered by `localhost`.
        default:
            return nil
        }
        var allow = ["localhost"]
        for raw in hosts {
            let host = raw.hasPrefix("[") && raw.hasSuffix("]") ? String(raw.dropFirst().dropLast()) : raw
            if isLoopback(host) { continue }
            guard isIPLiteral(host) else { return nil }
            if !allow.contains(host) { allow.append(host) }
        }
        return allow.joined(separator: " ")
    }

    /// The host a receiver talks to, when the config alone says it: not for a URL held in a
    /// secret variable (deploy does not read secrets), a service's public endpoint (a name),
    /// or a command (it may go anywhere).
    static func receiverHost(_ receiver: ReceiverConfig) -> String? {
        let url: String?
        switch receiver.type {
        case .slack, .command: return nil
        case .webhook: url = receiver.urlEnv == nil ? receiver.url : nil
        case .pagerduty, .telegram: url = receiver.url
        case .email: url = receiver.smtpURL
        }
        guard let url, let host = URLComponents(string: url)?.host, !host.isEmpty else { return nil }
        return host
    }

    /// `localhost`, 127.0.0.0/8 or ::1: what `IPAddressAllow=localhost` admits.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1 && host.hasPrefix("127.")
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
