import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The service manager for this invocation, looked up once: absent when offline (`--root`)
/// or unreachable (then `unreachable` says why).
public struct ServiceLookup: Sendable {
    public var manager: ServiceManager?
    public var unreachable: String?

    public static let offline = ServiceLookup(manager: nil, unreachable: nil)

    public init(manager: ServiceManager?, unreachable: String?) {
        self.manager = manager
        self.unreachable = unreachable
    }

    /// Connects to the manager of `scope` (over D-Bus) and checks it answers.
    public static func find(scope: Scope, offline: Bool) async -> ServiceLookup {
        if offline { return .offline }
        do {
            let manager = ServiceManagers.connect(scope: scope)
            try await manager.ping()
            return ServiceLookup(manager: manager, unreachable: nil)
        } catch let unavailable as ServiceManagerUnavailable {
            return ServiceLookup(manager: nil, unreachable: unavailable.detail)
        } catch {
            return ServiceLookup(manager: nil, unreachable: "\(error)")
        }
    }

    /// The manager, or `ServiceManagerUnavailable` (exit 69).
    public func required() throws -> ServiceManager {
        if let manager { return manager }
        throw ServiceManagerUnavailable(
            detail: unreachable ?? "offline (--root): no service manager", nothingChanged: true)
    }
}

/// What every mutating command works with, built once per invocation and passed down.
public struct MutationContext: Sendable {
    public var deployment: Deployment
    public var layout: DeployLayout
    public var fileSystem: FileSystem
    public var launcher: ProcessLauncher
    public var logger: Logger
    /// Who runs the command, for the audit log.
    public var user: String
    /// `--root`: no service manager is contacted.
    public var offline: Bool
    public var services: ServiceLookup
    /// The one state database of this invocation.
    public var state: StateDatabase
    /// Whether a mutation that interrupts trading may run now (`[market]` sessions); the CLI sets
    /// it from the clock and `--during-session`, everything else leaves it unrestricted.
    public var session: SessionGate = .unrestricted

    public init(
        deployment: Deployment, layout: DeployLayout, fileSystem: FileSystem, launcher: ProcessLauncher,
        logger: Logger, user: String, offline: Bool, services: ServiceLookup, state: StateDatabase? = nil
    ) {
        self.deployment = deployment
        self.layout = layout
        self.fileSystem = fileSystem
        self.launcher = launcher
        self.logger = logger
        self.user = user
        self.offline = offline
        self.services = services
        self.state = state ?? StateDatabase(layout: layout, fileSystem: fileSystem)
    }
}

/// How a mutation ended, for its record.
public enum MutationOutcome: Sendable {
    case success(ApplyReport)
    /// The plan failed; `compensated` when its compensation ran (e.g. restore swapped back).
    case failure(any Error, compensated: Bool)
}

/// A mutating command's own part: its survey and planner, the handlers of its capability,
/// and how its outcome is recorded. Everything else (lock, show or apply, health gate,
/// audit) is `MutationPipeline`'s.
public protocol Mutation: Sendable {
    /// The lock holder's and the audit log's name for the command (`deploy`, `db vacuum v6`).
    var command: String { get }
    /// Surveys the machine and plans. Read-only: it runs for `--dry-run`, and under the lock
    /// before applying.
    func plan(in context: MutationContext) async throws -> Plan
    /// The handlers for effects only this command plans (the archive writer, the stager …).
    func handlers(in context: MutationContext) throws -> [any EffectHandler]
    /// The audit line's result after success, e.g. `success: 3 changes`.
    func summary(of plan: Plan, report: ApplyReport) -> String
    /// Records the outcome; the default appends one audit row.
    func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws
    /// Whether applying `plan` interrupts trading (restarts or stops a trading component, swaps
    /// its data, blocks its database): then the session gate decides. The default: no.
    func interruptsTrading(_ plan: Plan, in context: MutationContext) -> Bool
}

extension Mutation {
    public func handlers(in context: MutationContext) throws -> [any EffectHandler] { [] }

    public func interruptsTrading(_ plan: Plan, in context: MutationContext) -> Bool { false }

    public func summary(of plan: Plan, report: ApplyReport) -> String {
        let changes = plan.changes.count
        return "success: \(changes) change\(changes == 1 ? "" : "s")"
    }

    public func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws {
        try context.state.recordAudit(auditEntry(outcome, plan: plan, started: started, user: context.user))
    }

