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
        host: String
    ) async -> [Alert] {
        let deployment = suite.deployment
        let services = deployment.components.filter { $0.kind == .service && !silenced.contains($0.name) }
        guard !services.isEmpty else { return [] }
        let manager = Systemctl(scope: deployment.project.scope, runner: suite.runner)
        let units = services.map { UnitNames.service(project, $0.name) }
        guard let statuses = try? await manager.status(of: units) else { return [] }
        let observed = services.compactMap { component in
            statuses[UnitNames.service(project, component.name)].map { (component: component.name, status: $0) }
        }
        var alerts: [Alert] = []
        for action in RecoveryPolicy(deployment.monitor).decide(observed, history: &history, now: now) {
            switch action {
            case .restart(let component, let unit, let attempt):
                let result = await restart(unit, manager: manager)
                if result == "started" { counts[component, default: 0] += 1 }
                audit("monitor restart \(component) (attempt \(attempt))", result: result)
                logger.notice("auto-recovery: \(unit) \(result) (attempt \(attempt) of \(deployment.monitor.maxRestarts))")
            case .escalate(let component, _, let summary):
                audit("monitor give up \(component)", result: summary)
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
    private func restart(_ unit: String, manager: Systemctl) async -> String {
        let layout = suite.layout
        let lock: ProjectLock
        do {
            lock = try ProjectLock(path: suite.fileSystem.hostPath(layout.lockFile), command: "monitor restart \(unit)")
        } catch {
            return "skipped: \(error)"
        }
        defer { withExtendedLifetime(lock) {} }
        do {
            try await manager.perform("reset-failed", units: [unit])
            try await manager.perform("start", units: [unit])
            return "started"
        } catch {
            return "failed: \(error)"
        }
    }

    private func audit(_ command: String, result: String) {
        let layout = suite.layout
        guard suite.fileSystem.info(layout.stateDir) != nil,
            let store = try? StateStore(path: suite.fileSystem.hostPath(layout.stateDatabase))
        else { return }
        let entry = AuditEntry(at: Date(), user: ProcessInfo.processInfo.userName, pid: getpid(), command: command, result: result)
        do { try store.recordAudit(entry) } catch { logger.warning("audit not recorded: \(error)") }
    }
}
