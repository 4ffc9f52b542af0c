import Foundation

/// An operator's "stop telling me about this until then": `tradectl alerts silence`.
///
/// The matcher is a component (an alert's target), a check name or an alert key; an alert
/// any of the three matches is kept from every receiver while the silence is active. The
/// journal still records it, marked, and its state still advances.
public struct Silence: Sendable, Equatable, Codable {
    public var id: Int64
    public var matcher: String
    public var reason: String
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date
    /// Set by `alerts unsilence`; nil while the silence runs to its end.
    public var removedAt: Date?

    public init(
        id: Int64, matcher: String, reason: String, createdBy: String, createdAt: Date, expiresAt: Date,
        removedAt: Date? = nil
    ) {
        self.id = id
        self.matcher = matcher
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.removedAt = removedAt
    }

    public func isActive(at now: Date) -> Bool { removedAt == nil && createdAt <= now && now < expiresAt }

    /// Whether this silence covers an alert about `target` from `check` with `key`.
    public func matches(key: String, check: String, target: String) -> Bool {
        matcher == key || matcher == check || (!target.isEmpty && matcher == target)
    }

    public func matches(_ alert: Alert) -> Bool { matches(key: alert.key, check: alert.check, target: alert.target) }
}

/// "I am on it": `tradectl alerts ack KEY`. Holds for the firing episode and severity it was
/// given for; a recovery or a severity change makes it lapse (and that change is sent).
public struct Acknowledgement: Sendable, Equatable, Codable {
    public var key: String
    public var ackedBy: String
    public var ackedAt: Date
    /// The firing state acknowledged: its severity and when it started firing.
    public var severity: Severity
    public var firingSince: Date?

    public init(key: String, ackedBy: String, ackedAt: Date, severity: Severity, firingSince: Date?) {
        self.key = key
        self.ackedBy = ackedBy
        self.ackedAt = ackedAt
        self.severity = severity
        self.firingSince = firingSince
    }

    /// Whether the key is still in the state this acknowledges: firing, same severity, same episode.
    public func holds(for state: AlertState?) -> Bool {
        guard let state, state.firing, state.firingSeverity == severity else { return false }
        switch (firingSince, state.firingSince) {
        case (nil, nil): return true
        // Dates go through JSON and SQLite as seconds: an episode is never less than a cycle apart.
        case (let acked?, let since?): return abs(acked.timeIntervalSince(since)) < 0.5
        default: return false
        }
    }
}

/// The silences and acknowledgements in force, loaded once per monitor cycle.
public struct AlertMutes: Sendable, Equatable {
    public var silences: [Silence]
    public var acknowledgements: [String: Acknowledgement]

    public init(silences: [Silence] = [], acknowledgements: [Acknowledgement] = []) {
        self.silences = silences
        self.acknowledgements = Dictionary(acknowledgements.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
    }

    /// The active silence covering `alert`, if any (the one ending last).
    public func silence(for alert: Alert, at now: Date) -> Silence? {
        silences.filter { $0.isActive(at: now) && $0.matches(alert) }.max { $0.expiresAt < $1.expiresAt }
    }

    /// Why `alert` goes to no receiver, or nil when it is sent: a silence covers it, or it is a
    /// reminder of an acknowledged state. `state` is the key's state after this cycle's step.
    public func mute(_ alert: Alert, state: AlertState?, at now: Date) -> AlertMute? {
        guard alert.kind != .test else { return nil }
        if let silence = silence(for: alert, at: now) { return .silenced(silence) }
        if alert.kind == .reminder, let ack = acknowledgements[alert.key], ack.holds(for: state) {
            return .acknowledged(ack)
        }
        return nil
    }

    /// Keys whose acknowledgement no longer holds (recovered, severity changed, new episode).
    public func lapsed(_ states: [String: AlertState]) -> [String] {
        acknowledgements.values.filter { !$0.holds(for: states[$0.key]) }.map(\.key).sorted()
    }
}

/// Why an alert reached no receiver.
public enum AlertMute: Sendable, Equatable {
    case silenced(Silence)
    case acknowledged(Acknowledgement)

    /// The metric label: `silenced` or `acknowledged`.
    public var label: String {
        switch self {
        case .silenced: return "silenced"
        case .acknowledged: return "acknowledged"
        }
    }

    /// The marker the journal records at the end of the summary.
    public var marker: String {
        switch self {
        case .silenced(let silence): return "silenced #\(silence.id) by \(silence.createdBy): \(silence.reason)"
        case .acknowledged(let ack): return "acknowledged by \(ack.ackedBy)"
        }
    }
}

extension Alert {
    /// The alert as the journal records a muted one: the reason at the end of its summary.
    func muted(_ mute: AlertMute) -> Alert {
        var alert = self
        alert.summary += " [\(mute.marker)]"
        return alert
    }
}
