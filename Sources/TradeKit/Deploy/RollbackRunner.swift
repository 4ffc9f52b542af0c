import Foundation
import Logging

/// `rollback --to` named a release that is not there (exit 65, listing the candidates).
public struct UnknownRelease: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
    public var requested: String
    public var candidates: [String]
    public var description: String {
        candidates.isEmpty
            ? "release \(requested) is not on disk, and there is no other release to roll back to"
            : "release \(requested) is not on disk; candidates: \(candidates.joined(separator: ", "))"
    }
}

/// Switches `current` to a kept release, restarts the services and waits for health.
public struct RollbackRunner: Sendable {
    /// The same project, request and machine a deploy would use: rollback plans against them
    /// and runs in the context a deploy would (the service manager, the state database).
    public var deploy: DeployRunner

    public init(
        deployment: Deployment, request: DeployRequest, fileSystem: FileSystem,
        launcher: ProcessLauncher = SubprocessLauncher(), logger: Logger, state: StateDatabase? = nil
    ) {
        deploy = DeployRunner(
            deployment: deployment, request: request, fileSystem: fileSystem, launcher: launcher, logger: logger,
            state: state)
    }

    /// The release to return to: `--to`, else the newest earlier successful one.
    public func target(_ requested: String?) throws -> String {
        let history = ReleaseHistory(layout: deploy.layout, fileSystem: deploy.fileSystem, state: deploy.state)
        let releases = history.list()
        let current = releases.first(where: \.current)?.version
        if let requested {
            guard releases.contains(where: { $0.version == requested }) else {
                throw UnknownRelease(requested: requested, candidates: releases.map(\.version).filter { $0 != current })
            }
            return requested
        }
        guard let target = releases.first(where: \.rollbackTarget)?.version else {
            throw UnknownRelease(
                requested: "(previous successful)", candidates: releases.map(\.version).filter { $0 != current })
        }
        return target
    }

    public func plan(to version: String, manager: ServiceManager?, halted: Bool) -> Plan {
        var plan = Plan(command: "rollback")
        let link = deploy.fileSystem.info(deploy.layout.current)?.linkTarget
        let target = "releases/\(version)"
        plan.add(
            .symlink(path: deploy.layout.current, target: target), link == target ? .unchanged : .update,
            note: link.map { "was \($0)" })
        let held = halted && !deploy.request.startWhileHalted ? Set(deploy.deployment.killSwitch.components) : []
        if !held.isEmpty {
            plan.notes.append(
                "kill switch engaged: \(held.sorted().joined(separator: ", ")) not restarted (--start overrides)")
        }
        let components = deploy.deployment.components.filter { $0.kind == .service && !held.contains($0.name) }
        guard !components.isEmpty else { return plan }
        guard manager != nil else {
            plan.notes.append("no service manager reachable: services were not restarted")
            return plan
        }
        let project = deploy.deployment.project.name
        // A crash loop of the release being left may have used up the start limit
        // (StartLimitBurst); clear it, or systemd would refuse the release we return to.
        plan.add(.systemctl(.resetFailed, units: components.map { UnitNames.service(project, $0.name) }), .run)
        plan.add(
            .systemctl(.restart, units: components.map { UnitNames.service(project, $0.name) }), .run,
            note: "systemd orders them by After=; each gets its stop timeout")
        let targets = components.map {
            HealthGateSpec.Target(
                component: $0.name, unit: UnitNames.service(project, $0.name),
                probes: ProbeSpec.of($0, root: deploy.layout.root))
        }
        plan.add(
            .waitHealthy(
                HealthGateSpec(
                    targets: targets, timers: [],
                    timeout: deploy.request.healthTimeout ?? deploy.deployment.deploy.healthTimeout)),
            .run)
        return plan
    }

    /// Plans and (unless `dryRun`) applies the rollback through the pipeline, recording it.
    public func run(
        to requested: String?, dryRun: Bool, lockWait: Duration = .zero, lockHeld: Bool = false,
        context: MutationContext? = nil
    ) async throws -> (Plan, String) {
        let version = try target(requested)
        let context =
            if let context { context } else {
                try await deploy.context(dryRun: dryRun)
            }
        let result = try await MutationPipeline(context: context).run(
            RollbackMutation(runner: self, version: version), dryRun: dryRun,
            locking: lockHeld ? .held : .take(wait: lockWait))
        if result.applied { deploy.logger.notice("rollback succeeded", metadata: ["release.version": "\(version)"]) }
        return (result.plan, version)
    }
}

/// Rollback's part of the pipeline: switch `current`, restart, gate; recorded like a deploy.
struct RollbackMutation: Mutation {
    var runner: RollbackRunner
    var version: String

    var command: String { "rollback" }

    func plan(in context: MutationContext) async throws -> Plan {
        let halted = context.fileSystem.info(runner.deploy.deployment.killSwitch.file) != nil
        var plan = runner.plan(to: version, manager: context.services.manager, halted: halted)
        plan.version = version
        return plan
    }

    func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws {
        try DeployRecord.write(outcome, plan: plan, started: started, command: command, in: context)
    }

    /// Switching releases restarts every service.
    func interruptsTrading(_ plan: Plan, in context: MutationContext) -> Bool { true }
}
