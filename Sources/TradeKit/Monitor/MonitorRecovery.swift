import Foundation
import Logging
import Synchronization

/// Carries out `RecoveryPolicy`'s decisions: `reset-failed` then `start`, under the project
/// lock (never while a deploy holds it), each one audited and logged.
final class MonitorRecovery: Sendable {
    let suite: HealthSuite
    let logger: Logger
    /// Written by `recover`, read for each cycle's snapshot.
    private let counts = Mutex<[String: Int]>([:])

    init(suite: HealthSuite, logger: Logger) {
        self.suite = suite
        self.logger = logger
    }

    /// Restarts the monitor did per component since it started (for metrics).
    func restartCount(_ component: String) -> Int { counts.withLock { $0[component] ?? 0 } }

    /// Acts on the services that should run; returns escalation alerts.
    func recover(
        report: HealthReport, silenced: Set<String>, history: inout [String: RestartHistory], now: Date,
        project: String,
        host: String, store: StateStore?
    ) async -> [Alert] {
        let deployment = suite.deployment
        let services = deployment.components.filter { $0.kind == .service && !silenced.contains($0.name) }
        // Every service ran fine in this cycle's unit check: nothing to recover, no second
        // status query (the check reports no unit-file state, so a bad one is re-read).
        let troubled = report.results.contains { $0.kind == .unit && $0.status != .ok }
        guard !services.isEmpty, troubled || history.values.contains(where: \.escalated) else { return [] }
        let manager = suite.services
        let units = services.map { UnitNames.service(project, $0.name) }
        guard let statuses = try? await manager.status(of: units) else { return [] }
        let observed = services.compactMap { component in
            statuses[UnitNames.service(project, component.name)].map { (component: component.name, status: $0) }
        }
        var alerts: [Alert] = []
        for action in RecoveryPolicy(deployment.monitor).decide(observed, history: &history, now: now) {
            switch action {
            case .restart(let component, let unit, let attempt):
                let result = await restart(component, unit: unit, attempt: attempt, manager: manager)
                if result == "started" { counts.withLock { $0[component, default: 0] += 1 } }
                audit("monitor restart \(component) (attempt \(attempt))", result: result, store: store)
                logger.notice(
                    "auto-recovery: \(unit) \(result) (attempt \(attempt) of \(deployment.monitor.maxRestarts))")
            case .escalate(let component, _, let summary):
                audit("monitor give up \(component)", result: summary, store: store)
                logger.error("auto-recovery: \(summary)")
                alerts.append(
                    Alert(
                        key: "recovery/\(component)", kind: .escalation, severity: .critical, project: project,
                        host: host,
                        check: "recovery", target: component, summary: summary, at: now))
            }
        }
        return alerts
    }

    /// `reset-failed` clears the start limit systemd hit, so `start` is not refused again.
    /// A plan like any other mutating command's, through the pipeline under the project lock.
    private func restart(_ component: String, unit: String, attempt: Int, manager: ServiceManager) async -> String {
        let context = MutationContext(
            deployment: suite.deployment, layout: suite.layout, fileSystem: suite.fileSystem, launcher: suite.launcher,
            logger: logger, user: ProcessInfo.processInfo.userName, offline: false,
            services: ServiceLookup(manager: manager, unreachable: nil))
        do {
            _ = try await MutationPipeline(context: context).run(
                RecoveryRestart(component: component, unit: unit, attempt: attempt), dryRun: false)
            return "started"
        } catch let held as LockHeldError {
            return "skipped: \(held)"
        } catch {
            return "failed: \(error)"
        }
    }

    private func audit(_ command: String, result: String, store: StateStore?) {
        do {
            try store?.recordAudit(AuditEntry(command: command, result: result))
        } catch {
            logger.warning("audit not recorded: \(error)")
        }
    }
}

/// The monitor's restart of one service: reset-failed, start. Audited by the monitor itself
/// (with the attempt and its result), so the pipeline records nothing more.
struct RecoveryRestart: Mutation {
    var component: String
    var unit: String
    var attempt: Int

    var command: String { "monitor restart \(unit)" }

    func plan(in context: MutationContext) async throws -> Plan {
        var plan = Plan(command: "monitor restart \(component)")
        plan.add(.systemctl(.resetFailed, units: [unit]), .run)
        plan.add(.systemctl(.start, units: [unit]), .run, note: "auto-recovery attempt \(attempt)")
        return plan
    }

    func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws {}
}
