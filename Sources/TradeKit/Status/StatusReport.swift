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

    enum CodingKeys: String, CodingKey {
        case project, environment, scope, release, components
        case killSwitch = "kill_switch"
        case lastBackup = "last_backup"
        case lastHealth = "last_health"
        case recentErrors = "recent_errors"
        case systemdError = "systemd_error"
    }
}
