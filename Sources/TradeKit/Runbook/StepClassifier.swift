import Foundation

/// Whether a step changes the machine; decides what `runbook run --dry-run` does with it.
public enum StepEffect: String, Sendable, Codable {
    /// Run for real in a dry run too: it only looks.
    case readOnly = "read-only"
    /// Run with `--dry-run` appended in a dry run.
    case mutating
}

/// What `StepClassifier` found out about a step's command.
public struct StepClassification: Sendable, Equatable {
    /// The command's name: `health`, `backup verify`, `db vacuum`.
    public var command: String
    public var effect: StepEffect
    /// Why it is classified so, for `runbook show` and reviewers.
    public var reason: String

    public init(command: String, effect: StepEffect, reason: String) {
        self.command = command
        self.effect = effect
        self.reason = reason
    }
}

/// The table of commands a runbook step may use, each with its effect and the reason for it.
///
/// The list is the CLI contract (docs/cli.md), not this build's subcommands: a runbook that
/// names a command of the contract stays valid on a build that lacks it, and the CLI reports
/// such steps separately ("not available in this build").
public enum StepClassifier {
    public struct Entry: Sendable, Equatable {
        public var command: String
        public var effect: StepEffect
        public var reason: String
    }

    public static let entries: [Entry] = [
        .init(command: "status", effect: .readOnly, reason: "reads systemd, the journal and the state DB"),
        .init(
            command: "health", effect: .readOnly, reason: "runs probes; only records the run, as the health timer does"),
        .init(command: "logs", effect: .readOnly, reason: "reads the journal"),
        .init(command: "releases", effect: .readOnly, reason: "lists kept releases"),
        .init(command: "backup list", effect: .readOnly, reason: "reads the backup catalog"),
        .init(
            command: "backup verify", effect: .readOnly, reason: "reads an archive; only records when it was verified"),
        .init(command: "config check", effect: .readOnly, reason: "reads the config"),
        .init(command: "config show", effect: .readOnly, reason: "reads the config, secrets redacted"),
        .init(command: "db check", effect: .readOnly, reason: "SQLite integrity_check reads the database"),
        .init(command: "secrets list", effect: .readOnly, reason: "lists secret names, never values"),
        .init(command: "audit", effect: .readOnly, reason: "reads the audit log"),
        .init(command: "doctor", effect: .readOnly, reason: "pre-flight checks of the host; changes nothing"),
        .init(command: "alerts list", effect: .readOnly, reason: "reads the monitor's state, silences and acks"),
        .init(command: "runbook list", effect: .readOnly, reason: "reads runbooks"),
        .init(command: "runbook show", effect: .readOnly, reason: "reads runbooks"),
        .init(
            command: "monitor", effect: .readOnly,
            reason: "with --once: one monitoring cycle of checks and alerts (treated as read-only)"),
        .init(command: "deploy", effect: .mutating, reason: "installs a release and units, starts services"),
        .init(command: "update", effect: .mutating, reason: "switches to a new release and restarts"),
        .init(command: "rollback", effect: .mutating, reason: "switches to an older release and restarts"),
        .init(command: "backup", effect: .mutating, reason: "writes an archive and applies retention"),
        .init(command: "backup create", effect: .mutating, reason: "writes an archive and applies retention"),
        .init(command: "backup prune", effect: .mutating, reason: "deletes archives"),
        .init(command: "backup push", effect: .mutating, reason: "uploads archives off-site"),
        .init(command: "restore", effect: .mutating, reason: "replaces live data"),
        .init(
            command: "recover", effect: .mutating,
            reason: "fetches an archive, builds shared/ and deploys, on a host without the project's data"),
        .init(command: "halt", effect: .mutating, reason: "engages the kill switch and stops trading components"),
        .init(command: "resume", effect: .mutating, reason: "releases the kill switch and starts trading components"),
        .init(command: "db optimize", effect: .mutating, reason: "rewrites database statistics and indexes"),
        .init(command: "db vacuum", effect: .mutating, reason: "rewrites the database file"),
        .init(command: "secrets set", effect: .mutating, reason: "writes a secret to .env"),
        .init(command: "alerts silence", effect: .mutating, reason: "records a silence in the state DB"),
        .init(command: "alerts unsilence", effect: .mutating, reason: "ends a silence in the state DB"),
        .init(command: "alerts ack", effect: .mutating, reason: "records an acknowledgement in the state DB"),
        .init(command: "run", effect: .mutating, reason: "runs a oneshot component now"),
        .init(command: "uninstall", effect: .mutating, reason: "stops and removes the project's units"),
    ]

    /// Commands whose first argument must name one of their subcommands.
    static let groups: Set<String> = ["backup", "config", "db", "secrets", "runbook", "alerts"]

    /// The first word of every command in the table.
    public static var commandNames: Set<String> { Set(entries.map { String($0.command.split(separator: " ")[0]) }) }

    /// Classifies a step's arguments (after `tradectl`), or says why it cannot be a step.
    public static func classify(_ arguments: [String]) -> Result<StepClassification, StepRefusal> {
        guard let first = arguments.first else { return .failure(.init("the block has `tradectl` but no command")) }
        if first.hasPrefix("-") {
            return .failure(.init("put the command first (`tradectl status`, not `tradectl \(first) …`)"))
        }
        for argument in arguments {
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if ArgumentNormalizer.valueOptions.contains(name) {
                return .failure(
                    .init("\(name) is not allowed in a step: steps use the --config and --root of `runbook run`"))
            }
            if argument == "--" { return .failure(.init("`--` is not allowed in a step")) }
        }
        var name = first
        if groups.contains(first), arguments.count > 1, !arguments[1].hasPrefix("-") {
            name = "\(first) \(arguments[1])"
        }
        guard let entry = entries.first(where: { $0.command == name }) else {
            if groups.contains(first), first != "backup" {
                let subcommands = entries.compactMap { entry -> String? in
                    let words = entry.command.split(separator: " ")
                    return words.count == 2 && words[0] == first ? String(words[1]) : nil
                }
                return .failure(
                    .init("`\(name)` is not a step command; use \(first) \(subcommands.joined(separator: "|"))"))
            }
            let known = Set(entries.map(\.command)).sorted().joined(separator: ", ")
            return .failure(.init("unknown command `\(name)`; steps may use: \(known)"))
        }
        switch name {
        case "monitor" where !arguments.contains("--once"):
            return .failure(.init("`monitor` runs until stopped; a step must use `monitor --once`"))
        case "logs" where arguments.contains("--follow") || arguments.contains("-f"):
            return .failure(.init("`logs --follow` never ends; a step must not follow"))
        default:
            break
        }
        if entry.effect == .mutating, arguments.contains("--dry-run") {
            return .success(
                .init(
                    command: name, effect: .readOnly, reason: "written with --dry-run: shows the plan, changes nothing")
            )
        }
        return .success(.init(command: name, effect: entry.effect, reason: entry.reason))
    }
}

/// Why a command line cannot be a runbook step.
public struct StepRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
