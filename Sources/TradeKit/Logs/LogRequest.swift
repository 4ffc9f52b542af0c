import Foundation

/// A `tradectl logs` argument that cannot work; the command turns it into exit 64.
public struct LogUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The `tradectl logs` command line as typed. Checked and resolved here rather than in the
/// executable so the rules (what combines with what, which units a name means) are unit-tested.
public struct LogRequest: Sendable, Equatable {
    public var components: [String] = []
    public var since: String?
    public var until: String?
    public var priority: String?
    public var grep: String?
    public var lines: Int?
    public var follow = false
    public var count = false
    /// `--files`: the components' `log_files` too, interleaved by time.
    public var files = false

    public init() {}

    /// Checks everything that does not need the config, so mistakes fail before any I/O.
    public func validate(now: Date = Date()) throws(LogUsageError) {
        _ = try bounds(now: now)
        if let priority, LogPriority.parse(priority) == nil {
            let names = LogPriority.names.joined(separator: ", ")
            throw LogUsageError("--priority: expected one of \(names) or 0..7, got \"\(priority)\"")
        }
        if let grep {
            do { _ = try MessageMatcher(pattern: grep) } catch {
                throw LogUsageError("--grep: invalid regular expression \"\(grep)\"")
            }
        }
        if let lines, lines < 0 { throw LogUsageError("-n: expected a count ≥ 0, got \(lines)") }
        if follow && count { throw LogUsageError("--count and --follow cannot be combined (a count needs an end)") }
        if follow && until != nil { throw LogUsageError("--until and --follow cannot be combined") }
        if follow && files {
            throw LogUsageError("--files and --follow cannot be combined yet (follow log files with `tail -F`)")
        }
    }

    /// The query for `deployment`: its units, the bounds resolved against `now`. With
    /// --follow and no -n the last 10 entries come first, as with `journalctl -f`.
    public func query(for deployment: Deployment, now: Date = Date()) throws(LogUsageError) -> LogQuery {
        try validate(now: now)
        let (sinceDate, untilDate) = try bounds(now: now)
        let units = try LogUnits.units(for: deployment, components: components)
        return LogQuery(
            units: units,
            maxPriority: priority.flatMap(LogPriority.parse),
            since: sinceDate.map(LogTime.microseconds), until: untilDate.map(LogTime.microseconds),
            grep: grep, lines: lines ?? (follow ? 10 : nil), follow: follow, countOnly: count,
            formats: LogUnits.formats(for: deployment))
    }

    /// With `--files`, the log files of the chosen components (all when none is named), under
    /// `root` (`--root`); empty without `--files`.
    public func fileSources(for deployment: Deployment, root: String?) throws(LogUsageError) -> [LogFileSource] {
        guard files else { return [] }
        _ = try LogUnits.units(for: deployment, components: components)
        let prefix = root.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
        return LogFileSource.all(deployment) { prefix + $0 }.filter {
            components.isEmpty || components.contains($0.component)
        }
    }

    private func bounds(now: Date) throws(LogUsageError) -> (Date?, Date?) {
        func parse(_ name: String, _ text: String?) throws(LogUsageError) -> Date? {
            guard let text else { return nil }
            guard let date = LogTime.parse(text, now: now) else {
                throw LogUsageError(
                    "\(name): expected a duration ago (24h, 90min) or an ISO-8601 time, got \"\(text)\"")
            }
            return date
        }
        let start = try parse("--since", since)
        let end = try parse("--until", until)
        if let start, let end, start > end { throw LogUsageError("--since must be before --until") }
        return (start, end)
    }
}

/// Which units belong to a project, for the journal: only these are ever read.
public enum LogUnits {
    /// tradectl's own services, shown when no component is named.
    public static let ownRoles = ["backup", "health", "monitor"]

    /// Each named component's service (and its daily-restart service), or with no names every
    /// component's plus tradectl's own. An unknown name is a usage error listing the known ones.
    public static func units(for deployment: Deployment, components names: [String]) throws(LogUsageError) -> [String] {
        let project = deployment.project.name
        for name in names where deployment.component(named: name) == nil {
            let known = deployment.components.map(\.name).joined(separator: ", ")
            throw LogUsageError("unknown component \"\(name)\" (\(project) has: \(known))")
        }
        let chosen = names.isEmpty ? deployment.components : deployment.components.filter { names.contains($0.name) }
        var units: [String] = []
        for component in chosen {
            units.append(UnitNames.service(project, component.name))
            if component.hasScheduledRestart { units.append(UnitNames.restartService(project, component.name)) }
        }
        if names.isEmpty { units += ownRoles.map { UnitNames.own(project, $0, "service") } }
        return units
    }

    /// Each component service whose `log_format` states levels in the lines, and that format.
    /// (Daily-restart services run systemctl, whose output is plain.)
    public static func formats(for deployment: Deployment) -> [String: LineFormat] {
        var formats: [String: LineFormat] = [:]
        for component in deployment.components where component.logFormat != .plain {
            formats[UnitNames.service(deployment.project.name, component.name)] = component.logFormat
        }
        return formats
    }
}
