import Foundation

/// Waits until services are active and stable and their probes pass.
public struct WaitHealthy: Effect {
    public var spec: HealthGateSpec
    public var typeName: String { "health-gate" }
    public var target: String { spec.units.joined(separator: " ") }
}

extension Effect where Self == WaitHealthy {
    public static func waitHealthy(_ spec: HealthGateSpec) -> WaitHealthy { WaitHealthy(spec: spec) }
}

/// The restart counters of the services a health gate passed: deploy records them as the
/// baseline the `_restarts` checks count from.
public struct GateRestarts: Sendable, Equatable {
    public var restarts: [String: Int]
}

/// Applies `WaitHealthy` with a real gate; its output is the `GateRestarts` seen on success.
public struct HealthGateHandler: EffectHandler {
    public var gate: HealthGate

    public init(gate: HealthGate) { self.gate = gate }

    public func apply(_ effect: WaitHealthy) async throws -> (any Sendable)? {
        try await gate.wait(for: effect.spec)
        guard let statuses = try? await gate.services.status(of: effect.spec.targets.map(\.unit)) else { return nil }
        return GateRestarts(restarts: statuses.mapValues(\.restarts))
    }
}

extension HealthGate {
    /// The gate every mutating command uses: live probes, and the last 15 journal lines of a
    /// unit that failed it.
    public static func live(services: ServiceManager, fileSystem: FileSystem) -> HealthGate {
        HealthGate(
            services: services, probes: LiveProbeChecker(fileSystem: fileSystem),
            journalLines: { unit in (try? JournalReader().lastMessages(unit: unit, count: 15)) ?? [] })
    }
}
