import Foundation

/// A job for systemd on some units (`start`, `stop`, `restart`, `reset-failed`).
public struct UnitJob: Effect {
    public var verb: UnitVerb
    public var units: [String]
    public var typeName: String { "systemctl.\(verb.rawValue)" }
    public var target: String { units.joined(separator: " ") }
}

/// systemd re-reads unit files.
public struct DaemonReload: Effect {
    public var typeName: String { "systemctl.daemon-reload" }
    public var target: String { "" }
}

extension Effect where Self == UnitJob {
    public static func systemctl(_ verb: UnitVerb, units: [String]) -> UnitJob { UnitJob(verb: verb, units: units) }
}

extension Effect where Self == DaemonReload {
    public static var daemonReload: DaemonReload { DaemonReload() }
}

/// Applies unit jobs and reloads through the service manager, which is required: a plan
/// holding unit jobs is only applied where systemd answered.
public struct UnitJobHandlers: Sendable {
    public var services: ServiceManager

    public init(services: ServiceManager) { self.services = services }

    public var all: [any EffectHandler] { [Jobs(services: services), Reloads(services: services)] }

    struct Jobs: EffectHandler {
        var services: ServiceManager
        func apply(_ effect: UnitJob) async throws -> (any Sendable)? {
            try await services.perform(effect.verb, units: effect.units)
            return nil
        }
    }

    struct Reloads: EffectHandler {
        var services: ServiceManager
        func apply(_ effect: DaemonReload) async throws -> (any Sendable)? {
            try await services.daemonReload()
            return nil
        }
    }
}
