import Foundation

/// The on-disk layout of a deployed project (Capistrano/Kamal style), as absolute
/// paths on the target machine. The file system adds `--root`.
public struct DeployLayout: Sendable, Equatable {
    public var root: String
    public var stateDir: String
    public var backupDir: String
    public var units: UnitDirectory
    public var projectName: String
    /// The config `deploy` installs for tradectl's own units (`InstalledConfig`).
    public var installedConfig: String
    /// The logrotate configuration for the components' `log_files` (`LogrotateConfig`).
    public var logrotateConfig: String

    public init(_ deployment: Deployment, environment: [String: String]) {
        root = deployment.project.root
        stateDir = deployment.project.stateDir
        backupDir = deployment.backup.dir
        units = UnitDirectory(scope: deployment.project.scope, environment: environment)
        projectName = deployment.project.name
        installedConfig = InstalledConfig.path(
            project: deployment.project.name, scope: deployment.project.scope, environment: environment)
        logrotateConfig = LogrotateConfig.path(project: deployment.project)
    }

    public var installedConfigDirectory: String { (installedConfig as NSString).deletingLastPathComponent }
    public var installedSecrets: String { InstalledConfig.secretsPath(forConfig: installedConfig) }

    public var releases: String { "\(root)/releases" }
    public var shared: String { "\(root)/shared" }
    public var current: String { "\(root)/current" }
    public func release(_ version: String) -> String { "\(releases)/\(version)" }
    public func shared(_ path: String) -> String { "\(shared)/\(path)" }
    public var stateDatabase: String { "\(stateDir)/state.db" }
    public var lockFile: String { "\(stateDir)/tradectl.lock" }
    public var sysusersFile: String { "/etc/sysusers.d/tradectl-\(projectName).conf" }

    /// The link target written into a release for a shared path: relative, so it is
    /// right both under `--root` and on the running machine.
    public static func relativeLink(fromReleasePath path: String) -> String {
        let depth = path.split(separator: "/").count + 1  // + the version directory
        return String(repeating: "../", count: depth) + "shared/\(path)"
    }
}
