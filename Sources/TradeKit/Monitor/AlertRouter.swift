import Foundation

/// Which receivers get an alert: `[[alerts.routes]]` matched against it, quiet hours and
/// market hours applied, each route's own reminder interval, and a recovery sent exactly
/// where its alert went (so a PagerDuty incident is resolved where it was opened, and a
/// warning held back by quiet hours is not followed by a lone "recovered").
///
/// A pure function of (routes, state, alert, now), like `AlertPolicy`: the cycle keeps the
/// state in `MonitorState.routing`, so a restarted monitor still resolves what it opened.
public struct AlertRouter: Sendable {
    /// A route with what it needs decided up front.
    struct Route: Sendable {
        var config: AlertRoute
        var repeatAfter: TimeInterval
        var quiet: DailyWindow?
    }

    let routes: [Route]
    let calendar: TradingCalendar?

    /// The name of the route used when the config has none: every alert at least
    /// `alerts.min_severity` to the legacy `webhook_url` and `command` receivers.
    public static let defaultRouteName = "default"

    public init(alerts: AlertsConfig, market: MarketConfig) {
        let configured = alerts.routes.isEmpty ? [Self.defaultRoute(alerts)] : alerts.routes
        routes = configured.map { route in
            Route(
                config: route, repeatAfter: (route.repeatAfter ?? alerts.repeatAfter).seconds,
                quiet: route.quietHours.flatMap(DailyWindow.init(parsing:)))
        }
        calendar = TradingCalendar(market)
    }

    /// Today's behaviour, as a route: the `[alerts]` webhook and command, `min_severity`, `repeat_after`.
    static func defaultRoute(_ alerts: AlertsConfig) -> AlertRoute {
        var route = AlertRoute()
        route.name = defaultRouteName
        route.receivers = LegacyReceivers.names(alerts)
        route.minSeverity = alerts.minSeverity
        return route
    }

    public var routeNames: [String] { routes.map(\.config.name) }

    /// The receivers of one route, for `monitor test-alert --route`.
    public func receivers(ofRoute name: String) -> [String]? {
        routes.first { $0.config.name == name }?.config.receivers
    }

    /// The least severe alert any route takes: what the policy must still let through.
    public var lowestSeverity: Severity { routes.map(\.config.minSeverity).min() ?? .critical }

    /// The shortest reminder interval of any route (0 when none repeats): how often the
    /// policy must offer reminders so that each route can take them at its own pace.
    public var shortestRepeat: TimeInterval {
        routes.map(\.repeatAfter).filter { $0 > 0 }.min() ?? 0
    }

    /// The receivers for `alert`, each once, in route order. `sent` is the per-key record of
    /// which route delivered when (key → route → time), updated here.
    public func receivers(for alert: Alert, sent: inout [String: [String: Date]], now: Date) -> [String] {
        var chosen: [String] = []
        func add(_ route: Route) {
            for name in route.config.receivers where !chosen.contains(name) { chosen.append(name) }
        }
        switch alert.kind {
        case .recovered:
            // Where the problem was announced, whatever the time or route filters say now.
            let announced = sent.removeValue(forKey: alert.key) ?? [:]
            for route in routes where announced[route.config.name] != nil { add(route) }
        case .reminder:
            var record = sent[alert.key] ?? [:]
            for route in routes where matches(route, alert, now: now) {
                // Not announced there yet (quiet hours held it back, or the market was closed):
                // the first reminder that the route takes is its announcement.
                if let last = record[route.config.name] {
                    guard route.repeatAfter > 0, now.timeIntervalSince(last) >= route.repeatAfter else { continue }
                }
                record[route.config.name] = now
                add(route)
            }
            sent[alert.key] = record
        case .test:
            for route in routes { add(route) }
        case .firing, .escalation:
            var record = sent[alert.key] ?? [:]
            for route in routes where matches(route, alert, now: now) {
                record[route.config.name] = now
                add(route)
            }
            if !record.isEmpty { sent[alert.key] = record }
        }
        return chosen
    }

    /// Whether `route` takes `alert` at `now`: severity, components, checks, kinds, market
    /// and quiet hours.
    func matches(_ route: Route, _ alert: Alert, now: Date) -> Bool {
        let config = route.config
        guard alert.severity >= config.minSeverity else { return false }
        if !config.components.isEmpty, !config.components.contains(alert.component ?? "") { return false }
        if !config.checks.isEmpty, !config.checks.contains(alert.check) { return false }
        if !config.kinds.isEmpty, !config.kinds.contains(alert.kind.rawValue) { return false }
        if config.active != .always {
            // A calendar that did not parse was refused by `config check`; never go silent over it.
            let open = calendar?.isOpen(at: now) ?? true
            if (config.active == .marketHours) != open { return false }
        }
        if let quiet = route.quiet, alert.severity < config.quietMinSeverity {
            let minute = calendar?.minuteOfDay(now) ?? Self.utcMinute(now)
            if quiet.contains(minute: minute) { return false }
        }
        return true
    }

    static func utcMinute(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) / 60)
    }
}

extension Alert {
    /// The component an alert is about: the target of per-component checks (`unit/engine`),
    /// nil for project-wide ones (disk, memory, backup).
    public var component: String? {
        target.isEmpty ? nil : target
    }
}
