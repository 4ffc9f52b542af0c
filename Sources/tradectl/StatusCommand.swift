import ArgumentParser
import Foundation
import TradeKit

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "One screen: release, components, timers, kill switch, last backup, last health, recent errors.",
        discussion:
            """
            Reads systemd once (one systemctl show for all units) and the journal in-process. With [market], \
            a line says whether the market is open and until when ("market open, closes in 2h13m"; the JSON \
            field `market`). --json is documented in docs/cli.md.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = CommandContext(global, command: "status")
        try await context.run {
            let (deployment, _) = try context.loadConfig()
            var report = await StatusService(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment
            )
            .gather()
            report.market = StatusReport.Market(deployment.market, now: try context.marketNow())
            context.print(global.json ? JSONOutput.string(report) + "\n" : StatusOutput.text(report))
            // The report is still printed (release, kill switch, backups do not need systemd), but
            // the units' states in it are unknown: a script must not read that as "all well".
            if global.root == nil, let error = report.systemdError {
                FileHandle.standardError.write(Data("tradectl: error: \(error)\n".utf8))
                throw ExitCode(ExitStatus.unavailable.rawValue)
            }
        }
    }
}
