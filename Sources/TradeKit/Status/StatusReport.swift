import Foundation

/// Everything `tradectl status` shows, gathered once.
public struct StatusReport: Sendable, Codable {
    public struct Release: Sendable, Codable {
        public var version: String
        public var deployedAt: Date?
        public var deployedBy: String?
        enum CodingKeys: String, CodingKey {
            case version
            case deployedAt = "deployed_at"
            case deployedBy = "deployed_by"
        }
    }

    public struct ComponentState: Sendable, Codable {
        public var name: String
        public var kind: String
        public var unit: String
        public var state: String
        public var since: Date?
        public var restarts: Int
        public var mainPID: Int
        public var memoryBytes: Int?
        public var lastRun: Date?
        public var nextRun: Date?
        public var lastResult: String?
        enum CodingKeys: String, CodingKey {
            case name, kind, unit, state, since, restarts
            case mainPID = "main_pid"
            case memoryBytes = "memory_bytes"
            case lastRun = "last_run"
            case nextRun = "next_run"
            case lastResult = "last_result"
        }
    }

    public struct Backup: Sendable, Codable {
        public var path: String
        public var created: Date
        public var size: Int
        public var verifiedAt: Date?
        enum CodingKeys: String, CodingKey {
            case path, created, size
            case verifiedAt = "verified_at"
        }
    }

    public struct Health: Sendable, Codable {
        public var at: Date
        public var status: String
    }

    /// `[market]` at the clock's instant (`TRADECTL_NOW` or now); absent without `[market]`.
    public struct Market: Sendable, Codable, Equatable {
        public var open: Bool
        public var timezone: String
        /// While open: when the session closes (an early close when `earlyClose`).
        public var closesAt: Date?
        public var earlyClose: Bool
        /// While closed: when the next session opens (nil: none in the next two weeks).
        public var opensAt: Date?
        /// Seconds until the close (open) or the next open (closed).
        public var secondsLeft: Int?
        /// `open, closes in 2h13m (16:00 America/New_York)`, `closed until Mon 09:30 America/New_York (in 2d17h)`.
        public var text: String

        enum CodingKeys: String, CodingKey {
            case open, timezone, text
            case closesAt = "closes_at"
            case earlyClose = "early_close"
            case opensAt = "opens_at"
            case secondsLeft = "seconds_left"
        }

        /// nil for a project without `[market]` (or one that does not parse).
        public init?(_ config: MarketConfig, now: Date) {
            guard config.declared, let calendar = TradingCalendar(config) else { return nil }
            timezone = calendar.timeZone.identifier
            text = calendar.describe(at: now)
            switch calendar.state(at: now) {
            case .open(let span):
                open = true
                closesAt = span.close
                earlyClose = span.early
                secondsLeft = Int(span.close.timeIntervalSince(now))
            case .closed(let opens):
                open = false
                earlyClose = false
                opensAt = opens
                secondsLeft = opens.map { Int($0.timeIntervalSince(now)) }
            }
        }
    }

    public var project: String
    public var environment: String
    public var scope: String
    public var release: Release?
    public var components: [ComponentState]
    public var killSwitch: String?
    public var lastBackup: Backup?
    public var lastHealth: Health?
    public var recentErrors: [String]
    /// Set when systemd could not be asked; component states are then unknown.
    public var systemdError: String?
    /// The market's state, for projects with `[market]`.
    public var market: Market?

    enum CodingKeys: String, CodingKey {
        case project, environment, scope, release, components
        case killSwitch = "kill_switch"
        case lastBackup = "last_backup"
        case lastHealth = "last_health"
        case recentErrors = "recent_errors"
        case systemdError = "systemd_error"
        case market
    }
}
