import Foundation

/// The logrotate configuration `deploy` writes for the components' `log_files` (`[log_rotation]`).
///
/// Pure: same deployment, same text. System scope installs it as `/etc/logrotate.d/<project>`,
/// where the host's `logrotate.timer` runs it; user scope keeps it in the state directory and
/// runs it from `<project>-logrotate.timer` with a state file of its own.
public enum LogrotateConfig {
    /// Debian's logrotate (package `logrotate`, a Recommends of tradectl's package).
    public static let executable = "/usr/sbin/logrotate"

    /// Absolute paths (globs) of every component's log files, each once, in config order.
    public static func paths(_ deployment: Deployment) -> [String] {
        var seen: Set<String> = []
        var paths: [String] = []
        for component in deployment.components {
            for glob in component.logFiles {
                let path = "\(deployment.project.root)/shared/\(glob)"
                if seen.insert(path).inserted { paths.append(path) }
            }
        }
        return paths
    }

    /// The configuration, or nil when no component has `log_files` (deploy then removes it).
    public static func render(_ deployment: Deployment) -> String? {
        let paths = paths(deployment)
        guard !paths.isEmpty else { return nil }
        let project = deployment.project
        let rotation = deployment.logRotation
        var lines = [
            "# Written by tradectl for project \(project.name) from [log_rotation] and the components' log_files.",
            "# Do not edit: the next deploy overwrites it.",
        ]
        lines += paths.map { "\"\($0)\"" }
        lines.append("{")
        var body: [String] = []
        if project.scope == .system {
            body += [
                "# shared/ belongs to the service account: logrotate refuses a directory a non-root",
                "# user may write unless it rotates as that user.",
                "su \(project.user) \(project.group)",
            ]
        }
        body.append(rotation.frequency.rawValue)
        if let maxSize = rotation.maxSize { body.append("maxsize \(maxSize)") }
        body.append("rotate \(rotation.keep)")
        if rotation.compress {
            body += [
                "compress", "# the newest rotated file stays plain, so a reader still draining it finds it",
                "delaycompress",
            ]
        } else {
            body.append("nocompress")
        }
        body += [
            "missingok",
            "notifempty",
            "# The engines keep their log file open and never reopen it: copy, then truncate in",
            "# place (a rename would leave them writing to the rotated file). No `create` with it.",
            "copytruncate",
        ]
        lines += body.map { "    " + $0 }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Where the configuration lives for a scope.
    public static func path(project: ProjectConfig) -> String {
        project.scope == .system ? "/etc/logrotate.d/\(project.name)" : "\(project.stateDir)/logrotate.conf"
    }

    /// logrotate's own record of when it last rotated each file (user scope: tradectl's).
    public static func statePath(project: ProjectConfig) -> String { "\(project.stateDir)/logrotate.state" }
}
