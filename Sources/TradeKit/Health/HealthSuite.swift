import Foundation

/// Builds the checks of a deployment from its config, and the facts they need (catalog,
/// current release, previous restart counters), all read before any check runs.
public struct HealthSuite: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    public var launcher: ProcessLauncher
    /// Asked by the unit and timer checks and the monitor's recovery; one connection for the
    /// suite's life, so a monitor cycle does not reconnect.
    public var services: ServiceManager
    public var now: Date

    /// `services` nil: `ServiceManagers.connect` for the project's scope and `environment`.
    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String],
        launcher: ProcessLauncher = SubprocessLauncher(), services: ServiceManager? = nil, now: Date = Date()
    ) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.launcher = launcher
        self.services =
            services
            ?? ServiceManagers.connect(scope: deployment.project.scope, environment: environment, launcher: launcher)
        self.now = now
    }

    /// Every check's name, for `--check` and the docs: from `CheckKind`, not a second list.
    public static var names: [String] { CheckKind.allCases.map(\.rawValue) }

    var layout: DeployLayout { DeployLayout(deployment, environment: environment) }

    /// Every check, or only those named.
    public func checks(only: Set<String> = [], history: HealthHistory) -> [Check] {
        let project = deployment.project
        let timeout = deployment.health.timeout.duration
        let manager = services
        var checks: [Check] = []
        let services = deployment.components.filter { $0.kind == .service }
            .map { (component: $0.name, unit: UnitNames.service(project.name, $0.name)) }
        if !services.isEmpty {
            var check = UnitCheck(
                timeout: timeout, services: services, manager: manager, previousRestarts: history.restarts)
            for component in deployment.components where component.kind == .service && component.hasScheduledRestart {
                check.restartHelpers[UnitNames.service(project.name, component.name)] =
                    UnitNames.restartService(project.name, component.name)
            }
            checks.append(check)
        }
        let oneshots = deployment.components.filter { $0.kind == .oneshot }.map {
            (
                component: $0.name, timer: UnitNames.timer(project.name, $0.name),
                service: UnitNames.service(project.name, $0.name), schedule: $0.schedule ?? ""
            )
        }
        if !oneshots.isEmpty {
            checks.append(
                TimerCheck(
                    timeout: timeout, oneshots: oneshots, manager: manager, grace: deployment.health.timerGrace.seconds,
                    now: now, recordedGaps: history.scheduleGaps, launcher: launcher))
        }
        for component in deployment.components {
            if let url = component.probes.http {
                checks.append(HTTPCheck(timeout: timeout, component: component.name, url: url))
            }
            for probe in ProbeSpec.of(component, root: project.root) {
                switch probe {
                case .tcp(let host, let port):
                    checks.append(TCPCheck(timeout: timeout, component: component.name, host: host, port: port))
                case .heartbeat(let path, let maxAge):
                    checks.append(
                        HeartbeatCheck(
                            timeout: timeout, component: component.name, path: path, maxAge: maxAge,
                            fileSystem: fileSystem, now: now))
                case .http: break
                }
            }
        }
        var databases = deployment.backup.databases
        for component in deployment.components {
            if let db = component.probes.sqlite, !databases.contains(db) { databases.append(db) }
        }
        for database in databases {
            // Only backup.databases are remembered by archives; a probes.sqlite database of a
            // service must exist once the service runs, so it is never "not created yet".
            let mayBeNew =
                deployment.backup.databases.contains(database) && !history.knownDatabases.contains(database)
                && !deployment.components.contains { $0.kind == .service && $0.probes.sqlite == database }
            checks.append(
                SQLiteCheck(
                    timeout: timeout, target: database, path: fileSystem.hostPath(layout.shared(database)),
                    expectWAL: true,
                    mayNotExistYet: mayBeNew))
        }
        checks.append(
            DiskCheck(
                timeout: timeout,
                paths: [
                    ("data", fileSystem.hostPath(layout.shared)),
                    ("backup", fileSystem.hostPath(deployment.backup.dir)),
                ],
                warnPercent: deployment.health.diskWarnPercent, critPercent: deployment.health.diskCritPercent))
        checks.append(
            MemoryCheck(
                timeout: timeout, warnPercent: deployment.health.memoryWarnPercent,
                critPercent: deployment.health.memoryCritPercent))
        checks.append(
            JournalErrorCheck(
                timeout: timeout, units: unitsForJournal, patterns: deployment.health.errorPatterns,
                warnPerHour: deployment.health.errorsWarnPerHour, critPerHour: deployment.health.errorsCritPerHour,
                now: now, formats: journalFormats))
        checks.append(
            BackupFreshnessCheck(
                timeout: timeout, catalog: history.catalog, maxAge: deployment.health.backupMaxAge, now: now,
                deployedAt: history.firstDeployedAt, lastRun: history.lastBackupRun,
                stateUnusable: history.stateUnusable))
        let offsite = deployment.backup.offsite
        if offsite.enabled {
            checks.append(
                OffsiteCheck(
                    timeout: timeout, remote: offsite.label, copies: history.offsiteCopies, catalog: history.catalog,
                    maxAge: offsite.maxAge, now: now))
        }
        let envFiles = Set(deployment.components.compactMap(\.envFile)).sorted().map { layout.shared($0) }
        if !envFiles.isEmpty {
            checks.append(
                SecretsCheck(
                    timeout: timeout, files: envFiles, owner: project.scope == .system ? project.user : nil,
                    fileSystem: fileSystem))
        }
        checks.append(KillSwitchCheck(timeout: timeout, path: deployment.killSwitch.file, fileSystem: fileSystem))
        checks.append(ReleaseCheck(timeout: timeout, current: history.current, recorded: history.recordedRelease))
        return only.isEmpty ? checks : checks.filter { only.contains($0.name) }
    }

    var unitsForJournal: [String] {
        let project = deployment.project.name
        return deployment.components.map { UnitNames.service(project, $0.name) }
    }

    /// The services of components that declare a `log_format` other than plain, and that
    /// format: the journal check and the monitor judge their lines by the level they state.
    var journalFormats: [String: LineFormat] { LogUnits.formats(for: deployment) }

    /// Facts from the state DB and the disk that checks compare against.
    public func history() -> HealthHistory {
        let store =
            fileSystem.info(layout.stateDatabase) == nil
            ? nil : try? StateStore(path: fileSystem.hostPath(layout.stateDatabase))
        return history(store: store)
    }

    /// The same facts from an already open state DB (the monitor keeps one open).
    public func history(store: StateStore?) -> HealthHistory {
        var history = HealthHistory()
        if let link = fileSystem.info(layout.current)?.linkTarget, link.hasPrefix("releases/") {
            history.current = String(link.dropFirst("releases/".count))
        }
        guard let store else { return history }
        history.catalog = (try? store.backups()) ?? []
        if deployment.backup.offsite.enabled {
            history.offsiteCopies = (try? store.offsiteCopies(remote: deployment.backup.offsite.label)) ?? []
        }
        history.recordedRelease = (try? store.lastSuccessfulDeploy())??.version
        history.restarts = (try? store.lastHealthRestarts()) ?? [:]
        history.knownDatabases = (try? store.knownDatabases()) ?? []
        history.firstDeployedAt = (try? store.firstSuccessfulDeployAt()) ?? nil
        history.scheduleGaps = (try? store.scheduleGaps()) ?? [:]
        history.lastBackupRun = (try? store.lastAudit(command: "backup")) ?? nil
        return history
    }
}

/// What the previous runs and the state DB know.
public struct HealthHistory: Sendable {
    public var catalog: [CatalogEntry] = []
    public var current: String?
    public var recordedRelease: String?
    public var restarts: [String: Int] = [:]
    /// Databases some archive has held; a missing one that is not here was never created.
    public var knownDatabases: Set<String> = []
    /// The first successful deploy here: before any backup, the schedule has had this long.
    public var firstDeployedAt: Date?
    /// The longest gap of each oneshot schedule, recorded by `deploy` (spec → seconds).
    public var scheduleGaps: [String: TimeInterval] = [:]
    /// Copies on the configured off-site target, newest first.
    public var offsiteCopies: [OffsiteCopy] = []
    /// The audit row of the last `backup` run (scheduled or by hand): a failure shows in health.
    public var lastBackupRun: AuditEntry?
    /// Why the state database could not be opened (damaged, locked): the backup check says so.
    public var stateUnusable: String?
    public init() {}
}
