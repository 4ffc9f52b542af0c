import Foundation

/// Plans a restore from a verified manifest and the live state. Pure.
///
/// Order: stage the new `shared/` tree next to the live one (refusing anything unsafe),
/// take a pre-restore backup, stop the services, swap the trees in one
/// `renameat2(RENAME_EXCHANGE)`, start, wait for health, then remove the old tree.
public struct RestorePlanner: Sendable {
    public var deployment: Deployment
    public var layout: DeployLayout
    public var manifest: BackupManifest
    public var archive: String
    public var only: [String]
    public var survey: RestoreSurvey
    public var now: Date
    public var offline: Bool
    public var preRestoreBackup: BackupSpec?

    public init(
        deployment: Deployment, layout: DeployLayout, manifest: BackupManifest, archive: String, only: [String],
        survey: RestoreSurvey, now: Date, offline: Bool, preRestoreBackup: BackupSpec?
    ) {
        self.deployment = deployment
        self.layout = layout
        self.manifest = manifest
        self.archive = archive
        self.only = only
        self.survey = survey
        self.now = now
        self.offline = offline
        self.preRestoreBackup = preRestoreBackup
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

    public func changes() -> RestoreChanges {
        let restored = manifest.files.filter { $0.path.hasPrefix("shared/") }
            .map { (String($0.path.dropFirst("shared/".count)), $0.sha256) }
            .filter { Self.inScope($0.0, scope) }
        var added: [String] = []
        var changed: [String] = []
        var unchanged: [String] = []
        for (path, sha) in restored {
            switch survey.current[path] {
            case nil: added.append(path)
            case sha?: unchanged.append(path)
            default: changed.append(path)
            }
        }
        let restoredPaths = Set(restored.map(\.0))
        let removed = survey.current.keys.filter { !restoredPaths.contains($0) }.sorted()
        return RestoreChanges(
            added: added.sorted(), changed: changed.sorted(), removed: removed, unchanged: unchanged.sorted())
    }

    public var staging: String { "\(layout.root)/.restore-\(BackupSpec.timestamp(now))" }

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
        let changes = changes()
        var stage = RestoreStage(
            archive: archive, shared: layout.shared, staging: staging, scope: scope,
            owner: owner, limits: ArchiveLimits(deployment.backup), project: deployment.project.name)
        stage.walDatabases = Set(manifest.files.filter { $0.kind == .database && $0.journalMode == "wal" }.map(\.path))
        plan.add(
            .restoreStage(stage, changes: changes), .create,
            note: "\(changes.added.count) added, \(changes.changed.count) changed, \(changes.removed.count) removed")
        if let preRestoreBackup {
            plan.add(.archive(preRestoreBackup), .create, note: "pre-restore backup of the live state")
        }
        let active = services.filter { survey.serviceStates?[$0]?.activeState == "active" }
        if !offline, !services.isEmpty, survey.serviceStates != nil {
            if !active.isEmpty { plan.add(.systemctl(.stop, units: active), .run, note: "honours each stop timeout") }
        }
        plan.add(.exchange(first: "\(staging)/shared", second: layout.shared), .update, note: "atomic swap of shared/")
        let reachable = !offline && survey.serviceStates != nil
        plan.compensateFailuresAfterLastAction(reason: "the previous shared/ is swapped back") { undo in
            undo.add(.exchange(first: "\(staging)/shared", second: layout.shared), .update, note: "swap back")
            // Before the restart, which may fail again (a full disk): the rejected tree is not left behind.
            undo.add(.remove(path: staging), .delete, note: "the rejected restored tree")
            if reachable, !services.isEmpty { undo.add(.systemctl(.restart, units: services), .run) }
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
        plan.add(
            .remove(path: staging), .delete, note: survey.fresh ? "the empty tree swapped out" : "the replaced tree")
        if survey.fresh {
            plan.notes.append(
                "fresh host: no live data, no pre-restore backup; `tradectl deploy` installs and starts the services")
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

/// How to build the staged `shared/` tree; applied by the Executor.
public struct RestoreStage: Sendable, Equatable {
    /// Path of the archive on this host (not under `--root`: it was resolved already).
    public var archive: String
    public var shared: String
    public var staging: String
    public var scope: [String]
    public var owner: OwnerSpec?
    public var limits: ArchiveLimits
    public var project: String
    /// Archive paths (`shared/…`) of the databases to put back in WAL mode, per the manifest.
    public var walDatabases: Set<String> = []
}
