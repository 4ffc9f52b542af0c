import Foundation

/// How an action changes its target; `unchanged` actions are shown but not applied.
public enum ChangeKind: String, Sendable, Codable { case create, update, delete, run, unchanged }

/// Who should own a created path. Names are resolved when the action is applied, because
/// the plan may create the account a few steps earlier.
public struct OwnerSpec: Sendable, Equatable {
    public var user: String
    public var group: String
}

/// One side effect a plan can hold: a value that `--dry-run` shows and the plan's JSON names,
/// applied by the `EffectHandler` registered for its type. Each capability declares its own
/// effects next to its code (files here, releases in Deploy/, archives in Backup/ …), so the
/// applier knows none of them.
public protocol Effect: Sendable {
    /// The stable `type` of `--json` output (`file`, `systemctl.restart`, `archive` …).
    var typeName: String { get }
    /// The path or units the effect is about.
    var target: String { get }
}

/// One step of a plan: an effect, how it changes its target, and (for files) a diff.
public struct Action: Sendable {
    public var effect: any Effect
    public var change: ChangeKind
    /// Why the action is there, for humans ("unit file changed", "release is new").
    public var note: String?
    /// Unified diff against disk, secrets already redacted.
    public var diff: String?

    public init(_ effect: some Effect, change: ChangeKind, note: String? = nil, diff: String? = nil) {
        self.effect = effect
        self.change = change
        self.note = note
        self.diff = diff
    }

    /// The effect as a concrete type, or nil: how commands inspect a plan.
    public func effect<E: Effect>(as type: E.Type) -> E? { effect as? E }
}

/// Actions that undo part of a plan when a later action fails: restore's swap back of the
/// old data. Part of the plan, so `--dry-run` shows it and the applier needs no special case.
public struct Compensation: Sendable {
    /// A failure of an action after this index (in `Plan.actions`) applies `actions`.
    public var afterIndex: Int
    public var actions: [Action]
    /// Shown with the plan: when and why the compensation runs.
    public var reason: String
}

/// An ordered list of actions: exactly what `--dry-run` prints and the applier applies.
public struct Plan: Sendable {
    public var command: String
    public var actions: [Action]
    /// Facts the operator should know that are not actions (e.g. "units installed but not started").
    public var notes: [String]
    public var compensation: Compensation?
    /// The release this plan deploys or returns to, for the deploy record.
    public var version: String?

    public init(command: String, actions: [Action] = [], notes: [String] = []) {
        self.command = command
        self.actions = actions
        self.notes = notes
    }

    public var changes: [Action] { actions.filter { $0.change != .unchanged } }
    public var isEmpty: Bool { changes.isEmpty }

    /// The changing actions whose effect is an `E`, typed.
    public func changes<E: Effect>(of type: E.Type) -> [E] { changes.compactMap { $0.effect as? E } }

    public mutating func add(_ effect: some Effect, _ change: ChangeKind, note: String? = nil, diff: String? = nil) {
        actions.append(Action(effect, change: change, note: note, diff: diff))
    }

    /// From here on, a failing action triggers `actions` (built by `build`) before the error is reported.
    public mutating func compensateFailuresAfterLastAction(reason: String, _ build: (inout Plan) -> Void) {
        var undo = Plan(command: command)
        build(&undo)
        compensation = Compensation(afterIndex: actions.count - 1, actions: undo.actions, reason: reason)
    }
}
