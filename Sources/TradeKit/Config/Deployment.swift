import Foundation

/// The validated model of one `tradectl.toml`: everything a command needs to know.
public struct Deployment: Sendable, Equatable {
    public var configPath: String
    public var project: ProjectConfig
    public var releases: ReleasesConfig
    public var components: [Component]
    public var deploy: DeploySettings
    public var backup: BackupConfig
    public var health: HealthConfig
    public var monitor: MonitorConfig
    public var alerts: AlertsConfig
    public var killSwitch: KillSwitchConfig
    public var market: MarketConfig = .init()
    public var logRotation: LogRotationConfig = .init()
    public var runbooks: RunbooksConfig = .init()
    public var preflight: PreflightConfig = .init()
    /// Where each key was set, so later checks can name file and line.
    public var origins: OriginIndex = .empty

    /// Directory holding the config file; relative paths in the file resolve against it.
    public var configDirectory: String {
        URL(fileURLWithPath: configPath).deletingLastPathComponent().path
    }

    public func component(named name: String) -> Component? {
        components.first { $0.name == name }
    }
}

public enum Environment: String, Sendable, CaseIterable, Codable { case dev, paper, production }
public enum Scope: String, Sendable, CaseIterable, Codable { case system, user }

/// The sections' initial values are placeholders: `DeploymentSchema` sets every property when a
/// config is decoded, and the defaults are declared there, once, with the key.
public struct ProjectConfig: Sendable, Equatable {
    public var name: String = ""
    public var environment: Environment = .dev
    public var root: String = ""
    public var user: String = ""
    public var group: String = ""
    public var scope: Scope = .system
    public var stateDir: String = ""
    public var templatesDir: String?
    public var tradectlPath: String?
}

public struct ReleasesConfig: Sendable, Equatable {
    public var source: String = ""
    public var keep: Int = 0
    public var build: [String] = []
    /// Run inside the new release after it is built, before `current` switches (migrations).
    public var preSwitch: [String] = []
    public var shared: [SharedPath] = []
    public var exclude: [String] = []
}

/// A path kept in `<root>/shared/` and linked into each release.
public struct SharedPath: Sendable, Equatable {
    public var path: String
    public var isDirectory: Bool

    /// Written as `"data/"` for a directory, `".env"` for a file.
    public init(_ spec: String) {
        isDirectory = spec.hasSuffix("/")
        path = String(spec.reversed().drop { $0 == "/" }.reversed())
    }

    /// Env files hold API keys: they are created 0600 and never shown as diffs.
    public var isSecret: Bool {
        let name = (path as NSString).lastPathComponent
        return name == ".env" || name.hasSuffix(".env") || name.hasPrefix(".env.")
    }
}

public enum ComponentKind: String, Sendable, Codable, CaseIterable { case service, oneshot }
public enum RestartPolicy: String, Sendable, Codable, CaseIterable {
    case no, onFailure = "on-failure", always, onAbnormal = "on-abnormal"
}

public struct Component: Sendable, Equatable {
    public var name: String = ""
    public var kind: ComponentKind = .service
    public var exec: String = ""
    public var workingDir: String = ""
    public var envFile: String?
    public var environment: [(key: String, value: String)] = []
    public var schedule: String?
    public var restart: RestartPolicy = .no
    public var restartSec: ConfigDuration = .seconds(0)
    public var stopTimeout: ConfigDuration?
    public var after: [String] = []
    public var requires: [String] = []
    public var trades: Bool = false
    public var dryRun: Bool = false
    public var restartDaily: String?
    /// Monotonic restart (`OnUnitActiveSec=`): restart this service every such span…
    public var restartEvery: ConfigDuration?
    /// …the first time this long after boot (`OnBootSec=`).
    public var restartAfterBoot: ConfigDuration = .seconds(0)
    /// Order after, and pull in, `network-online.target` (system scope only).
    public var network: Bool = true
    /// `RandomizedDelaySec=` of a oneshot's timer.
    public var scheduleRandomDelay: ConfigDuration?
    /// Further runs of a failed oneshot run (`Restart=on-failure` + a start limit).
    public var retries: Int = 0
    public var retryDelay: ConfigDuration = .seconds(0)
    public var probes: Probes = Probes()
    /// How the program writes its log lines, so a Python `ERROR` counts as an error.
    public var logFormat: LineFormat = .plain
    /// Log files it writes in `shared/` (globs), rotated by logrotate and followed by the monitor.
    public var logFiles: [String] = []
    /// What `tradectl doctor` checks for it (interpreters, required_env, ports, depends_on_tcp).
    public var preflight = ComponentPreflight()

