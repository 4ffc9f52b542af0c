import ArgumentParser
import Foundation
import TradeKit

struct RunbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook",
        abstract: "Executable incident runbooks: list them, read one, rehearse it, run it.",
        discussion: """
            A runbook is a markdown file (runbooks/*.md) with front matter and ```tradectl steps. \
            They are searched in [runbooks] dirs, then <config dir>/runbooks, then the shipped runbooks; \
            a project runbook with the same id overrides a shipped one. See docs/runbooks.md.

            Examples:
              tradectl runbook list
              tradectl runbook show engine-down
              tradectl runbook run engine-down --dry-run      # rehearse: nothing changes
              tradectl runbook run engine-down                # asks before each step
              tradectl runbook run failed-deploy --from 3     # resume after fixing step 2
            """,
        subcommands: [List.self, Show.self, Run.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every runbook found, most severe first; problems as file:line (exit 65 if any is an error).",
            discussion:
                "--json prints {runbooks: [{id, title, severity, symptoms, when, path, source, steps, overrides}], directories, issues}."
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = CommandContext(global, command: "runbook list")
            try await context.run {
                let setup = try context.runbookSetup(checkArguments: true)
                if global.json {
                    context.print(RunbookText.json(setup.catalog) + "\n")
                } else {
                    context.report(setup.catalog.issues, summarize: true)
                    context.print(RunbookText.table(setup.catalog))
                }
                if !setup.catalog.errors.isEmpty { throw ExitCode(ExitStatus.dataError.rawValue) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one runbook: symptoms, prose, and each step with what it does to the system.",
            discussion: "NAME is an id from `runbook list` or a path to a .md file. --json prints the parsed runbook.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Runbook id, or a path to a runbook file.")
        var name: String

        func run() async throws {
            let context = CommandContext(global, command: "runbook show")
            try await context.run {
                let runbook = try context.resolveRunbook(name, setup: try context.runbookSetup())
                context.print(global.json ? RunbookText.json(runbook) + "\n" : RunbookText.show(runbook))
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a runbook's steps in order, asking before each; stop at the first failure.",
            discussion: """
                Each step runs as `tradectl <step> --config <this config> [--root <this root>]`, with this \
                terminal as stdin (so `restore` and `secrets set` can ask) and its output shown live. A failing \
                step stops the run (exit 1) with the runbook's advice and the --from to resume with. A \
                ```tradectl check step that passes ends the run: resolved, exit 0; one that fails is a \
                diagnosis and the run goes on. Every step is recorded in the audit log.

                --dry-run rehearses: read-only steps run for real, steps that change the system get --dry-run, \
                stdin is /dev/null, nothing is asked or recorded. A read-only step exiting non-zero is shown and \
                the rehearsal goes on; a --dry-run that fails, or any exit 64 (the runbook passes arguments \
                tradectl refuses), aborts it.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Runbook id, or a path to a runbook file.")
        var name: String

        @Flag(help: "Rehearse: changing steps get --dry-run; nothing is changed, asked or recorded.")
        var dryRun = false

        @Flag(help: "Run every step without asking (required when stdin is not a terminal).")
        var yes = false

        @Option(help: "Start at this step number (after fixing what stopped an earlier run).")
        var from: Int = 1

        func validate() throws {
            if from < 1 { throw ValidationError("--from takes a step number, 1 or more") }
        }

        func run() async throws {
            let context = CommandContext(global, command: "runbook run")
            try await context.run {
                if global.json {
                    throw ValidationError(
                        "--json is for `runbook list` and `runbook show`; `run` shows each step's own output")
                }
                let setup = try context.runbookSetup()
                let runbook = try context.resolveRunbook(name, setup: setup)
                guard from <= runbook.steps.count else {
                    throw ValidationError(
                        "\(runbook.id) has \(runbook.steps.count) steps; --from \(from) is past the last one")
                }
                if !dryRun, !yes, isatty(STDIN_FILENO) != 1 {
                    throw ValidationError(
                        "runbook run asks before each step and stdin is not a terminal: pass --yes to run every step "
                            + "unasked, or --dry-run to rehearse")
                }
                var passthrough = ["--config", setup.configPath]
                if let root = global.root { passthrough += ["--root", root] }
                if global.noColor { passthrough.append("--no-color") }
                let audit = setup.deployment.map {
                    StateStoreAuditLog(
                        layout: DeployLayout($0, environment: context.environment), fileSystem: context.fileSystem)
                }
                if audit == nil && !dryRun {
                    context.warnLine("the config did not load, so steps are not recorded in the audit log")
                }
                let runner = RunbookRunner(
                    executor: ChildProcessStepExecutor(executable: CommandLine.executablePath),
                    console: TerminalRunbookConsole(), audit: audit, user: context.operatorName)
                let options = RunbookRunner.Options(
                    dryRun: dryRun, assumeYes: yes, from: from, passthrough: passthrough)
                let report = await runner.run(runbook, options: options)
                let ending = RunbookText.ending(report, runbook: runbook, options: options, name: name)
                if report.exitCode == 0 {
                    context.print(ending)
                } else {
                    FileHandle.standardError.write(Data(ending.utf8))
                    throw ExitCode(report.exitCode)
                }
            }
        }
    }
}

/// What every runbook subcommand needs: the config (when it loads) and the catalog.
struct RunbookSetup {
    var deployment: Deployment?
    var configPath: String
    var catalog: RunbookCatalog
}

extension CommandContext {
    /// Runbooks are needed most when things are broken, the config included: a config that
    /// does not load is a warning here, and the runbooks beside it and the shipped ones still work.
    ///
    /// Checking a step with the argument parser costs a few milliseconds (it builds the whole
    /// command tree), so only `list` checks every runbook; `show` and `run` check the one chosen.
    func runbookSetup(checkArguments: Bool = false) throws -> RunbookSetup {
        let loader = ConfigLoader(environment: environment)
        // Several installed projects and no --project is a usage error (64), not a broken config.
        let path = try loader.locate(explicit: global.config, project: global.project)
        var deployment: Deployment?
        do {
            deployment = try loader.load(path: path).0
        } catch {
            let count = (error as? ConfigError)?.errors.count ?? 1
            warnLine(
                "config \(path) did not load (\(count) error(s); `tradectl config check` lists them); using the runbooks beside it and the shipped ones"
            )
        }
        let directories = RunbookDirectory.searchPath(
            configured: deployment?.runbooks.dirs ?? [], configDirectory: (path as NSString).deletingLastPathComponent,
            executable: CommandLine.executablePath)
        let parser = RunbookParser(argumentCheck: checkArguments ? RunbookArguments.check : nil)
        let catalog = RunbookCatalog(directories: directories, parser: parser)
        return RunbookSetup(deployment: deployment, configPath: path, catalog: catalog)
    }

    /// An id from the catalog, or a path to a file; invalid runbooks exit 65 listing every problem.
    func resolveRunbook(_ name: String, setup: RunbookSetup) throws -> Runbook {
        let parser = RunbookParser(argumentCheck: RunbookArguments.check)
        var path: String?
        var found: Runbook?
        var issues: [RunbookIssue] = []
        if name.contains("/") || name.hasSuffix(".md") {
            path = name
            (found, issues) = parser.parse(file: name)
        } else if let entry = setup.catalog.entry(name) {
            (found, issues) = parser.parse(file: entry.runbook.path)
        } else if let invalid = setup.catalog.invalid[name] {
            path = invalid
            issues = setup.catalog.issues.filter { $0.file == invalid }
        } else {
            throw ValidationError("no runbook named \(name); `tradectl runbook list` shows the ones found")
        }
        report(issues)
        guard let found else {
            FileHandle.standardError.write(
                Data("tradectl: runbook \(path ?? name) is invalid; fix the lines above\n".utf8))
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
        return found
    }

    func report(_ issues: [RunbookIssue], summarize: Bool = false) {
        let shown = global.quiet ? issues.filter { $0.severity == .error } : issues
        FileHandle.standardError.write(Data(RunbookText.issues(shown, summarize: summarize).utf8))
    }

    func warnLine(_ message: String) {
        guard !global.quiet else { return }
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// Who runs the runbook, for the audit log: the login behind sudo too.
    var operatorName: String {
        let user = ProcessInfo.processInfo.userName
        if let sudo = environment["SUDO_USER"], !sudo.isEmpty, sudo != user { return "\(user) (sudo from \(sudo))" }
        return user
    }
}

/// Checks a step's arguments with the real argument parser, without running anything.
enum RunbookArguments {
    static let check: RunbookParser.ArgumentCheck = { arguments in
        let available = Set(Tradectl.configuration.subcommands.map { $0._commandName })
        guard let first = arguments.first, available.contains(first) else {
            return .unavailable(
                "`\(arguments.first ?? "")` is not a command of this tradectl build (\(TradectlVersion.current)); "
                    + "this step fails until it is")
        }
        do {
            _ = try Tradectl.parseAsRoot(ArgumentNormalizer.normalize(arguments))
            return .valid
        } catch {
            return .invalid("tradectl would refuse this step: \(Tradectl.message(for: error))")
        }
    }
}
