import Foundation

/// `[preflight]`: the host's minima and the project's external dependencies that `tradectl
/// doctor` (and the pre-flight of `deploy` and `update`) checks.
public struct PreflightConfig: Sendable, Equatable {
    /// MemAvailable below this is an error.
    public var minFreeMemoryMiB: Int = 0
    /// Free space below this on the filesystems of the root, the state and the backup directory is an error.
    public var minFreeDiskMiB: Int = 0
    /// `host:port` the project needs reachable (the broker gateway), besides the components' own.
    public var dependsOnTCP: [String] = []
    /// An unreachable `depends_on_tcp` is an error rather than a warning.
    public var requireTCP: Bool = false
    /// How long a TCP dependency may take to accept.
    public var connectTimeout: ConfigDuration = .seconds(0)
    /// An unsynchronised clock is an error rather than a warning (default: in production).
    public var requireClockSync: Bool = false
}

/// A component's pre-flight keys, kept together so the component model grows by one property.
public struct ComponentPreflight: Sendable, Equatable {
    /// Interpreter → version constraint, `{ python3 = ">=3.11" }`, in file order.
    public var interpreters: [(key: String, value: String)] = []
    /// Variables that must be set, non-empty, in the component's `env_file`.
    public var requiredEnv: [String] = []
    /// TCP ports the component listens on: free, or held by this project's running units.
    public var ports: [Int] = []
    /// `host:port` the component needs reachable.
    public var dependsOnTCP: [String] = []

    public init() {}

    public static func == (lhs: ComponentPreflight, rhs: ComponentPreflight) -> Bool {
        lhs.interpreters.map(\.key) == rhs.interpreters.map(\.key)
            && lhs.interpreters.map(\.value) == rhs.interpreters.map(\.value) && lhs.requiredEnv == rhs.requiredEnv
            && lhs.ports == rhs.ports && lhs.dependsOnTCP == rhs.dependsOnTCP
    }
}
