import Foundation

/// Writes one backup archive (snapshots, archive, fsync, rename, catalog).
public struct WriteArchive: Effect {
    public var spec: BackupSpec
    public var typeName: String { "archive" }
    public var target: String { spec.archivePath }
}

/// Sets a catalog row's status, or forgets the row (`status == nil`).
public struct SetCatalogStatus: Effect {
    public var path: String
    public var status: String?
    public var typeName: String { "catalog" }
    public var target: String { path }
}

/// Reads an archive back entry by entry against its manifest (as `backup verify` does) and,
/// when everything matched, records `verified_at` in the catalog. Output: the `VerifyReport`
/// (a mismatch is a report, not an error: the command decides its exit status).
public struct VerifyArchive: Effect {
    /// The archive as the catalog knows it (a path under `--root`), nil when it has no catalog row.
    public var catalogPath: String?
    /// The archive's path on this host when it is not (or not only) known by its catalog path.
    public var hostPath: String?
    public var limits: ArchiveLimits
    public var project: String
    public var typeName: String { "verify" }
    public var target: String { catalogPath ?? hostPath ?? "" }

    public init(catalogPath: String?, hostPath: String? = nil, limits: ArchiveLimits, project: String) {
        self.catalogPath = catalogPath
        self.hostPath = hostPath
        self.limits = limits
        self.project = project
    }
}

/// Catalogues an archive found in the backup directory without a catalog row (the state
/// database was replaced, or a copy was put there by hand): its size and SHA-256 are read from
/// the file, its time from its name; it is `complete` (renamed only after its fsync) and not
/// verified. From then on retention, `restore latest` and health count it.
public struct AdoptArchive: Effect {
    public var path: String
    public var created: Date
    public var compression: String
    public var typeName: String { "catalog" }
    public var target: String { path }
}

/// Removes an archive that retention let go (its catalog row goes with a `SetCatalogStatus`).
public struct PruneArchive: Effect {
    public var path: String
    /// The same JSON type as any removal: scripts reading plans see `remove`.
    public var typeName: String { "remove" }
    public var target: String { path }
}

extension Effect where Self == WriteArchive {
    public static func archive(_ spec: BackupSpec) -> WriteArchive { WriteArchive(spec: spec) }
}

extension Effect where Self == SetCatalogStatus {
    public static func catalog(path: String, status: String?) -> SetCatalogStatus {
        SetCatalogStatus(path: path, status: status)
    }
}

/// The backup capability's handlers: the archive writer (output: `BackupResult`) and the
/// catalog, both on the invocation's one state database.
public struct BackupEffectHandlers: Sendable {
    /// Writes archives; its file system and store are the other handlers' too.
    public var writer: BackupWriter
    public var fileSystem: FileSystem { writer.fileSystem }
    public var store: StateStore { writer.store }

    public init(fileSystem: FileSystem, store: StateStore, progress: BackupProgress? = nil) {
        writer = BackupWriter(fileSystem: fileSystem, store: store, progress: progress)
    }

    public var all: [any EffectHandler] {
        [
            Archives(backup: self), Catalog(backup: self), Pruner(backup: self), Adopter(backup: self),
            ArchiveVerifyHandler(fileSystem: fileSystem, store: store),
        ]
    }

    struct Pruner: EffectHandler {
        var backup: BackupEffectHandlers
        func apply(_ effect: PruneArchive) async throws -> (any Sendable)? {
            try backup.fileSystem.removeTree(effect.path)
            return nil
        }
    }

    struct Adopter: EffectHandler {
        var backup: BackupEffectHandlers
        func apply(_ effect: AdoptArchive) async throws -> (any Sendable)? {
            let host = backup.fileSystem.hostPath(effect.path)
            let size = (try FileManager.default.attributesOfItem(atPath: host)[.size] as? Int) ?? 0
            try backup.store.upsertBackup(
                CatalogEntry(
                    path: effect.path, size: size, sha256: try RestoreSurvey.sha256(host), created: effect.created,
                    durationMilliseconds: 0, compression: effect.compression, status: "complete", verifiedAt: nil))
            return nil
        }
    }

    struct Archives: EffectHandler {
        var backup: BackupEffectHandlers
        func apply(_ effect: WriteArchive) async throws -> (any Sendable)? {
            try backup.writer.write(effect.spec)
        }
    }

    struct Catalog: EffectHandler {
        var backup: BackupEffectHandlers
        func apply(_ effect: SetCatalogStatus) async throws -> (any Sendable)? {
            if let status = effect.status {
                try backup.store.setBackupStatus(path: effect.path, status: status)
            } else {
                try backup.store.deleteBackup(path: effect.path)
            }
            return nil
        }
    }
}

/// Applies `VerifyArchive`: the deep verification, and `verified_at` in the catalog when the
/// archive matched and has a row there. `store` is nil when no state database exists yet (an
/// archive checked on a fresh host before a restore): nothing is recorded then.
public struct ArchiveVerifyHandler: EffectHandler {
    public var fileSystem: FileSystem
    public var store: StateStore?

    public init(fileSystem: FileSystem, store: StateStore?) {
        self.fileSystem = fileSystem
        self.store = store
    }

    public func apply(_ effect: VerifyArchive) async throws -> (any Sendable)? {
        let path = effect.hostPath ?? fileSystem.hostPath(effect.catalogPath ?? "")
        let report = try ArchiveVerifier(limits: effect.limits, project: effect.project).verify(path)
        if report.ok, let catalogPath = effect.catalogPath, let store {
            try store.markVerified(path: catalogPath, at: Date())
        }
        return report
    }
}
