import Foundation
import Logging

/// How a deploy ended, for the CLI to print.
public struct DeployOutcome: Sendable {
    public var plan: Plan
    public var version: String
    public var applied: Bool
}

/// Runs `deploy`: templates → units → survey → plan, through the `MutationPipeline`.
public struct DeployRunner: Sendable {
    public var deployment: Deployment
    public var request: DeployRequest
    public var fileSystem: FileSystem
    public var launcher: ProcessLauncher
    public var logger: Logger
    /// The invocation's one state database (given, or this runner's own).
    public var state: StateDatabase

    public init(
        deployment: Deployment, request: DeployRequest, fileSystem: FileSystem,
        launcher: ProcessLauncher = SubprocessLauncher(), logger: Logger, state: StateDatabase? = nil
    ) {
        self.deployment = deployment
        self.request = request
        self.fileSystem = fileSystem
        self.launcher = launcher
        self.logger = logger
        self.state =
            state
            ?? StateDatabase(layout: DeployLayout(deployment, environment: request.environment), fileSystem: fileSystem)
    }

    public var layout: DeployLayout { DeployLayout(deployment, environment: request.environment) }

    /// Builds the plan without side effects; `services` is nil when offline or unreachable.
    public func makePlan(services: ServiceManager?, state: StateDatabase? = nil) async throws -> (Plan, String) {
        let unsafe = SafetyChecks.fileChecks(deployment, fileSystem: fileSystem).filter { $0.severity == .error }
        if !unsafe.isEmpty { throw ConfigError(issues: unsafe) }
        // Refused like an unsafe config: before templates are read or the machine is surveyed.
        let binaryNotes = try StableBinary.check(deployment, running: request.tradectlPath, offline: request.offline)
        let templates = try TemplateSet.load(
            searchPath: TemplateSet.searchPath(
                projectDirectory: deployment.project.templatesDir, environment: request.environment,
                executable: request.tradectlPath))
        let units = try UnitRenderer(
            deployment: deployment, templates: templates, tradectlPath: request.tradectlPath,
            environment: request.environment
        ).render()
        let survey = try await DeploySurvey.gather(
            deployment: deployment, request: request, layout: layout, fileSystem: fileSystem, services: services,
            units: units, state: state ?? self.state, launcher: launcher)
        let planner = DeployPlanner(deployment: deployment, request: request, layout: layout, survey: survey)
        var plan = try planner.plan()
        plan.notes += binaryNotes
        plan.version = planner.version
        return (plan, planner.version)
    }

    /// The context the pipeline runs this deploy in; throws (exit 69) when systemd is required
    /// (not `--root`, not `--no-start`, not a dry run) and unreachable.
    public func context(dryRun: Bool) async throws -> MutationContext {
        let services = await ServiceLookup.find(scope: deployment.project.scope, offline: request.offline)
        if services.manager == nil, !request.offline, !dryRun, !request.noStart { _ = try services.required() }
        var context = MutationContext(
            deployment: deployment, layout: layout, fileSystem: fileSystem, launcher: launcher, logger: logger,
            user: request.user, offline: request.offline, services: services, state: state)
        context.session = request.session
        return context
    }

    /// Plans and, unless `dryRun`, applies under the project lock, recording the outcome.
    public func run(
        dryRun: Bool, lockWait: Duration = .zero, lockHeld: Bool = false, context: MutationContext? = nil,
        onPlan: (Plan) -> Void = { _ in }
    ) async throws -> DeployOutcome {
        let context = if let context { context } else { try await self.context(dryRun: dryRun) }
        let pipeline = MutationPipeline(context: context)
        let result = try await pipeline.run(
            DeployMutation(runner: self), dryRun: dryRun, locking: lockHeld ? .held : .take(wait: lockWait),
            onPlan: onPlan)
        if result.applied {
            logger.notice("\(request.command) succeeded", metadata: ["release.version": "\(result.plan.version ?? "")"])
        }
        return DeployOutcome(plan: result.plan, version: result.plan.version ?? "", applied: result.applied)
    }
}

/// Deploy's part of the pipeline: its planner, the release handlers, the deploy record.
struct DeployMutation: Mutation {
    var runner: DeployRunner

    var command: String { runner.request.command }

    func plan(in context: MutationContext) async throws -> Plan {
        try await runner.makePlan(services: context.services.manager, state: context.state).0
    }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        ReleaseEffectHandlers(fileSystem: context.fileSystem, launcher: context.launcher).all
            + ScheduleEffectHandlers(state: context.state).all
    }

    func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws {
        try DeployRecord.write(outcome, plan: plan, started: started, command: command, in: context)
    }

    /// `update` always (it replaces what trades); `deploy` when its plan stops or restarts the
    /// service of a `trades = true` component.
    func interruptsTrading(_ plan: Plan, in context: MutationContext) -> Bool {
        if command == "update" { return true }
        let project = context.deployment.project.name
        let trading = Set(context.deployment.components.filter(\.trades).map { UnitNames.service(project, $0.name) })
        return plan.changes(of: UnitJob.self).contains { job in
            (job.verb == .restart || job.verb == .stop) && job.units.contains { trading.contains($0) }
        }
    }
}
