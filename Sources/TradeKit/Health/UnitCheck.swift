import Foundation

/// State of every service of the project in one `systemctl show` call; a restart counter
/// that rose since the previous health run is a restart loop (degraded).
public struct UnitCheck: Check {
    public let name = "unit"
    public var timeout: Duration
    public var services: [(component: String, unit: String)]
    public var manager: Systemctl
    /// NRestarts per unit at the previous recorded run.
    public var previousRestarts: [String: Int]

    public func run() async -> [CheckResult] {
        let statuses: [String: UnitStatus]
        do {
            statuses = try await manager.status(of: services.map(\.unit))
        } catch {
            return [CheckResult(check: name, target: "systemd", status: .unknown, summary: "\(error)")]
        }
        return services.map { service in
            guard let status = statuses[service.unit], status.loadState == "loaded" else {
                return CheckResult(check: name, target: service.component, status: .critical, summary: "\(service.unit) is not loaded")
            }
            let metrics = [Metric("\(service.component)_restarts", Double(status.restarts), unit: "c", min: 0)]
            if status.activeState != "active" || status.subState != "running" {
                return CheckResult(
                    check: name, target: service.component, status: .critical,
                    summary: "\(service.unit) is \(status.activeState) (\(status.subState)), result \(status.result)",
                    metrics: metrics)
            }
            if let before = previousRestarts[service.unit], status.restarts > before {
                return CheckResult(
                    check: name, target: service.component, status: .warning,
                    summary: "restart loop: \(status.restarts - before) restart(s) since the last check", metrics: metrics)
            }
            return CheckResult(
                check: name, target: service.component, status: .ok,
                summary: "active (running), pid \(status.mainPID), \(status.restarts) restart(s)", metrics: metrics)
        }
    }
}
