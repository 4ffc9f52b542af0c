import ArgumentParser
import Foundation
import TradeKit

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a oneshot component now, wait for it to end, and exit with its result.",
        discussion: """
            Starts the component's service (<project>-<component>.service) exactly as its timer \
            would: same user, sandbox, environment file and journal identity. The command waits \
            until the program exits and prints how it ended; with --follow it also prints the \
            run's journal lines as they arrive (journalctl's short-iso, or JSON lines with --json). \
            A service left failed by an earlier run is reset first.

            Exit 0 when the run succeeded; 1 when it failed, naming the unit's Result and \
            ExecMainStatus (exit status or signal). A trading component (kill_switch.components) is \
            refused while the kill switch is on (exit 1): --force runs it anyway, recorded in the \
            audit log as `run NAME --force`. Long-running services and unknown names exit 64; \
            another tradectl holding the project lock, 75; systemd unreachable, 69.

            Examples:
              tradectl run scan --follow
              tradectl run pull --dry-run
              tradectl run seller --force     # while halted: audited

            See docs/cli.md#run.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The oneshot component to run.")
    var component: String

    @Flag(name: [.short, .long], help: "Print the run's journal lines while it runs.")
    var follow = false

    @Flag(help: "Run a trading component although the kill switch is on (audited).")
    var force = false

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
    var lockWait: Int = 0

    func run() async throws {
        let context = CommandContext(global, command: "run")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let runner = ComponentRunner(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment,
                offline: context.offline, logger: context.makeLogger(project: deployment.project.name))
            let unit = UnitNames.service(deployment.project.name, component)
            let outcome: ComponentRunOutcome
            do {
                outcome = try await runner.run(
                    component: component, force: force, dryRun: dryRun, lockWait: .seconds(lockWait),
                    follow: follow ? (global.json ? .json : .shortISO) : nil,
                    onPlan: { _ in
                        if !global.json && !global.quiet { context.print("running \(unit)…\n") }
                    })
            } catch let error as ApplyError {
                if global.json, let failed = error.underlying as? ComponentRunFailed {
                    context.print(Self.json(failed.outcome) + "\n")
                    throw ReportedAsJSON(underlying: error)
                }
                throw error
            }
            if dryRun {
                _ = context.showPlan(outcome.plan, dryRun: true)
                return
            }
            guard let result = outcome.result else { return }
            if global.json {
                context.print(Self.json(result) + "\n")
            } else if !global.quiet {
                context.print("\(result.unit): \(result.result) (\(result.statusText))\n")
            }
        }
    }

    /// `{"component", "unit", "ok", "result", "exit_status", "killed"}`.
    static func json(_ result: OneshotResult) -> String {
        var object: [String: Any] = [
            "component": result.component, "unit": result.unit, "ok": result.succeeded, "result": result.result,
            "killed": result.killed,
        ]
        object["exit_status"] = result.status.map { $0 as Any } ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
