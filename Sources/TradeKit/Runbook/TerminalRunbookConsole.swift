import Foundation

/// The operator's terminal: the run on stdout, prompts on stderr, answers from stdin.
public struct TerminalRunbookConsole: RunbookConsole {
    public init() {}

    public func show(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Read-only steps run on Enter; a step that changes the system needs an explicit `y`.
    public func confirm(_ step: RunbookStep, total: Int) async -> StepDecision {
        let mutating = step.classification.effect == .mutating
        let question =
            mutating
            ? "run step \(step.number)? it changes the system: y = run, s = skip, q = quit: "
            : "run step \(step.number)? [Enter/y] run, s = skip, q = quit: "
        while true {
            FileHandle.standardError.write(Data(question.utf8))
            guard let answer = await blocking({ readLine() }) else { return .quit }
            switch answer.trimmingCharacters(in: .whitespaces).lowercased() {
            case "y", "yes": return .run
            case "" where !mutating: return .run
            case "s", "skip": return .skip
            case "q", "quit": return .quit
            default: continue
            }
        }
    }
}

/// Records runbook steps in the project's state DB (`audit` table), creating it if needed.
public struct StateStoreAuditLog: RunbookAuditLog {
    public var layout: DeployLayout
    public var fileSystem: FileSystem

    /// Opened on the first row and kept: a runbook records every step.
    private let state: StateDatabase

    public init(layout: DeployLayout, fileSystem: FileSystem) {
        self.layout = layout
        self.fileSystem = fileSystem
        state = StateDatabase(layout: layout, fileSystem: fileSystem)
    }

    public func record(_ entry: AuditEntry) throws {
        try state.recordAudit(entry)
    }
}
