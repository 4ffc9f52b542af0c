import ArgumentParser
import Foundation
import TradeKit

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate the config or print the effective config.",
        subcommands: [Check.self, Show.self, Schema.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report every problem with file, line and key; exit 65 if any is an error.",
            discussion: """
                Includes the production safety checks listed in docs/configuration.md, and with [market] \
                warnings for restart_daily and backup.schedule timers firing inside a session and for a \
                holidays_file running out (docs/market-hours.md).
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = CommandContext(global, command: "config check")
            try await context.run {
                let loader = ConfigLoader(environment: context.environment)
                let path = try loader.locate(explicit: global.config, project: global.project)
                var issues: [ConfigIssue]
                do {
                    let (deployment, warnings) = try loader.load(path: path)
                    issues =
                        warnings + SafetyChecks.fileChecks(deployment, fileSystem: context.fileSystem)
                        + MarketChecks.issues(deployment, now: try context.marketNow())
                } catch let error as ConfigError {
                    issues = error.issues
                }
                let errors = issues.filter { $0.severity == .error }
                if global.json {
                    context.print(ConfigCheckReport.json(path: path, issues: issues) + "\n")
                } else {
                    for issue in issues { context.print("\(issue)\n") }
                    context.print(
                        errors.isEmpty
                            ? "\(path): valid (\(issues.count) warning(s))\n" : "\(path): \(errors.count) error(s)\n")
                }
                if !errors.isEmpty { throw ExitCode(ExitStatus.dataError.rawValue) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective config (file + environment overrides), secrets redacted.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = CommandContext(global, command: "config show")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                context.print(global.json ? ConfigPrinter.json(deployment) + "\n" : ConfigPrinter.toml(deployment))
            }
        }
    }

    /// Prints (or writes into the docs) the key tables generated from the config schema.
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the key tables of docs/configuration.md, generated from the config schema.",
            discussion: "Used by scripts/gen-config-doc.sh; --update rewrites the marked tables in a file in place.",
            shouldDisplay: false)

        @Flag(help: "Print markdown tables under their marker comments (the default and only format).")
        var markdown = false

        @Option(help: ArgumentHelp("Rewrite the generated tables of this markdown file in place.", valueName: "path"))
        var update: String?

        func run() throws {
            guard let update else {
                print(ConfigSchemaDoc.allMarkdown, terminator: "")
                return
            }
            let url = URL(fileURLWithPath: update)
            let document = try String(contentsOf: url, encoding: .utf8)
            do {
                let updated = try ConfigSchemaDoc.update(document)
                if updated != document { try updated.write(to: url, atomically: true, encoding: .utf8) }
            } catch let error as ConfigSchemaDoc.DocError {
                throw ValidationError("\(update): \(error.message)")
            }
        }
    }
}
