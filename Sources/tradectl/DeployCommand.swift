import ArgumentParser
import Foundation
import TradeKit

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Install a release, render and install units, start them and wait until healthy.",
        discussion: """
            Creates the system user and directories, copies the source into releases/<version>/,
            runs build hooks there, links shared/ paths, switches `current` atomically, installs
            and enables units, reloads systemd, starts what changed and waits for every service
            to be active and its probes to pass. A second deploy with nothing changed plans nothing.

            --dry-run prints the plan (unit files as unified diffs, secrets redacted) and changes
            nothing. With --root DIR the install is offline: files go under DIR and no service
            manager is contacted (implies --no-start).

            With [market], a deploy that would stop or restart a component with `trades = true`
            while a session is open is asked about on a terminal and refused elsewhere (exit 75,
            naming the close) unless --during-session. See docs/market-hours.md.

            First runs the pre-flight checks of `tradectl doctor`: an error (a required_env
            variable missing, a port taken by another program, too old an interpreter …) stops the
            deploy with exit 1 before anything changes; warnings are printed. --skip-preflight
            skips them.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Release version (default: first 12 hex digits of the source's SHA-256).")
    var version: String?

    @Option(help: "Directory to release (overrides releases.source).")
    var source: String?

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Flag(help: "Install and enable units but do not start them.")
    var noStart = false

    @Option(help: "How long to wait for services to become healthy, e.g. 90s (overrides deploy.health_timeout).")
    var healthTimeout: String?

    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
    var lockWait: Int = 0

    @OptionGroup var session: SessionOptions
    @Flag(help: "Do not run the pre-flight checks of `tradectl doctor` first.")
    var skipPreflight = false

    func validate() throws {
        if let version, version.isEmpty || version.contains("/") || version.hasPrefix(".") {
            throw ValidationError("--version must be a plain name (no '/', not starting with '.')")
        }
        if let healthTimeout, ConfigDuration(parsing: healthTimeout) == nil {
            throw ValidationError("--health-timeout must be a duration such as 90s or 5min")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "deploy")
        try await context.run {
            let (deployment, issues) = try context.loadConfig(overrides: .init(source: source))
            context.warn(issues)
            if !skipPreflight { try await context.preflight(deployment, dryRun: dryRun) }
            let offline = global.root != nil && global.root != "/"
            var request = DeployRequest(
                version: version, noStart: noStart || offline, offline: offline,
                healthTimeout: healthTimeout.flatMap(ConfigDuration.init(parsing:)),
                tradectlPath: CommandLine.executablePath, environment: context.environment,
                user: ProcessInfo.processInfo.userName)
            request.session = try context.sessionGate(deployment, session)
            let runner = DeployRunner(
                deployment: deployment, request: request, fileSystem: context.fileSystem,
                logger: context.makeLogger(project: deployment.project.name))
            let outcome = try await runner.run(
                dryRun: dryRun, lockWait: .seconds(lockWait), onPlan: context.planBeforeApplying)
            if context.showAppliedPlan(outcome.plan, dryRun: dryRun) {
                let changes = outcome.plan.changes.count
                context.print(
                    changes == 0
                        ? "release \(outcome.version) is current; nothing to do\n"
                        : "deployed release \(outcome.version): \(changes) changes applied\n")
            }
        }
    }
}

extension CommandLine {
    /// The running binary, for tradectl's own units (ExecStart=).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
