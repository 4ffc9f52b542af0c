import Foundation

/// `config check`'s market-hours warnings, judged at the clock's instant (`MarketClock`):
/// timers that interrupt trading firing inside a session, and a holidays file running out.
///
/// Checked: `restart_daily` (restarts a service) and `backup.schedule` (snapshots the databases
/// the engine writes). Not checked, on purpose: `health.schedule` (read-only, meant to run while
/// trading), `log_rotation.schedule` (copytruncate, nothing stops), and oneshot components'
/// own `schedule` (a job timed to the session is the point of it).
public enum MarketChecks {
    /// How far ahead each schedule is laid over the sessions: two weeks cover every weekday twice.
    static let horizonDays = 14

    public static func issues(_ deployment: Deployment, now: Date, hostZone: TimeZone = .current) -> [ConfigIssue] {
        let market = deployment.market
        guard market.declared, let calendar = TradingCalendar(market) else { return [] }
        var issues: [ConfigIssue] = []
        func warn(_ key: String, _ message: String) {
            issues.append(
                ConfigIssue(
                    .warning, origin: deployment.origins.origin(key), configPath: deployment.configPath, key: key,
                    message: message))
        }
        var schedules: [(key: String, spec: String, what: String)] = []
        for (index, component) in deployment.components.enumerated() {
            if let spec = component.restartDaily {
                schedules.append(("components[\(index)].restart_daily", spec, "restarts \(component.name)"))
            }
        }
        schedules.append(("backup.schedule", deployment.backup.schedule, "snapshots the databases"))
        // Sessions only: a holiday must not hide the weekday it fell on.
        var weekly = market
        weekly.holidays = []
        weekly.earlyCloses = []
        weekly.holidaysFile = nil
        let sessions = TradingCalendar(weekly) ?? calendar
        for schedule in schedules {
            guard let times = CalendarTimes(schedule.spec, hostZone: hostZone) else { continue }
            let inside = times.instants(from: now, days: horizonDays).filter { sessions.isOpen(at: $0) }
            guard let first = inside.first else { continue }
            let days = Set(inside.map { LocalDay($0, in: sessions.timeZone).weekday }).sorted()
            let names = days.map { WeeklySession.dayNames[$0 - 1].capitalized }.joined(separator: ", ")
            warn(
                schedule.key,
                "\"\(schedule.spec)\" fires during the [market] session (\(names); e.g. "
                    + "\(sessions.dayAndClock(first, from: now)) \(sessions.timeZone.identifier)) and \(schedule.what) "
                    + "while trading: move it outside \(market.sessions.joined(separator: ", "))")
        }
        if let file = market.holidaysFile {
            let dates = file.holidays + Array(file.earlyCloses.keys)
            let soon = LocalDay(now.addingTimeInterval(60 * 86_400), in: calendar.timeZone).text
            if let last = dates.max(), last < soon {
                warn(
                    "market.holidays_file",
                    "\(file.path) lists no date after \(last): add the next year's holidays and early closes "
                        + "(the exchange publishes them), or every holiday after it counts as a trading day")
            }
        }
        return issues
    }
}
