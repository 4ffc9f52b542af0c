import Foundation

/// State of every service of the project in one service-manager query; a restart counter
/// that rose since the previous health run is a restart loop (degraded).
public struct UnitCheck: Check {
    public let kind = CheckKind.unit
    public var timeout: Duration
    public var services: [(component: String, unit: String)]
    public var manager: ServiceManager
    /// NRestarts per unit at the previous recorded run.
    public var previousRestarts: [String: Int]
    /// Service unit → its daily-restart helper (`restart_daily`). While the helper runs its
    /// `systemctl restart` (the helper is activating), the service stopping or starting is the
    /// planned restart, not an outage: a health run that fires in the same second must not
    /// fail (and leave its unit failed) nor page anyone.
    public var restartHelpers: [String: String] = [:]

    public func run() async -> [CheckResult] {
        let statuses: [String: UnitStatus]
        do {
            statuses = try await manager.status(
                of: services.map(\.unit) + services.compactMap { restartHelpers[$0.unit] })
        } catch {
            return [CheckResult(check: name, target: "systemd", status: .unknown, summary: "\(error)")]
        }
        return services.map { judge($0, statuses: statuses) }
    }

    /// One service's result from the statuses of every unit asked for, with its restart counter.
    func judge(
        _ service: (component: String, unit: String), statuses: [String: UnitStatus]
    )
        -> CheckResult
    {
        var result = judgement(service, statuses: statuses)
        result.restarts = statuses[service.unit].flatMap { $0.loadState == "loaded" ? $0.restarts : nil }
        return result
    }

    private func judgement(
        _ service: (component: String, unit: String), statuses: [String: UnitStatus]
    )
        -> CheckResult
    {
        guard let status = statuses[service.unit], status.loadState == "loaded" else {
            return CheckResult(
                check: name, target: service.component, status: .critical,
                summary: "\(service.unit) is not loaded")
        }
        let metrics = [
            Metric("\(service.component)_restarts", Double(status.restarts), unit: "c", min: 0)
        ]
        if status.activeState != "active" || status.subState != "running" {
            if let helper = restartHelpers[service.unit], statuses[helper]?.activeState == "activating" {
                return CheckResult(
                    check: name, target: service.component, status: .ok,
                    summary:
                        "\(service.unit) is \(status.activeState) (\(status.subState)): planned restart by \(helper)",
                    metrics: metrics)
            }
            return CheckResult(
                check: name, target: service.component, status: .critical,
                summary:
                    "\(service.unit) is \(status.activeState) (\(status.subState)), result \(status.result)",
                metrics: metrics)
        }
        if let before = previousRestarts[service.unit], status.restarts > before {
            return CheckResult(
                check: name, target: service.component, status: .warning,
                summary: "restart loop: \(status.restarts - before) restart(s) since the last check",
                metrics: metrics)
        }
        return CheckResult(
            check: name, target: service.component, status: .ok,
            summary: "active (running), pid \(status.mainPID), \(status.restarts) restart(s)",
            metrics: metrics)
    }
}
