import Foundation
import Logging

/// How a deploy ended, for the CLI to print.
public struct DeployOutcome: Sendable {
    public var plan: Plan
    public var version: String
    public var applied: Bool
}

/// Runs `deploy`: templates → units → survey → plan → (dry-run | lock + apply + record).
public struct DeployRunner: Sendable {
    public var deployment: Deployment
    public var request: DeployRequest
    public var fileSystem: FileSystem
    public var launcher: ProcessLauncher
    public var logger: Logger

    public init(
        deployment: Deployment, request: DeployRequest, fileSystem: FileSystem, launcher: ProcessLauncher = SubprocessLauncher(),
        logger: Logger
    ) {
        self.deployment = deployment
        self.request = request
        self.fileSystem = fileSystem
        self.launcher = launcher
        self.logger = logger
    }

    /// Builds the plan without side effects; `services` is nil when offline or unreachable.
    public func makePlan(services: ServiceManager?) async throws -> (Plan, String) {
        let layout = DeployLayout(deployment, environment: request.environment)
        let unsafe = SafetyChecks.fileChecks(deployment, fileSystem: fileSystem).filter { $0.severity == .error }
        if !unsafe.isEmpty { throw ConfigError(issues: unsafe) }
        // Refused like an unsafe config: before templates are read or the machine is probed.
        let binaryNotes = try StableBinary.check(deployment, running: request.tradectlPath, offline: request.offline)
        let templates = try TemplateSet.load(
            searchPath: TemplateSet.searchPath(
                projectDirectory: deployment.project.templatesDir, environment: request.environment,
                executable: request.tradectlPath))
        let units = try UnitRenderer(
            deployment: deployment, templates: templates, tradectlPath: request.tradectlPath, environment: request.environment
        ).render()
        let survey = try await DeploySurvey.gather(
            deployment: deployment, request: request, layout: layout, fileSystem: fileSystem, services: services,
            units: units)
        let planner = DeployPlanner(deployment: deployment, request: request, layout: layout, survey: survey)
        var plan = try planner.plan()
        plan.notes += binaryNotes
        return (plan, planner.version)
    }

    /// The service manager to use, or nil; throws (exit 69) when one is required and unreachable.
    public func serviceManager(dryRun: Bool) async throws -> ServiceManager? {
        if request.offline { return nil }
        let systemctl = Systemctl(scope: deployment.project.scope, launcher: launcher)
        do {
            _ = try await systemctl.status(of: ["default.target"])
            return systemctl
        } catch let unavailable as ServiceManagerUnavailable {
            if dryRun || request.noStart { return nil }
            throw unavailable
        }
    }

    /// Plans and, unless `dryRun`, applies under the project lock, recording the outcome.
    public func run(
        dryRun: Bool, lockWait: Duration = .zero, lockHeld: Bool = false, onPlan: (Plan) -> Void = { _ in }
    ) async throws -> DeployOutcome {
        let services = try await serviceManager(dryRun: dryRun)
        if dryRun {
            let (plan, version) = try await makePlan(services: services)
            return DeployOutcome(plan: plan, version: version, applied: false)
        }
        let layout = DeployLayout(deployment, environment: request.environment)
        let lock = lockHeld
            ? nil : try ProjectLock(path: fileSystem.hostPath(layout.lockFile), command: request.command, wait: lockWait)
        defer { withExtendedLifetime(lock) {} }
        let (plan, version) = try await makePlan(services: services)
        logger.info("\(request.command) planned", metadata: ["plan.changes": "\(plan.changes.count)", "release.version": "\(version)"])
        onPlan(plan)
        let gate = services.map { manager in
            HealthGate(
                services: manager, probes: LiveProbeChecker(fileSystem: fileSystem),
                journalLines: { unit in (try? JournalReader().lastMessages(unit: unit, count: 15)) ?? [] })
        }
        let executor = Executor(fileSystem: fileSystem, services: services, launcher: launcher, gate: gate, logger: logger)
        let started = Date()
        do {
            let releases = try await executor.apply(plan)
            try executor.record(
                plan: plan, version: version, releases: releases, started: started, outcome: "success", message: nil,
                layout: layout, user: request.user)
            logger.notice("\(request.command) succeeded", metadata: ["release.version": "\(version)"])
        } catch {
            logger.error("\(request.command) failed", metadata: ["release.version": "\(version)", "error": "\(error)"])
            try? executor.record(
                plan: plan, version: version, releases: [], started: started, outcome: "failed",
                message: "\(error)", layout: layout, user: request.user)
            throw error
        }
        return DeployOutcome(plan: plan, version: version, applied: true)
    }
}
