import ArgumentParser
import Foundation
import Logging
import TradeKit

/// What every command needs, built once from the global options: config, output, logger.
struct CommandContext {
    let global: GlobalOptions
    let environment: [String: String]
    let command: String

    init(_ global: GlobalOptions, command: String) {
        self.global = global
        self.command = command
        environment = ProcessInfo.processInfo.environment
    }

    var useColor: Bool {
        !global.noColor && environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) == 1 && !global.json
    }

    var fileSystem: RootedFileSystem { RootedFileSystem(root: global.root ?? "/") }

    func loadConfig(overrides: ConfigLoader.Overrides = .init()) throws -> (Deployment, [ConfigIssue]) {
        let loader = ConfigLoader(environment: environment)
        return try loader.load(
            path: try loader.locate(explicit: global.config, project: global.project), overrides: overrides)
    }

    /// swift-log to journald under systemd, else to stderr (warnings unless --verbose).
    func makeLogger(project: String?) -> Logger {
        let command = self.command
        let toJournal = JournalWriter.stderrIsJournal(environment: environment)
        var logger = Logger(label: "tradectl") { label in
            if toJournal { return JournalLogHandler(label: label, command: command, project: project) }
            return StreamLogHandler.standardError(label: label)
        }
        // On a terminal the outcome is printed by the command itself; logs add detail only with --verbose.
        logger.logLevel = global.verbose ? .debug : (toJournal ? .info : .critical)
        return logger
    }

    func print(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Shows a mutating command's plan the common way: JSON with --json; the text plan unless
    /// --quiet (always in a dry run), then "dry run: nothing was changed". True when the caller
    /// should go on to print its own one-line outcome.
    func showPlan(_ plan: Plan, dryRun: Bool) -> Bool {
        if global.json {
            print(PlanRenderer.json(plan) + "\n")
            return false
        }
        if !global.quiet || dryRun { print(PlanRenderer.text(plan, verbose: global.verbose, color: useColor)) }
        if dryRun {
            print("dry run: nothing was changed\n")
            return false
        }
        return !global.quiet
    }

    /// How deploy, update and rollback show their plan before applying it: the text plan,
    /// unless --json or --quiet.
    func planBeforeApplying(_ plan: Plan) {
        if !global.json && !global.quiet {
            print(PlanRenderer.text(plan, verbose: global.verbose, color: useColor))
        }
    }

    /// After deploy or update ran: the JSON plan, or the dry run's plan and its last line. True
    /// when the caller should print its own one-line outcome (applied, not --quiet).
    func showAppliedPlan(_ plan: Plan, dryRun: Bool) -> Bool {
        if global.json {
            print(PlanRenderer.json(plan) + "\n")
            return false
        }
        if dryRun {
            print(PlanRenderer.text(plan, verbose: global.verbose, color: useColor))
            print("dry run: nothing was changed\n")
            return false
        }
        return !global.quiet
    }

    func warn(_ issues: [ConfigIssue]) {
        guard !global.quiet, !global.json else { return }
        for issue in issues where issue.severity == .warning {
            FileHandle.standardError.write(Data("\(issue)\n".utf8))
        }
    }

    /// Runs a command body, turning errors into one clear line and a documented exit code.
    func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            // A command that already printed its own JSON for this failure (run's outcome)
            // wraps the error, so stdout still holds one document.
            let printedItsOwnJSON = error is ReportedAsJSON
            let error = (error as? ReportedAsJSON)?.underlying ?? error
            let status = ExitStatus.of(error)
            var message = "tradectl: error: \(error)"
            if let hint = ExitStatus.hint(for: error) { message += "\n(\(hint))" }
            if let full = NoSpaceLeft(error, command: "tradectl \(command)") { message = "tradectl: error: \(full)" }
            if let configError = error as? ConfigError {
                message =
                    configError.issues.map(\.description).joined(separator: "\n")
                    + "\ntradectl: \(configError.errors.count) config error(s)"
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            if global.json && !printedItsOwnJSON { print(ErrorDocument.json(for: error, message: message) + "\n") }
            throw ExitCode(status.rawValue)
        }
    }
}

/// An error whose failure the command has already printed as its JSON document.
struct ReportedAsJSON: Error {
    let underlying: Error
}
