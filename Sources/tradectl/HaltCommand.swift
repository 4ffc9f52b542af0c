import ArgumentParser
import Foundation
import TradeKit

struct HaltCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "halt",
        abstract: "Kill switch on: write the flag file, then stop the trading components gracefully.",
        discussion: """
            Writes kill_switch.file (one line: reason, who, when). Every component's unit has its path \
            in TRADECTL_KILL_SWITCH, so an engine can refuse new orders as soon as the file exists. \
            Then stops the kill_switch.components with a plain `systemctl stop` (timers first, so no \
            scheduled run starts): each service gets its TimeoutStopSec to finish pending orders. \
            While halted, deploy, update and rollback leave those components stopped.

            Halting again is safe: a new --reason replaces the old one (who and when are kept), and \
            a component started by hand in the meantime is stopped again. Exit 69 when the flag was \
            written but systemd could not be reached to stop anything.

            Examples:
              tradectl halt --reason "broker returns stale quotes"
              tradectl halt --dry-run
              tradectl resume

            See docs/incident-commands.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Why trading is halted (one line; shown by status, health and audit).")
    var reason: String?

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
    var lockWait: Int = 0

    func validate() throws {
        if let reason, let problem = KillSwitchFlag.problem(inReason: reason) {
            throw ValidationError("--reason \(problem)")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "halt")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let runner = context.incidentRunner(deployment)
            let outcome = try await runner.halt(reason: reason, dryRun: dryRun, lockWait: .seconds(lockWait))
            if context.showPlan(outcome.plan, dryRun: dryRun) {
                let stopped = outcome.plan.changes(of: UnitJob.self).filter { $0.verb == .stop }.map(\.target)
                context.print(
                    (outcome.wasHalted ? "already halted" : "halted")
                        + ": kill switch on (\(deployment.killSwitch.file))"
                        + (stopped.isEmpty ? "\n" : "; stopped \(stopped.joined(separator: " "))\n"))
            }
        }
    }
}

extension CommandContext {
    var offline: Bool { global.root != nil && global.root != "/" }

    func incidentRunner(_ deployment: Deployment) -> IncidentRunner {
        IncidentRunner(
            deployment: deployment, fileSystem: fileSystem, environment: environment, offline: offline,
            logger: makeLogger(project: deployment.project.name))
    }
}
