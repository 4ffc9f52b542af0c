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

    static var component: SchemaSection<Component> {
        SchemaSection(keys: [
            .key(
                "name", \.name, .string, default: .required(placeholder: { _ in "" }),
                doc: "component name, unique", format: "string, `[a-z][a-z0-9-]{0,31}`"),
            .key(
                "kind", \.kind, .choice, default: .value(.service),
                doc: "long-running (restarted by systemd) or run on `schedule` by a timer"),
            .key(
                "exec", \.exec, .string, default: .required(placeholder: { _ in "" }),
                doc: "command line, run in `working_dir`; the first word is an absolute path or a name systemd finds "
                    + "in its search path"),
            .key(
                "working_dir", \.workingDir, .string, default: .value("."),
                doc: "directory inside the current release", format: "relative path"),
            .optional(
                "env_file", \.envFile, .string,
                doc: "file in `shared/` loaded with `EnvironmentFile=` (secrets live here)", format: "relative path"),
            .optional(
                "schedule", \.schedule, .string,
                doc: "`OnCalendar=` of the component's timer, e.g. `\"Mon..Fri 09:30 America/New_York\"`",
                format: "systemd calendar spec", defaultDoc: "required for `oneshot`"),
            .key(
                "restart", \.restart, .choice,
                default: .derived(doc: "`on-failure` for services") { component, _ in
                    component.kind == .service ? .onFailure : .no
                }, doc: "`Restart=`"),
            .key("restart_sec", \.restartSec, .duration, default: .value(.seconds(5)), doc: "`RestartSec=`"),
            .optional(
                "stop_timeout", \.stopTimeout, .duration,
                doc: "`TimeoutStopSec=`: how long SIGTERM may take before SIGKILL; make it long enough to finish "
                    + "pending orders", defaultDoc: "systemd default (90s)"),
            .key(
                "after", \.after, .stringList, default: .value([]),
                doc: "ordering: start after these (`After=`)", format: "list of component names"),
            .key(
                "requires", \.requires, .stringList, default: .value([]),
                doc: "hard dependency (`Requires=` + `After=`)", format: "list of component names"),
            .key(
                "trades", \.trades, .bool, default: .value(false),
                doc: "the component places orders: in production it must have `stop_timeout`"),
            .key(
                "dry_run", \.dryRun, .bool, default: .value(false),
                doc: "the component is in dry-run/paper mode: an **error** in `production`"),
            .optional(
                "restart_daily", \.restartDaily, .string,
                doc: "a timer that restarts this service (e.g. `\"*-*-* 06:00\"`)", format: "calendar spec"),
            .optional(
                "restart_every", \.restartEvery, .duration,
                doc: "a monotonic timer that restarts this service this long after its last restart "
                    + "(`OnUnitActiveSec=`), e.g. `\"24h\"`; instead of `restart_daily`"),
            .key(
                "restart_after_boot", \.restartAfterBoot, .duration, default: .value(.seconds(300)),
                doc: "with `restart_every`: the first restart, this long after boot (`OnBootSec=`); a timer "
                    + "started later than that (a first deploy) restarts the service at once",
                printIf: { $0.restartEvery != nil }),
            .key(
                "network", \.network, .bool, default: .value(true),
                doc: "start after the network is up (`After=` + `Wants=network-online.target`); system scope only, "
                    + "a user manager has no such target"),
            .optional(
                "schedule_random_delay", \.scheduleRandomDelay, .duration,
                doc: "oneshot: `RandomizedDelaySec=` of its timer (each run starts up to this much later)"),
            .key(
                "retries", \.retries, .integer(0...100), default: .value(0),
                doc: "oneshot: runs again after a failure, up to this many times (`Restart=on-failure`, "
                    + "`StartLimitBurst=` retries + 1)", format: "integer 0–100"),
            .key(
                "retry_delay", \.retryDelay, .duration, default: .value(.seconds(300)),
                doc: "oneshot: time between a failed run and its retry (`RestartSec=`); the retries of one run must "
                    + "end within `StartLimitIntervalSec=` 2 × (retries + 1) × retry_delay",
                printIf: { $0.retries > 0 }),
            .key(
                "environment", \.environment, .stringTable, default: .value([]),
                doc: "extra `Environment=` assignments; not for secrets", omitWhen: \.isEmpty),
            .table("probes", \.probes, probes, doc: "health probes"),
            .key(
                "log_format", \.logFormat, .choice, default: .value(.plain),
                doc: "how the program writes log lines: `python` (`logging`: `ERROR:…`, `- ERROR -`, tracebacks), "
                    + "`json` (a `level` field) or `plain` (the journal's priority stands); the journal check, "
                    + "`logs --priority` and the monitor count a stated `ERROR` as an error"),
            .key(
                "log_files", \.logFiles, .stringList, default: .value([]),
                doc: "log files the program writes in `shared/` (globs, e.g. `\"logs/*.log\"`): rotated by "
                    + "logrotate (`[log_rotation]`), shown by `logs --files`, followed by the monitor",
                format: "list of relative globs", omitWhen: \.isEmpty),
        ])
    }

    static var probes: SchemaSection<Probes> {
        SchemaSection(keys: [
            .optional("http", \.http, .string, doc: "`http://host:port/path` that must answer 2xx", format: "URL"),
            .optional("tcp", \.tcp, .string, doc: "a port that must accept a connection", format: "`host:port`"),
            .optional(
                "heartbeat", \.heartbeat, .string,
                doc: "file in `shared/` whose mtime must be fresher than `probes.heartbeat_max_age`",
                format: "relative path"),
            .key(
                "heartbeat_max_age", \.heartbeatMaxAge, .duration, default: .value(.seconds(300)),
                doc: "how old the `heartbeat` file may get before the probe fails",
                printIf: { $0.heartbeat != nil }),
            .optional(
                "sqlite", \.sqlite, .string, doc: "database in `shared/` checked by `health`", format: "relative path"),
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

    /// `[backup.offsite]`: absent (no `type`) means no off-site copies; its keys then print nothing.
    static var health: SchemaSection<HealthConfig> {
        SchemaSection(
            keys: [
                .key(
                    "schedule", \.schedule, .string, default: .value("*:0/5"), doc: "timer for `tradectl health`",
                    format: "calendar spec"),
                .key("timeout", \.timeout, .duration, default: .value(.seconds(10)), doc: "per-check timeout"),
                .key(
                    "disk_warn_percent", \.diskWarnPercent, .integer(1...100), default: .value(80),
                    doc: "filesystem usage that is a warning"),
                .key(
                    "disk_crit_percent", \.diskCritPercent, .integer(1...100), default: .value(90),
                    doc: "filesystem usage that is critical"),
                .key(
                    "memory_warn_percent", \.memoryWarnPercent, .integer(0...100), default: .value(10),
                    doc: "MemAvailable below this is a warning"),
                .key(
                    "memory_crit_percent", \.memoryCritPercent, .integer(0...100), default: .value(5),
                    doc: "MemAvailable below this is critical"),
                .key(
                    "errors_warn_per_hour", \.errorsWarnPerHour, .integer(), default: .value(10),
                    doc: "journal entries of priority ≤ err per hour that are a warning"),
                .key(
                    "errors_crit_per_hour", \.errorsCritPerHour, .integer(), default: .value(100),
                    doc: "… that are critical"),
                .key(
                    "error_patterns", \.errorPatterns, .stringList, default: .value([]),
                    doc: "lines that count as errors whatever their priority (e.g. `\"rate limit\"`)",
                    format: "list of regular expressions", check: regexList),
                .key(
                    "backup_max_age", \.backupMaxAge, .duration, default: .value(.seconds(26 * 3600)),
                    doc: "newest backup older than this is critical"),
                .key(
                    "timer_grace", \.timerGrace, .duration, default: .value(.seconds(600)),
                    doc: "how late a timer run may be before it counts as missed"),
                .key(
                    "history_keep", \.historyKeep, .integer(1...1_000_000), default: .value(1000),
                    doc: "health runs kept in the state DB"),
            ],
            crossChecks: { health, reader in
                if health.diskWarnPercent > health.diskCritPercent {
                    reader.report("disk_warn_percent", "must not be above disk_crit_percent")
                }
            })
    }

    static var monitor: SchemaSection<MonitorConfig> {
        SchemaSection(
            keys: [
                .key(
                    "enabled", \.enabled, .bool, default: .value(true),
                    doc: "install and start `<name>-monitor.service`"),
                .key(
                    "interval", \.interval, .duration, default: .value(.seconds(30)),
                    doc: "time between cycles (health checks + journal findings)"),
                .key(
                    "watchdog", \.watchdog, .duration, default: .value(.seconds(120)),
                    doc: "`WatchdogSec=` of the monitor unit; the monitor pings at half of it. Warning when shorter "
                        + "than two intervals"),
                .key(
                    "journal_patterns", \.journalPatterns, .stringList, default: .value([]),
                    doc: "shorthand: any matching journal line of the project's units is a warning",
                    format: "list of regular expressions", check: regexList),
                .tables(
                    "patterns", \.patterns, journalPattern, blank: { _ in JournalPattern(name: "", regex: nil) },
                    doc: "journal rules, see below"),
                .key(
                    "auto_restart", \.autoRestart, .bool, default: .value(true),
                    doc: "restart services systemd gave up on (failed, or inactive while enabled)"),
                .key(
                    "max_restarts", \.maxRestarts, .integer(), default: .value(3),
                    doc: "monitor restarts per component per `restart_window`; then one escalation alert"),
                .key(
                    "restart_window", \.restartWindow, .duration, default: .value(.seconds(3600)),
                    doc: "the window `max_restarts` counts in"),
                .key(
                    "restart_delay", \.restartDelay, .duration, default: .value(.seconds(10)),
                    doc: "wait before the 2nd restart in the window; doubled for each further one"),
                .key(
                    "alert_after", \.alertAfter, .integer(1...1000), default: .value(2),
                    doc: "bad results in a row before a check alerts; as many good ones before it recovers"),
                .key(
                    "alert_after_checks", \.alertAfterChecks,
                    .integerTable(1...1000, fallback: 1, checkName: knownCheck), default: .value([:]),
                    doc: "per check name, e.g. `{ http = 3, journal-pattern = 1 }` (journal patterns default to 1)",
                    omitWhen: \.isEmpty),
                .key(
                    "flap_samples", \.flapSamples, .integer(5...200), default: .value(21),
                    doc: "results per check kept for flap detection"),
                .key(
                    "flap_high_percent", \.flapHighPercent, .integer(1...100), default: .value(50),
                    doc: "a check whose recent results changed (good↔bad) this often is flapping: one message, then "
                        + "quiet"),
                .key(
                    "flap_low_percent", \.flapLowPercent, .integer(0...100), default: .value(25),
                    doc: "it stops flapping below this; the normal rules decide again"),
                .optional(
                    "metrics_listen", \.metricsListen, .string,
                    doc: "serve `/metrics`, `/health`, `/ready` (e.g. `\"127.0.0.1:9464\"`)",
                    format: "`host:port`, loopback only",
                    check: { value, _ in
                        MetricsAddress(parsing: value) != nil
                            ? [] : [.init(message: "must be host:port on a loopback address, e.g. \"127.0.0.1:9464\"")]
                    }),
                .optional(
                    "textfile_dir", \.textfileDir, .string,
                    doc: "also write `tradectl_<project>.prom` there (node_exporter textfile collector), atomically",
                    format: "absolute path",
                    check: { value, _ in value.hasPrefix("/") ? [] : [.init(message: "must be an absolute path")] }),
                .key(
                    "down_outside_session", \.downOutsideSession, .choice, default: .value(.critical),
                    doc: "severity of a `trades = true` component down while `[market]` is closed (critical during "
                        + "a session; docs/market-hours.md)"),
            ],
            crossChecks: { monitor, reader in
                if monitor.flapLowPercent > monitor.flapHighPercent {
                    reader.report("flap_low_percent", "must not be above flap_high_percent")
                }
                if monitor.watchdog.seconds > 0, monitor.watchdog.seconds < 2 * monitor.interval.seconds {
                    reader.warn("watchdog", "is shorter than two intervals; a slow cycle could trip it")
                }
            })
    }

    static var journalPattern: SchemaSection<JournalPattern> {
        SchemaSection(
            keys: [
                .key(
                    "name", \.name, .string, default: .required(placeholder: { context in "pattern\(context.index)" }),
                    doc: "names the alert key `journal-pattern/<name>` and the metric label"),
                .optional(
                    "regex", \.regex, .string, doc: "matched against the message (a Python traceback is one message)",
                    format: "regular expression",
                    check: { value, _ in
                        isRegex(value) ? [] : [.init(message: "is not a valid regular expression: \(value)")]
                    }),
                .optional(
                    "priority", \.priority, .syslogPriority,
                    doc: "only entries at least this severe; a pattern needs `regex`, `priority` or both",
                    format: "`emerg`…`debug` or 0–7"),
                .key(
                    "threshold", \.threshold, .integer(), default: .value(0),
                    doc: "bad while more than this many matches fall within `window`"),
                .key(
                    "window", \.window, .duration, default: .value(.seconds(3600)),
                    doc: "the span `threshold` counts in"),
                .key("severity", \.severity, .choice, default: .value(.warning), doc: "the alert's severity"),
            ],
            crossChecks: { pattern, reader in
                if pattern.regex == nil && pattern.priority == nil {
                    reader.report("regex", "a pattern needs regex, priority or both")
                }
            })
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

    static func knownCheck(_ name: String) -> String? {
        HealthSuite.names.contains(name) || name == "journal-pattern"
            ? nil : "names unknown check; known: \(HealthSuite.names.joined(separator: ", "))"
    }
}
