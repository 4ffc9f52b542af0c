import ArgumentParser
import Foundation
import TradeKit

struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch the project: health checks, journal patterns, alerts, auto-recovery, metrics.",
        discussion: """
            Runs as <project>-monitor.service (Type=notify, WatchdogSec=, Restart=always), installed by \
            deploy. Every [monitor] interval it runs the health checks and the journal follower's \
            findings (the journal and the components' log_files, levels read per log_format) through the \
            alert policy: alerts on transitions only, after alert_after bad results in a row, one message \
            for a flapping check, reminders, silence for components stopped by the kill switch, silenced \
            with `tradectl alerts silence`, and while a deploy holds the project lock. [[alerts.routes]] \
            send each alert to its receivers (Slack, webhook, email, PagerDuty, Telegram, command; the \
            journal always), with quiet hours, market hours and their own reminder interval; a recovery \
            goes where its alert went. With [market] and [monitor] down_outside_session = "warning", a \
            trades = true component down while the market is closed is a warning (critical again at the \
            open). [kill_switch] auto_halt_after criticals halt trading. \
            Services systemd gave up on are restarted (max_restarts per restart_window, doubling delay), \
            then escalated. Alert state and the journal cursor live in the state DB: a restarted \
            monitor repeats nothing.

            Examples:
              tradectl monitor --once            one cycle; exit code as `tradectl health`
              tradectl monitor test-alert        send a test alert through every receiver
              tradectl monitor test-alert --route page
              curl -s 127.0.0.1:9464/metrics     with [monitor] metrics_listen = "127.0.0.1:9464"

            See docs/health-and-monitoring.md, docs/alerting.md and docs/market-hours.md.
            """,
        subcommands: [MonitorRun.self, MonitorTestAlert.self],
        defaultSubcommand: MonitorRun.self
    )
}

struct MonitorRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the monitor daemon (the default), or one cycle with --once.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Run a single cycle, deliver its alerts, exit 0/1/2/3 like `tradectl health`.")
    var once = false

    func run() async throws {
        let context = CommandContext(global, command: "monitor")
        try await context.run {
            let (deployment, _) = try context.loadConfig()
            let logger = context.makeLogger(project: deployment.project.name)
            let suite = HealthSuite(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment)
            let runtime = MonitorRuntime(suite: suite, logger: logger)
            guard once else {
                try await runtime.runDaemon()
                return
            }
            let snapshot = await runtime.once()
            if global.json {
                context.print(
                    HealthOutput.json(
                        HealthReport(project: snapshot.project, at: snapshot.at, results: snapshot.checks)) + "\n")
            } else if !global.quiet {
                context.print(MonitorDaemon.statusLine(snapshot) + "\n")
            }
            if snapshot.status != .ok { throw ExitCode(snapshot.status.exitCode) }
        }
    }
}

struct MonitorTestAlert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-alert",
        abstract: "Send a test alert through every receiver, or one route's; exit 1 if any failed.",
        discussion: """
            Receivers: every [[alerts.receivers]] entry (or, with none, [alerts] webhook_url and command), \
            and the journal. With --route NAME, only the receivers that route names (and the journal): \
            the route's filters are not applied, so it tests delivery, not matching. A receiver whose \
            secret variable is unset fails and says which variable. Exit 64 for an unknown route.

            Examples:
              tradectl monitor test-alert
              tradectl monitor test-alert --route pager
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Send through this route's receivers only ([[alerts.routes]] name, or \"default\").")
    var route: String?

    func run() async throws {
        let context = CommandContext(global, command: "monitor test-alert")
        try await context.run {
            let (deployment, _) = try context.loadConfig()
            let suite = HealthSuite(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment)
            let runtime = MonitorRuntime(suite: suite, logger: context.makeLogger(project: deployment.project.name))
            guard let stats = await runtime.testAlert(route: route) else {
                let known = runtime.cycle.router.routeNames.joined(separator: ", ")
                throw ValidationError("no route named \"\(route ?? "")\"; routes: \(known)")
            }
            var failed = false
            for notifier in stats {
                let ok = notifier.sent > 0
                failed = failed || !ok
                if !global.quiet {
                    context.print(
                        "\(notifier.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(ok ? "sent" : "FAILED after \(notifier.failed) attempt(s)")\n"
                    )
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
