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
}

/// A systemd service manager (system or user). One real implementation (`Systemctl`), fakes in tests.
public protocol ServiceManager: Sendable {
    /// `systemctl show` for all units in one call.
    func status(of units: [String]) async throws -> [String: UnitStatus]
    func daemonReload() async throws
    func perform(_ verb: String, units: [String]) async throws
}

/// systemd is not reachable (not booted with systemd, no user manager): exit 69.
public struct ServiceManagerUnavailable: Error, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String {
        "systemd is not reachable (\(detail)); use --root DIR --no-start for an offline install, "
            + "or run scripts/systemd-harness.sh for a private user manager"
    }
}

/// A `systemctl` command that failed.
public struct SystemctlError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var output: String
    public var description: String { "\(command) failed: \(output)" }
}
