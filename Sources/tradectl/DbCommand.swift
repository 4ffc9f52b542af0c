import ArgumentParser
import Foundation
import TradeKit

struct DbCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Check, optimize or vacuum the project's SQLite databases (backup.databases).",
        discussion: """
            NAME picks one database: its configured path (data/v6.db), file name (v6.db) or stem (v6); \
            without NAME every database in backup.databases is used. Paths are relative to shared/. \
            The engine may keep running: every connection waits up to --busy-timeout for its locks.

            Examples:
              tradectl db check
              tradectl db check v6 --json
              tradectl db vacuum --dry-run
              tradectl db optimize

            See docs/incident-commands.md.
            """,
        subcommands: [Check.self, Optimize.self, Vacuum.self])

    struct Options: ParsableArguments {
        @Argument(help: "One database (configured path, file name or stem); default: all.")
        var name: String?

        @Option(help: "How long to wait for another process's lock on a database, e.g. 10s.")
        var busyTimeout: String = "10s"

        func validateTimeout() throws {
            if ConfigDuration(parsing: busyTimeout) == nil {
                throw ValidationError("--busy-timeout must be a duration such as 10s or 1min")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PRAGMA integrity_check of each database, read-only; exit 65 on any problem.",
            discussion: """
                Opens each database read-only (in WAL mode this never blocks the engine) and runs the \
                full integrity_check. Exit 0 when all are ok; 65 when one is corrupt, not a database, \
                or missing; 75 when one stayed locked past --busy-timeout. Nothing is recorded.

                Examples:
                  tradectl db check
                  tradectl db check data/v6.db --json
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options

        func validate() throws { try options.validateTimeout() }

        func run() async throws {
            let context = CommandContext(global, command: "db check")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let report = try context.databaseRunner(deployment, options).check(options.name)
                context.print(global.json ? DatabaseOutput.json(report) + "\n" : DatabaseOutput.text(report))
                let status = DatabaseRunner.exitStatus(report.databases.map(\.status))
                if status != .success { throw ExitCode(status.rawValue) }
            }
        }
    }

    struct Optimize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PRAGMA optimize on each database, under the project lock; audited.",
            discussion: """
                Lets SQLite refresh the query planner's statistics where it thinks they help. Cheap; \
                safe while the engine runs.

                Examples:
                  tradectl db optimize
                  tradectl db optimize v6 --dry-run
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options
        @Flag(help: "Print the plan and change nothing.") var dryRun = false
        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.") var lockWait: Int = 0

        func validate() throws { try options.validateTimeout() }

        func run() async throws {
            try await DbCommand.maintain(
                .optimize, global: global, options: options, dryRun: dryRun, lockWait: lockWait)
        }
    }

    struct Vacuum: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checkpoint the WAL, VACUUM, checkpoint again; under the project lock; audited.",
            discussion: """
                Rebuilds each database without its free pages and reports the size before and after \
                (database plus -wal). A database failing quick_check is refused, not rewritten; VACUUM \
                itself is one transaction, so a crash or a lock timeout leaves the old file. It needs \
                about twice the database's size free next to it. Writers (the engine) wait while it \
                copies; readers go on. A database locked past --busy-timeout is reported (exit 75) \
                and left as it was.

                With [market], while a session is open vacuum asks on a terminal and exits 75 \
                elsewhere unless --during-session (docs/market-hours.md).

                Examples:
                  tradectl db vacuum --dry-run
                  tradectl db vacuum v6 --busy-timeout 30s
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options
        @Flag(help: "Print the plan and change nothing.") var dryRun = false
        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.") var lockWait: Int = 0
        @OptionGroup var session: SessionOptions

        func validate() throws { try options.validateTimeout() }

        func run() async throws {
            try await DbCommand.maintain(
                .vacuum, global: global, options: options, dryRun: dryRun, lockWait: lockWait,
                duringSession: session.duringSession)
        }
    }

    static func maintain(
        _ task: SQLiteTask, global: GlobalOptions, options: Options, dryRun: Bool, lockWait: Int,
        duringSession: Bool = false
    )
        async throws
    {
        let context = CommandContext(global, command: "db \(task.rawValue)")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            var runner = context.databaseRunner(deployment, options)
            runner.session = try context.sessionGate(deployment, duringSession: duringSession)
            let (plan, results) = try await runner.maintain(
                task, name: options.name, dryRun: dryRun, lockWait: .seconds(lockWait))
            if dryRun {
                context.print(
                    global.json
                        ? PlanRenderer.json(plan) + "\n"
                        : PlanRenderer.text(plan, verbose: global.verbose, color: context.useColor))
                if !global.json { context.print("dry run: nothing was changed\n") }
                return
            }
            if global.json {
                context.print(DatabaseOutput.json(results) + "\n")
            } else if !global.quiet || results.contains(where: { $0.outcome != .ok }) {
                context.print(results.isEmpty ? PlanRenderer.text(plan) : DatabaseOutput.text(results))
            }
            let status = DatabaseRunner.exitStatus(results.map(\.outcome))
            if status != .success { throw ExitCode(status.rawValue) }
        }
    }
}

extension CommandContext {
    func databaseRunner(_ deployment: Deployment, _ options: DbCommand.Options) -> DatabaseRunner {
        DatabaseRunner(
            deployment: deployment, fileSystem: fileSystem, environment: environment,
            logger: makeLogger(project: deployment.project.name),
            busyTimeout: ConfigDuration(parsing: options.busyTimeout) ?? .seconds(10))
    }
}
