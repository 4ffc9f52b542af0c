import Foundation

/// What the operator asked of `deploy`, plus the facts of the invocation.
public struct DeployRequest: Sendable {
    public var version: String?
    public var noStart: Bool
    /// Files go under `--root`; no service manager is contacted (like `systemctl --root`).
    public var offline: Bool
    public var healthTimeout: ConfigDuration?
    public var tradectlPath: String
    public var environment: [String: String]
    public var now: Date
    public var user: String
    /// `deploy` or `update`: recorded, and given to hooks as TRADECTL_COMMAND.
    public var command: String = "deploy"
    /// Start kill-switch components even while the kill switch is engaged (`--start`).
    public var startWhileHalted: Bool = false
    /// Source commit when the source is a git checkout.
    public var commit: String?
    /// Where the release is read from when it is not `releases.source` itself: the private
    /// clone `update --source <git URL>` made. The deployment (and so the installed config)
    /// keeps the source as configured; the release metadata names the URL.
    public var checkout: (path: String, origin: String)?
    /// Whether a plan that interrupts trading may run now (`[market]`, `--during-session`).
    public var session: SessionGate = .unrestricted

    /// The directory the release is copied from.
    public func sourceTree(_ deployment: Deployment) -> String { checkout?.path ?? deployment.releases.source }
    /// What the release metadata and the plan say the release came from.
    public func sourceName(_ deployment: Deployment) -> String { checkout?.origin ?? deployment.releases.source }

    public init(
        version: String? = nil, noStart: Bool = false, offline: Bool = false, healthTimeout: ConfigDuration? = nil,
        tradectlPath: String, environment: [String: String], now: Date = Date(), user: String
    ) {
        self.version = version
        self.noStart = noStart
        self.offline = offline
        self.healthTimeout = healthTimeout
        self.tradectlPath = tradectlPath
        self.environment = environment
        self.now = now
        self.user = user
    }
}
