import Foundation
import Logging

/// `recover` refused: the host already holds the project's `shared/` (exit 64). Recover is
/// for a host with nothing on it; `restore` is for one with live data (it keeps a copy).
public struct RecoverRefused: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var shared: String
    public var exitStatus: ExitStatus { .usage }
    public var description: String {
        "\(shared) exists: this host already has the project's data; use `tradectl restore` "
            + "(it backs the live data up first), or move \(shared) away to recover from nothing"
    }
}

/// What `recover` is asked to do.
public struct RecoverRequest: Sendable {
    /// `latest`, an archive name, or (local) a path to an archive copied here by hand.
    public var reference: String
    /// Fetch the archive from `[backup.offsite]` (the usual case: the local backups died with the host).
    public var fromOffsite: Bool
    /// Engage the kill switch before the services start: orders and fills after the archive
    /// was taken are missing until reconciled with the broker.
    public var halt: Bool
    public var deploy: DeployRequest

    public init(reference: String, fromOffsite: Bool, halt: Bool, deploy: DeployRequest) {
        self.reference = reference
        self.fromOffsite = fromOffsite
        self.halt = halt
        self.deploy = deploy
    }
}

/// One timed step of a recovery.
public struct RecoverPhase: Sendable, Codable, Equatable {
    public var name: String
    public var seconds: Double
}

/// What a recovery did (or would do).
public struct RecoverOutcome: Sendable {
    public var archive: String
    /// When the archive was taken (from its name): everything after it is lost.
    public var created: Date?
    public var restore: RestoreOutcome
    public var halt: IncidentOutcome?
    public var deploy: DeployOutcome
    public var phases: [RecoverPhase]
    public var applied: Bool

    public var seconds: Double { phases.reduce(0) { $0 + $1.seconds } }
}

/// Disaster recovery on a host with nothing but the package, the config and the credentials:
/// fetch (and decrypt) the archive, verify it and build `shared/` from it (restore's fresh-host
/// path), engage the kill switch, then deploy: account, release, units, start, health gate.
/// Each step is the command's own runner, with its own lock, plan and audit line; a step that
/// fails stops the recovery where it is, and every step is safe to run again.
public struct RecoverRunner: Sendable, RunnerSetupInitializable {
    public var setup: RunnerSetup

    public init(setup: RunnerSetup) { self.setup = setup }

    public func run(
        _ request: RecoverRequest, dryRun: Bool, lockWait: Duration = .zero,
        onPhase: @Sendable (String) -> Void = { _ in }
    ) async throws -> RecoverOutcome {
        let shared = setup.layout.shared
        if setup.fileSystem.info(shared) != nil { throw RecoverRefused(shared: shared) }
        var phases: [RecoverPhase] = []
        let clock = ContinuousClock()
        func timed<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
            onPhase(name)
            let started = clock.now
            let value = try await body()
            phases.append(RecoverPhase(name: name, seconds: (clock.now - started).timeInterval))
            return value
        }

        var reference = request.reference
        var fetched: String?
        defer { if let fetched { try? FileManager.default.removeItem(atPath: fetched) } }
        if request.fromOffsite {
            let backups = BackupRunner(
                deployment: setup.deployment, fileSystem: setup.fileSystem, environment: setup.environment,
                logger: setup.logger, state: setup.state)
            let (path, directory) = try await timed("fetch") { try await backups.fetchRemote(request.reference) }
            fetched = directory
            reference = path
        }
        let restore = try await timed("restore") {
            try await RestoreRunner(setup: setup).run(
                reference: reference, only: [], dryRun: dryRun, lockWait: lockWait)
        }
        let name = (restore.archive as NSString).lastPathComponent
        var halt: IncidentOutcome?
        if request.halt {
            let reason =
                "recovered from \(name): reconcile positions and orders with the broker, then `tradectl resume`"
            halt = try await timed("halt") {
                try await IncidentRunner(setup: setup).halt(reason: reason, dryRun: dryRun, lockWait: lockWait)
            }
        }
        let deploy = try await timed("deploy") {
            try await DeployRunner(
                deployment: setup.deployment, request: request.deploy, fileSystem: setup.fileSystem,
                logger: setup.logger
            ).run(dryRun: dryRun, lockWait: lockWait)
        }
        let outcome = RecoverOutcome(
            archive: name, created: BackupSpec.created(fromName: name, project: setup.deployment.project.name),
            restore: restore, halt: halt, deploy: deploy, phases: phases, applied: !dryRun)
        if !dryRun {
            setup.logger.notice(
                "recovered",
                metadata: [
                    "backup.archive": "\(name)", "deploy.version": "\(deploy.version)",
                    "recover.seconds": "\(String(format: "%.1f", outcome.seconds))",
                    "kill_switch.engaged": "\(request.halt)",
                ])
        }
        return outcome
    }
}
