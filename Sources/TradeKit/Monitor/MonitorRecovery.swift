import Foundation
import Logging

/// Carries out `RecoveryPolicy`'s decisions: `reset-failed` then `start`, under the project
/// lock (never while a deploy holds it), each one audited and logged.
final class MonitorRecovery: @unchecked Sendable {
    let suite: HealthSuite
    let logger: Logger
    private var counts: [String: Int] = [:]

    init(suite: HealthSuite, logger: Logger) {
        self.suite = suite
        self.logger = logger
    }

    /// Restarts the monitor did per component since it started (for metrics).
    func restartCount(_ component: String) -> Int { counts[component] ?? 0 }

    /// Acts on the services that should run; returns escalation alerts.
    func recover(
        report: HealthReport, silenced: Set<String>, history: inout [String: RestartHistory], now: Date, project: String,
        host: String, store: StateStore?
    ) async -> [Alert] {
        let deployment = suite.deployment
        let services = deployment.components.filter { $0.kind == .service && !silenced.contains($0.name) }
        // Every service ran fine in this cycle's unit check: nothing to recover, no second
        // `systemctl show` (the check reports no unit-file state, so a bad one is re-read).
        let troubled = report.results.contains { $0.check == "unit" && $0.status != .ok }
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
                if result == "started" { counts[component, default: 0] += 1 }
                audit("monitor restart \(component) (attempt \(attempt))", result: result, store: store)
                logger.notice("auto-recovery: \(unit) \(result) (attempt \(attempt) of \(deployment.monitor.maxRestarts))")
            case .escalate(let component, _, let summary):
                audit("monitor give up \(component)", result: summary, store: store)
                logger.error("auto-recovery: \(summary)")
                alerts.append(
                    Alert(
                        key: "recovery/\(component)", kind: .escalation, severity: .critical, project: project, host: host,
                        check: "recovery", target: component, summary: summary, at: now))
            }
        }
        return alerts
    }

    /// `reset-failed` clears the start limit systemd hit, so `start` is not refused again.
    /// A plan like any other mutating command's, applied by the Executor under the project lock.
    private func restart(_ component: String, unit: String, attempt: Int, manager: ServiceManager) async -> String {
        let lock: ProjectLock
        do {
            lock = try ProjectLock(path: suite.fileSystem.hostPath(suite.layout.lockFile), command: "monitor restart \(unit)")
        } catch {
            return "skipped: \(error)"
        }
        defer { withExtendedLifetime(lock) {} }
        var plan = Plan(command: "monitor restart \(component)")
        plan.add(.systemctl(verb: "reset-failed", units: [unit]), .run)
        plan.add(.systemctl(verb: "start", units: [unit]), .run, note: "auto-recovery attempt \(attempt)")
        let executor = Executor(fileSystem: suite.fileSystem, services: manager, launcher: suite.launcher, gate: nil, logger: logger)
        do {
            try await executor.apply(plan)
            return "started"
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
