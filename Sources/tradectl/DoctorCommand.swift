import ArgumentParser
import Foundation
import TradeKit

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Pre-flight: check that this host can run the project (deploy and update run it first).",
        discussion: """
            Checks, without changing anything: each component's declared interpreter versions \
            (interpreters = { python3 = ">=3.11" }: runs it with --version); free memory and disk \
            ([preflight] min_free_memory_mib, min_free_disk_mib: root, state and backup \
            directories); that every required_env variable is set and non-empty in the component's \
            env_file (names only, never values; before the first deploy, the release source's copy); \
            that the ports components listen on (ports = [8501], and a probes.http on this host) \
            are free or held by this project's running services; that depends_on_tcp endpoints \
            accept a connection (a warning unless [preflight] require_tcp = true); that the clock is \
            NTP-synchronised (timedatectl; "cannot tell" is a warning); systemd ≥ 248; and that \
            schedules without a time zone do not run in a host zone other than [market] timezone.

            Exit 0 when everything is fine, 1 with warnings, 2 with errors (as `tradectl health`). \
            deploy and update run the same checks first: errors stop them (exit 1), warnings are \
            printed; --skip-preflight skips them. With --root only the target's files are judged \
            (env files, time zones).

            Examples:
              tradectl doctor
              tradectl doctor --json | jq '.results[] | select(.status != "ok")'

            See docs/cli.md#doctor.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = CommandContext(global, command: "doctor")
        var status: Int32 = 0
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let doctor = await Doctor(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment,
                offline: context.offline)
            let report = await doctor.report()
            context.print(
                global.json ? HealthOutput.json(report) + "\n" : HealthOutput.table(report, color: context.useColor))
            status = report.status.exitCode
        }
        if status != 0 { throw ExitCode(status) }
    }
}

extension CommandContext {
    /// The pre-flight of deploy and update: warnings (and, in a dry run, errors) printed to
    /// stderr; errors stop a real run with `PreflightFailed`.
    func preflight(_ deployment: Deployment, dryRun: Bool) async throws {
        let doctor = await Doctor(
            deployment: deployment, fileSystem: fileSystem, environment: environment, offline: offline)
        let report = await doctor.report()
        let failures = report.results.filter { $0.status == .critical }
        if !global.quiet {
            for result in report.results where result.status == .warning || (dryRun && result.status == .critical) {
                let word = result.status == .critical ? "error" : "warning"
                FileHandle.standardError.write(
                    Data("tradectl: pre-flight \(word): \(result.check) \(result.target): \(result.summary)\n".utf8))
            }
        }
        if !failures.isEmpty && !dryRun { throw PreflightFailed(failures: failures) }
    }
}
