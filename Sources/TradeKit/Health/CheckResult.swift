import Foundation

/// Health of one check, ordered from best to worst for "worst wins".
///
/// Critical ranks above unknown: a stopped engine must not hide behind a check that
/// could not run. Exit codes follow CLI.md (0 healthy, 1 degraded, 2 unhealthy, 3 unknown).
public enum HealthStatus: String, Sendable, Codable, Comparable, CaseIterable {
    case ok, warning, unknown, critical

    var rank: Int {
        switch self {
        case .ok: return 0
        case .warning: return 1
        case .unknown: return 2
        case .critical: return 3
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.rank < rhs.rank }

    public var exitCode: Int32 {
        switch self {
        case .ok: return 0
        case .warning: return 1
        case .critical: return 2
        case .unknown: return 3
        }
    }

    /// The word monitoring-plugins use.
    public var nagios: String {
        switch self {
        case .ok: return "OK"
        case .warning: return "WARNING"
        case .critical: return "CRITICAL"
        case .unknown: return "UNKNOWN"
        }
    }
}

/// A performance value in monitoring-plugins form: `'label'=value[UOM];warn;crit;min;max`.
public struct Metric: Sendable, Equatable, Codable {
    public var label: String
    public var value: Double
    public var unit: String
    public var warn: Double?
    public var crit: Double?
    public var min: Double?
    public var max: Double?
    /// Thresholds are lower bounds (free memory): rendered `10:` as the plugin guidelines say.
    public var lowerIsWorse: Bool = false

    public init(
        _ label: String, _ value: Double, unit: String = "", warn: Double? = nil, crit: Double? = nil,
        min: Double? = nil, max: Double? = nil
    ) {
        self.label = label
        self.value = value
        self.unit = unit
        self.warn = warn
        self.crit = crit
        self.min = min
        self.max = max
    }
}

/// What one check found.
/// Every kind of check `health` runs. `--check NAME`, `monitor.silence` entries and the JSON
/// `check` field use the raw value; code compares the case.
public enum CheckKind: String, Sendable, CaseIterable, Codable {
    case unit, timer, http, tcp, heartbeat, sqlite, disk, memory, journal, backup, secrets
    case killSwitch = "kill-switch"
    case release, offsite
}

public struct CheckResult: Sendable, Equatable, Codable {
    public var check: String
    public var target: String
    public var status: HealthStatus
    public var summary: String
    public var metrics: [Metric]
    public var durationMilliseconds: Int
    /// systemd's restart counter (NRestarts) of the unit a unit or timer check judged: the
    /// number the restart baseline and the monitor's `_restarts` metrics count from.
    public var restarts: Int?

    /// The check's kind; nil only for results made outside `health` (the monitor's patterns).
    public var kind: CheckKind? { CheckKind(rawValue: check) }

    public init(
        check: String, target: String, status: HealthStatus, summary: String, metrics: [Metric] = [],
        durationMilliseconds: Int = 0
    ) {
        self.check = check
        self.target = target
        self.status = status
        self.summary = summary
        self.metrics = metrics
        self.durationMilliseconds = durationMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case check, target, status, summary, metrics, restarts
        case durationMilliseconds = "duration_ms"
    }
}

/// A health check. Each runs concurrently with the others, under its own timeout.
public protocol Check: Sendable {
    /// Which check this is; its raw value is the name `--check NAME` uses.
    var kind: CheckKind { get }
    /// The name in results and `--check`: the kind's raw value (test doubles may differ).
    var name: String { get }
    var timeout: Duration { get }
    /// What a timed-out result is about (a component, a path); empty for whole-project checks.
    var target: String { get }
    func run() async -> [CheckResult]
}

extension Check {
    public var target: String { "" }
}

extension Check {
    /// The name used by `--check NAME` (`unit`, `timer`, `http`, …).
    public var name: String { kind.rawValue }
}
