import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// An action that failed while applying a plan.
public struct ExecutorError: Error, Sendable, CustomStringConvertible {
    public var action: String
    public var underlying: String
    /// Exit code the CLI should use (1: operation failed).
    public var isHealthFailure: Bool

    public var description: String { "\(action): \(underlying)" }
}

/// Applies plans. The only place in tradectl with side effects.
///
/// Each action is logged; `unchanged` actions are skipped. A fail point (`CrashPoint`)
/// sits before and after every action so tests can kill the process anywhere.
public struct Executor: Sendable {
    public var fileSystem: FileSystem
    public var services: ServiceManager?
    public var launcher: ProcessLauncher
    public var gate: HealthGate?
    public var logger: Logger
    /// The state database, for actions that write the backup catalog.
    public var store: StateStore?
    public var progress: BackupProgress?
    /// Restart counters of the services a health gate passed, for the restart baseline.
    public let gateRestarts = RestartBox()
    /// Archives written by `archive` actions, in order.
    public var onArchive: @Sendable (BackupResult) -> Void = { _ in }
    /// Results of `sqlite` actions, in order (a locked database is a result, not a failure).
    public var onSQLite: @Sendable (SQLiteResult) -> Void = { _ in }

    public init(
        fileSystem: FileSystem, services: ServiceManager?, launcher: ProcessLauncher, gate: HealthGate?, logger: Logger
    ) {
        self.fileSystem = fileSystem
        self.services = services
        self.launcher = launcher
        self.gate = gate
        self.logger = logger
    }

    /// Applies every changing action in order; stops at the first failure.
    /// Returns the finalized release metadata, if the plan created one.
    @discardableResult
    public func apply(_ plan: Plan) async throws -> [ReleaseMetadata] {
        var finalized: [ReleaseMetadata] = []
        for (index, action) in plan.actions.enumerated() where action.change != .unchanged {
            CrashPoint.hit("before action \(index): \(action.operation.typeName) \(action.operation.target)")
            logger.info(
                "apply",
                metadata: [
                    "action.type": "\(action.operation.typeName)", "action.target": "\(action.operation.target)",
                    "action.change": "\(action.change.rawValue)",
                ])
            do {
                if let metadata = try await perform(action.operation) { finalized.append(metadata) }
            } catch let failure as HealthGateFailure {
                throw ExecutorError(action: "health gate", underlying: failure.description, isHealthFailure: true)
            } catch {
                throw ExecutorError(
                    action: "\(action.operation.typeName) \(action.operation.target)", underlying: "\(error)",
                    isHealthFailure: false)
            }
            CrashPoint.hit("after action \(index): \(action.operation.typeName) \(action.operation.target)")
        }
        return finalized
    }

    private func perform(_ operation: Operation) async throws -> ReleaseMetadata? {
        switch operation {
        case .directory(let path, let mode, let owner):
            try fileSystem.makeDirectory(path, mode: mode, owner: resolve(owner))
        case .file(let path, let content, let mode, let owner, _):
            try ensureParent(of: path)
            try fileSystem.writeAtomically(path, data: content, mode: mode, owner: resolve(owner))
        case .symlink(let path, let target):
            try ensureParent(of: path)
            try fileSystem.symlinkAtomically(path, target: target)
        case .remove(let path):
            try fileSystem.removeTree(path)
        case .copyRelease(let source, let release, let skip, _):
            try fileSystem.removeTree(release)
            try fileSystem.copyTree(from: source, to: release) { path in
                CrashPoint.hit("copying \(path)")
                return skip.contains(path)
            }
        case .hook(let command, let directory, let environment):
            try await runHook(command, directory: directory, environment: environment)
        case .finalizeRelease(let release, let metadata):
            try fileSystem.writeAtomically(
                "\(release)/\(ReleaseMetadata.fileName)", data: metadata.encoded(), mode: 0o644, owner: nil)
            return metadata
        case .sysusers(let file):
            let result = try await launcher.run(Command("systemd-sysusers", [fileSystem.hostPath(file)]))
            if !result.succeeded { throw CommandFailure(command: "systemd-sysusers", result: result) }
        case .systemctl(let verb, let units):
            guard let services else { throw ServiceManagerUnavailable(detail: "no service manager for \(verb)") }
            if verb == "daemon-reload" { try await services.daemonReload() } else { try await services.perform(verb, units: units) }
        case .waitHealthy(let spec):
            guard let gate else { throw ServiceManagerUnavailable(detail: "no service manager for the health gate") }
            try await gate.wait(for: spec)
            if let restarts = try? await gate.services.status(of: spec.targets.map(\.unit)).mapValues(\.restarts) {
                gateRestarts.set(restarts)
            }
        case .archive(let spec):
            guard let store else { throw ExecutorError(action: "archive", underlying: "no state database", isHealthFailure: false) }
            onArchive(try BackupWriter(fileSystem: fileSystem, store: store, progress: progress).write(spec))
        case .catalog(let path, let status):
            guard let store else { throw ExecutorError(action: "catalog", underlying: "no state database", isHealthFailure: false) }
            if let status { try store.setBackupStatus(path: path, status: status) } else { try store.deleteBackup(path: path) }
        case .restoreStage(let stage):
            try RestoreStager(fileSystem: fileSystem, owner: resolve(stage.owner)).stage(stage)
        case .exchange(let first, let second):
            try AtomicExchange.exchange(fileSystem.hostPath(first), fileSystem.hostPath(second))
        case .sqlite(let job):
            onSQLite(SQLiteMaintenance.run(job, hostPath: fileSystem.hostPath(job.path)))
        }
        return nil
    }

    private func runHook(_ command: String, directory: String, environment: [String: String]) async throws {
        var variables = environment
        variables["TRADECTL_RELEASE_DIR"] = directory
        // Hooks may call tradectl: they inherit the project lock this process holds.
        variables[ProjectLock.inheritVariable] = "\(getpid())"
        let result = try await launcher.run(
            Command("/bin/sh", ["-c", command], workingDirectory: fileSystem.hostPath(directory), environment: variables))
        guard result.succeeded else { throw CommandFailure(command: command, result: result) }
    }

    private func ensureParent(of path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if fileSystem.info(parent) == nil { try fileSystem.makeDirectory(parent, mode: 0o755, owner: nil) }
    }

    /// Owner names → ids, looked up when applied (the account may be created earlier in the plan).
    /// A name that is no account but a number is taken as an id, as chown(1) does (an existing
    /// file's owner is kept that way). Under `--root` the account may not exist on this machine;
    /// ownership is then left alone.
    private func resolve(_ owner: OwnerSpec?) -> Ownership? {
        guard let owner else { return nil }
        guard let uid = getpwnam(owner.user).map({ $0.pointee.pw_uid }) ?? UInt32(owner.user),
            let gid = getgrnam(owner.group).map({ $0.pointee.gr_gid }) ?? UInt32(owner.group)
        else { return nil }
        return Ownership(uid: uid, gid: gid)
    }
}

/// Carries restart counters out of the health gate.
public final class RestartBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [String: Int]?
    func set(_ restarts: [String: Int]) { lock.withLock { value = restarts } }
    public func get() -> [String: Int]? { lock.withLock { value } }
}

/// A command run by the Executor (build hook, systemd-sysusers) that exited non-zero.
public struct CommandFailure: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var result: CommandResult
    public var description: String {
        let how = result.signaled ? "was killed by signal \(result.status)" : "exited \(result.status)"
        let tail = result.tail()
        return "`\(command)` \(how)" + (tail.isEmpty ? "" : "\n" + tail)
    }
}
