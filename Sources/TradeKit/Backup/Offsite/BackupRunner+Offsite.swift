import Foundation

/// `backup push`, `backup prune --remote`, `backup list --remote` and `backup verify --remote`,
/// and the off-site handlers every backup plan may need.
extension BackupRunner {
    var offsite: OffsiteConfig { deployment.backup.offsite }

    /// The off-site handlers when a target is configured (none otherwise: a plan holding an
    /// off-site effect then fails before its first action).
    func offsiteHandlers(in context: MutationContext, store: StateStore? = nil) throws -> [any EffectHandler] {
        guard offsite.enabled else { return [] }
        return OffsiteEffectHandlers(
            offsite: offsite, fileSystem: context.fileSystem, store: try store ?? context.state.store(),
            launcher: context.launcher, logger: context.logger, secrets: secretsLoader
        ).all
    }

    /// Reads `backup.offsite.env_file` (over the environment) when rclone is first needed.
    var secretsLoader: @Sendable () -> SecretVariables {
        { [offsite, layout, fileSystem, environment] in
            SecretVariables.load(
                envFile: offsite.envFile, layout: layout, fileSystem: fileSystem, environment: environment)
        }
    }

    func requireOffsite() throws {
        guard offsite.enabled else { throw OffsiteNotConfigured() }
    }

    func planner(_ request: BackupRequest = BackupRequest()) throws -> BackupPlanner {
        let survey = try BackupSurvey.gather(
            deployment: deployment, layout: layout, fileSystem: fileSystem, store: try state.existing())
        return BackupPlanner(deployment: deployment, request: request, survey: survey, layout: layout)
    }

    /// `backup push [ARCHIVE]`: the named archive, or every archive on disk not verified off-site.
    public func pushPlan(_ reference: String?) throws -> Plan {
        try requireOffsite()
        let path: String? = try reference.map { reference in
            let host = try resolve(reference)
            guard let entry = try catalog().first(where: { fileSystem.hostPath($0.path) == host }) else {
                throw ArchiveRefused(archive: reference, entry: nil, reason: "not in the catalog")
            }
            return entry.path
        }
        return try planner().pushPlan(only: path)
    }

    public func push(
        _ reference: String?, dryRun: Bool, lockWait: Duration = .zero
    ) async throws -> (
        Plan, [OffsiteResult]
    ) {
        let plan = try pushPlan(reference)
        let mutation = OffsiteMutation(runner: self, command: "backup push") { _ in try self.pushPlan(reference) }
        let result = try await pipeline.run(mutation, dryRun: dryRun, locking: .take(wait: lockWait))
        return (dryRun ? plan : result.plan, result.report?.all(OffsiteResult.self) ?? [])
    }

    /// `backup prune --remote`: remote retention alone.
    public func remotePrunePlan() throws -> Plan {
        try requireOffsite()
        return try planner().remotePrunePlan()
    }

    public func pruneRemote(dryRun: Bool, lockWait: Duration = .zero) async throws -> (Plan, [OffsiteResult]) {
        try requireOffsite()
        let mutation = OffsiteMutation(runner: self, command: "backup prune --remote") { _ in
            try self.remotePrunePlan()
        }
        let result = try await pipeline.run(mutation, dryRun: dryRun, locking: .take(wait: lockWait))
        return (result.plan, result.report?.all(OffsiteResult.self) ?? [])
    }

    /// The target's rclone (reads the secrets, runs `rclone obscure`).
    func rclone() async throws -> Rclone {
        try requireOffsite()
        return try await Rclone.make(offsite: offsite, secrets: secretsLoader(), launcher: SubprocessLauncher())
    }

    /// `backup list --remote`: what the target holds, joined with the catalog's copies.
    public func remoteListing() async throws -> [RemoteListing] {
        let rclone = try await rclone()
        let result: CommandResult
        do { result = try await SubprocessLauncher().run(rclone.list()) } catch {
            throw OffsiteUnavailable(operation: "listing", detail: "cannot run \(rclone.executable): \(error)")
        }
        guard result.succeeded else {
            throw OffsiteUnavailable(operation: "listing", detail: rclone.redact(result.tail(3)))
        }
        let files = try Rclone.files(result.output)
        let copies = try state.existing()?.offsiteCopies(remote: offsite.label) ?? []
        var rows = files.map { file in
            RemoteListing(
                name: file.name, size: file.size, onRemote: true, copy: copies.first { $0.archive == file.name })
        }
        for copy in copies where !files.contains(where: { $0.name == copy.archive }) {
            rows.append(RemoteListing(name: copy.archive, size: copy.size, onRemote: false, copy: copy))
        }
        let project = deployment.project.name
        return rows.sorted {
            (BackupSpec.created(fromName: $0.name, project: project) ?? .distantPast, $0.name)
                > (BackupSpec.created(fromName: $1.name, project: project) ?? .distantPast, $1.name)
        }
    }

    /// `latest` (the newest verified copy the catalog knows, else the newest archive the target
    /// lists: a fresh host has no catalog), a name, or a path whose file name is taken.
    public func resolveRemote(_ reference: String) async throws -> String {
        guard reference == "latest" else { return (reference as NSString).lastPathComponent }
        if let copy = try state.existing()?.offsiteCopies(remote: offsite.label).first(where: \.isVerified) {
            return copy.archive
        }
        let project = deployment.project.name
        let listed = try await remoteListing().filter { $0.onRemote && $0.name.hasPrefix("\(project)-") }
        guard let newest = listed.first else {
            throw ArchiveRefused(archive: "latest", entry: nil, reason: "the off-site target holds no archive")
        }
        return newest.name
    }

