import Foundation
import Logging

/// What a command runner is built with — the project, the machine it plans for, who runs it —
/// held once instead of as the same fields in every runner.
public struct RunnerSetup: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    /// `--root`: no service manager is contacted.
    public var offline: Bool
    public var launcher: ProcessLauncher
    public var logger: Logger
    /// Who runs the command, for the audit log.
    public var user: String
    /// The invocation's one state database.
    public var state: StateDatabase
    /// The session gate the pipeline consults (`[market]`, `--during-session`); unrestricted unless set.
    public var session: SessionGate = .unrestricted

    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String], offline: Bool,
        launcher: ProcessLauncher, logger: Logger, user: String, state: StateDatabase? = nil
    ) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.offline = offline
        self.launcher = launcher
        self.logger = logger
        self.user = user
        self.state =
            state ?? StateDatabase(layout: DeployLayout(deployment, environment: environment), fileSystem: fileSystem)
    }

    public var layout: DeployLayout { DeployLayout(deployment, environment: environment) }

    /// The given manager (tests pass a fake), else systemd's for the project's scope.
    public func lookup(_ given: ServiceManager?) async -> ServiceLookup {
        if let given { return ServiceLookup(manager: given, unreachable: nil) }
        return await ServiceLookup.find(scope: deployment.project.scope, offline: offline)
    }

    /// The pipeline for this setup and a service lookup.
    public func pipeline(_ services: ServiceLookup) -> MutationPipeline {
        var context = MutationContext(
            deployment: deployment, layout: layout, fileSystem: fileSystem, launcher: launcher, logger: logger,
            user: user, offline: offline, services: services, state: state)
        context.session = session
        return MutationPipeline(context: context)
    }
}

/// A runner built from a `RunnerSetup`; the convenience initializer spells the setup out.
public protocol RunnerSetupInitializable {
    init(setup: RunnerSetup)
}

extension RunnerSetupInitializable {
    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String], offline: Bool,
        launcher: ProcessLauncher = SubprocessLauncher(), logger: Logger,
        user: String = ProcessInfo.processInfo.userName
    ) {
        self.init(
            setup: RunnerSetup(
                deployment: deployment, fileSystem: fileSystem, environment: environment, offline: offline,
                launcher: launcher, logger: logger, user: user))
    }
}
