import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Halt wrote the flag, but systemd could not be reached to stop the trading components (exit 69).
public struct HaltIncomplete: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var units: [String]
    public var detail: String
    public var description: String {
        "the kill switch is on (\(file)), but systemd is unreachable (\(detail)): "
            + "stop \(units.joined(separator: " ")) by hand, or run `tradectl halt` again once systemd answers"
    }
}

/// What halt or resume did (or would do, with `--dry-run`).
public struct IncidentOutcome: Sendable {
    public var plan: Plan
    public var applied: Bool
    /// The kill switch was engaged before the command.
    public var wasHalted: Bool
}

/// `tradectl halt` and `tradectl resume`: survey → plan → (dry-run | lock, apply, audit).
public struct IncidentRunner: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    /// `--root`: the flag only; no service manager is contacted.
    public var offline: Bool
    public var launcher: ProcessLauncher
    public var logger: Logger
    public var user: String
    /// The service manager to use instead of looking for systemd (tests pass a fake).
    public var services: ServiceManager?

    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String], offline: Bool,
        launcher: ProcessLauncher = SubprocessLauncher(), logger: Logger, user: String = ProcessInfo.processInfo.userName
    ) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.offline = offline
        self.launcher = launcher
        self.logger = logger
        self.user = user
    }

    var layout: DeployLayout { DeployLayout(deployment, environment: environment) }

    private func managerOrLookup() async -> (ServiceManager?, String?) {
        if let services { return (services, nil) }
        return await ServiceManagerLookup.find(scope: deployment.project.scope, offline: offline, launcher: launcher)
    }

    /// Plans halt against a given service manager (nil: none reachable). Read-only.
    public func planHalt(reason: String?, services: ServiceManager?, now: Date = Date()) async throws -> (
        Plan, IncidentSurvey
    ) {
        let survey = try await IncidentSurvey.gather(deployment: deployment, fileSystem: fileSystem, services: services)
        return (
            IncidentPlanner(deployment: deployment, survey: survey, offline: offline).halt(
                reason: reason, user: user, now: now), survey
        )
    }

    /// Plans resume against a given service manager (nil: none reachable). Read-only.
    public func planResume(services: ServiceManager?, healthTimeout: ConfigDuration? = nil) async throws -> (
        Plan, IncidentSurvey
    ) {
        let survey = try await IncidentSurvey.gather(deployment: deployment, fileSystem: fileSystem, services: services)
        return (
            IncidentPlanner(deployment: deployment, survey: survey, offline: offline).resume(
                healthTimeout: healthTimeout), survey
        )
    }

    public func halt(reason: String?, dryRun: Bool, lockWait: Duration = .zero) async throws -> IncidentOutcome {
        let (services, unreachable) = await managerOrLookup()
        if dryRun {
            let (plan, survey) = try await planHalt(reason: reason, services: services)
            return IncidentOutcome(plan: plan, applied: false, wasHalted: survey.halted)
        }
        let lock = try ProjectLock(path: fileSystem.hostPath(layout.lockFile), command: "halt", wait: lockWait)
        defer { withExtendedLifetime(lock) {} }
        let (plan, survey) = try await planHalt(reason: reason, services: services)
        let command = reason.map { "halt: \($0)" } ?? "halt"
        let incomplete = unreachable != nil && !deployment.killSwitch.components.isEmpty
        try await apply(
            plan, services: services, command: command,
            extra: incomplete ? "systemd unreachable: nothing stopped" : survey.halted ? "already halted" : nil,
            outcome: incomplete ? "incomplete" : "success")
        logger.notice(
            "halted",
            metadata: ["kill_switch.file": "\(deployment.killSwitch.file)", "plan.changes": "\(plan.changes.count)"])
        if let unreachable, !deployment.killSwitch.components.isEmpty {
            throw HaltIncomplete(
                file: deployment.killSwitch.file, units: KillSwitch(deployment).units.all, detail: unreachable)
        }
        return IncidentOutcome(plan: plan, applied: true, wasHalted: survey.halted)
    }

    public func resume(dryRun: Bool, lockWait: Duration = .zero, healthTimeout: ConfigDuration? = nil) async throws
        -> IncidentOutcome
    {
        let (services, unreachable) = await managerOrLookup()
        if dryRun {
            let (plan, survey) = try await planResume(services: services, healthTimeout: healthTimeout)
            return IncidentOutcome(plan: plan, applied: false, wasHalted: survey.halted)
        }
        // Never remove the flag when nothing could be started again: the machine would say
        // "trading allowed" with the engine still down.
        if let unreachable, !KillSwitch(deployment).units.startable.isEmpty {
            throw ServiceManagerUnavailable(detail: unreachable)
        }
        let lock = try ProjectLock(path: fileSystem.hostPath(layout.lockFile), command: "resume", wait: lockWait)
        defer { withExtendedLifetime(lock) {} }
        let (plan, survey) = try await planResume(services: services, healthTimeout: healthTimeout)
        try await apply(plan, services: services, command: "resume", extra: survey.halted ? nil : "was not halted")
        logger.notice("resumed", metadata: ["plan.changes": "\(plan.changes.count)"])
        return IncidentOutcome(plan: plan, applied: true, wasHalted: survey.halted)
    }

    private func apply(
        _ plan: Plan, services: ServiceManager?, command: String, extra: String?, outcome: String = "success"
    ) async throws {
        let gate = services.map { manager in
            HealthGate(
                services: manager, probes: LiveProbeChecker(fileSystem: fileSystem),
                journalLines: { unit in (try? JournalReader().lastMessages(unit: unit, count: 15)) ?? [] })
        }
        let executor = Executor(fileSystem: fileSystem, services: services, launcher: launcher, gate: gate, logger: logger)
        let started = Date()
        do {
            try await executor.apply(plan)
        } catch {
            try? StateStore.recordAudit(
                AuditEntry(at: started, user: user, pid: getpid(), command: command, result: "failed: \(error)"),
                layout: layout, fileSystem: fileSystem)
            throw error
        }
        let changes = plan.changes.count
        try StateStore.recordAudit(
            AuditEntry(
                at: started, user: user, pid: getpid(), command: command,
                result: "\(outcome): \(changes) change\(changes == 1 ? "" : "s")" + (extra.map { " (\($0))" } ?? "")),
            layout: layout, fileSystem: fileSystem)
    }
}

/// The service manager for commands that may run without one.
enum ServiceManagerLookup {
    /// The manager, or nil with the reason when it cannot be reached (nil, nil when offline).
    static func find(scope: Scope, offline: Bool, launcher: ProcessLauncher) async -> (ServiceManager?, String?) {
        if offline { return (nil, nil) }
        let systemctl = Systemctl(scope: scope, launcher: launcher)
        do {
            _ = try await systemctl.status(of: ["default.target"])
            return (systemctl, nil)
        } catch let unavailable as ServiceManagerUnavailable {
            return (nil, unavailable.detail)
        } catch {
            return (nil, "\(error)")
        }
    }
}
