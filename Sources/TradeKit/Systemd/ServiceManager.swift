import Foundation

/// What systemd says about one unit (`systemctl show`).
public struct UnitStatus: Sendable, Equatable {
    public var name: String
    public var loadState: String
    public var activeState: String
    public var subState: String
    public var result: String
    public var restarts: Int
    public var mainPID: Int
    public var unitFileState: String

    public var isActive: Bool { activeState == "active" }

    /// The properties `status(of:)` reads, in `systemctl show` spelling.
    static let propertyNames = [
        "Id", "LoadState", "ActiveState", "SubState", "Result", "NRestarts", "MainPID", "UnitFileState",
    ]

    /// A unit's status from its properties (as `properties(_:of:)` returns them).
    init(name: String, properties fields: [String: String]) {
        self.init(
            name: fields["Id"].flatMap { $0.isEmpty ? nil : $0 } ?? name, loadState: fields["LoadState"] ?? "",
            activeState: fields["ActiveState"] ?? "", subState: fields["SubState"] ?? "",
            result: fields["Result"] ?? "", restarts: Int(fields["NRestarts"] ?? "") ?? 0,
            mainPID: Int(fields["MainPID"] ?? "") ?? 0, unitFileState: fields["UnitFileState"] ?? "")
    }

    public init(
        name: String, loadState: String, activeState: String, subState: String, result: String, restarts: Int,
        mainPID: Int, unitFileState: String
    ) {
        self.name = name
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.result = result
        self.restarts = restarts
        self.mainPID = mainPID
        self.unitFileState = unitFileState
    }
}

/// What can be done to units; each waits for its job like `systemctl` does.
/// `daemon-reload` is not a unit verb: it is `ServiceManager.daemonReload()`.
public enum UnitVerb: String, Sendable, CaseIterable {
    case start, stop, restart
    case resetFailed = "reset-failed"
}

/// A systemd service manager (system or user).
///
/// Real implementations: `SystemdBus` (sd-bus, in process; the default) and `Systemctl`
/// (runs `systemctl`; selected with `TRADECTL_SERVICE_MANAGER=systemctl`). Get one with
/// `ServiceManagers.connect(scope:)`; fakes in unit tests.
public protocol ServiceManager: Sendable {
    /// The status of every unit asked for, keyed by the name asked for. A unit that is not
    /// loaded is still answered (`loadState` "not-found"), like `systemctl show`.
    func status(of units: [String]) async throws -> [String: UnitStatus]
    /// Arbitrary properties of units, keyed by the name asked for, then by property, valued
    /// as `systemctl show --timestamp=unix` prints them (timestamps `@<unix seconds>`, unset
    /// ones empty). A property the unit's type lacks is absent.
    func properties(_ names: [String], of units: [String]) async throws -> [String: [String: String]]
    func daemonReload() async throws
    /// Carries out `verb` on every unit; start/stop/restart return once their jobs finished
    /// and throw `UnitJobFailed` for a job that did not end "done".
    func perform(_ verb: UnitVerb, units: [String]) async throws
    /// Throws `ServiceManagerUnavailable` when the manager cannot be reached.
    func ping() async throws
}

extension ServiceManager {
    public func ping() async throws {
        _ = try await status(of: ["default.target"])
    }
}

/// systemd is not reachable (not booted with systemd, no user manager, PID 1 not answering): exit 69.
public struct ServiceManagerUnavailable: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .unavailable }
    public var detail: String
    /// Found before the command changed anything (its up-front check), so the line can say so.
    public var nothingChanged: Bool

    public init(detail: String, nothingChanged: Bool = false) {
        self.detail = detail
        self.nothingChanged = nothingChanged
    }

    public var description: String {
        "systemd is not reachable (\(detail))" + (nothingChanged ? ": nothing was changed" : "")
            + "; check that the service manager runs (systemctl is-system-running; systemctl --user for a user "
            + "project) and run the command again — or, for an offline install, use --root DIR --no-start"
    }
}

/// A unit's job ended other than "done" (`systemctl start` exits 1 with "Job for X failed").
public struct UnitJobFailed: Error, Sendable, CustomStringConvertible {
    public var verb: UnitVerb
    public var unit: String
    /// The job's result: failed, canceled, timeout, dependency, …
    public var result: String
    /// For a failed job, the unit's own `Result` (exit-code, timeout, start-limit-hit, …).
    public var unitResult: String?

    public var description: String {
        let reason: String
        switch result {
        case "canceled": reason = "was canceled"
        case "timeout": reason = "timed out"
        case "dependency": reason = "failed: a dependency job failed"
        case "assert": reason = "failed: an assertion failed"
        case "unsupported": reason = "failed: the operation is not supported for this unit type"
        case "collected": reason = "was garbage-collected while queued"
        case "once": reason = "failed: the unit was started once already and cannot be started again"
        default: reason = "failed" + (unitResult.map { Self.because($0) } ?? "")
        }
        return "Job for \(unit) \(reason) (\(verb.rawValue) job result \(result)"
            + (unitResult.map { ", unit result \($0)" } ?? "") + ")"
    }

    /// systemctl's wording for a service's `Result`.
    static func because(_ result: String) -> String {
        switch result {
        case "exit-code": return " because the control process exited with error code"
        case "timeout": return " because a timeout was exceeded"
        case "signal", "core-dump": return " because a fatal signal was delivered to the control process"
        case "start-limit-hit": return " because start of the service was attempted too often"
        case "resources": return " because of unavailable resources or another system error"
        case "protocol": return " because the service did not take the steps required by its unit configuration"
        case "oom-kill": return " because the control process was killed by the OOM killer"
        case "watchdog": return " because the watchdog timed out"
        default: return ""
        }
    }
}

/// A `systemctl` command that failed.
public struct SystemctlError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var output: String
    public var description: String { "\(command) failed: \(output)" }
}

/// Where every command gets its service manager.
public enum ServiceManagers {
    /// `TRADECTL_SERVICE_MANAGER=systemctl` selects the `systemctl` fallback; anything else
    /// (or unset) the in-process bus.
    public static let selectorVariable = "TRADECTL_SERVICE_MANAGER"

    /// The manager of `scope`. Nothing is contacted yet: the bus connects on first use, so
    /// call `ping()` to learn whether systemd answers (it throws `ServiceManagerUnavailable`).
    public static func connect(
        scope: Scope, environment: [String: String] = ProcessInfo.processInfo.environment,
        launcher: ProcessLauncher = SubprocessLauncher()
    ) -> ServiceManager {
        if environment[selectorVariable] == "systemctl" { return Systemctl(scope: scope, launcher: launcher) }
        return SystemdBus(scope: scope, environment: environment)
    }
}
