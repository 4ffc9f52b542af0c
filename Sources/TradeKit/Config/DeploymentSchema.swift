import Foundation

/// Every key of `tradectl.toml`, declared once: name, type, default, secret flag, doc line and
/// where it lands in the model. The decoder, `TRADECTL_*` overrides, `config show`, the installed
/// config and the key tables of docs/configuration.md all follow from these declarations
/// (docs/architecture.md, "Recipe: add a config key"). Checks across keys stay hand-written:
/// the `crossChecks` here and `ConfigValidator`.
enum DeploymentSchema {
    typealias Key<Model> = SchemaKey<Model>

    /// The top level: one table per section, `[[components]]` a list of tables.
    static var root: SchemaSection<Deployment> {
        SchemaSection(keys: [
            .table("project", \.project, project, doc: "the project"),
            .table("releases", \.releases, releases, doc: "releases"),
            .tables(
                "components", \.components, componentAndPreflight, blank: { _ in Component() },
                required: "at least one [[components]] table is required", doc: "one table per program"),
            .table("deploy", \.deploy, deploy, doc: "deploy"),
            .table("backup", \.backup, backup, doc: "backup"),
            .table("health", \.health, health, doc: "health"),
            .table("monitor", \.monitor, monitor, doc: "monitor"),
            .table("alerts", \.alerts, alerts, doc: "alerts"),
            .table("kill_switch", \.killSwitch, killSwitch, doc: "kill switch"),
            .table("market", \.market, market, doc: "market hours", declared: \.declared),
            .table("log_rotation", \.logRotation, logRotation, doc: "log rotation"),
            .table("runbooks", \.runbooks, runbooks, doc: "runbooks"),
            .table("preflight", \.preflight, preflight, doc: "pre-flight checks"),
        ])
    }

    static var project: SchemaSection<ProjectConfig> {
        SchemaSection(keys: [
            .key(
                "name", \.name, .string, default: .required(placeholder: { _ in "unnamed" }),
                doc: "project name; prefixes every unit (`<name>-<component>.service`)",
                format: "string, `[a-z][a-z0-9-]{0,31}`"),
            .key(
                "environment", \.environment, .choice, default: .value(.dev),
                doc: "enables the production safety checks below"),
            .key(
                "root", \.root, .string,
                default: .derived(doc: "`/opt/<name>`") { project, _ in "/opt/\(project.name)" },
                doc: "install root: `releases/`, `current`, `shared/`", format: "absolute path"),
            .key(
                "user", \.user, .string, default: .derived(doc: "`<name>`") { project, _ in project.name },
                doc: "system user the components run as (system scope); created by `deploy` if missing"),
            .key(
                "group", \.group, .string, default: .derived(doc: "same as `user`") { project, _ in project.user },
                doc: "system group"),
            .key(
                "scope", \.scope, .choice, default: .value(.system),
                doc: "`system`: units in `/etc/systemd/system`, full hardening; `user`: units in "
                    + "`~/.config/systemd/user` for `systemctl --user`, no namespace directives"),
            .key(
                "state_dir", \.stateDir, .string,
                default: .derived(doc: "`/var/lib/tradectl/<name>`") { project, _ in
                    "/var/lib/tradectl/\(project.name)"
                },
                doc: "`state.db` (SQLite, WAL) and the project lock", format: "absolute path"),
            .optional(
                "templates_dir", \.templatesDir, .resolvedPath,
                doc: "directory with your own copies of the unit templates",
                format: "path", defaultDoc: "built-in `templates/`"),
            .optional(
                "tradectl_path", \.tradectlPath, .string,
                doc: "executable placed in tradectl's own units (backup, health, monitor)", format: "absolute path",
                defaultDoc: "the running binary"),
        ])
    }

