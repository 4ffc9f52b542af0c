import Foundation

/// Runs an operator's program per alert (mail, SMS gateway, pager CLI) with the alert as
/// JSON on stdin, so any language can read it without parsing arguments.
///
/// The program also gets `TRADECTL_ALERT_TITLE`, `TRADECTL_ALERT_KIND`,
/// `TRADECTL_ALERT_SEVERITY`, `TRADECTL_ALERT_KEY` and `TRADECTL_PROJECT`, enough for a
/// one-line shell script (`mail -s "$TRADECTL_ALERT_TITLE" ops@example.com`).
public struct CommandNotifier: Notifier {
    public let name: String
    private let argv: [String]
    private let timeout: Duration
    private let launcher: ProcessLauncher

    /// `argv[0]` is a path or a name looked up in PATH; `timeout` bounds one run, after
    /// which the program is killed (swift-subprocess kills the child when its task is cancelled).
    public init(
        argv: [String], timeout: Duration, launcher: ProcessLauncher = SubprocessLauncher(), name: String = "command"
    ) {
        self.name = name
        self.argv = argv
        self.timeout = timeout
        self.launcher = launcher
    }

    /// What will run for `alert`, as a value tests compare with `==`.
    public func command(for alert: Alert) -> Command {
        Command(
            argv.first ?? "", Array(argv.dropFirst()),
            environment: [
                "TRADECTL_ALERT_TITLE": alert.title, "TRADECTL_ALERT_KIND": alert.kind.rawValue,
                "TRADECTL_ALERT_SEVERITY": alert.severity.rawValue, "TRADECTL_ALERT_KEY": alert.key,
                "TRADECTL_PROJECT": alert.project,
            ],
            input: AlertPayload.generic(alert))
    }

    public func deliver(_ alert: Alert) async throws {
        guard !argv.isEmpty else { throw NotifierError(notifier: name, code: .launch, detail: "no program configured") }
        let command = command(for: alert)
        let launcher = self.launcher
        let result: CommandResult
        do {
            result = try await withDeadline(timeout) { try await launcher.run(command) }
        } catch is DeadlineExceeded {
            throw NotifierError(
                notifier: name, code: .timeout,
                detail: String(format: "did not exit within %.1fs, killed", timeout.timeInterval))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The program's name is configuration, not a secret, but its arguments may be:
            // say which program, never the whole command line.
            let program = (argv[0] as NSString).lastPathComponent
            throw NotifierError(notifier: name, code: .launch, detail: "could not start \(program)")
        }
        guard result.succeeded else {
            let how = result.signaled ? "killed by signal \(result.status)" : "exit status \(result.status)"
            throw NotifierError(notifier: name, code: .exitStatus, detail: how)
        }
    }
}
