import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `tradectl db NAME` named no configured database (exit 64).
public struct UnknownDatabase: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .usage }
    public var name: String
    public var known: [String]
    public var description: String {
        known.isEmpty
            ? "no databases are configured (backup.databases), so there is no \(name)"
            : "unknown database \(name); configured: \(known.joined(separator: ", "))"
    }
}

/// One configured database: its name in `backup.databases` and its path under `shared/`.
public struct DatabaseTarget: Sendable, Equatable {
    public var name: String
    public var path: String
}

/// `tradectl db check` over the databases: one result per database.
public struct DatabaseCheckReport: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var name: String
        public var path: String
        public var status: SQLiteResult.Outcome
        /// `integrity_check` rows (at most 100 are kept) or why it could not run.
        public var problems: [String]
        public var size: Int
    }

    public var databases: [Entry]
    public var ok: Bool { databases.allSatisfy { $0.status == .ok } }

    enum CodingKeys: String, CodingKey { case databases, ok }

    public init(databases: [Entry]) { self.databases = databases }

    public init(from decoder: Decoder) throws {
        databases = try decoder.container(keyedBy: CodingKeys.self).decode([Entry].self, forKey: .databases)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(databases, forKey: .databases)
        try container.encode(ok, forKey: .ok)
    }
}

