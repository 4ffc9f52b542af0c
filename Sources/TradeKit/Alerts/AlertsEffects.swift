import Foundation

/// Adds a silence to the state database (`alerts silence`).
public struct AddSilence: Effect {
    public var matcher: String
    public var reason: String
    public var user: String
    public var createdAt: Date
    public var expiresAt: Date
    public var typeName: String { "alerts.silence" }
    public var target: String { "\(matcher) until \(ISO8601DateFormatter().string(from: expiresAt))" }
}

/// Ends silences before they expire (`alerts unsilence`); they stay on record.
public struct EndSilences: Effect {
    public var ids: [Int64]
    /// For the plan's target: `#3 (engine)`.
    public var matchers: [String]
    public var at: Date
    public var typeName: String { "alerts.unsilence" }
    public var target: String {
        zip(ids, matchers).map { "#\($0) (\($1))" }.joined(separator: ", ")
    }
}

/// Records an acknowledgement of one firing state (`alerts ack`).
public struct AcknowledgeAlert: Effect {
    public var acknowledgement: Acknowledgement
    public var typeName: String { "alerts.ack" }
    public var target: String {
        "\(acknowledgement.key) (\(acknowledgement.severity.rawValue))"
    }
}

/// What `AddSilence` produced: the new silence's id.
public struct SilenceAdded: Sendable, Equatable {
    public var id: Int64
}

/// The handlers of the alert mutes, on the invocation's one state database (opened, and
/// created if need be, when an effect is applied; a dry run never gets here).
public struct AlertsEffectHandlers: Sendable {
    public var state: StateDatabase

    public init(state: StateDatabase) { self.state = state }

    public var all: [any EffectHandler] { [Adder(state: state), Ender(state: state), Acknowledger(state: state)] }

    struct Adder: EffectHandler {
        var state: StateDatabase
        func apply(_ effect: AddSilence) async throws -> (any Sendable)? {
            let id = try state.store().addSilence(
                matcher: effect.matcher, reason: effect.reason, by: effect.user, at: effect.createdAt,
                expires: effect.expiresAt)
            return SilenceAdded(id: id)
        }
    }

    struct Ender: EffectHandler {
        var state: StateDatabase
        func apply(_ effect: EndSilences) async throws -> (any Sendable)? {
            try state.store().removeSilences(ids: effect.ids, at: effect.at)
            return nil
        }
    }

    struct Acknowledger: EffectHandler {
        var state: StateDatabase
        func apply(_ effect: AcknowledgeAlert) async throws -> (any Sendable)? {
            try state.store().recordAcknowledgement(effect.acknowledgement)
            return nil
        }
    }
}
