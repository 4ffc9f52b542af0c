import Foundation

/// Judges what `PreflightSurvey` found: a pure function of config and facts, one `CheckResult`
/// per thing looked at. `critical` is an error (deploy and update stop), `warning` is printed.
public struct PreflightJudge: Sendable {
    /// The oldest systemd whose directives tradectl's unit templates all know (`PrivateIPC=`, 248).
    public static let minimumSystemd = 248

    public var deployment: Deployment
    public var facts: PreflightFacts

    public init(deployment: Deployment, facts: PreflightFacts) {
        self.deployment = deployment
        self.facts = facts
    }

    public func results() -> [CheckResult] {
        interpreters() + resources() + environment() + ports() + dependencies() + clock() + systemd() + timeZones()
    }

    func result(_ check: String, _ target: String, _ status: HealthStatus, _ summary: String) -> CheckResult {
        CheckResult(check: check, target: target, status: status, summary: summary)
    }

    func interpreters() -> [CheckResult] {
        facts.interpreters.map { fact in
            let target = "\(fact.component): \(fact.command)"
            guard let output = fact.output else {
                return result(
                    "interpreter", target, .critical, "cannot run `\(fact.command) --version`: \(fact.failure ?? "")")
            }
            guard let version = DottedVersion.first(in: output),
                let constraint = VersionConstraint(parsing: fact.constraint)
            else {
                return result("interpreter", target, .warning, "cannot tell its version from `--version`")
            }
            return constraint.admits(version)
                ? result("interpreter", target, .ok, "\(version) satisfies \(constraint)")
                : result("interpreter", target, .critical, "\(version) does not satisfy \(constraint)")
        }
    }

    func resources() -> [CheckResult] {
        let settings = deployment.preflight
        var results: [CheckResult] = []
        if let free = facts.memoryAvailableMiB {
            results.append(
                free < settings.minFreeMemoryMiB
                    ? result(
                        "memory", "host", .critical, "\(free) MiB available, below \(settings.minFreeMemoryMiB) MiB")
                    : result("memory", "host", .ok, "\(free) MiB available"))
        } else if let detail = facts.memoryDetail {
            results.append(result("memory", "host", .warning, "cannot tell: \(detail)"))
        }
        for disk in facts.disks {
            guard let free = disk.freeMiB else {
                results.append(result("disk", disk.label, .warning, "cannot tell the free space of \(disk.path)"))
                continue
            }
            results.append(
                free < settings.minFreeDiskMiB
                    ? result("disk", disk.label, .critical, "\(free) MiB free, below \(settings.minFreeDiskMiB) MiB")
                    : result("disk", disk.label, .ok, "\(free) MiB free"))
        }
        return results
    }

    func environment() -> [CheckResult] {
        facts.envFiles.map { env in
            let target = "\(env.component): \(env.file)"
            guard env.exists else {
                return result("env", target, .critical, "\(env.file) does not exist (required_env)")
            }
            var problems: [String] = []
            if !env.missing.isEmpty { problems.append("missing \(env.missing.joined(separator: ", "))") }
            if !env.empty.isEmpty { problems.append("empty \(env.empty.joined(separator: ", "))") }
            return problems.isEmpty
                ? result("env", target, .ok, "every required variable is set")
                : result(
                    "env", target, .critical,
                    problems.joined(separator: "; ") + " (set with `tradectl secrets set NAME`)")
        }
    }

    func ports() -> [CheckResult] {
        facts.ports.map { port in
            let target = "\(port.component): \(port.port)"
            guard port.inUse else { return result("port", target, .ok, "free") }
            guard let active = port.projectUnitsActive else {
                return result(
                    "port", target, .warning, "in use; systemd unreachable, so cannot tell whether by this project")
            }
            let own = UnitNames.service(deployment.project.name, port.component)
            if active.contains(own) { return result("port", target, .ok, "held by \(own)") }
            if !active.isEmpty {
                return result(
                    "port", target, .warning, "in use, perhaps by \(active.joined(separator: " ")) of this project")
            }
            return result("port", target, .critical, "in use by a program outside this project")
        }
    }

    func dependencies() -> [CheckResult] {
        facts.tcp.map { dependency in
            let target = (dependency.component.map { "\($0): " } ?? "") + dependency.endpoint
            if dependency.reachable { return result("tcp", target, .ok, "reachable") }
            return result(
                "tcp", target, deployment.preflight.requireTCP ? .critical : .warning,
                "unreachable: \(dependency.detail)")
        }
    }

    func clock() -> [CheckResult] {
        if facts.offline { return [] }
        switch facts.clockSynchronized {
        case true?: return [result("clock", "host", .ok, "synchronised (NTP)")]
        case false?:
            return [
                result(
                    "clock", "host", deployment.preflight.requireClockSync ? .critical : .warning,
                    "not synchronised: enable an NTP client (systemd-timesyncd, chrony)")
            ]
        case nil: return [result("clock", "host", .warning, "cannot tell: \(facts.clockDetail ?? "no answer")")]
        }
    }

    func systemd() -> [CheckResult] {
        if facts.offline { return [] }
        guard let version = facts.systemdVersion else {
            return [result("systemd", "host", .warning, "cannot tell its version: \(facts.systemdDetail ?? "")")]
        }
        return version < Self.minimumSystemd
            ? [result("systemd", "host", .critical, "systemd \(version) is older than \(Self.minimumSystemd)")]
            : [result("systemd", "host", .ok, "systemd \(version)")]
    }

    /// The zone a calendar spec names at its end (`Mon..Fri 09:30 America/New_York`), if any; a
    /// repetition such as `*:*:0/2` is not one.
    static func zone(of schedule: String) -> String? {
        guard let last = schedule.split(separator: " ").last.map(String.init),
            last == "UTC" || last.wholeMatch(of: /[A-Za-z][A-Za-z_]*(\/[A-Za-z0-9_+\-]+)+/) != nil
        else { return nil }
        return last
    }

    func timeZones() -> [CheckResult] {
        var schedules: [(String, String)] = deployment.components.compactMap { c in c.schedule.map { (c.name, $0) } }
        schedules += deployment.components.compactMap { c in c.restartDaily.map { ("\(c.name) restart", $0) } }
        let host = facts.hostTimeZone
        let market = deployment.market.timezone.isEmpty ? nil : deployment.market.timezone
        var results: [CheckResult] = []
        for (owner, schedule) in schedules {
            if let zone = Self.zone(of: schedule) {
                if TimeZone(identifier: zone) == nil {
                    results.append(result("timezone", owner, .critical, "unknown time zone \(zone) in \"\(schedule)\""))
                }
                continue
            }
            guard let market, let host,
                TimeZone(identifier: market)?.identifier != TimeZone(identifier: host)?.identifier
            else { continue }
            results.append(
                result(
                    "timezone", owner, .warning,
                    "\"\(schedule)\" names no zone, so it runs in the host's (\(host)); the market's is \(market): "
                        + "append \(market)"))
        }
        if results.isEmpty {
            results.append(result("timezone", "host", .ok, "host zone \(host ?? "unknown"); schedules agree"))
        }
        return results
    }
}