/// Runs `db check`, `db optimize` and `db vacuum` on the databases of `backup.databases`.
public struct DatabaseRunner: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    public var logger: Logger
    public var user: String
    /// How long each connection waits for another process's lock before reporting `locked`.
    public var busyTimeout: ConfigDuration
    public var state: StateDatabase
    /// The session gate `db vacuum` passes (`[market]`, `--during-session`); unrestricted unless set.
    public var session: SessionGate = .unrestricted

    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String], logger: Logger,
        user: String = ProcessInfo.processInfo.userName, busyTimeout: ConfigDuration = .seconds(10)
    ) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.logger = logger
        self.user = user
        self.busyTimeout = busyTimeout
        state = StateDatabase(layout: DeployLayout(deployment, environment: environment), fileSystem: fileSystem)
    }

    var layout: DeployLayout { DeployLayout(deployment, environment: environment) }

    /// Every configured database, or the one `name` selects: its configured path
    /// (`data/v6.db`), its file name (`v6.db`) or that without extension (`v6`).
    public func targets(_ name: String?) throws -> [DatabaseTarget] {
        let all = deployment.backup.databases.map { DatabaseTarget(name: $0, path: layout.shared($0)) }
        guard let name else { return all }
        let matches = all.filter { target in
            let file = (target.name as NSString).lastPathComponent
            return target.name == name || file == name || (file as NSString).deletingPathExtension == name
        }
        guard matches.count == 1 else { throw UnknownDatabase(name: name, known: all.map(\.name)) }
        return matches
    }

    /// `PRAGMA integrity_check` of each database, read-only: no lock, nothing recorded.
    public func check(_ name: String?) throws -> DatabaseCheckReport {
        let entries = try targets(name).map { target in
            let host = fileSystem.hostPath(target.path)
            let (status, problems) = SQLiteMaintenance.integrityCheck(hostPath: host, busyTimeout: busyTimeout)
            return DatabaseCheckReport.Entry(
                name: target.name, path: target.path, status: status, problems: Array(problems.prefix(100)),
                size: SQLiteMaintenance.footprint(hostPath: host))
        }
        return DatabaseCheckReport(databases: entries)
    }

    /// One `sqlite` action per database; a missing one is a note, not an action.
    public func plan(_ task: SQLiteTask, name: String?) throws -> Plan {
        var plan = Plan(command: "db \(task.rawValue)")
        let targets = try targets(name)
        if targets.isEmpty { plan.notes.append("no databases are configured (backup.databases)") }
        for target in targets {
            let host = fileSystem.hostPath(target.path)
            guard FileManager.default.fileExists(atPath: host) else {
                plan.notes.append("\(target.name) does not exist yet (\(target.path)); skipped")
                continue
            }
            var note = BackupOutput.size(SQLiteMaintenance.footprint(hostPath: host))
            if task == .vacuum, let stats = SQLiteMaintenance.stats(hostPath: host, busyTimeout: busyTimeout) {
                note += ", \(stats.journalMode), \(BackupOutput.size(stats.freeBytes)) in free pages"
            }
            plan.add(
                .sqlite(SQLiteJob(name: target.name, path: target.path, task: task, busyTimeout: busyTimeout)), .run,
                note: note)
        }
        if task == .vacuum && !plan.isEmpty {
            plan.notes.append(
                "VACUUM blocks writers while it copies (readers go on in WAL mode); the engine waits its busy timeout")
        }
        return plan
    }

    /// Plans and, unless `dryRun`, applies under the project lock and records one audit row.
    public func maintain(
        _ task: SQLiteTask, name: String?, dryRun: Bool, lockWait: Duration = .zero
    ) async throws
        -> (Plan, [SQLiteResult])
    {
        var context = MutationContext(
            deployment: deployment, layout: layout, fileSystem: fileSystem, launcher: SubprocessLauncher(),
            logger: logger, user: user, offline: true, services: .offline, state: state)
        context.session = session
        let result = try await MutationPipeline(context: context).run(
            DatabaseMutation(runner: self, task: task, name: name), dryRun: dryRun, locking: .take(wait: lockWait))
        let done = result.report?.all(SQLiteResult.self) ?? []
        for outcome in done {
            logger.notice(
                "database maintained",
                metadata: [
                    "db.name": "\(outcome.name)", "db.task": "\(outcome.task)",
                    "db.outcome": "\(outcome.outcome.rawValue)",
                    "db.size_before": "\(outcome.sizeBefore)", "db.size_after": "\(outcome.sizeAfter)",
                ])
        }
        return (result.plan, done)
    }

    /// `data/v6.db: 12.0 MiB → 8.1 MiB` or `data/v6.db: locked`.
    public static func summary(_ result: SQLiteResult) -> String {
        switch result.outcome {
        case .ok:
            return "\(result.name): \(BackupOutput.size(result.sizeBefore)) → \(BackupOutput.size(result.sizeAfter))"
        default:
            return "\(result.name): \(result.outcome.rawValue)"
        }
    }

    /// The exit status for a set of outcomes: damaged or missing data 65, a lock held too long 75,
    /// anything else failing 1.
    public static func exitStatus(_ outcomes: [SQLiteResult.Outcome]) -> ExitStatus {
        if outcomes.contains(.corrupt) || outcomes.contains(.missing) { return .dataError }
        if outcomes.contains(.failed) { return .failure }
        if outcomes.contains(.locked) { return .tempFail }
        return .success
    }
}

/// `db optimize|vacuum`'s part of the pipeline: one maintenance action per database.
struct DatabaseMutation: Mutation {
    var runner: DatabaseRunner
    var task: SQLiteTask
    var name: String?

    var command: String { "db \(task.rawValue)" + (name.map { " \($0)" } ?? "") }

    func plan(in context: MutationContext) async throws -> Plan { try runner.plan(task, name: name) }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        [DatabaseMaintenanceHandler(fileSystem: context.fileSystem)]
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        let done = report.all(SQLiteResult.self)
        let worst = done.map(\.outcome).first { $0 != .ok }
        let summary = done.isEmpty ? "nothing to do" : done.map(DatabaseRunner.summary).joined(separator: "; ")
        return "\(worst == nil ? "success" : "failed"): \(summary)"
    }

    /// VACUUM blocks the engine's writes while it copies the database; optimize does not.
    func interruptsTrading(_ plan: Plan, in context: MutationContext) -> Bool { task == .vacuum && !plan.isEmpty }
}
