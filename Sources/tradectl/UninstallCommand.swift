import ArgumentParser
import Foundation
import TradeKit

struct UninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Stop, disable and remove the project's units and installed files; --purge also its data.",
        discussion: """
            Stops the project's timers, then its monitor, then its services (each gets its TimeoutStopSec), clears \
            failed states, removes every <project>-* unit file and enable link, reloads systemd, and \
            removes the files deploy installed outside the root: the installed config and its env \
            file, the logrotate file, the sysusers.d file (the account itself stays). Releases, \
            shared data, the state database and backups are kept, so `tradectl deploy` brings the \
            project back as it was.

            --purge first writes and verifies a final backup (no retention, no off-site push), then \
            also removes releases/, current, shared/ (data and secrets), the root when nothing else \
            is in it, and the state directory. The backup directory is never removed: the final \
            archive stays there (restore it with `tradectl restore PATH` after a new deploy). \
            Refused (exit 65) when backup.dir lies inside what --purge removes. It asks for the \
            project name on a terminal; elsewhere it needs --yes. Its audit record goes to the \
            journal (`journalctl TRADECTL_PROJECT=<name> TRADECTL_AUDIT=1`), since the state \
            database it would go to is gone; a plain uninstall is audited in the state database.

            --dry-run lists exactly what would be stopped and removed, and changes nothing.

            Examples:
              tradectl uninstall --dry-run
              tradectl uninstall
              tradectl uninstall --purge --dry-run
              tradectl uninstall --purge --yes

            See docs/cli.md#uninstall.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Also remove releases, shared data and the state directory, after a final backup.")
    var purge = false

    @Flag(help: "Do not ask for the project name before --purge.")
    var yes = false

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
    var lockWait: Int = 0

    func run() async throws {
        let context = CommandContext(global, command: "uninstall")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            if purge && !dryRun && !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ValidationError("--purge removes the project's data: pass --yes (or --dry-run to look first)")
                }
                let question = "purge \(deployment.project.name) (data and state; a final backup is kept)?"
                FileHandle.standardError.write(Data((question + " type the project name: ").utf8))
                guard readLine()?.trimmingCharacters(in: .whitespaces) == deployment.project.name else {
                    throw ValidationError("not confirmed; nothing changed")
                }
            }
            let runner = UninstallRunner(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment,
                offline: context.offline, logger: context.makeLogger(project: deployment.project.name))
            let outcome = try await runner.uninstall(purge: purge, dryRun: dryRun, lockWait: .seconds(lockWait))
            if context.showPlan(outcome.plan, dryRun: dryRun) {
                let changes = outcome.plan.changes.count
                context.print(
                    "\(purge ? "purged" : "uninstalled") \(deployment.project.name): \(changes) change(s)"
                        + (outcome.finalBackup.map { "; final backup \($0)" } ?? "") + "\n")
            }
        }
    }
}
