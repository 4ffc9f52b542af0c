import Foundation

/// Records the longest gap between runs of each oneshot's schedule in the state database, so
/// the timer check of `health` and the monitor reads it instead of starting `systemd-analyze`.
/// The table ends up holding exactly `gaps`: schedules no component uses any more go.
public struct RecordScheduleGaps: Effect {
    /// Spec → seconds, as `systemd-analyze calendar` gave them at plan time.
    public var gaps: [String: TimeInterval]
    /// The state database (a path under `--root`), for the plan's target only.
    public var database: String
    public var typeName: String { "schedules" }
    public var target: String { "\(database) (schedule gaps)" }
}

/// The schedule gaps' handler, on the invocation's one state database. The store is opened
/// when the effect is applied, not when the handler is built: a dry run never gets here.
public struct ScheduleEffectHandlers: Sendable {
    public var state: StateDatabase

    public init(state: StateDatabase) {
        self.state = state
    }

    public var all: [any EffectHandler] { [Recorder(state: state)] }

    struct Recorder: EffectHandler {
        var state: StateDatabase
        func apply(_ effect: RecordScheduleGaps) async throws -> (any Sendable)? {
            try state.store().replaceScheduleGaps(effect.gaps)
            return nil
        }
    }
}
