import Foundation

/// What deploy waits for: services active and stable, and their probes passing.
public struct HealthGateSpec: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var component: String
        public var unit: String
        public var probes: [ProbeSpec]
    }

    public var targets: [Target]
    /// Timers that must be active (waiting) after deploy.
    public var timers: [String]
    public var timeout: ConfigDuration

    public var units: [String] { targets.map(\.unit) + timers }
}

/// Why a deploy is not healthy: which component, what was seen, and its last journal lines.
public struct HealthGateFailure: Error, Sendable, CustomStringConvertible {
    public var component: String
    public var unit: String
    public var reason: String
    public var journal: [String]

    public var description: String {
        var text = "\(component) (\(unit)) did not become healthy: \(reason)"
        if !journal.isEmpty {
            text += "\nlast journal lines of \(unit):\n" + journal.map { "  \($0)" }.joined(separator: "\n")
        }
        return text
    }
}

/// Polls unit states and probes until all pass twice in a row with no restart in between,
/// so a service that starts and crashes a second later is not called healthy.
public struct HealthGate: Sendable {
    public var services: ServiceManager
    public var probes: ProbeChecker
    public var journalLines: @Sendable (String) -> [String]
    public var interval: Duration

    public init(
        services: ServiceManager, probes: ProbeChecker, journalLines: @escaping @Sendable (String) -> [String],
        interval: Duration = .milliseconds(500)
    ) {
        self.services = services
        self.probes = probes
        self.journalLines = journalLines
        self.interval = interval
    }

    public func wait(for spec: HealthGateSpec) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + spec.timeout.duration
        var initial: [String: Int]?
        var previous: [String: Int]?
        var lastProblem: Problem?
        while true {
            let statuses = try await services.status(of: spec.units)
            let restarts = statuses.mapValues(\.restarts)
            if initial == nil { initial = restarts }
            let problem = await firstProblem(spec, statuses: statuses)
            if problem == nil, let previous, previous == restarts { return }
            previous = problem == nil ? restarts : nil
            if let problem { lastProblem = problem }
            if let problem, statuses[problem.unit]?.activeState == "failed" {
                throw failure(problem)
            }
            // A service systemd had to restart while we watched has crashed: no need to wait out the timeout.
            if let loop = restartLoop(spec, initial: initial ?? [:], now: restarts) {
                throw failure(loop)
            }
            if clock.now >= deadline {
                throw failure(
                    restartLoop(spec, initial: initial ?? [:], now: restarts) ?? lastProblem
                        ?? Problem(
                            target: "deploy", unit: spec.units.first ?? "", reason: "not stable within \(spec.timeout)")
                )
            }
            try await Task.sleep(for: interval)
        }
    }

    struct Problem {
        var target: String
        var unit: String
        var reason: String
    }

    /// A service that keeps crashing is sometimes caught "running"; its restart counter tells.
    private func restartLoop(_ spec: HealthGateSpec, initial: [String: Int], now: [String: Int]) -> Problem? {
        for target in spec.targets {
            let count = (now[target.unit] ?? 0) - (initial[target.unit] ?? 0)
            if count > 0 {
                return Problem(
                    target: target.component, unit: target.unit,
                    reason: "restart loop: restarted \(count) time(s) within \(spec.timeout)")
            }
        }
        return nil
    }

    private func failure(_ problem: Problem) -> HealthGateFailure {
        HealthGateFailure(
            component: problem.target, unit: problem.unit, reason: problem.reason,
            journal: journalLines(problem.unit))
    }

    private func firstProblem(
        _ spec: HealthGateSpec, statuses: [String: UnitStatus]
    ) async -> Problem? {
        for target in spec.targets {
            guard let status = statuses[target.unit] else {
                return Problem(target: target.component, unit: target.unit, reason: "unit not loaded")
            }
            guard status.activeState == "active", status.subState == "running" else {
                return Problem(
                    target: target.component, unit: target.unit,
                    reason: "\(status.activeState) (\(status.subState)), result \(status.result)")
            }
            for probe in target.probes {
                let outcome = await probes.run(probe, timeout: .seconds(5))
                if !outcome.passed {
                    return Problem(
                        target: target.component, unit: target.unit, reason: "probe \(probe) failed: \(outcome.detail)")
                }
            }
        }
        for timer in spec.timers {
            let status = statuses[timer]
            if status?.activeState != "active" {
                return Problem(target: timer, unit: timer, reason: "timer is \(status?.activeState ?? "not loaded")")
            }
        }
        return nil
    }
}
