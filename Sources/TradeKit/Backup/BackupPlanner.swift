import Foundation

/// Options of one `tradectl backup` run.
public struct BackupRequest: Sendable {
    public var compression: ArchiveCompression?
    public var now: Date
    public var host: String
    /// Calendar periods of retention (hour/day/week/month) are local time, as in restic.
    public var calendar: Calendar
    /// Read the new archive back (`backup verify`) while still holding the lock.
    public var verify = false

    public init(
        compression: ArchiveCompression? = nil, now: Date = Date(), host: String = ProcessInfo.processInfo.hostName,
        calendar: Calendar = .current
    ) {
        self.compression = compression
        self.now = now
        self.host = host
        self.calendar = calendar
    }
}

/// Plans a backup: clean leftovers, reconcile catalog and disk, write the archive, apply retention.
public struct BackupPlanner: Sendable {
    public var deployment: Deployment
    public var request: BackupRequest
    public var survey: BackupSurvey
    public var layout: DeployLayout

    public init(deployment: Deployment, request: BackupRequest, survey: BackupSurvey, layout: DeployLayout) {
        self.deployment = deployment
        self.request = request
        self.survey = survey
        self.layout = layout
    }

    public var compression: ArchiveCompression {
        request.compression ?? ArchiveCompression(rawValue: deployment.backup.compression) ?? .gzip
    }

    /// Configured databases that are missing and that no archive ever held: a batch job that has
    /// not run yet has not created its database, and there is nothing to lose. A database that
    /// some archive held and that is gone now still fails the backup (the snapshot says so), so a
    /// vanished database never turns into archives that silently lack it.
    public var notCreatedYet: Set<String> { survey.missingDatabases.subtracting(survey.knownDatabases) }

    public func spec() -> BackupSpec {
        var name = BackupSpec.archiveName(
            project: deployment.project.name, created: request.now, compression: compression)
        var suffix = 2
        while survey.archivesOnDisk.contains("\(deployment.backup.dir)/\(name)") {
            name = name.replacingOccurrences(
                of: ".\(compression.fileExtension)", with: "-\(suffix).\(compression.fileExtension)")
            suffix += 1
        }
        let backup = deployment.backup
        var paths = backup.paths.map { BackupSpec.Item(source: layout.shared($0), archivePath: "shared/\($0)") }
        if backup.includeLogs { paths.append(.init(source: layout.shared("logs"), archivePath: "shared/logs")) }
        return BackupSpec(
            project: deployment.project.name, name: name, directory: backup.dir, compression: compression,
            databases: backup.databases.filter { !notCreatedYet.contains($0) }.map {
                .init(source: layout.shared($0), archivePath: "shared/\($0)")
            },
            paths: paths, configPath: deployment.configPath, releaseMetadata: survey.releaseMetadataPath,
            release: survey.release, host: request.host, created: request.now,
            timeout: backup.timeout.milliseconds > 0 ? backup.timeout.duration : nil)
    }

    public func plan() -> Plan {
        var plan = Plan(command: "backup")
        if !survey.directoryExists {
            plan.add(.directory(path: deployment.backup.dir, mode: 0o700, owner: nil), .create)
        }
        for leftover in survey.leftovers {
            plan.add(.remove(path: leftover), .delete, note: "left by an interrupted backup")
        }
        var live: [CatalogEntry] = []
        for entry in survey.catalog {
            let onDisk = survey.archivesOnDisk.contains(entry.path)
            if !onDisk {
                plan.add(.catalog(path: entry.path, status: nil), .delete, note: "archive no longer on disk")
            } else if entry.status != "complete" {
                plan.add(.catalog(path: entry.path, status: "complete"), .update, note: "renamed before a crash")
                live.append(entry)
            } else {
                live.append(entry)
            }
        }
        let catalogued = Set(survey.catalog.map(\.path))
        for path in survey.archivesOnDisk.sorted() where !catalogued.contains(path) {
            let name = (path as NSString).lastPathComponent
            guard let created = BackupSpec.created(fromName: name, project: deployment.project.name) else { continue }
            let compression = name.hasSuffix(".tar.zst") ? "zstd" : "gzip"
            plan.add(
                AdoptArchive(path: path, created: created, compression: compression), .create,
                note: "on disk but not in the catalog (a new state database?): catalogued, not yet verified")
            live.append(
                CatalogEntry(
                    path: path, size: 0, sha256: "", created: created, durationMilliseconds: 0,
                    compression: compression, status: "complete", verifiedAt: nil))
        }
        for database in notCreatedYet.sorted() {
            plan.notes.append("\(database) does not exist yet and no archive ever held it: not in this archive")
        }
        let spec = spec()
        plan.add(.archive(spec), .create, note: "\(spec.databases.count) database(s), \(compression.rawValue)")
        if request.verify {
            plan.add(
                VerifyArchive(
                    catalogPath: spec.archivePath, limits: ArchiveLimits(deployment.backup),
                    project: deployment.project.name),
                .run, note: "read back as `backup verify` does, before the lock is released")
        }
        planOffsite(&plan, candidates: pushCandidates(live: live, new: spec))
        planRetention(&plan, existing: live, new: spec)
        return plan
    }

    func planRetention(_ plan: inout Plan, existing: [CatalogEntry], new: BackupSpec?) {
        var snapshots = existing.map { (id: $0.path, time: $0.created) }
        if let new { snapshots.append((id: new.archivePath, time: new.created)) }
        let decision = policy.apply(snapshots, protected: protected(existing), calendar: request.calendar)
        for (path, reasons) in decision.keep.sorted(by: { $0.key > $1.key }) {
            plan.notes.append("keep \((path as NSString).lastPathComponent): \(reasons.joined(separator: ", "))")
        }
        for path in decision.remove {
            plan.add(PruneArchive(path: path), .delete, note: "retention")
            plan.add(.catalog(path: path, status: nil), .delete, note: "retention")
        }
    }

    /// The newest verified archive is never removed, whatever the policy says.
    func protected(_ existing: [CatalogEntry]) -> Set<String> {
        let verified = existing.filter { $0.verifiedAt != nil }.max { $0.created < $1.created }
        return verified.map { [$0.path] } ?? []
    }

    public var policy: RetentionPolicy {
        let backup = deployment.backup
        return RetentionPolicy(
            keepLast: backup.keepLast, keepHourly: backup.keepHourly, keepDaily: backup.keepDaily,
            keepWeekly: backup.keepWeekly, keepMonthly: backup.keepMonthly,
            keepWithin: backup.keepWithin.map { $0.seconds })
    }
}