    static var releases: SchemaSection<ReleasesConfig> {
        SchemaSection(keys: [
            .key(
                "source", \.source, .resolvedPath, default: .required(placeholder: { _ in "" }),
                doc: "directory holding the application to release (copied into `releases/<version>/`); "
                    + "`--source` overrides", format: "path"),
            .key(
                "keep", \.keep, .integer(1...1000), default: .value(5),
                doc: "releases kept on disk (the current one is never removed)", format: "integer ≥ 1"),
            .key(
                "build", \.build, .stringList, default: .value([]),
                doc: "build hooks, each run with `/bin/sh -c` inside the new release before `current` is switched; "
                    + "a failing hook aborts the deploy and `current` is untouched"),
            .key(
                "pre_switch", \.preSwitch, .stringList, default: .value([]),
                doc: "hooks run inside the new release after the build, before `current` switches (e.g. migrations); "
                    + "a failure aborts with `current` untouched"),
            .key(
                "shared", \.shared, .sharedPaths, default: .value([]),
                doc: "paths kept across releases in `<root>/shared/` and linked into each release; a trailing `/` "
                    + "marks a directory (`\"data/\"`), otherwise a file (`\".env\"`). A missing shared file is seeded "
                    + "once from the release source (never overwritten afterwards); a file named like an env file is "
                    + "written mode 0600", format: "list of relative paths"),
            .key(
                "exclude", \.exclude, .stringList, default: .value([".git", "__pycache__"]),
                doc: "names skipped when copying the source"),
        ])
    }

    static var deploy: SchemaSection<DeploySettings> {
        SchemaSection(keys: [
            .key(
                "health_timeout", \.healthTimeout, .duration, default: .value(.seconds(60)),
                doc: "how long `deploy` waits for every service to be active and its probes to pass")
        ])
    }

    static var backup: SchemaSection<BackupConfig> {
        let limit = 1...Int(UInt32.max)
        return SchemaSection(keys: [
            .key(
                "dir", \.dir, .string,
                default: .derived(doc: "`/var/backups/tradectl/<name>`") { _, context in
                    "/var/backups/tradectl/\(context.deployment.project.name)"
                }, doc: "archive directory", format: "absolute path"),
            .key(
                "schedule", \.schedule, .string, default: .value("*-*-* 02:30"), doc: "timer for `tradectl backup`",
                format: "calendar spec"),
            .key(
                "random_delay", \.randomDelay, .duration, default: .value(.seconds(1800)),
                doc: "the backup timer starts up to this much later (`RandomizedDelaySec=`, `FixedRandomDelay=yes`): "
                    + "a fixed offset per host and project, so projects sharing a host do not all back up at once; "
                    + "`\"0s\"` for none"),
            .key(
                "timeout", \.timeout, .duration, default: .value(.seconds(3600)),
                doc: "a backup still writing after this long (a slow or failing disk) stops, removes its partial "
                    + "archive and fails with exit 1 (`tradectl backup` and the scheduled one alike); `\"0s\"` for "
                    + "no limit"),
            .key(
                "compression", \.compression, .string, default: .value("gzip"), doc: "archive compression",
                format: "`gzip` \\| `zstd`",
                check: { value, _ in
                    guard !["gzip", "zstd"].contains(value) else { return [] }
                    return [.init(message: "must be \"gzip\" or \"zstd\", got \"\(value)\"")]
                }),
            .key(
                "databases", \.databases, .stringList, default: .value([]),
                doc: "SQLite files in `shared/` snapshotted online", format: "list of relative paths"),
            .key(
                "paths", \.paths, .stringList, default: .value([]), doc: "other files/dirs in `shared/` to archive",
                format: "list of relative paths"),
            .key("include_logs", \.includeLogs, .bool, default: .value(false), doc: "also archive `shared/logs`"),
            .key(
                "keep_last", \.keepLast, .integer(), default: .value(7),
                doc: "retention (restic semantics, see backup-restore.md): newest archives kept; all `keep_*` 0 keeps "
                    + "everything"),
            .key("keep_hourly", \.keepHourly, .integer(), default: .value(0), doc: "retention: one per hour"),
            .key("keep_daily", \.keepDaily, .integer(), default: .value(14), doc: "retention: one per day"),
            .key("keep_weekly", \.keepWeekly, .integer(), default: .value(8), doc: "retention: one per week"),
            .key("keep_monthly", \.keepMonthly, .integer(), default: .value(12), doc: "retention: one per month"),
            .optional(
                "keep_within", \.keepWithin, .duration, doc: "keep every archive within this span of the newest"),
            .key(
                "keep_pre_restore", \.keepPreRestore, .integer(), default: .value(2),
                doc: "safety copies kept by `restore`: the replaced `shared/` trees in `<root>/pre-restore/`, newest "
                    + "first, for `restore --undo`; 0 keeps none"),
            .key(
                "max_entry_mib", \.maxEntryMiB, .integer(limit), default: .value(65_536),
                doc: "restore/verify refuse archives with a larger entry (decompression bombs)",
                format: "integer ≥ 1"),
            .key(
                "max_total_mib", \.maxTotalMiB, .integer(limit), default: .value(262_144),
                doc: "… with a larger total size", format: "integer ≥ 1"),
            .key(
                "max_entries", \.maxEntries, .integer(limit), default: .value(100_000), doc: "… with more entries",
                format: "integer ≥ 1"),
            .table("offsite", \.offsite, offsite, doc: "encrypted off-site copies through rclone, see below"),
        ])
    }

