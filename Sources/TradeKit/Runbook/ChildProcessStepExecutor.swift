import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a step as a child process of the tradectl binary itself, with the runbook's
/// environment.
///
/// Stdout and stderr are the runbook's own file descriptors, so output appears live with
/// the child's colours and progress bars; stdin is the runbook's too (or /dev/null in a
/// dry run), so `restore` and `secrets set` can ask the operator. The child stays in the
/// runbook's process group — Foundation's `Process` would move it to a group of its own,
/// where Ctrl-C does not reach it and reading the terminal stops it with SIGTTIN — and
/// swift-subprocess resets its signal dispositions. While it runs, the runbook catches
/// SIGINT and SIGQUIT (a caught signal is reset to its default by exec), so Ctrl-C stops
/// the step and the runbook survives to record it and say how to resume, as system(3) does.
public struct ChildProcessStepExecutor: RunbookStepExecutor {
    public var executable: String

    public init(executable: String) {
        self.executable = executable
    }

    public func execute(_ invocation: StepInvocation) async -> StepStatus {
        let previousInterrupt = signal(SIGINT) { _ in }
        let previousQuit = signal(SIGQUIT) { _ in }
        defer {
            signal(SIGINT, previousInterrupt)
            signal(SIGQUIT, previousQuit)
        }
        do {
            let input: FileDescriptorInput
            switch invocation.input {
            case .inherit: input = .currentStandardInput
            case .null:
                input = .fileDescriptor(
                    try FileDescriptor.open("/dev/null", .readOnly), closeAfterSpawningProcess: true)
            }
            let result = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(invocation.arguments),
                environment: invocation.rehearsal
                    ? .inherit.updating(["TRADECTL_REHEARSAL": "1"]) : .inherit,
                input: input, output: .currentStandardOutput, error: .currentStandardError)
            switch result.terminationStatus {
            case .exited(let code): return .exited(code)
            case .signaled(let signal): return .signaled(signal)
            }
        } catch {
            return .notStarted("\(executable): \(error)")
        }
    }
}
