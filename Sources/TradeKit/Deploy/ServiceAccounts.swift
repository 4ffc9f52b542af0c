import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The project's service account in system scope: the sysusers.d file that declares it and
/// whether it exists. Deploy creates it; a restore onto a fresh host creates it first too,
/// so the restored files can be given to their owner before any unit runs.
public struct ServiceAccounts: Sendable {
    public var project: ProjectConfig

    public init(_ project: ProjectConfig) { self.project = project }

    /// The sysusers.d file's text (`systemd-sysusers FILE` creates what is missing).
    public var sysusersContent: String {
        """
        # Written by tradectl for project \(project.name); applied by systemd-sysusers.
        g \(project.group) -
        u \(project.user) -:\(project.group) "tradectl \(project.name)" \(project.root) /usr/sbin/nologin

        """
    }

    /// True in user scope (the account is the caller), else when user and group both exist.
    public var exist: Bool {
        project.scope == .user || (getpwnam(project.user) != nil && getgrnam(project.group) != nil)
    }
}