    static var logRotation: SchemaSection<LogRotationConfig> {
        SchemaSection(keys: [
            .key(
                "frequency", \.frequency, .choice, default: .value(.daily),
                doc: "rotate the components' `log_files` this often"),
            .optional(
                "max_size", \.maxSize, .string,
                doc: "also rotate a file that grew past this (logrotate `maxsize`)", format: "size, e.g. `100M`",
                check: { value, _ in
                    value.wholeMatch(of: /[0-9]+[kKMG]?/) != nil
                        ? [] : [.init(message: "must be a size like 100M, 512k or 1G, got \"\(value)\"")]
                }),
            .key("keep", \.keep, .integer(1...1000), default: .value(10), doc: "rotated files kept"),
            .key("compress", \.compress, .bool, default: .value(true), doc: "gzip rotated files (from the second)"),
            .key(
                "schedule", \.schedule, .string, default: .value("*:0/15"),
                doc: "user scope: timer that runs logrotate with tradectl's own state file (system scope uses the "
                    + "host's logrotate.timer)", format: "calendar spec"),
        ])
    }

    static var killSwitch: SchemaSection<KillSwitchConfig> {
        SchemaSection(keys: [
            .key(
                "file", \.file, .string,
                default: .derived(doc: "`<root>/shared/KILL`") { _, context in
                    "\(context.deployment.project.root)/shared/KILL"
                },
                doc: "when present, trading components must not trade; every component's unit gets its path as "
                    + "`TRADECTL_KILL_SWITCH` ([incident-commands.md](incident-commands.md))", format: "path"),
            .key(
                "components", \.components, .stringList,
                default: .derived(doc: "every component with `trades = true`") { _, context in
                    context.deployment.components.filter(\.trades).map(\.name)
                }, doc: "stopped by `halt`", format: "list of component names",
                check: { names, context in
                    names.filter { name in !context.deployment.components.contains { $0.name == name } }
                        .map { KeyProblem(message: "names unknown component \"\($0)\"") }
                }),
            .key(
                "auto_halt_after", \.autoHaltAfter, .integer(0...1000), default: .value(0),
                doc: "the monitor halts (as `tradectl halt` does) after this many critical alerts of the kill "
                    + "switch's components within `auto_halt_window`; it never resumes by itself (`0`: never)"),
            .key(
                "auto_halt_window", \.autoHaltWindow, .duration, default: .value(.seconds(900)),
                doc: "the span `auto_halt_after` counts in"),
        ])
    }

    static var runbooks: SchemaSection<RunbooksConfig> {
        SchemaSection(keys: [
            .key(
                "dirs", \.dirs, .resolvedPaths, default: .value([]),
                doc: "the project's own runbook directories, searched first (relative paths against the config's "
                    + "directory)", format: "list of paths",
                check: { dirs, _ in
                    dirs.indices.filter { dirs[$0].isEmpty }.map {
                        KeyProblem(suffix: "[\($0)]", message: "must not be empty")
                    }
                })
        ])
    }

    /// Each regular expression of a list must compile; the element is named (`[2]`).
    static func regexList(_ patterns: [String], _ context: DecodeContext) -> [KeyProblem] {
        patterns.enumerated().filter { !isRegex($0.element) }.map {
            KeyProblem(suffix: "[\($0.offset)]", message: "is not a valid regular expression: \($0.element)")
        }
    }

    static func isRegex(_ pattern: String) -> Bool { (try? NSRegularExpression(pattern: pattern)) != nil }
}
