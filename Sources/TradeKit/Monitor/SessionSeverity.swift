import Foundation

/// How bad a trading component being down is outside the market's sessions (`[monitor]
/// down_outside_session`): `critical` (the default: the same at any hour) or `warning`.
public enum DownOutsideSession: String, Sendable, CaseIterable {
    case critical, warning
}

/// Ranks "trading component down" by market hours: critical while a session is open, and
/// `down_outside_session` while the market is closed (a strategy that is down at 3 a.m. on a
/// Saturday is a ticket, not a page). At the open an unresolved warning turns critical, and the
/// alert policy escalates it like any other rise in severity.
///
/// Only the `unit` check of `trades = true` components is re-ranked; everything else, and every
/// project without `[market]`, keeps its severity.
public struct SessionSeverity: Sendable {
    public var calendar: TradingCalendar?
    /// Components with `trades = true`.
    public var trading: Set<String>
    public var outside: DownOutsideSession

    public init(_ deployment: Deployment) {
        calendar = deployment.market.declared ? TradingCalendar(deployment.market) : nil
        trading = Set(deployment.components.filter(\.trades).map(\.name))
        outside = deployment.monitor.downOutsideSession
    }

    /// `observation` as ranked at `now`.
    public func rank(_ observation: Observation, now: Date) -> Observation {
        guard outside == .warning, let calendar, observation.check == CheckKind.unit.rawValue,
            observation.status == .critical, trading.contains(observation.target), !calendar.isOpen(at: now)
        else { return observation }
        var ranked = observation
        ranked.status = .warning
        ranked.summary += " (market closed: warning until the open)"
        return ranked
    }
}