    /// Downloads (decrypting) the remote copy `reference` into a new private temp directory, for
    /// `restore --from-offsite`, which verifies it like any archive. The caller removes `directory`.
    public func fetchRemote(_ reference: String) async throws -> (path: String, directory: String) {
        try requireOffsite()
        let name = try await resolveRemote(reference)
        let rclone = try await rclone()
        let directory = try OffsiteEffectHandlers.privateDirectory()
        let path = "\(directory)/\(name)"
        do {
            try await OffsiteEffectHandlers.fetch(name, to: path, rclone: rclone, launcher: SubprocessLauncher())
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        logger.info(
            "off-site copy fetched", metadata: ["backup.archive": "\(name)", "offsite.remote": "\(offsite.label)"])
        return (path, directory)
    }

    /// `backup verify --remote`: download to a private temp dir, then the full deep verify.
    public func verifyRemote(_ reference: String, lockWait: Duration = .seconds(60)) async throws -> VerifyReport {
        try requireOffsite()
        let name = try await resolveRemote(reference)
        let effect = VerifyRemoteCopy(
            name: name, remote: offsite.label, limits: ArchiveLimits(deployment.backup),
            project: deployment.project.name)
        let mutation = OffsiteMutation(
            runner: self, command: "backup verify --remote \(name)", recordsOnlyIfState: true
        ) { _ in
            var plan = Plan(command: "backup verify --remote")
            plan.add(effect, .run, note: "download to a private temp dir, then verify as `backup verify`")
            return plan
        }
        let result = try await pipeline.run(mutation, dryRun: false, locking: .take(wait: lockWait))
        guard let report = result.report?.last(VerifyReport.self) else {
            throw ArchiveRefused(archive: name, entry: nil, reason: "verification produced no report")
        }
        return report
    }
}

/// `backup.offsite` is not configured (exit 65: fix the config).
public struct OffsiteNotConfigured: Error, ExitStatusReporting, CustomStringConvertible {
    public var exitStatus: ExitStatus { .dataError }
    public var description: String { "no off-site target: set [backup.offsite] type = … (docs/backup-restore.md)" }
}

/// One line of `backup list --remote`.
public struct RemoteListing: Sendable, Equatable, Codable {
    public var name: String
    public var size: Int
    /// Listed by the target now (false: the catalog knows a copy the target no longer lists).
    public var onRemote: Bool
    public var copy: OffsiteCopy?
}

/// The off-site commands' part of the pipeline: a plan, the off-site handlers, an audit line.
struct OffsiteMutation: Mutation {
    var runner: BackupRunner
    var command: String
    /// Audited only where a state database exists (a fresh host checking a copy creates none).
    var recordsOnlyIfState = false
    var planner: @Sendable (MutationContext) throws -> Plan

    init(
        runner: BackupRunner, command: String, recordsOnlyIfState: Bool = false,
        planner: @escaping @Sendable (MutationContext) throws -> Plan
    ) {
        self.runner = runner
        self.command = command
        self.recordsOnlyIfState = recordsOnlyIfState
        self.planner = planner
    }

    func plan(in context: MutationContext) async throws -> Plan { try planner(context) }

    func handlers(in context: MutationContext) throws -> [any EffectHandler] {
        let store = recordsOnlyIfState ? try context.state.writableIfExisting() : try context.state.store()
        guard runner.offsite.enabled else { return [] }
        return OffsiteEffectHandlers(
            offsite: runner.offsite, fileSystem: context.fileSystem, store: store, launcher: context.launcher,
            logger: context.logger, secrets: runner.secretsLoader
        ).all
    }

    func record(_ outcome: MutationOutcome, plan: Plan, started: Date, in context: MutationContext) throws {
        if recordsOnlyIfState, try context.state.existing() == nil { return }
        try context.state.recordAudit(auditEntry(outcome, plan: plan, started: started, user: context.user))
    }

    func summary(of plan: Plan, report: ApplyReport) -> String {
        if let verification = report.last(VerifyReport.self) {
            return verification.ok
                ? "success: \(verification.files.count) entries match"
                : "failed: \(verification.files.filter { !$0.ok }.count) entries differ"
        }
        let results = report.all(OffsiteResult.self)
        let failed = results.filter { !$0.ok }.count
        return (failed > 0 ? "failed: " : "success: ") + "\(results.count) off-site step(s)"
            + OffsiteResult.summary(results)
    }
}

extension OffsiteResult {
    /// `; off-site: 1 pushed, 1 FAILED, 2 removed` (empty when nothing went off-site).
    static func summary(_ results: [OffsiteResult]) -> String {
        guard !results.isEmpty else { return "" }
        let pushed = results.filter { $0.operation == .push && $0.ok }.count
        let failed = results.filter { $0.operation == .push && !$0.ok }.count
        let removed = results.filter { $0.operation == .remove && $0.ok }.count
        var parts = ["\(pushed) pushed"]
        if failed > 0 { parts.append("\(failed) FAILED") }
        if removed > 0 { parts.append("\(removed) removed") }
        return "; off-site: " + parts.joined(separator: ", ")
    }
}