    public static func == (lhs: Component, rhs: Component) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.exec == rhs.exec && lhs.workingDir == rhs.workingDir
            && lhs.envFile == rhs.envFile && lhs.environment.map(\.key) == rhs.environment.map(\.key)
            && lhs.environment.map(\.value) == rhs.environment.map(\.value) && lhs.schedule == rhs.schedule
            && lhs.restart == rhs.restart && lhs.restartSec == rhs.restartSec && lhs.stopTimeout == rhs.stopTimeout
            && lhs.after == rhs.after && lhs.requires == rhs.requires && lhs.trades == rhs.trades
            && lhs.dryRun == rhs.dryRun && lhs.restartDaily == rhs.restartDaily && lhs.probes == rhs.probes
            && lhs.logFormat == rhs.logFormat && lhs.logFiles == rhs.logFiles && lhs.preflight == rhs.preflight
            && lhs.restartEvery == rhs.restartEvery && lhs.restartAfterBoot == rhs.restartAfterBoot
            && lhs.network == rhs.network && lhs.scheduleRandomDelay == rhs.scheduleRandomDelay
            && lhs.retries == rhs.retries && lhs.retryDelay == rhs.retryDelay
    }

    /// The service has a restart helper (`restart_daily` or `restart_every`): a oneshot and a
    /// timer that restart it.
    public var hasScheduledRestart: Bool { restartDaily != nil || restartEvery != nil }
}

public struct Probes: Sendable, Equatable {
    public var http: String?
    public var tcp: String?
    public var heartbeat: String?
    public var heartbeatMaxAge: ConfigDuration = .seconds(0)
    public var sqlite: String?

    public var isEmpty: Bool { http == nil && tcp == nil && heartbeat == nil && sqlite == nil }
}

public struct DeploySettings: Sendable, Equatable {
    public var healthTimeout: ConfigDuration = .seconds(0)
}

public struct BackupConfig: Sendable, Equatable {
    public var dir: String = ""
    public var schedule: String = ""
    /// `RandomizedDelaySec=` with `FixedRandomDelay=yes`: a stable per-host, per-project offset.
    public var randomDelay: ConfigDuration = .seconds(0)
    /// A backup still writing after this long stops, removes its partial archive and fails
    /// (a slow or failing disk); 0: no limit.
    public var timeout: ConfigDuration = .seconds(0)
    public var compression: String = ""
    public var databases: [String] = []
    public var paths: [String] = []
    public var includeLogs: Bool = false
    public var keepLast: Int = 0
    public var keepHourly: Int = 0
    public var keepDaily: Int = 0
    public var keepWeekly: Int = 0
    public var keepMonthly: Int = 0
    public var keepWithin: ConfigDuration?
    /// Safety copies of the `shared/` tree a restore replaces, kept in `<root>/pre-restore/`.
    public var keepPreRestore: Int = 0
    /// Restore refuses archives with a larger entry, total, or more entries (decompression bombs).
    public var maxEntryMiB: Int = 0
    public var maxTotalMiB: Int = 0
    public var maxEntries: Int = 0
    /// `[backup.offsite]`: encrypted copies on another host (OffsiteConfig.swift).
    public var offsite = OffsiteConfig()
}

public struct HealthConfig: Sendable, Equatable {
    public var schedule: String = ""
    public var timeout: ConfigDuration = .seconds(0)
    public var diskWarnPercent: Int = 0
    public var diskCritPercent: Int = 0
    public var memoryWarnPercent: Int = 0
    public var memoryCritPercent: Int = 0
    /// Journal entries of priority ≤ err per hour (plus `error_patterns` matches).
    public var errorsWarnPerHour: Int = 0
    public var errorsCritPerHour: Int = 0
    public var errorPatterns: [String] = []
    public var backupMaxAge: ConfigDuration = .seconds(0)
    /// How late a timer may be before its run counts as missed.
    public var timerGrace: ConfigDuration = .seconds(0)
    /// Runs kept in the state DB.
    public var historyKeep: Int = 0
}

