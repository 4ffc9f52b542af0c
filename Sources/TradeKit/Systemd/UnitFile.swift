import Foundation

/// A rendered unit: its file name, content, and how deploy should treat it.
public struct UnitFile: Sendable, Equatable {
    public enum Activation: Sendable, Equatable {
        /// Enabled (WantedBy symlink) and started by deploy.
        case start(wantedBy: String)
        /// Started only by its timer; never enabled or started directly.
        case triggered
        /// Installed but left alone until the tradectl command it runs exists.
        case installedOnly(reason: String)
    }

    public var name: String
    public var content: String
    public var activation: Activation
    /// The component it belongs to, if any (tradectl's own units have none).
    public var component: String?

    public var isService: Bool { name.hasSuffix(".service") }
    public var isTimer: Bool { name.hasSuffix(".timer") }
}

/// Where unit files live for a scope: `/etc/systemd/system` or `~/.config/systemd/user`.
public struct UnitDirectory: Sendable, Equatable {
    public var path: String

    public init(scope: Scope, environment: [String: String]) {
        switch scope {
        case .system:
            path = "/etc/systemd/system"
        case .user:
            if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
                path = "\(config)/systemd/user"
            } else {
                path = "\(environment["HOME"] ?? "/root")/.config/systemd/user"
            }
        }
    }

    public func file(_ unit: String) -> String { "\(path)/\(unit)" }
    public func wantsLink(_ unit: String, target: String) -> String { "\(path)/\(target).wants/\(unit)" }
}

/// Names of the units of a project, in one place.
public enum UnitNames {
    /// A component's unit name without suffix: `<project>-<component>`, or just `<project>` for a
    /// component named like its project (IV Crush's one `ivcrush.service`).
    public static func base(_ project: String, _ component: String) -> String {
        component == project ? project : "\(project)-\(component)"
    }
    public static func service(_ project: String, _ component: String) -> String {
        "\(base(project, component)).service"
    }
    public static func timer(_ project: String, _ component: String) -> String { "\(base(project, component)).timer" }
    public static func restartService(_ project: String, _ component: String) -> String {
        "\(base(project, component))-restart.service"
    }
    public static func restartTimer(_ project: String, _ component: String) -> String {
        "\(base(project, component))-restart.timer"
    }
    /// tradectl's own units: backup, health, monitor.
    public static func own(_ project: String, _ role: String, _ suffix: String) -> String {
        "\(project)-\(role).\(suffix)"
    }
    /// True for any unit name this project could own (used to find stale units).
    public static func belongs(_ unit: String, to project: String) -> Bool {
        (unit.hasPrefix("\(project)-") && (unit.hasSuffix(".service") || unit.hasSuffix(".timer")))
            || unit == "\(project).service" || unit == "\(project).timer"
    }
}

/// tradectl commands that its own units run, and whether this build has them yet.
public enum TradectlCommands {
    /// Until a command exists its unit is installed but not enabled, so no timer fires a
    /// command that would only fail.
    public static let available: Set<String> = ["backup", "health", "monitor"]
}
