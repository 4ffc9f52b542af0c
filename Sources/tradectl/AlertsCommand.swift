import ArgumentParser
import Foundation
import TradeKit

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "What the monitor is alerting about; silence, unsilence and acknowledge alerts.",
        discussion: """
            Examples:
              tradectl alerts
              tradectl alerts silence engine --for 2h --reason "broker maintenance window"
              tradectl alerts ack unit/engine
              tradectl alerts unsilence 3

            See docs/alert-handling.md.
            """,
        subcommands: [List.self, Silence.self, Unsilence.self, Ack.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Firing and flapping alerts, acknowledgements and active silences (the default).",
            discussion: """
                Reads the monitor's saved state and the silences and acknowledgements of the state \
                database; writes nothing. Per firing alert: key, severity, since and age, when it was \
                last notified, whether it is flapping, who acknowledged it and which silence covers it. \
                With kill_switch.auto_halt_after set, also how many critical alerts count towards an \
                auto-halt. --json gives {"firing": [...], "flapping": [...], "silences": [...], \
                "auto_halt": {...}}.

                Examples:
                  tradectl alerts list
                  tradectl alerts --json

                See docs/alert-handling.md.
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = CommandContext(global, command: "alerts list")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let listing = try context.alertsRunner(deployment).list()
                context.print(global.json ? listing.json + "\n" : listing.text)
            }
        }
    }

    struct Silence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "silence",
            abstract: "Keep alerts of a component, check or alert key from every receiver for a while.",
            discussion: """
                MATCHER is a component (engine), a check (disk, journal-pattern) or an alert key \
                (unit/engine). While the silence runs, matching alerts reach no receiver; the journal \
                still records them, marked "silenced", and their state still advances, so a problem \
                still there when the silence ends gets a reminder, not a new firing. Silenced critical \
                alerts still count towards kill_switch.auto_halt_after. Audited. Exit 64 for an \
                unknown matcher or a bad duration.

                Examples:
                  tradectl alerts silence engine --for 2h --reason "broker maintenance window"
                  tradectl alerts silence disk --for 30min --reason "log cleanup" --dry-run

                See docs/alert-handling.md.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "A component, a check name or an alert key.")
        var matcher: String

        @Option(name: .customLong("for"), help: ArgumentHelp("How long, e.g. 30min, 2h, 1d.", valueName: "DUR"))
        var duration: String

        @Option(help: "Why (one line; shown by alerts list and the audit log).")
        var reason: String

        @Flag(help: "Print the plan and change nothing.")
        var dryRun = false

        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
        var lockWait: Int = 0

        func validate() throws {
            guard let parsed = ConfigDuration(parsing: duration), parsed.milliseconds > 0 else {
                throw ValidationError("--for must be a duration such as 30min, 2h or 1d")
            }
            if reason.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--reason must not be empty")
            }
            if let problem = KillSwitchFlag.problem(inReason: reason) { throw ValidationError("--reason \(problem)") }
        }

        func run() async throws {
            let context = CommandContext(global, command: "alerts silence")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let outcome = try await context.alertsRunner(deployment).silence(
                    matcher: matcher, duration: ConfigDuration(parsing: duration) ?? .seconds(0), reason: reason,
                    dryRun: dryRun, lockWait: .seconds(lockWait))
                if context.showPlan(outcome.plan, dryRun: dryRun) {
                    context.print(
                        "silenced \(matcher) for \(duration)" + (outcome.silenceID.map { " (#\($0))" } ?? "") + "\n")
                }
            }
        }
    }

    struct Unsilence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unsilence",
            abstract: "End a silence before it expires: by id, or every active silence of a matcher.",
            discussion: """
                The silence stays on record (alerts list no longer shows it; the audit log does). \
                Exit 64 when no active silence has that id or matcher.

                Examples:
                  tradectl alerts unsilence 3
                  tradectl alerts unsilence engine --dry-run

                See docs/alert-handling.md.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "A silence id (3 or #3), or a matcher.")
        var target: String

        @Flag(help: "Print the plan and change nothing.")
        var dryRun = false

        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
        var lockWait: Int = 0

        func run() async throws {
            let context = CommandContext(global, command: "alerts unsilence")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let outcome = try await context.alertsRunner(deployment).unsilence(
                    target, dryRun: dryRun, lockWait: .seconds(lockWait))
                if context.showPlan(outcome.plan, dryRun: dryRun) {
                    let ended = outcome.plan.changes(of: EndSilences.self).map(\.target).joined(separator: ", ")
                    context.print("silence ended: \(ended)\n")
                }
            }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack",
            abstract: "Acknowledge a firing alert: no reminders until it recovers or its severity changes.",
            discussion: """
                KEY must be firing (see alerts list). The acknowledgement holds for the alert's current \
                state: a recovery or a severity change is sent as usual and ends it. Audited. Exit 64 \
                when KEY is not firing.

                Examples:
                  tradectl alerts ack unit/engine
                  tradectl alerts ack journal-pattern/order-rejected --dry-run

                See docs/alert-handling.md.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The alert key, e.g. unit/engine.")
        var key: String

        @Flag(help: "Print the plan and change nothing.")
        var dryRun = false

        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
        var lockWait: Int = 0

        func run() async throws {
            let context = CommandContext(global, command: "alerts ack")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let outcome = try await context.alertsRunner(deployment).ack(
                    key: key, dryRun: dryRun, lockWait: .seconds(lockWait))
                if context.showPlan(outcome.plan, dryRun: dryRun) {
                    context.print(outcome.plan.isEmpty ? "\(key) was already acknowledged\n" : "acknowledged \(key)\n")
                }
            }
        }
    }
}

extension CommandContext {
    func alertsRunner(_ deployment: Deployment) -> AlertsRunner {
        AlertsRunner(
            deployment: deployment, fileSystem: fileSystem, environment: environment, offline: offline,
            logger: makeLogger(project: deployment.project.name))
    }
}
