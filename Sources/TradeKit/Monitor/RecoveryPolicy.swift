import Foundation

/// The monitor's own restarts of one component within the window.
public struct RestartHistory: Sendable, Codable, Equatable {
    public var times: [Date] = []
    /// The limit was hit and said so; quiet until the component runs again.
    public var escalated = false
    public init() {}
}

/// Decides when the monitor restarts a service systemd gave up on.
///
/// systemd's own `Restart=` handles crashes; the monitor acts only on what it left behind:
/// a unit `failed` (start limit hit, or `Restart=no`) or `inactive` while enabled. At most
/// `maxRestarts` per `window`, the n-th waiting `delay × 2ⁿ⁻¹` after the previous one, then
/// one escalation instead of a fight.
public struct RecoveryPolicy: Sendable {
    public enum Action: Sendable, Equatable {
        case restart(component: String, unit: String, attempt: Int)
        case escalate(component: String, unit: String, summary: String)
    }

    public var maxRestarts: Int
    public var window: TimeInterval
    public var delay: TimeInterval

    public init(maxRestarts: Int, window: TimeInterval, delay: TimeInterval) {
        self.maxRestarts = maxRestarts
        self.window = window
        self.delay = delay
    }

    public init(_ monitor: MonitorConfig) {
        self.init(
            maxRestarts: monitor.maxRestarts, window: monitor.restartWindow.seconds, delay: monitor.restartDelay.seconds
        )
    }

    /// A unit systemd is not going to bring back by itself.
    public static func needsRecovery(_ status: UnitStatus) -> Bool {
        if status.loadState != "loaded" { return false }
        if status.activeState == "failed" { return true }
        return status.activeState == "inactive" && status.unitFileState.hasPrefix("enabled")
    }

    /// `services`: component → unit status of every service that should run (not halted).
    public func decide(
        _ services: [(component: String, status: UnitStatus)], history: inout [String: RestartHistory], now: Date
    ) -> [Action] {
        var actions: [Action] = []
        for (component, status) in services {
            var record = history[component] ?? RestartHistory()
            // A restart dated after `now` means the wall clock went back: counted as now, so the
            // window and the back-off run from here rather than from a time still to come (an
            // hour's step back would otherwise hold every restart back by that hour).
            record.times = record.times.map { min($0, now) }
            record.times.removeAll { now.timeIntervalSince($0) > window }
            defer { history[component] = record }
            guard Self.needsRecovery(status) else {
                if status.isActive { record.escalated = false }
                continue
            }
            if record.times.count >= maxRestarts {
                if !record.escalated {
                    record.escalated = true
                    actions.append(
                        .escalate(
                            component: component, unit: status.name,
                            summary: "\(status.name) is \(status.activeState) (result \(status.result)) after "
                                + "\(record.times.count) restart(s) by the monitor within \(Int(window / 60))min; "
                                + "not restarting again — see `tradectl logs \(component)`"))
                }
                continue
            }
            if let last = record.times.last {
                let wait = delay * pow(2, Double(record.times.count - 1))
                guard now.timeIntervalSince(last) >= wait else { continue }
            }
            record.times.append(now)
            actions.append(.restart(component: component, unit: status.name, attempt: record.times.count))
        }
        return actions
    }
}
