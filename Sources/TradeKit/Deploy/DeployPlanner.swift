import Foundation

/// A deploy that cannot be planned (e.g. an existing release with other content): exit 65.
public struct DeployPlanError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
    public var message: String
    public var description: String { message }
}

/// Builds the deploy plan: a pure function of config, request and survey.
///
/// Order matters for crash safety: the new release is complete (metadata written last)
/// before `current` moves, and units are installed before the manager is told.
public struct DeployPlanner: Sendable {
    public var deployment: Deployment
    public var request: DeployRequest
    public var layout: DeployLayout
    public var survey: DeploySurvey

    public init(deployment: Deployment, request: DeployRequest, layout: DeployLayout, survey: DeploySurvey) {
        self.deployment = deployment
        self.request = request
        self.layout = layout
        self.survey = survey
    }

    var isSystem: Bool { deployment.project.scope == .system }
    var owner: OwnerSpec? { isSystem ? OwnerSpec(user: deployment.project.user, group: deployment.project.group) : nil }
    var version: String { request.version ?? String(survey.source.digest.prefix(12)) }
    var managerReachable: Bool { survey.unitStatuses != nil }

    public func plan() throws -> Plan {
        var plan = Plan(command: request.command)
        planAccounts(&plan)
        planDirectories(&plan)
        let releaseIsNew = try planRelease(&plan)
        let configChanged = planInstalledConfig(&plan)
        planLogRotation(&plan)
        let unitChanges = planUnits(&plan)
        planScheduleGaps(&plan)
        let switched = planCurrent(&plan)
        planManager(
            &plan, unitFilesChanged: unitChanges, releaseChanged: switched || releaseIsNew, configChanged: configChanged
        )
        planPrune(&plan)
        plan.notes += receiverSecretNotes()
        return plan
    }

    /// A receiver a route uses whose secret variable the alerts' env file does not set fails
    /// every delivery: say so now, by name, rather than at the first incident.
    func receiverSecretNotes() -> [String] {
        guard let keys = survey.alertsEnvKeys, let envFile = deployment.alerts.envFile else { return [] }
        let routed = Set(deployment.alerts.routes.flatMap(\.receivers))
        return deployment.alerts.receivers.filter { routed.contains($0.name) }.flatMap { receiver in
            receiver.secretVariables.filter { !keys.contains($0) }.map {
                "receiver \(receiver.name): \($0) is not set in shared/\(envFile); its alerts fail until it is "
                    + "(tradectl secrets set \($0))"
            }
        }
    }

    // MARK: accounts and directories

    private func planAccounts(_ plan: inout Plan) {
        guard isSystem else { return }
        let project = deployment.project
        let content = ServiceAccounts(project).sysusersContent
        planFile(&plan, path: layout.sysusersFile, content: Data(content.utf8), mode: 0o644, owner: nil)
        if !survey.accountsExist {
            plan.add(
                .sysusers(file: layout.sysusersFile), .run,
                note: "user \(project.user) or group \(project.group) missing")
        } else if request.offline {
            plan.notes.append("offline install: systemd-sysusers creates \(project.user) on the target's next boot")
        }
    }

    private func planDirectories(_ plan: inout Plan) {
        planDirectory(&plan, layout.root, mode: 0o755, owner: nil)
        planDirectory(&plan, layout.releases, mode: 0o755, owner: nil)
        planDirectory(&plan, layout.shared, mode: 0o750, owner: owner)
        for shared in deployment.releases.shared where shared.isDirectory {
            planDirectory(&plan, layout.shared(shared.path), mode: 0o750, owner: owner)
        }
        planDirectory(&plan, layout.stateDir, mode: 0o700, owner: nil)
        planDirectory(&plan, layout.backupDir, mode: 0o700, owner: nil)
    }

    /// The config tradectl's own units read, installed where no checkout can move it, and the
    /// secrets env file beside it (content never shown). Written before the units that name it.
    /// True when an installed config is there and its text changes: the monitor, which reads it
    /// once at start, must then restart to see new routes, receivers or thresholds.
    private func planInstalledConfig(_ plan: inout Plan) -> Bool {
        planDirectory(&plan, layout.installedConfigDirectory, mode: isSystem ? 0o755 : 0o700, owner: nil)
        let content = Data(InstalledConfig.text(deployment, installedAt: layout.installedConfig).utf8)
        planFile(&plan, path: layout.installedConfig, content: content, mode: 0o644, owner: nil)
        let existing = survey.contents[layout.installedConfig]
        let changed = existing != nil && existing != content
        if let secrets = InstalledConfig.secrets(deployment) {
            planFile(
                &plan, path: layout.installedSecrets, content: Data(secrets.utf8), mode: 0o600, owner: nil, secret: true
            )
        } else if survey.paths[layout.installedSecrets] != nil {
            plan.add(.remove(path: layout.installedSecrets), .delete, note: "the config has no secrets any more")
        }
        return changed
    }

    func planDirectory(_ plan: inout Plan, _ path: String, mode: UInt32, owner: OwnerSpec?) {
        guard let info = survey.paths[path] else {
            plan.add(.directory(path: path, mode: mode, owner: owner), .create)
            return
        }
        let change: ChangeKind = info.kind == .directory && info.mode == mode ? .unchanged : .update
        let note = change == .update ? "mode \(String(info.mode, radix: 8)) → \(String(mode, radix: 8))" : nil
        plan.add(.directory(path: path, mode: mode, owner: owner), change, note: note)
    }

    // MARK: files

    /// Adds a file action with a unified diff; secret files say that they change, not how.
    func planFile(
        _ plan: inout Plan, path: String, content: Data, mode: UInt32, owner: OwnerSpec?, secret: Bool = false
    ) {
        let existing = survey.contents[path]
        let info = survey.paths[path]
        let change: ChangeKind
        if info == nil {
            change = .create
        } else if existing != content || info?.mode != mode || info?.kind != .file {
            change = .update
        } else {
            change = .unchanged
        }
        var diff: String?
        if change != .unchanged {
            if secret {
                diff = "(secret file: content not shown)"
            } else if existing != content {
                diff = UnifiedDiff.make(
                    old: existing.map { String(decoding: $0, as: UTF8.self) },
                    new: String(decoding: content, as: UTF8.self),
                    path: path)
            }
        }
        let note =
            change == .update && existing == content
            ? "mode \(String(info?.mode ?? 0, radix: 8)) → \(String(mode, radix: 8))" : nil
        plan.add(
            .file(path: path, content: content, mode: mode, owner: owner, secret: secret), change, note: note,
            diff: diff)
    }

    func planLink(_ plan: inout Plan, path: String, target: String, note: String? = nil) -> Bool {
        let info = survey.paths[path]
        if info?.kind == .symlink && info?.linkTarget == target {
            plan.add(.symlink(path: path, target: target), .unchanged)
            return false
        }
        plan.add(.symlink(path: path, target: target), info == nil ? .create : .update, note: note)
        return true
    }
}