public struct MonitorConfig: Sendable, Equatable {
    public var enabled: Bool = false
    public var interval: ConfigDuration = .seconds(0)
    public var watchdog: ConfigDuration = .seconds(0)
    /// Plain regular expressions: any match is one warning event (`[[monitor.patterns]]` says more).
    public var journalPatterns: [String] = []
    public var patterns: [JournalPattern] = []
    public var autoRestart: Bool = false
    public var maxRestarts: Int = 0
    public var restartWindow: ConfigDuration = .seconds(0)
    /// First delay before a monitor restart; doubled for each further restart in the window.
    public var restartDelay: ConfigDuration = .seconds(0)
    /// Consecutive bad cycles before a check alerts (per check name in `alertAfterChecks`).
    public var alertAfter: Int = 0
    public var alertAfterChecks: [String: Int] = [:]
    /// Flapping, as Nagios defines it: over the last `flapSamples` results, the share of
    /// changes (good↔bad) reaches `flapHighPercent`; it stops below `flapLowPercent`.
    public var flapSamples: Int = 0
    public var flapHighPercent: Int = 0
    public var flapLowPercent: Int = 0
    public var metricsListen: String?
    /// node_exporter textfile collector directory; `<project>.prom` is written there atomically.
    public var textfileDir: String?
    /// A `trades = true` component down while the market is closed (`[market]`): critical or warning.
    public var downOutsideSession: DownOutsideSession = .critical

    /// Consecutive bad results before `check` alerts.
    public func alertAfter(check: String) -> Int { alertAfterChecks[check] ?? alertAfter }
}

/// One journal rule: entries of the project's units matching `regex` (and at most `priority`)
/// raise an event when more than `threshold` arrive within `window`.
public struct JournalPattern: Sendable, Equatable {
    public var name: String
    public var regex: String?
    /// syslog priority 0...7; nil: any.
    public var priority: Int?
    /// Alert when the count in `window` exceeds this (0: any match).
    public var threshold: Int
    public var window: ConfigDuration
    public var severity: Severity

    public init(
        name: String, regex: String?, priority: Int? = nil, threshold: Int = 0, window: ConfigDuration = .seconds(3600),
        severity: Severity = .warning
    ) {
        self.name = name
        self.regex = regex
        self.priority = priority
        self.threshold = threshold
        self.window = window
        self.severity = severity
    }
}

public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info, warning, critical
    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

public enum WebhookFormat: String, Sendable, Codable, CaseIterable { case slack, generic }

public struct AlertsConfig: Sendable, Equatable {
    /// Secret: never printed.
    public var webhookURL: String?
    public var webhookFormat: WebhookFormat = .slack
    /// argv of a program that gets each alert as JSON on stdin (mail, SMS).
    public var command: [String] = []
    public var minSeverity: Severity = .warning
    public var repeatAfter: ConfigDuration = .seconds(0)
    /// Per delivery attempt.
    public var timeout: ConfigDuration = .seconds(0)
    /// Further attempts after the first, with doubling backoff.
    public var retries: Int = 0
    /// Alerts waiting per notifier; the oldest is dropped (and counted) when full.
    public var queueSize: Int = 0
    /// Env file in `shared/` holding the receivers' secrets (`*_env` variables).
    public var envFile: String?
    public var receivers: [ReceiverConfig] = []
    public var routes: [AlertRoute] = []

    public func receiver(named name: String) -> ReceiverConfig? { receivers.first { $0.name == name } }
}

/// `[log_rotation]`: how deploy's logrotate configuration rotates the components' `log_files`.
public struct LogRotationConfig: Sendable, Equatable {
    public var frequency: RotationFrequency = .daily
    /// Also rotate when a file grows past this (logrotate `maxsize`, e.g. `100M`).
    public var maxSize: String?
    /// Rotated files kept.
    public var keep: Int = 0
    public var compress: Bool = false
    /// Run by a user-scope timer (system scope: logrotate's own daily cron/timer).
    public var schedule: String = ""
}

public enum RotationFrequency: String, Sendable, Codable, CaseIterable { case hourly, daily, weekly, monthly }

public struct KillSwitchConfig: Sendable, Equatable {
    public var file: String = ""
    public var components: [String] = []
    /// Critical alerts of trading components within `autoHaltWindow` that make the monitor halt (0: never).
    public var autoHaltAfter: Int = 0
    public var autoHaltWindow: ConfigDuration = .seconds(0)
}
