import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a step as a child process of the tradectl binary itself.
///
/// Stdout and stderr are the runbook's own, so output appears live with the child's colours
/// and progress bars, and prompts of `restore` or `secrets set` reach the operator (stdin is
/// inherited, or /dev/null in a dry run). While a child runs, SIGINT and SIGQUIT are caught
/// (not ignored: exec resets caught signals to their default) so Ctrl-C stops the step,
/// and the runbook survives to record it and say how to resume — what system(3) does.
public struct ChildProcessStepExecutor: RunbookStepExecutor {
    public var executable: String
    public var environment: [String: String]

    public init(executable: String, environment: [String: String]) {
        self.executable = executable
        self.environment = environment
    }

    public func execute(_ invocation: StepInvocation) async -> StepStatus {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = invocation.arguments
        process.environment = environment
        if invocation.input == .null { process.standardInput = FileHandle(forReadingAtPath: "/dev/null") }
        let previousInt = signal(SIGINT) { _ in }
        let previousQuit = signal(SIGQUIT) { _ in }
        defer {
            signal(SIGINT, previousInt)
            signal(SIGQUIT, previousQuit)
        }
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { finished in
                switch finished.terminationReason {
                case .exit: continuation.resume(returning: .exited(finished.terminationStatus))
                case .uncaughtSignal: continuation.resume(returning: .signaled(finished.terminationStatus))
                @unknown default: continuation.resume(returning: .exited(finished.terminationStatus))
                }
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: .notStarted("\(executable): \(error.localizedDescription)"))
            }
        }
    }
}
