import Foundation

/// Whether a tradectl binary may be named in `ExecStart=` of tradectl's own units.
///
/// Those units (backup, health, monitor) run for weeks after the deploy. A binary inside a
/// SwiftPM build directory or a temporary directory changes with the next `swift build`
/// and disappears with the checkout, silently breaking every scheduled backup; so does one
/// the package manager does not own. An installed binary (`/usr/bin/tradectl` from the .deb)
/// is the stable choice.
public enum StableBinary {
    /// Why `path` is not stable, or nil when it is.
    public static func problem(_ path: String) -> String? {
        let components = URL(fileURLWithPath: path).standardized.pathComponents
        if components.contains(where: { $0.hasPrefix(".build") }) {
            return "inside a build directory (the next `swift build` replaces it, a deleted checkout removes it)"
        }
        let temporary = ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/"]
        if let prefix = temporary.first(where: { path.hasPrefix($0) }) {
            return "under \(prefix) (cleaned at reboot or by tmpfiles)"
        }
        return nil
    }

    /// Checks the binary a deploy would put into tradectl's own units.
    ///
    /// In system scope an unstable binary that the operator did not name explicitly is refused
    /// (exit 65) with what to do instead; an explicit `project.tradectl_path`, user scope, and
    /// an offline install under `--root` get a plan note. Returns the notes.
    static func check(_ deployment: Deployment, running: String, offline: Bool) throws -> [String] {
        let explicit = deployment.project.tradectlPath
        let path = explicit ?? running
        guard let problem = problem(path) else { return [] }
        if deployment.project.scope == .system, explicit == nil, !offline {
            throw DeployPlanError(
                message:
                    "tradectl's own units would run \(path), which is \(problem). Install tradectl (`apt install ./tradectl_*.deb`, "
                    + "see docs/install.md) and deploy with /usr/bin/tradectl, or name a stable binary in "
                    + "project.tradectl_path")
        }
        return [
            "tradectl's own units run \(path), which is \(problem); install tradectl (docs/install.md) for a long-lived deploy"
        ]
    }
}
