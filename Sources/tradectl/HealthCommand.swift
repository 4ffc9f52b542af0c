import ArgumentParser
import Foundation
import TradeKit

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Run every check concurrently; exit 0 healthy, 1 degraded, 2 unhealthy, 3 unknown.",
        discussion: """
            Checks: \(HealthSuite.names.joined(separator: ", ")). Each has its own timeout
            (health.timeout); a hung check is reported unknown at its timeout. The worst status wins
            (critical above unknown above warning). --nagios prints monitoring-plugins output with
            performance data. Each run is recorded in the state DB (not under a runbook rehearsal, \
            TRADECTL_REHEARSAL=1). See docs/health-and-monitoring.md.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("check"), parsing: .upToNextOption, help: "Run only these checks.")
    var checks: [String] = []

    @Flag(help: "Monitoring-plugins output: `TRADECTL STATUS - summary | perfdata`.")
    var nagios = false

    func validate() throws {
        for name in checks where !HealthSuite.names.contains(name) {
            throw ValidationError("unknown check \(name); known: \(HealthSuite.names.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "health")
        try await context.run {
            let (deployment, _) = try context.loadConfig()
            let suite = HealthSuite(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment)
            let report = await HealthService(suite: suite, logger: context.makeLogger(project: deployment.project.name))
                .run(only: Set(checks), record: context.environment[StepInvocation.rehearsalVariable] == nil)
            if nagios {
                context.print(HealthOutput.nagios(report) + "\n")
            } else if global.json {
                context.print(HealthOutput.json(report) + "\n")
            } else if !global.quiet {
                context.print(HealthOutput.table(report, color: context.useColor))
            }
            if report.status != .ok { throw ExitCode(report.status.exitCode) }
        }
    }
}
