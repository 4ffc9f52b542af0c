import Foundation
import Logging

/// The update failed its health gate and production was rolled back (exit 1).
public struct UpdateRolledBack: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var failed: String
    public var restored: String
    /// Why the gate failed (a `HealthGateFailure`: the component, what was seen, its journal lines).
    public var underlying: any Error
    public var description: String {
        "update to \(failed) was not healthy and was rolled back to \(restored), which is healthy:\n\(underlying)"
    }
    public var exitStatus: ExitStatus { .failure }
}

/// `tradectl update`: a deploy of a new release under one lock, gated on health, rolled
/// back to the previous release when the gate fails (unless `--no-rollback`).
public struct UpdateRunner: Sendable {
    public var deployment: Deployment
    public var request: DeployRequest
    public var fileSystem: FileSystem
    public var launcher: ProcessLauncher
    public var logger: Logger
    public var rollbackOnFailure: Bool

    public init(
        deployment: Deployment, request: DeployRequest, fileSystem: FileSystem,
        launcher: ProcessLauncher = SubprocessLauncher(),
        logger: Logger, rollbackOnFailure: Bool
    ) {
        self.deployment = deployment
        self.request = request
        self.fileSystem = fileSystem
        self.launcher = launcher
        self.logger = logger
        self.rollbackOnFailure = rollbackOnFailure
    }

    var layout: DeployLayout { DeployLayout(deployment, environment: request.environment) }

    public func run(
        dryRun: Bool, lockWait: Duration = .zero, onPlan: (Plan) -> Void = { _ in }
    ) async throws -> DeployOutcome {
        let deploy = DeployRunner(
            deployment: deployment, request: request, fileSystem: fileSystem, launcher: launcher, logger: logger)
        let context = try await deploy.context(dryRun: dryRun)
        if dryRun { return try await deploy.run(dryRun: true, context: context) }
        // Deploy and the rollback run under one lock: nothing can slip in between.
        return try await MutationPipeline(context: context).holdingLock("update", wait: lockWait) {
            let previous = fileSystem.info(layout.current)?.linkTarget.flatMap {
                $0.hasPrefix("releases/") ? String($0.dropFirst("releases/".count)) : nil
            }
            do {
                return try await deploy.run(dryRun: false, lockHeld: true, context: context, onPlan: onPlan)
            } catch let failure as ApplyError where failure.isHealthFailure && rollbackOnFailure {
                guard let previous else { throw failure }
                let failedVersion =
                    fileSystem.info(layout.current)?.linkTarget.map { String($0.dropFirst("releases/".count)) } ?? "?"
                logger.error(
                    "update not healthy; rolling back",
                    metadata: ["release.version": "\(failedVersion)", "rollback.to": "\(previous)"])
                let rollback = RollbackRunner(
                    deployment: deployment, request: request, fileSystem: fileSystem, launcher: launcher,
                    logger: logger, state: context.state)
                // The update passed the session gate; its own rollback is never held back by it.
                var rollbackContext = context
                rollbackContext.session = .unrestricted
                _ = try await rollback.run(to: previous, dryRun: false, lockHeld: true, context: rollbackContext)
                try? context.state.store().markRolledBack(version: failedVersion)
                throw UpdateRolledBack(failed: failedVersion, restored: previous, underlying: failure.underlying)
            }
        }
    }
}
