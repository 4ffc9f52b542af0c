import Foundation

/// `uninstall --purge` would remove the final backup with the tree holding it (exit 65).
public struct UninstallRefused: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
    public var description: String
}

/// What `uninstall` needs to know: the project's installed units and files, and what it would purge.
public struct UninstallSurvey: Sendable {
    /// Unit files of the project in the unit directory.
    public var units: [String]
    /// Enable links (`*.wants/<unit>`) that exist.
    public var links: [String]
    /// `systemctl show` of `units`; nil when no service manager was asked.
    public var statuses: [String: UnitStatus]?
    /// Which of the files deploy installs outside the root exist (installed config, env, logrotate, sysusers).
    public var files: [String]
    /// Existing paths `--purge` removes: releases, current, shared, then the root and the state directory.
    public var purgeable: [String]
    /// Entries of the root other than releases, current and shared (the root itself is then kept).
    public var rootOthers: [String]
    /// Archives in the backup directory.
    public var archives: [String]

    /// Reads the machine; only reads.
    public static func gather(
        deployment: Deployment, layout: DeployLayout, fileSystem: FileSystem, services: ServiceManager?
    ) async throws -> UninstallSurvey {
        let project = deployment.project.name
        let units = fileSystem.list(layout.units.path).filter { UnitNames.belongs($0, to: project) }.sorted()
        var links: [String] = []
        for unit in units {
            for target in UninstallPlanner.wantedBy {
                let link = layout.units.wantsLink(unit, target: target)
                if fileSystem.info(link) != nil { links.append(link) }
            }
        }
        let files = [layout.installedConfig, layout.installedSecrets, layout.logrotateConfig, layout.sysusersFile]
            .filter { fileSystem.info($0) != nil }
        let purgeable = [layout.releases, layout.current, layout.shared, layout.root, layout.stateDir]
            .filter { fileSystem.info($0) != nil }
        let known: Set<String> = ["releases", "current", "shared"]
        let rootOthers = fileSystem.list(layout.root).filter { !known.contains($0) }.sorted()
        let archives = fileSystem.list(layout.backupDir).filter { $0.contains(".tar.") }.sorted()
        var statuses: [String: UnitStatus]?
        if let services {
            statuses = [:]
            if !units.isEmpty { statuses = try await services.status(of: units) }
        }
        return UninstallSurvey(
            units: units, links: links, statuses: statuses, files: files, purgeable: purgeable,
            rootOthers: rootOthers, archives: archives)
    }
}

/// Plans `uninstall`: a pure function of config, request and survey (and, for `--purge`, the
/// final backup's own plan). Units are stopped (timers first), reset, unlinked and removed before
/// systemd reloads; the files deploy installed outside the root follow. `--purge` backs up first
/// and then removes the root's releases, `current` and `shared/`, the root when nothing else is in
/// it, and the state directory — never the backup directory.
public struct UninstallPlanner: Sendable {
    static let wantedBy = ["multi-user.target", "default.target", "timers.target"]
    static let running: Set<String> = ["active", "activating", "reloading", "deactivating"]

    public var deployment: Deployment
    public var layout: DeployLayout
    public var survey: UninstallSurvey
    public var offline: Bool

    public init(deployment: Deployment, layout: DeployLayout, survey: UninstallSurvey, offline: Bool) {
        self.deployment = deployment
        self.layout = layout
        self.survey = survey
        self.offline = offline
    }

    /// `finalBackup`: the backup plan's actions through writing (and verifying) the archive.
    public func plan(purge: Bool, finalBackup: [Action] = []) throws -> Plan {
        var plan = Plan(command: purge ? "uninstall --purge" : "uninstall")
        if purge {
            try refuseBackupInsidePurge()
            plan.actions += finalBackup
        }
        planUnits(&plan)
        for file in survey.files { plan.add(.remove(path: file), .delete) }
        if purge {
            planPurge(&plan)
        } else {
            let kept = [layout.root, layout.stateDir].filter { survey.purgeable.contains($0) }
            if !kept.isEmpty {
                plan.notes.append(
                    "kept: \(kept.joined(separator: ", ")) (releases, data, history): --purge removes them")
            }
        }
        plan.notes.append(
            "kept: \(layout.backupDir) (\(survey.archives.count + (purge ? 1 : 0)) archive(s)); "
                + "remove it by hand once no longer needed")
        return plan
    }

    private func planUnits(_ plan: inout Plan) {
        guard !survey.units.isEmpty else { return }
        if let statuses = survey.statuses {
            let running = survey.units.filter { Self.running.contains(statuses[$0]?.activeState ?? "") }
            let timers = running.filter { $0.hasSuffix(".timer") }
            // The monitor goes before the services it would otherwise restart as they stop.
            let monitor = running.filter { $0 == UnitNames.own(deployment.project.name, "monitor", "service") }
            let services = running.filter { !$0.hasSuffix(".timer") && !monitor.contains($0) }
            if !timers.isEmpty { plan.add(.systemctl(.stop, units: timers), .run, note: "no run starts meanwhile") }
            if !monitor.isEmpty { plan.add(.systemctl(.stop, units: monitor), .run, note: "no recovery restarts") }
            if !services.isEmpty {
                plan.add(.systemctl(.stop, units: services), .run, note: "graceful: up to TimeoutStopSec each")
            }
            let failed = survey.units.filter { statuses[$0]?.activeState == "failed" }
            if !failed.isEmpty { plan.add(.systemctl(.resetFailed, units: failed), .run) }
        } else {
            plan.notes.append(
                offline
                    ? "offline (--root): unit files removed; nothing stopped (on the target: systemctl daemon-reload)"
                    : "no service manager reachable: units not stopped")
        }
        for link in survey.links { plan.add(.remove(path: link), .delete, note: "disable") }
        for unit in survey.units { plan.add(.remove(path: layout.units.file(unit)), .delete) }
        if survey.statuses != nil { plan.add(.daemonReload, .run) }
    }

    private func planPurge(_ plan: inout Plan) {
        let notes = [
            layout.releases: "every release", layout.current: nil, layout.shared: "data, logs and secrets",
            layout.stateDir: "state.db: release history, catalog, audit",
        ]
        for path in [layout.releases, layout.current, layout.shared] where survey.purgeable.contains(path) {
            plan.add(.remove(path: path), .delete, note: notes[path] ?? nil)
        }
        if survey.purgeable.contains(layout.root) {
            if survey.rootOthers.isEmpty {
                plan.add(.remove(path: layout.root), .delete)
            } else {
                plan.notes.append("kept: \(layout.root) (also holds \(survey.rootOthers.joined(separator: ", ")))")
            }
        }
        if survey.purgeable.contains(layout.stateDir) {
            plan.add(.remove(path: layout.stateDir), .delete, note: notes[layout.stateDir] ?? nil)
        }
    }

    /// The final backup must survive the purge.
    private func refuseBackupInsidePurge() throws {
        let backup = layout.backupDir + "/"
        for path in [layout.releases, layout.shared, layout.stateDir] + (survey.rootOthers.isEmpty ? [layout.root] : [])
        where backup.hasPrefix(path + "/") {
            throw UninstallRefused(
                description: "backup.dir \(layout.backupDir) lies inside \(path), which --purge removes: the final "
                    + "backup would go with it; set backup.dir elsewhere (and run `tradectl backup`) first")
        }
    }
}
