import Foundation

extension DeployPlanner {
    /// Writes the logrotate configuration of the components' `log_files`, or removes it once no
    /// component has any. Shown with a diff like a unit file; the user-scope timer that runs it
    /// is one of tradectl's own units (`UnitRenderer`).
    func planLogRotation(_ plan: inout Plan) {
        let path = layout.logrotateConfig
        guard let text = LogrotateConfig.render(deployment) else {
            if survey.paths[path] != nil {
                plan.add(.remove(path: path), .delete, note: "no component has log_files any more")
            }
            return
        }
        if isSystem {
            // Present on any host with logrotate; planned so an offline install under --root has it.
            planDirectory(&plan, (path as NSString).deletingLastPathComponent, mode: 0o755, owner: nil)
            if deployment.logRotation.frequency == .hourly {
                plan.notes.append(
                    "log_rotation.frequency = hourly: the host's logrotate.timer runs daily; "
                        + "max_size and hourly need it run more often (see docs/logs.md)")
            }
        }
        // logrotate skips a configuration that group or others may write.
        planFile(&plan, path: path, content: Data(text.utf8), mode: 0o644, owner: nil)
    }
}