    /// The audit row for an outcome: the summary, `failed: <error>` or `rolled back: <error>`.
    public func auditEntry(_ outcome: MutationOutcome, plan: Plan, started: Date, user: String) -> AuditEntry {
        let result: String
        switch outcome {
        case .success(let report): result = summary(of: plan, report: report)
        case .failure(let error, let compensated): result = "\(compensated ? "rolled back" : "failed"): \(error)"
        }
        return AuditEntry(at: started, user: user, pid: getpid(), command: command, result: result)
    }
}

/// What the pipeline did with a mutation.
public struct MutationResult: Sendable {
    public var plan: Plan
    /// Nil for a dry run.
    public var report: ApplyReport?
    public var applied: Bool { report != nil }
}

/// The one path of every mutating command: lock → survey and plan → session gate → show, or
/// apply → health gate (an action of the plan) → record. The only place that takes the project lock and
/// builds a `PlanApplier`.
public struct MutationPipeline: Sendable {
    public var context: MutationContext

    public init(context: MutationContext) { self.context = context }

    /// How the lock is had: taken (waiting up to `wait`), or already held by this process
    /// (`update` runs deploy and rollback under its own lock).
    public enum Locking: Sendable {
        case take(wait: Duration)
        case held
    }

    /// Plans `mutation`; unless `dryRun`, takes the lock, plans again under it (the machine
    /// may have changed), hands the plan to `onPlan`, applies and records the outcome.
    public func run(
        _ mutation: some Mutation, dryRun: Bool, locking: Locking = .take(wait: .zero),
        onPlan: (Plan) -> Void = { _ in }
    ) async throws -> MutationResult {
        if dryRun {
            var plan = try await mutation.plan(in: context)
            if mutation.interruptsTrading(plan, in: context), let note = context.session.dryRunNote(for: plan.command) {
                plan.notes.append(note)
            }
            return MutationResult(plan: plan, report: nil)
        }
        switch locking {
        case .held: return try await apply(mutation, onPlan: onPlan)
        case .take(let wait):
            return try await holdingLock(mutation.command, wait: wait) { try await apply(mutation, onPlan: onPlan) }
        }
    }

    /// Runs `body` holding the project lock (exit 75 naming the holder when it stays taken).
    public func holdingLock<T>(_ command: String, wait: Duration, _ body: () async throws -> T) async throws -> T {
        let lock = try ProjectLock(
            path: context.fileSystem.hostPath(context.layout.lockFile), command: command, wait: wait)
        defer { withExtendedLifetime(lock) {} }
        return try await body()
    }

    private func apply(_ mutation: some Mutation, onPlan: (Plan) -> Void) async throws -> MutationResult {
        let plan = try await mutation.plan(in: context)
        context.logger.info("\(mutation.command) planned", metadata: ["plan.changes": "\(plan.changes.count)"])
        // The session gate: refused before the plan is shown; asked after it, so the operator
        // sees what would be interrupted.
        let verdict =
            mutation.interruptsTrading(plan, in: context) ? context.session.verdict(for: plan.command) : .proceed
        if case .refuse(let refusal) = verdict { throw refusal }
        onPlan(plan)
        if case .ask(let question, let refusal) = verdict, context.session.confirm?(question) != true {
            throw refusal
        }
        let applier = PlanApplier(
            logger: context.logger, handlers: try standardHandlers() + mutation.handlers(in: context))
        let started = Date()
        let report: ApplyReport
        do {
            report = try await applier.apply(plan)
        } catch {
            let compensated = (error as? ApplyError)?.compensated ?? false
            context.logger.error("\(mutation.command) failed", metadata: ["error": "\(error)"])
            do {
                try mutation.record(
                    .failure(error, compensated: compensated), plan: plan, started: started, in: context)
            } catch let recording {
                context.logger.error("could not record the failure", metadata: ["error": "\(recording)"])
            }
            throw error
        }
        try mutation.record(.success(report), plan: plan, started: started, in: context)
        return MutationResult(plan: plan, report: report)
    }

    /// The handlers every command may use: files, and — where systemd answered — unit jobs and
    /// the health gate.
    private func standardHandlers() -> [any EffectHandler] {
        var handlers = FileEffectHandlers(fileSystem: context.fileSystem).all
        if let services = context.services.manager {
            handlers += UnitJobHandlers(services: services).all
            handlers.append(HealthGateHandler(gate: .live(services: services, fileSystem: context.fileSystem)))
        }
        return handlers
    }
}
