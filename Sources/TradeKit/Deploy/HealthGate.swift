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
    public var probes: ProbeRunner
    public var journalLines: @Sendable (String) -> [String]
    public var interval: Duration

    public init(
        services: ServiceManager, probes: ProbeRunner, journalLines: @escaping @Sendable (String) -> [String],
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
        var previous: [String: Int]?
        var lastProblem: (target: String, unit: String, reason: String)?
        while true {
            let statuses = try await services.status(of: spec.units)
            let problem = await firstProblem(spec, statuses: statuses)
            let restarts = statuses.mapValues(\.restarts)
            if problem == nil, let previous, previous == restarts { return }
            previous = problem == nil ? restarts : nil
            lastProblem = problem
            if let problem, statuses[problem.unit]?.activeState == "failed" {
                throw failure(problem)
            }
            if clock.now >= deadline {
                throw failure(lastProblem ?? ("deploy", spec.units.first ?? "", "not stable within \(spec.timeout)"))
            }
            try await Task.sleep(for: interval)
        }
    }

    private func failure(_ problem: (target: String, unit: String, reason: String)) -> HealthGateFailure {
        HealthGateFailure(
            component: problem.target, unit: problem.unit, reason: problem.reason,
            journal: journalLines(problem.unit))
    }

    private func firstProblem(
        _ spec: HealthGateSpec, statuses: [String: UnitStatus]
    ) async -> (target: String, unit: String, reason: String)? {
        for target in spec.targets {
            guard let status = statuses[target.unit] else { return (target.component, target.unit, "unit not loaded") }
            guard status.activeState == "active", status.subState == "running" else {
                return (target.component, target.unit, "\(status.activeState) (\(status.subState)), result \(status.result)")
            }
            for probe in target.probes {
                let outcome = await probes.run(probe, timeout: .seconds(5))
                if !outcome.passed { return (target.component, target.unit, "probe \(probe) failed: \(outcome.detail)") }
            }
        }
        for timer in spec.timers {
            let status = statuses[timer]
            if status?.activeState != "active" {
                return (timer, timer, "timer is \(status?.activeState ?? "not loaded")")
            }
        }
        return nil
    }
}
