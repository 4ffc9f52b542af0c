import Foundation

/// How an action changes its target; `unchanged` actions are shown but not applied.
public enum ChangeKind: String, Sendable, Codable { case create, update, delete, run, unchanged }

/// Who should own a created path. Names are resolved when the Executor applies the
/// action, because the plan may create the account a few steps earlier.
public struct OwnerSpec: Sendable, Equatable {
    public var user: String
    public var group: String
}

/// What an action does. Every side effect tradectl has is one of these cases.
public enum Operation: Sendable {
    case directory(path: String, mode: UInt32, owner: OwnerSpec?)
    case file(path: String, content: Data, mode: UInt32, owner: OwnerSpec?, secret: Bool)
    case symlink(path: String, target: String)
    case remove(path: String)
    /// Copies the release source into a fresh release directory.
    case copyRelease(source: String, release: String, skip: Set<String>, owner: OwnerSpec?)
    /// Runs a hook with `/bin/sh -c` inside the new release; `environment` holds the
    /// `TRADECTL_*` variables hooks are documented to get.
    case hook(command: String, directory: String, environment: [String: String])
    /// Marks a release complete; only complete releases can become `current`.
    case finalizeRelease(release: String, metadata: ReleaseMetadata)
    /// Creates the system user and group through systemd-sysusers.
    case sysusers(file: String)
    case systemctl(verb: String, units: [String])
    /// Waits until services are active and their probes pass.
    case waitHealthy(HealthGateSpec)
    /// Writes one backup archive (snapshots, archive, fsync, rename, catalog).
    case archive(BackupSpec)
    /// Sets a catalog row's status, or forgets the row (`status == nil`).
    case catalog(path: String, status: String?)
    /// Builds the restored `shared/` tree in a staging directory.
    case restoreStage(RestoreStage)
    /// Swaps two trees atomically.
    case exchange(first: String, second: String)
    /// Database maintenance (`tradectl db optimize|vacuum`); the Executor hands the result to `onSQLite`.
    case sqlite(SQLiteJob)

    /// The stable `type` of `--json` output.
    public var typeName: String {
        switch self {
        case .directory: return "directory"
        case .file: return "file"
        case .symlink: return "symlink"
        case .remove: return "remove"
        case .copyRelease: return "release"
        case .hook: return "hook"
        case .finalizeRelease: return "finalize"
        case .sysusers: return "accounts"
        case .systemctl(let verb, _): return "systemctl.\(verb)"
        case .waitHealthy: return "health-gate"
        case .archive: return "archive"
        case .catalog: return "catalog"
        case .restoreStage: return "restore-stage"
        case .exchange: return "exchange"
        case .sqlite(let job): return "sqlite.\(job.task.rawValue)"
        }
    }

    /// The path or units the action is about.
    public var target: String {
        switch self {
        case .directory(let path, _, _), .file(let path, _, _, _, _), .symlink(let path, _), .remove(let path):
            return path
        case .copyRelease(_, let release, _, _): return release
        case .hook(let command, _, _): return command
        case .finalizeRelease(let release, _): return release
        case .sysusers(let file): return file
        case .systemctl(_, let units): return units.joined(separator: " ")
        case .waitHealthy(let spec): return spec.units.joined(separator: " ")
        case .archive(let spec): return spec.archivePath
        case .catalog(let path, _): return path
        case .restoreStage(let stage): return "\(stage.staging)/shared"
        case .exchange(let first, let second): return "\(second) ⇄ \(first)"
        case .sqlite(let job): return job.path
        }
    }
}

/// One step of a plan: an operation, how it changes its target, and (for files) a diff.
public struct Action: Sendable {
    public var operation: Operation
    public var change: ChangeKind
    /// Why the action is there, for humans ("unit file changed", "release is new").
    public var note: String?
    /// Unified diff against disk, secrets already redacted.
    public var diff: String?

    public init(_ operation: Operation, change: ChangeKind, note: String? = nil, diff: String? = nil) {
        self.operation = operation
        self.change = change
        self.note = note
        self.diff = diff
    }
}

/// An ordered list of actions: exactly what `--dry-run` prints and the Executor applies.
public struct Plan: Sendable {
    public var command: String
    public var actions: [Action]
    /// Facts the operator should know that are not actions (e.g. "units installed but not started").
    public var notes: [String]

    public init(command: String, actions: [Action] = [], notes: [String] = []) {
        self.command = command
        self.actions = actions
        self.notes = notes
    }

    public var changes: [Action] { actions.filter { $0.change != .unchanged } }
    public var isEmpty: Bool { changes.isEmpty }

    public mutating func add(_ operation: Operation, _ change: ChangeKind, note: String? = nil, diff: String? = nil) {
        actions.append(Action(operation, change: change, note: note, diff: diff))
    }
}
