import ArgumentParser
import Foundation
import TradeKit

struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Change one key of an env file, or list the keys of every env file; values are never shown.",
        discussion: "See docs/incident-commands.md.",
        subcommands: [Set.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set KEY in an env file from stdin, then restart the running components that read it.",
            discussion: """
                The value comes from stdin: on a terminal it is asked twice with echo off; from a pipe \
                it is read as is (one trailing newline dropped). It never appears in output, logs, \
                plans or the audit log (--dry-run shows `KEY=<redacted>`).

                The env file is rewritten atomically (temp file in the same directory, mode 0600, owner \
                kept, fsync, rename, directory fsync); other lines, comments and their order stay as \
                they were. The value is quoted so systemd reads it back unchanged. Then the running \
                services whose env_file is that file are restarted (each gets its stop timeout) and \
                must become healthy; stopped ones, and those held by the kill switch, read it when they \
                start. The audit log records the key and the file.

                Examples:
                  tradectl secrets set V6_BROKER_API_KEY
                  pass broker/v6 | tradectl secrets set V6_BROKER_API_KEY --component engine
                  printf '%s' "$NEW_KEY" | tradectl secrets set V6_BROKER_API_KEY --dry-run
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Variable name, e.g. V6_BROKER_API_KEY.")
        var key: String

        @Option(help: "The component whose env_file to change (needed when components use different files).")
        var component: String?

        @Flag(help: "Print the plan (value redacted) and change nothing.")
        var dryRun = false

        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
        var lockWait: Int = 0

        func validate() throws {
            guard EnvFile.isValidKey(key) else {
                throw ValidationError(
                    "\(key) is not a valid variable name (letters, digits and _, not starting with a digit)")
            }
        }

        func run() async throws {
            let context = CommandContext(global, command: "secrets set")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let runner = context.secretsRunner(deployment)
                _ = try runner.resolve(component: component)  // a wrong --component fails before the prompt
                // A dry run needs no value (the plan shows it redacted either way): it never
                // prompts, and with nothing piped in it plans with a placeholder, so a runbook
                // rehearsal (stdin /dev/null) works. A piped value is still validated.
                let value: String
                if dryRun {
                    let piped = isatty(STDIN_FILENO) == 1 ? "" : ((try? SecretInput.read(key: key)) ?? "")
                    value = piped.isEmpty ? "dry-run-placeholder" : piped
                } else {
                    value = try SecretInput.read(key: key)
                }
                try EnvFile.validate(value: value)
                let outcome = try await runner.set(
                    key: key, value: value, component: component, dryRun: dryRun, lockWait: .seconds(lockWait))
                if context.showPlan(outcome.plan, dryRun: dryRun) {
                    context.print("\(key) \(outcome.change.rawValue) in \(outcome.file.path)\n")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Key names of every env file, with mode and owner warnings; never values.",
            discussion: """
                One block per env_file: the components that read it, its mode and owner, its keys in \
                file order, and warnings (readable by others, wrong owner in system scope, a key set \
                twice, missing file). --json gives \
                [{"file", "path", "components", "exists", "mode", "owner", "keys", "warnings"}].

                Examples:
                  tradectl secrets list
                  tradectl secrets list --json
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = CommandContext(global, command: "secrets list")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let listing = context.secretsRunner(deployment).list()
                if global.json {
                    context.print(JSONOutput.string(listing) + "\n")
                    return
                }
                if listing.isEmpty { context.print("no component has an env_file\n") }
                for file in listing {
                    let meta = file.exists ? "mode \(file.mode ?? "?"), owner \(file.owner ?? "?")" : "missing"
                    context.print("\(file.path) (\(meta)); read by \(file.components.joined(separator: ", "))\n")
                    for key in file.keys { context.print("  \(key)\n") }
                    for warning in file.warnings { context.print("  warning: \(warning)\n") }
                }
            }
        }
    }
}

extension CommandContext {
    func secretsRunner(_ deployment: Deployment) -> SecretsRunner {
        SecretsRunner(
            deployment: deployment, fileSystem: fileSystem, environment: environment, offline: offline,
            logger: makeLogger(project: deployment.project.name))
    }
}
