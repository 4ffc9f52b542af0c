import Foundation

/// What one monitor cycle saw, for metrics (`/metrics`, the textfile) and `STATUS=`.
public struct MonitorSnapshot: Sendable, Equatable {
    public struct ComponentSample: Sendable, Equatable {
        public var name: String
        public var kind: ComponentKind
        /// Service active (a oneshot: its last run succeeded).
        public var up: Bool
        /// systemd's NRestarts.
        public var restarts: Int
        /// Restarts done by the monitor itself since it started.
        public var monitorRestarts: Int

        public init(name: String, kind: ComponentKind, up: Bool, restarts: Int, monitorRestarts: Int = 0) {
            self.name = name
            self.kind = kind
            self.up = up
            self.restarts = restarts
            self.monitorRestarts = monitorRestarts
        }
    }

    /// Counters of one notifier since the monitor started.
    public struct NotifierSample: Sendable, Equatable {
        public var name: String
        public var sent: Int
        public var failed: Int
        public var dropped: Int
        public var queued: Int

        public init(name: String, sent: Int = 0, failed: Int = 0, dropped: Int = 0, queued: Int = 0) {
            self.name = name
            self.sent = sent
            self.failed = failed
            self.dropped = dropped
            self.queued = queued
        }
    }

    public var project: String
    public var at: Date
    public var status: HealthStatus
    public var components: [ComponentSample] = []
    public var checks: [CheckResult] = []
    /// Journal entries of priority ≤ err per component since the monitor started.
    public var journalErrors: [String: Int] = [:]
    /// Journal pattern matches per pattern name since the monitor started.
    public var patternMatches: [String: Int] = [:]
    public var lastBackupAt: Date?
    public var lastBackupBytes: Int?
    public var lastDeployAt: Date?
    /// Alerts handed to the notifiers, by kind, since the monitor started.
    public var alerts: [Alert.Kind: Int] = [:]
    /// Alerts kept from every receiver since the monitor started: `silenced`, `acknowledged`.
    public var muted: [String: Int] = [:]
    public var notifiers: [NotifierSample] = []
    public var cycles: Int = 0
    public var cycleSeconds: Double = 0
    public var halted: Bool = false
    public var deploying: Bool = false

    public init(project: String, at: Date, status: HealthStatus) {
        self.project = project
        self.at = at
        self.status = status
    }
}
