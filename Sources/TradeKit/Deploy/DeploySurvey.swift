import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Everything `deploy` needs to know about the machine, gathered read-only before planning.
public struct DeploySurvey: Sendable {
    /// A release directory on disk: complete (with metadata) or left half-done by a crash.
    public enum ReleaseState: Sendable, Equatable {
        case complete(ReleaseMetadata)
        case incomplete
    }

    public var source: SourceTree
    public var releases: [String: ReleaseState]
    /// The version `current` points at, if it points at a release directory.
    public var current: String?
    /// Existing state of every path the plan may write (files, dirs, links).
    public var paths: [String: FileInfo]
    /// Current content of unit files and other text files the plan may rewrite.
    public var contents: [String: Data]
    /// Unit files in the unit directory that belong to this project.
    public var installedUnits: [String]
    /// Seed content for shared files missing in `shared/`, read from the source.
    public var seeds: [String: Data]
    /// `nil` when no service manager was asked (offline, or unreachable with --no-start).
    public var unitStatuses: [String: UnitStatus]?
    public var accountsExist: Bool
    public var units: [UnitFile]
    /// The release `rollback` would return to; never pruned.
    public var rollbackTarget: String? = nil
    /// The kill switch file exists (trading components are not started).
    public var halted: Bool = false
    /// The longest gap between runs of each oneshot's schedule (spec → seconds), from
    /// `systemd-analyze calendar`: read here so that health and the monitor never start it.
    public var scheduleGaps: [String: TimeInterval] = [:]
    /// Schedules `systemd-analyze` gave no gap for (missing on this host, or it failed): why.
    public var scheduleGapProblems: [String: String] = [:]
    /// The gaps the state database holds (empty: none yet, or no database).
    public var storedScheduleGaps: [String: TimeInterval] = [:]
    /// The variable names (never values) set in `alerts.env_file`, or in its seed when the
    /// file is not there yet; nil without an `env_file`.
    public var alertsEnvKeys: Set<String>? = nil

    /// Reads the machine. Only reads: the file system, `systemctl show`, the passwd database,
    /// `systemd-analyze calendar` (a host tool, run even under `--root`).
    public static func gather(
        deployment: Deployment, request: DeployRequest, layout: DeployLayout, fileSystem: FileSystem,
        services: ServiceManager?, units: [UnitFile], state: StateDatabase? = nil,
        launcher: ProcessLauncher = SubprocessLauncher()
    ) async throws -> DeploySurvey {
        let sharedPaths = Set(deployment.releases.shared.map(\.path))
        let source = try SourceTree.scan(
            root: request.sourceTree(deployment), exclude: deployment.releases.exclude, skip: sharedPaths)

        var releases: [String: ReleaseState] = [:]
        for name in fileSystem.list(layout.releases) where !name.hasPrefix(".") {
            let metadataPath = "\(layout.release(name))/\(ReleaseMetadata.fileName)"
            if let data = fileSystem.read(metadataPath), let metadata = ReleaseMetadata.decode(data) {
                releases[name] = .complete(metadata)
            } else {
                releases[name] = .incomplete
            }
        }
        var current: String?
        if let link = fileSystem.info(layout.current)?.linkTarget, link.hasPrefix("releases/") {
            current = String(link.dropFirst("releases/".count))
        }

        var watched = [
            layout.root, layout.releases, layout.shared, layout.stateDir, layout.backupDir, layout.current,
            layout.sysusersFile, layout.units.path,
        ]
        watched += deployment.releases.shared.map { layout.shared($0.path) }
        var contents: [String: Data] = [:]
        for unit in units {
            watched.append(layout.units.file(unit.name))
            if case .start(let target) = unit.activation {
                watched.append(layout.units.wantsLink(unit.name, target: target))
            }
            if let data = fileSystem.read(layout.units.file(unit.name)) {
                contents[layout.units.file(unit.name)] = data
            }
        }
        for path in [layout.sysusersFile, layout.installedConfig, layout.installedSecrets, layout.logrotateConfig] {
            if let data = fileSystem.read(path) { contents[path] = data }
        }
        watched += [layout.installedConfigDirectory, layout.installedConfig, layout.installedSecrets]
        watched += [layout.logrotateConfig, (layout.logrotateConfig as NSString).deletingLastPathComponent]
        let installed = fileSystem.list(layout.units.path).filter { UnitNames.belongs($0, to: deployment.project.name) }
        for unit in installed {
            for target in ["multi-user.target", "default.target", "timers.target"] {
                watched.append(layout.units.wantsLink(unit, target: target))
            }
        }
        var paths: [String: FileInfo] = [:]
        for path in watched { if let info = fileSystem.info(path) { paths[path] = info } }

        var seeds: [String: Data] = [:]
        for shared in deployment.releases.shared where !shared.isDirectory && paths[layout.shared(shared.path)] == nil {
            if let data = FileManager.default.contents(atPath: "\(request.sourceTree(deployment))/\(shared.path)") {
                seeds[shared.path] = data
            }
        }

        var statuses: [String: UnitStatus]?
        if let services {
            statuses = try await services.status(
                of: units.map(\.name)
                    + installed.filter { name in
                        !units.contains { $0.name == name }
                    })
        }
        let accountsExist = request.offline || ServiceAccounts(deployment.project).exist
        var survey = DeploySurvey(
            source: source, releases: releases, current: current, paths: paths, contents: contents,
            installedUnits: installed, seeds: seeds, unitStatuses: statuses, accountsExist: accountsExist, units: units)
        survey.rollbackTarget = ReleaseHistory(layout: layout, fileSystem: fileSystem, state: state).rollbackTarget(
            current: current, releases: releases)
        survey.halted = fileSystem.info(deployment.killSwitch.file) != nil
        let schedules = Set(deployment.components.filter { $0.kind == .oneshot }.compactMap(\.schedule))
        for spec in schedules.sorted() {
            do {
                survey.scheduleGaps[spec] = try await CalendarSpec.measure(spec, launcher: launcher)
            } catch {
                survey.scheduleGapProblems[spec] = "\(error)"
            }
        }
        survey.storedScheduleGaps = (try state?.existing()?.scheduleGaps()) ?? [:]
        if let envFile = deployment.alerts.envFile {
            let data = fileSystem.read(layout.shared(envFile)) ?? seeds[envFile] ?? Data()
            survey.alertsEnvKeys = Set(EnvFile(String(decoding: data, as: UTF8.self)).keys)
        }
        return survey
    }
}
