import Foundation

/// Plans a restore from the live state (and the manifest, when it was verified first). Pure.
///
/// Order: verify and stage the new `shared/` tree next to the live one in one read of the
/// archive (refusing anything unsafe), stop the services, swap the trees in one
/// `renameat2(RENAME_EXCHANGE)`, keep the swapped-out tree as the pre-restore safety copy,
/// start, wait for health, prune old safety copies.
public struct RestorePlanner: Sendable {
    public var deployment: Deployment
    public var layout: DeployLayout
    /// The manifest, when the archive was verified before planning (`--dry-run`, a fresh
    /// host); otherwise the stager verifies it while it stages and the changes are known then.
    public var manifest: BackupManifest?
    public var source: RestoreSource
    public var only: [String]
    public var survey: RestoreSurvey
    public var now: Date
    public var offline: Bool

    public init(
        deployment: Deployment, layout: DeployLayout, manifest: BackupManifest?, source: RestoreSource,
        only: [String], survey: RestoreSurvey, now: Date, offline: Bool
    ) {
        self.deployment = deployment
        self.layout = layout
        self.manifest = manifest
        self.source = source
        self.only = only
        self.survey = survey
        self.now = now
        self.offline = offline
    }

    /// SQLite sidecars are never restored or kept: a stale -wal would be replayed into the restored DB.
    static func isSidecar(_ path: String) -> Bool {
        path.hasSuffix("-wal") || path.hasSuffix("-shm") || path.hasSuffix("-journal")
    }

    /// The restored scope, relative to `shared/`: `--only` paths, else the backup's databases and paths.
    public var scope: [String] {
        only.isEmpty ? deployment.backup.databases + deployment.backup.paths : only
    }

