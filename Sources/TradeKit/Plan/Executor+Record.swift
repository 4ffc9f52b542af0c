import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Executor {
    /// Records the plan, its outcome and an audit row in the state database.
    func record(
        plan: Plan, version: String?, releases: [ReleaseMetadata], started: Date, outcome: String, message: String?,
        layout: DeployLayout, user: String
    ) throws {
        let stateDir = layout.stateDir
        if fileSystem.info(stateDir) == nil { try fileSystem.makeDirectory(stateDir, mode: 0o700, owner: nil) }
        let store = try StateStore(path: fileSystem.hostPath(layout.stateDatabase))
        for release in releases { try store.recordRelease(release) }
        let changes = plan.changes.count
        try store.recordDeploy(
            .init(
                command: plan.command, version: version, startedAt: started, finishedAt: Date(), changes: changes,
                planJSON: PlanRenderer.json(plan), outcome: outcome, message: message),
            audit: AuditEntry(
                at: started, user: user, pid: getpid(), command: plan.command,
                result: outcome == "success" ? "\(outcome): \(changes) changes" : "\(outcome): \(message ?? "")"))
        if outcome == "success", let restarts = gateRestarts.get() { try store.recordRestartBaseline(restarts) }
        CrashPoint.hit("state recorded")
    }
}
