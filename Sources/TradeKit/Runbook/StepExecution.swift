import Foundation

/// How a step's process ended.
public enum StepStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// The process could not be started at all.
    case notStarted(String)

    public var succeeded: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signaled(let signal): return "killed by signal \(signal)\(signal == SIGINT ? " (interrupted)" : "")"
        case .notStarted(let reason): return "could not start: \(reason)"
        }
    }
}

/// One step as it will be run: the argument vector after the binary, and its stdin.
/// Built as a value first so tests assert it with `==` without running anything.
public struct StepInvocation: Sendable, Equatable {
    public enum Input: Sendable, Equatable {
        /// The runbook's own stdin (the operator's terminal): `secrets set` and `restore` can ask.
        case inherit
        /// /dev/null: nothing in a dry run may wait for input.
        case null
    }

    public var arguments: [String]
    public var input: Input
    /// A rehearsal (`runbook run --dry-run`): the step runs with `TRADECTL_REHEARSAL=1`, so a
    /// read-only command that records what it saw (`health`'s run history) records nothing.
    public var rehearsal: Bool

    public init(arguments: [String], input: Input, rehearsal: Bool = false) {
        self.arguments = arguments
        self.input = input
        self.rehearsal = rehearsal
    }

    /// The variable a rehearsal sets for its steps (spelled out where the child is started).
    public static let rehearsalVariable = "TRADECTL_REHEARSAL"
}

/// Runs one step. The real one starts the tradectl binary; tests substitute a script.
public protocol RunbookStepExecutor: Sendable {
    func execute(_ invocation: StepInvocation) async -> StepStatus
}

/// What the operator decided at a step's prompt.
public enum StepDecision: Sendable, Equatable {
    case run, skip, quit
}

/// Where a run is shown and where the operator answers.
public protocol RunbookConsole: Sendable {
    func show(_ text: String)
    func confirm(_ step: RunbookStep, total: Int) async -> StepDecision
}

/// Where each step is recorded (the state DB's audit table; a list in tests).
public protocol RunbookAuditLog: Sendable {
    func record(_ entry: AuditEntry) throws
}
