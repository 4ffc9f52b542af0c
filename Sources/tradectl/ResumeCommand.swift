import ArgumentParser
import Foundation
import TradeKit

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Kill switch off: remove the flag file, start the trading components, wait until healthy.",
        discussion: """
            Removes kill_switch.file, clears failed states (reset-failed) and starts the \
            kill_switch.components' services and timers that are not running, then waits for them to \
            be active and their probes to pass (deploy.health_timeout; exit 1 naming the component if \
            not). When the kill switch is not engaged it says so and only starts trading components \
            that are down (usually nothing): exit 0. Exit 69, with nothing changed, when systemd \
            cannot be reached.

            Examples:
              tradectl resume --dry-run
              tradectl resume

            See docs/incident-commands.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Option(help: "How long to wait for health, e.g. 90s (overrides deploy.health_timeout).")
    var healthTimeout: String?

    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
    var lockWait: Int = 0

    func validate() throws {
        if let healthTimeout, ConfigDuration(parsing: healthTimeout) == nil {
            throw ValidationError("--health-timeout must be a duration such as 90s or 5min")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "resume")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let runner = context.incidentRunner(deployment)
            let outcome = try await runner.resume(
                dryRun: dryRun, lockWait: .seconds(lockWait),
                healthTimeout: healthTimeout.flatMap(ConfigDuration.init(parsing:)))
            if context.showPlan(outcome.plan, dryRun: dryRun) {
                let started = outcome.plan.changes(of: UnitJob.self).filter { $0.verb == .start }.map(\.target)
                let tail = started.isEmpty ? "\n" : "; started \(started.joined(separator: " ")): healthy\n"
                context.print(
                    outcome.wasHalted
                        ? "resumed: kill switch off" + tail
                        : outcome.plan.isEmpty ? "not halted: nothing to resume\n" : "not halted" + tail)
            }
        }
    }
}
