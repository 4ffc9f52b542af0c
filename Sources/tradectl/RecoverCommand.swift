import ArgumentParser
import Foundation
import TradeKit

struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Bring a lost host's project back on a new one: fetch, verify, restore, halt, deploy.",
        discussion: """
            For a host with nothing on it but the package, the config and the off-site credentials
            (runbooks/host-lost.md). In order, each step with its own plan, lock and audit line:
              fetch    with --from-offsite: download and decrypt ARCHIVE from [backup.offsite]
              restore  verify every checksum and database, build shared/ from the archive
              halt     engage the kill switch (the archive is hours old: reconcile with the broker)
              deploy   service account, release, units, start, health gate
            Prints how long each step took (the recovery time) and the archive's age (the data
            lost). Refused (exit 64) where shared/ already exists: use `restore` there. A step that
            fails stops the recovery; fix the cause and run `recover` again, or go on by hand with
            `tradectl deploy`. The off-site credentials come from the offsite env_file if it is
            already in place, else from the environment.

            Examples:
              tradectl recover --from-offsite --dry-run
              OFFSITE_CRYPT_PASSWORD=… OFFSITE_CRYPT_SALT=… tradectl recover --from-offsite
              tradectl recover /root/v6-20261207T023000Z.tar.gz      # an archive copied here by hand
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Archive name, `latest`, or (without --from-offsite) a path to an archive.")
    var archive: String = "latest"

    @Flag(help: "Fetch ARCHIVE from the off-site target ([backup.offsite]).")
    var fromOffsite = false

    @Flag(help: "Start the kill-switch components too (default: halted until `tradectl resume`).")
    var noHalt = false

    @Option(help: "How long to wait for services to become healthy, e.g. 90s (overrides deploy.health_timeout).")
    var healthTimeout: String?

    @Flag(help: "Print every step's plan and change nothing.")
    var dryRun = false

    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
    var lockWait: Int = 0

    func validate() throws {
        if let healthTimeout, ConfigDuration(parsing: healthTimeout) == nil {
            throw ValidationError("--health-timeout must be a duration such as 90s or 5min")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "recover")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let deploy = DeployRequest(
                version: nil, noStart: context.offline, offline: context.offline,
                healthTimeout: healthTimeout.flatMap(ConfigDuration.init(parsing:)),
                tradectlPath: CommandLine.executablePath, environment: context.environment,
                user: ProcessInfo.processInfo.userName)
            let runner = RecoverRunner(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment,
                offline: context.offline, logger: context.makeLogger(project: deployment.project.name))
            let chatty = !global.json && !global.quiet
            let outcome = try await runner.run(
                RecoverRequest(reference: archive, fromOffsite: fromOffsite, halt: !noHalt, deploy: deploy),
                dryRun: dryRun, lockWait: .seconds(lockWait)
            ) { phase in
                if chatty { FileHandle.standardError.write(Data("==> \(phase)\n".utf8)) }
            }
            if global.json {
                context.print(JSONOutput.string(RecoverReport(outcome)) + "\n")
                return
            }
            if dryRun {
                context.print(RecoverReport.dryRunText(outcome, verbose: global.verbose))
                return
            }
            if !global.quiet { context.print(RecoverReport.text(outcome, deployment: deployment)) }
        }
    }
}
