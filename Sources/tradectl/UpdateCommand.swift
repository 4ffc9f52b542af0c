import ArgumentParser
import Foundation
import TradeKit

struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "New release, restart, health gate; on failure roll back automatically.",
        discussion: """
            Builds the new release (copy of a path, or `git clone --depth 1 --branch V` of a URL) and runs
            its build hooks before anything live changes, runs releases.pre_switch hooks, switches
            `current`, restarts what changed, and waits for health. If the gate fails it switches back
            to the previous release, restarts it, verifies it and exits 1 naming the failing component.
            The pre-flight checks of `tradectl doctor` run first: errors stop the update (exit 1)
            before anything changes; --skip-preflight skips them. See docs/deploy-update-rollback.md.

            With [market], while a session is open update asks on a terminal and is refused elsewhere
            (exit 75: "market open (closes 16:00 America/New_York, in 2h13m)") unless --during-session;
            --dry-run is never refused. See docs/market-hours.md.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Release version (default: the git commit or the source digest).") var version: String?
    @Option(help: "Directory or git URL to release (overrides releases.source).") var source: String?
    @Option(help: "How long to wait for health, e.g. 90s (overrides deploy.health_timeout).") var healthTimeout: String?
    @Flag(help: "Leave the new release in place when the health gate fails.") var noRollback = false
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Flag(help: "Start trading components even while the kill switch is engaged.") var start = false
    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.") var lockWait: Int = 0
    @OptionGroup var session: SessionOptions
    @Flag(help: "Do not run the pre-flight checks of `tradectl doctor` first.") var skipPreflight = false

    func validate() throws {
        if let healthTimeout, ConfigDuration(parsing: healthTimeout) == nil {
            throw ValidationError("--health-timeout must be a duration such as 90s or 5min")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "update")
        try await context.run {
            // A git source is cloned for dry runs too (the plan is made from the tree, see
            // GitSource), into a private temp dir outside --root that is removed on every way out.
            if let source, GitSource.isURL(source) {
                try await GitSource.withCheckout(
                    source, branch: version, avoiding: [global.root].compactMap { $0 }, launcher: SubprocessLauncher()
                ) { checkout in try await update(context, source: source, checkout: checkout) }
            } else {
                try await update(context, source: source, checkout: nil)
            }
        }
    }

    private func update(_ context: CommandContext, source: String?, checkout: GitSource.Checkout?) async throws {
        // A git source stays out of the deployment: the installed config keeps releases.source
        // as configured (not the temporary clone), and the release is read from the clone.
        let (deployment, issues) = try context.loadConfig(overrides: .init(source: checkout == nil ? source : nil))
        context.warn(issues)
        if !skipPreflight { try await context.preflight(deployment, dryRun: dryRun) }
        let offline = global.root != nil && global.root != "/"
        var request = DeployRequest(
            version: version ?? checkout.map { String($0.commit.prefix(12)) }, noStart: offline, offline: offline,
            healthTimeout: healthTimeout.flatMap(ConfigDuration.init(parsing:)),
            tradectlPath: CommandLine.executablePath, environment: context.environment,
            user: ProcessInfo.processInfo.userName)
        request.command = "update"
        request.startWhileHalted = start
        request.commit = checkout?.commit
        request.checkout = checkout.map { (path: $0.path, origin: source ?? $0.path) }
        request.session = try context.sessionGate(deployment, session)
        let runner = UpdateRunner(
            deployment: deployment, request: request, fileSystem: context.fileSystem,
            logger: context.makeLogger(project: deployment.project.name), rollbackOnFailure: !noRollback)
        let outcome = try await runner.run(
            dryRun: dryRun, lockWait: .seconds(lockWait), onPlan: context.planBeforeApplying)
        if context.showAppliedPlan(outcome.plan, dryRun: dryRun) {
            context.print("updated to \(outcome.version): healthy\n")
        }
    }
}

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Switch `current` to the previous successful (or a named) release, restart, verify health.",
        discussion: """
            Exit 1 if the target is not healthy either; 65 (listing the candidates) if --to names no kept release.
            With [market], while a session is open it asks on a terminal and exits 75 elsewhere unless
            --during-session (docs/market-hours.md).
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Release to return to (default: the previous successful one).") var to: String?
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Flag(help: "Start trading components even while the kill switch is engaged.") var start = false
    @Option(help: "How long to wait for health, e.g. 90s.") var healthTimeout: String?
    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.") var lockWait: Int = 0
    @OptionGroup var session: SessionOptions

    func run() async throws {
        let context = CommandContext(global, command: "rollback")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let offline = global.root != nil && global.root != "/"
            var request = DeployRequest(
                noStart: offline, offline: offline, healthTimeout: healthTimeout.flatMap(ConfigDuration.init(parsing:)),
                tradectlPath: CommandLine.executablePath, environment: context.environment,
                user: ProcessInfo.processInfo.userName)
            request.command = "rollback"
            request.startWhileHalted = start
            request.session = try context.sessionGate(deployment, session)
            let runner = RollbackRunner(
                deployment: deployment, request: request, fileSystem: context.fileSystem,
                logger: context.makeLogger(project: deployment.project.name))
            let (plan, version) = try await runner.run(to: to, dryRun: dryRun, lockWait: .seconds(lockWait))
            if global.json {
                context.print(PlanRenderer.json(plan) + "\n")
            } else {
                context.print(PlanRenderer.text(plan, verbose: global.verbose, color: context.useColor))
                context.print(dryRun ? "dry run: nothing was changed\n" : "rolled back to \(version): healthy\n")
            }
        }
    }
}

struct ReleasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases",
        abstract: "Every kept release: version, commit, deployed when and by whom, outcome, current, rollback target.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = CommandContext(global, command: "releases")
        try await context.run {
            let (deployment, _) = try context.loadConfig()
            let releases = ReleaseHistory(
                layout: DeployLayout(deployment, environment: context.environment), fileSystem: context.fileSystem
            ).list()
            if global.json {
                context.print(JSONOutput.string(releases) + "\n")
                return
            }
            let formatter = ISO8601DateFormatter()
            var out = "   VERSION       COMMIT        CREATED               BY        OUTCOME\n"
            for release in releases {
                let mark = release.current ? "*  " : release.rollbackTarget ? "<  " : "   "
                out +=
                    mark + release.version.padding(toLength: 13, withPad: " ", startingAt: 0) + " "
                    + String((release.commit ?? "-").prefix(12)).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + " "
                    + formatter.string(from: release.createdAt) + "  "
                    + release.createdBy.padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                    + (release.outcome ?? "-") + "\n"
            }
            out += "(* current, < rollback target)\n"
            context.print(out)
        }
    }
}
