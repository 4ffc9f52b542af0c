import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// What the stager found: the archive's verified manifest (nil for a safety copy), and what
/// the restore changes.
public struct StagedRestore: Sendable {
    public var manifest: BackupManifest?
    public var changes: RestoreChanges
}

/// Builds `<staging>/shared` in one read of the archive: everything outside the restored
/// scope hard-linked from the live tree, every entry checked (`ArchiveScan`, the same
/// checks as `backup verify`) and hashed as it streams past, the in-scope files written
/// with libarchive's secure flags while they are hashed. Only when the whole archive has
/// matched its manifest are the staged databases integrity-checked, given their journal
/// mode back, owned and flushed; any failure removes the staging tree — nothing live is
/// touched before the exchange.
struct RestoreStager {
    var fileSystem: FileSystem
    var owner: Ownership?
    /// Each step's end, at info (`--verbose`): where a restore's time goes.
    var logger: Logger?

    func stage(_ stage: RestoreStage) throws -> StagedRestore {
        let staging = fileSystem.hostPath(stage.staging)
        let shared = fileSystem.hostPath(stage.shared)
        try? FileManager.default.removeItem(atPath: staging)
        do {
            return try build(stage, staging: staging, shared: shared)
        } catch {
            // A half-built staging tree (a full disk, a refused archive) is not left behind for an
            // operator to find; the next run builds it again from the start anyway.
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    private func build(_ stage: RestoreStage, staging: String, shared: String) throws -> StagedRestore {
        try FileManager.default.createDirectory(
            atPath: "\(staging)/shared", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try systemCall("chmod", staging) { chmod("\(staging)/shared", 0o750) }
        try TreeCopier(linking: true) { path in
            RestorePlanner.inScope(path, stage.scope)
                || (RestorePlanner.isSidecar(path) && RestorePlanner.inScope(Self.baseOfSidecar(path), stage.scope))
        }.copy(from: shared, to: "\(staging)/shared")
        CrashPoint.hit("restore: kept files linked")
        logger?.info("restore: kept files linked")
        let staged: StagedRestore
        switch stage.source {
        case .archive(let archive): staged = try fromArchive(archive, stage, staging: staging)
        case .safetyCopy(let copy): staged = try fromSafetyCopy(copy, stage, staging: staging)
        }
        if let owner { try chownTree("\(staging)/shared", owner) }
        logger?.info("restore: integrity_check, journal mode and owner done")
        try flush(staging)
        logger?.info("restore: staged files fsynced")
        CrashPoint.hit("restore: staged and synced")
        return staged
    }

    /// Only once the whole archive matched its manifest are the staged databases
    /// integrity-checked (once, here) and given their journal mode back.
    private func fromArchive(_ archive: String, _ stage: RestoreStage, staging: String) throws -> StagedRestore {
        let (scan, databases) = try extract(archive, stage, into: staging)
        logger?.info("restore: archive read, verified and extracted")
        let (manifest, checks) = try scan.finish()
        let failed = checks.filter { !$0.ok }
        guard failed.isEmpty else {
            let list = failed.map { "\($0.path): \($0.detail)" }.joined(separator: "; ")
            throw ArchiveRefused(archive: archive, entry: nil, reason: "verification failed: \(list)")
        }
        for path in stage.only
        where !manifest.files.contains(where: { RestorePlanner.inScope($0.path, ["shared/\(path)"]) }) {
            throw ArchiveRefused(archive: archive, entry: path, reason: "--only path is not in the archive")
        }
        let wal = Set(manifest.files.filter { $0.kind == .database && $0.journalMode == "wal" }.map(\.path))
        for name in databases {
            let database = "\(staging)/\(name)"
            let result = SQLiteSnapshot.integrityCheck(database)
            guard result == "ok" else {
                throw ArchiveRefused(archive: archive, entry: name, reason: "integrity_check: \(result)")
            }
            // WAL stays WAL: the archive's copy is DELETE mode, a live WAL database must not come back as one.
            if wal.contains(name) { try SQLiteSnapshot.enableWAL(database) }
        }
        return StagedRestore(
            manifest: manifest, changes: RestoreChanges(manifest: manifest, current: stage.current, scope: stage.scope))
    }

    /// An undo puts back the in-scope files exactly as they were, with their `-wal` (one
    /// left by a crashed engine belongs to its database), damaged or not — copied, not linked,
    /// so the safety copy stays as it was while the engine writes to the live files.
    private func fromSafetyCopy(_ copy: String, _ stage: RestoreStage, staging: String) throws -> StagedRestore {
        let source = "\(fileSystem.hostPath(copy))/shared"
        guard FileManager.default.fileExists(atPath: source) else {
            throw SystemCallError(call: "stat", path: source, errno: ENOENT)
        }
        try TreeCopier { path in
            // The -shm is only an index of the -wal, rebuilt on the first open.
            if path.hasSuffix("-shm") { return true }
            let base = Self.baseOfSidecar(path)
            let wanted = stage.scope.contains { $0.hasPrefix("\(path)/") }
            return !(wanted || RestorePlanner.inScope(path, stage.scope) || RestorePlanner.inScope(base, stage.scope))
        }.copy(from: source, to: "\(staging)/shared")
        let restored = try RestoreSurvey.hashes(shared: copy + "/shared", scope: stage.scope, fileSystem: fileSystem)
        return StagedRestore(manifest: nil, changes: RestoreChanges(restored: restored, current: stage.current))
    }

    static func baseOfSidecar(_ path: String) -> String {
        for suffix in ["-wal", "-shm", "-journal"] where path.hasSuffix(suffix) {
            return String(path.dropLast(suffix.count))
        }
        return path
    }

    /// The single read: every entry checked and hashed; in-scope `shared/` files written under
    /// `staging` as they are hashed. Returns the scan (for the manifest checks) and the archive
    /// names of the staged SQLite files.
    private func extract(
        _ archive: String, _ stage: RestoreStage, into staging: String
    ) throws -> (
        ArchiveScan, [String]
    ) {
        let reader: ArchiveReader
        do { reader = try ArchiveReader(path: archive) } catch {
            throw ArchiveRefused(archive: archive, entry: nil, reason: "cannot be read: \(error)")
        }
        var scan = ArchiveScan(archive: archive, limits: stage.limits, project: stage.project)
        let disk = DiskWriter()
        let previous = FileManager.default.currentDirectoryPath
        guard FileManager.default.changeCurrentDirectoryPath(staging) else {
            throw SystemCallError(call: "chdir", path: staging, errno: errno)
        }
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        var databases: [String] = []
        while true {
            let header: ArchiveEntryHeader?
            do { header = try reader.next() } catch {
                throw ArchiveRefused(archive: archive, entry: nil, reason: "corrupt: \(error)")
            }
            guard let header else { break }
            guard let name = try scan.admit(header) else { continue }
            let limit = scan.limit(for: name)
            guard Self.staged(name, scope: stage.scope) else {
                try scan.digest(name) { observe in try reader.readData(limit: limit, observe) }
                continue
            }
            try FileManager.default.createDirectory(
                atPath: (name as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var first = true
            try scan.digest(name) { observe in
                try reader.extractCurrent(into: disk, limit: limit) { block in
                    if first, block.starts(with: ArchiveVerifier.sqliteMagic) { databases.append(name) }
                    first = false
                    try observe(block)
                }
            }
            CrashPoint.hit("restore: extracted \(name)")
        }
        return (scan, databases)
    }

    /// In-scope `shared/` files are written; sidecars never (a stale -wal would be replayed).
    static func staged(_ name: String, scope: [String]) -> Bool {
        guard name.hasPrefix("shared/") else { return false }
        let relative = String(name.dropFirst("shared/".count))
        return RestorePlanner.inScope(relative, scope) && !RestorePlanner.isSidecar(relative)
    }

    /// The staged tree must be on disk before the exchange makes it live: every regular file
    /// that is not a hard link to a live one (those are on disk already), then every
    /// directory (new names, links included). Not `sync`/`syncfs`: on a shared host those
    /// also write back every other process's dirty pages on the same file system.
    private func flush(_ staging: String) throws {
        var directories = [staging, "\(staging)/shared"]
        let root = "\(staging)/shared"
        if let enumerator = FileManager.default.enumerator(atPath: root) {
            for case let child as String in enumerator {
                let path = "\(root)/\(child)"
                var status = stat()
                guard lstat(path, &status) == 0 else { throw SystemCallError(call: "lstat", path: path, errno: errno) }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: directories.append(path)
                case S_IFREG where status.st_nlink == 1: try fsyncPath(path, flags: O_RDONLY)
                default: continue
                }
            }
        }
        for directory in directories { try fsyncPath(directory, flags: O_RDONLY | O_DIRECTORY) }
    }

    private func fsyncPath(_ path: String, flags: Int32) throws {
        let descriptor = try systemCall("open", path) { open(path, flags | O_CLOEXEC) }
        defer { close(descriptor) }
        try systemCall("fsync", path) { fsync(descriptor) }
    }

    private func chownTree(_ path: String, _ owner: Ownership) throws {
        try systemCall("lchown", path) { lchown(path, owner.uid, owner.gid) }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return }
        for case let child as String in enumerator {
            let full = "\(path)/\(child)"
            try systemCall("lchown", full) { lchown(full, owner.uid, owner.gid) }
        }
    }
}
