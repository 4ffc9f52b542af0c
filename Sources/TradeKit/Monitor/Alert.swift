import Foundation

/// One message to an operator: a problem starting, still going, escalating, or over.
///
/// Built only from check results and journal findings, never from config values, so no
/// secret (webhook URL, env file content) can reach a notifier through it.
public struct Alert: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A check went bad (after its consecutive-results threshold).
        case firing
        /// Still bad after `alerts.repeat_after`.
        case reminder
        /// A bad check is good again.
        case recovered
        /// The monitor gave up on something (auto-restart limit hit).
        case escalation
        /// `tradectl monitor test-alert`.
        case test
    }

    /// Stable key of the condition, e.g. `unit/engine` or `journal-pattern/rate-limit`.
    public var key: String
    public var kind: Kind
    public var severity: Severity
    public var project: String
    public var host: String
    public var check: String
    public var target: String
    public var summary: String
    public var at: Date

    public init(
        key: String, kind: Kind, severity: Severity, project: String, host: String, check: String, target: String,
        summary: String, at: Date
    ) {
        self.key = key
        self.kind = kind
        self.severity = severity
        self.project = project
        self.host = host
        self.check = check
        self.target = target
        self.summary = summary
        self.at = at
    }

    /// One line for logs and chat: `[paper] v6 engine: FIRING critical — unit inactive (failed)`.
    public var title: String {
        let what = target.isEmpty ? check : "\(check) \(target)"
        return "\(project)@\(host) \(what): \(kind.rawValue.uppercased()) \(severity.rawValue) — \(summary)"
    }
}

/// Delivers alerts somewhere (a webhook, a program). Throws when delivery failed and is worth retrying.
public protocol Notifier: Sendable {
    /// Names the notifier in logs and metrics without revealing its target (`webhook`, `command`).
    var name: String { get }
    /// Gets every alert whatever the routes say (the journal: the record of what happened).
    var receivesEveryAlert: Bool { get }
    func deliver(_ alert: Alert) async throws
}

extension Notifier {
    public var receivesEveryAlert: Bool { false }
}
