import Foundation

/// How deploy, update and rollback record themselves: the plan as JSON and its outcome in
/// `deploys`, the releases finalized, an audit row, and — after a passed health gate — the
/// restart counters the `_restarts` checks count from.
enum DeployRecord {
    static func write(
        _ outcome: MutationOutcome, plan: Plan, started: Date, command: String, in context: MutationContext
    ) throws {
        let store = try context.state.store()
        let changes = plan.changes.count
        let outcomeName: String
        let message: String?
        switch outcome {
        case .success(let report):
            for release in report.all(ReleaseMetadata.self) { try store.recordRelease(release) }
            outcomeName = "success"
            message = nil
        case .failure(let error, _):
            outcomeName = "failed"
            message = "\(error)"
        }
        try store.recordDeploy(
            .init(
                command: command, version: plan.version, startedAt: started, finishedAt: Date(), changes: changes,
                planJSON: PlanRenderer.json(plan), outcome: outcomeName, message: message),
            audit: AuditEntry(
                at: started, user: context.user, pid: getpid(), command: command,
                result: outcomeName == "success" ? "success: \(changes) changes" : "failed: \(message ?? "")"))
        if case .success(let report) = outcome, let restarts = report.last(GateRestarts.self) {
            try store.recordRestartBaseline(restarts.restarts)
        }
        CrashPoint.hit("state recorded")
    }
}
