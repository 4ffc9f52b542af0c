import Foundation

/// `[[components]]` and their `probes` (docs/configuration.md).
extension DeploymentSchema {
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
}