    static func inScope(_ path: String, _ scope: [String]) -> Bool {
        scope.contains { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : "\($0)/") }
    }

    /// Nil until the archive is read: a restore that verifies while it stages.
    public func changes() -> RestoreChanges? {
        manifest.map { RestoreChanges(manifest: $0, current: survey.current, scope: scope) }
    }

    public var staging: String { "\(layout.root)/.restore-\(BackupSpec.timestamp(now))" }

    /// Same file system as `shared/` (the swapped-out tree is renamed there, never copied);
    /// named by the time, with a suffix should a restore in the same second have taken it.
    public var safetyCopy: String {
        let stamp = BackupSpec.timestamp(now)
        let name =
            ([stamp] + (2...99).map { "\(stamp)-\($0)" }).first { !survey.takenSafetyCopyNames.contains($0) } ?? stamp
        return "\(layout.root)/pre-restore/\(name)"
    }

    public var services: [String] {
        deployment.components.filter { $0.kind == .service }.map { UnitNames.service(deployment.project.name, $0.name) }
    }

    var owner: OwnerSpec? {
        deployment.project.scope == .system
            ? OwnerSpec(user: deployment.project.user, group: deployment.project.group) : nil
    }

    public func plan() -> Plan {
        var plan = Plan(command: "restore")
        for leftover in survey.leftovers {
            plan.add(.remove(path: leftover), .delete, note: "left by an interrupted restore")
        }
        if survey.fresh { planFreshHost(&plan) }
        let stage = RestoreStage(
            source: source, shared: layout.shared, staging: staging, scope: scope, only: only, current: survey.current,
            owner: owner, limits: ArchiveLimits(deployment.backup), project: deployment.project.name)
        let note =
            changes().map {
                "\($0.added.count) added, \($0.changed.count) changed, \($0.removed.count) removed"
            } ?? "verified entry by entry as it is staged, in one read"
        plan.add(.restoreStage(stage, changes: changes()), .create, note: note)
        let active = services.filter { survey.serviceStates?[$0]?.activeState == "active" }
        if !offline, !services.isEmpty, survey.serviceStates != nil {
            if !active.isEmpty { plan.add(.systemctl(.stop, units: active), .run, note: "honours each stop timeout") }
        }
        plan.add(.exchange(first: "\(staging)/shared", second: layout.shared), .update, note: "atomic swap of shared/")
        let reachable = !offline && survey.serviceStates != nil
        let keeping = !survey.fresh && deployment.backup.keepPreRestore > 0
        plan.compensateFailuresAfterLastAction(reason: "the previous shared/ is swapped back") { undo in
            // Before the restart, which may fail again (a full disk): the rejected tree is
            // removed with it, not left behind.
            undo.add(.swapBack(shared: layout.shared, staging: staging, copy: safetyCopy), .update, note: "swap back")
            if reachable, !services.isEmpty { undo.add(.systemctl(.restart, units: services), .run) }
        }
        if keeping {
            plan.add(
                .keepSafetyCopy(
                    staging: staging,
                    entry: SafetyCopyEntry(path: safetyCopy, created: now, restoredFrom: source.path, scope: scope)),
                .create, note: "the replaced shared/, kept for an undo (`tradectl restore --undo`)")
        }
        if !offline, !services.isEmpty, survey.serviceStates != nil {
            plan.add(.systemctl(.start, units: services), .run)
            let targets = deployment.components.filter { $0.kind == .service }.map {
                HealthGateSpec.Target(
                    component: $0.name, unit: UnitNames.service(deployment.project.name, $0.name),
                    probes: ProbeSpec.of($0, root: layout.root))
            }
            plan.add(
                .waitHealthy(HealthGateSpec(targets: targets, timers: [], timeout: deployment.deploy.healthTimeout)),
                .run)
        } else if !offline {
            plan.notes.append("no service manager reachable: services were not stopped or started")
        }
        if keeping {
            for old in survey.safetyCopies.dropFirst(deployment.backup.keepPreRestore - 1) {
                plan.add(.dropSafetyCopy(old.path), .delete, note: "safety copy beyond backup.keep_pre_restore")
            }
        } else {
            plan.add(
                .remove(path: staging), .delete, note: survey.fresh ? "the empty tree swapped out" : "the replaced tree"
            )
        }
        if survey.fresh {
            plan.notes.append(
                "fresh host: no live data, no safety copy; `tradectl deploy` installs and starts the services")
        }
        return plan
    }

    /// No `shared/` yet (disaster recovery on a new host): the service account first, so the
    /// staged files get their owner, then an empty `shared/` for the atomic swap to replace.
    /// Nothing live exists to back up, stop or start.
    private func planFreshHost(_ plan: inout Plan) {
        if deployment.project.scope == .system {
            let accounts = ServiceAccounts(deployment.project)
            plan.add(
                .file(
                    path: layout.sysusersFile, content: Data(accounts.sysusersContent.utf8), mode: 0o644, owner: nil,
                    secret: false), .create)
            if !survey.accountsExist {
                plan.add(
                    .sysusers(file: layout.sysusersFile), .run,
                    note: "user \(deployment.project.user) owns the restored files")
            }
        }
        plan.add(.directory(path: layout.root, mode: 0o755, owner: nil), .create)
        plan.add(
            .directory(path: layout.shared, mode: 0o750, owner: owner), .create,
            note: "empty, swapped for the restored tree")
    }
}

/// Where the restored files come from.
public enum RestoreSource: Sendable, Equatable {
    /// An archive, by its path on this host (not under `--root`: it was resolved already).
    case archive(String)
    /// A safety copy (`<root>/pre-restore/<time>`, a target path): `restore --undo`.
    case safetyCopy(String)

    public var path: String {
        switch self {
        case .archive(let path), .safetyCopy(let path): path
        }
    }
}

/// How to build the staged `shared/` tree; applied by the Executor.
public struct RestoreStage: Sendable, Equatable {
    public var source: RestoreSource
    public var shared: String
    public var staging: String
    public var scope: [String]
    /// `--only` paths, each of which the archive must hold.
    public var only: [String]
    /// The live in-scope files (path → SHA-256), for what the restore changes.
    public var current: [String: String]
    public var owner: OwnerSpec?
    public var limits: ArchiveLimits
    public var project: String
}
