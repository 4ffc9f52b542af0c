import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Builds `<staging>/shared`: everything outside the restored scope hard-linked from the
/// live tree, everything inside it extracted from the archive with libarchive's secure
/// flags and our own checks (the flags alone do not stop device nodes, hard links or
/// bombs), databases integrity-checked, owner set, flushed to disk.
struct RestoreStager {
    var fileSystem: FileSystem
    var owner: Ownership?

    func stage(_ stage: RestoreStage) throws {
        let staging = fileSystem.hostPath(stage.staging)
        do {
            try build(stage, staging: staging)
        } catch {
            // A half-built staging tree (a full disk, a refused archive) is not left behind for an
            // operator to find; the next run builds it again from the start anyway.
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    private func build(_ stage: RestoreStage, staging: String) throws {
        let shared = fileSystem.hostPath(stage.shared)
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(
            atPath: "\(staging)/shared", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try systemCall("chmod", staging) { chmod("\(staging)/shared", 0o750) }
        try TreeCopier(linking: true) { path in
            RestorePlanner.inScope(path, stage.scope)
                || (RestorePlanner.isSidecar(path) && RestorePlanner.inScope(Self.baseOfSidecar(path), stage.scope))
        }.copy(from: shared, to: "\(staging)/shared")
        CrashPoint.hit("restore: kept files linked")
        let databases = try extract(stage, into: staging)
        for database in databases {
            let result = SQLiteSnapshot.integrityCheck(database)
            guard result == "ok" else {
                throw ArchiveRefused(
                    archive: stage.archive, entry: database, reason: "integrity_check after extraction: \(result)")
            }
            // WAL stays WAL: the archive's copy is DELETE mode, a live WAL database must not come back as one.
            if stage.walDatabases.contains(String(database.dropFirst(staging.count + 1))) {
                try SQLiteSnapshot.enableWAL(database)
            }
        }
        if let owner { try chownTree("\(staging)/shared", owner) }
        sync()
        CrashPoint.hit("restore: staged and synced")
    }

    static func baseOfSidecar(_ path: String) -> String {
        for suffix in ["-wal", "-shm", "-journal"] where path.hasSuffix(suffix) {
            return String(path.dropLast(suffix.count))
        }
        return path
    }

    /// Extracts in-scope `shared/` entries under `staging`; returns the extracted SQLite files.
    private func extract(_ stage: RestoreStage, into staging: String) throws -> [String] {
        let verifier = ArchiveVerifier(limits: stage.limits, project: stage.project)
        let archive = stage.archive
        let reader = try ArchiveReader(path: archive)
        let disk = DiskWriter()
        let previous = FileManager.default.currentDirectoryPath
        guard FileManager.default.changeCurrentDirectoryPath(staging) else {
            throw SystemCallError(call: "chdir", path: staging, errno: errno)
        }
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        var databases: [String] = []
        var symlinks: Set<String> = []
        var total = 0
        var count = 0
        while let header = try reader.next() {
            count += 1
            if count > stage.limits.maxEntries { throw refused(stage, header.path, "too many entries") }
            let name = try verifier.checkPath(header, archive: stage.archive, symlinks: symlinks)
            switch header.kind {
            case .file, .directory: break
            case .symlink:
                try verifier.checkSymlink(header, name: name, archive: stage.archive)
                symlinks.insert(name)
            default: throw refused(stage, header.path, "not a regular file or directory")
            }
            guard name.hasPrefix("shared/"), header.kind == .file else { continue }
            let relative = String(name.dropFirst("shared/".count))
            guard RestorePlanner.inScope(relative, stage.scope), !RestorePlanner.isSidecar(relative) else { continue }
            total += header.size
            if header.size > stage.limits.maxEntryBytes || total > stage.limits.maxTotalBytes {
                throw refused(stage, header.path, "exceeds the size limits")
            }
            try FileManager.default.createDirectory(
                atPath: (name as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try reader.extractCurrent(into: disk)
            CrashPoint.hit("restore: extracted \(name)")
            if Self.isSQLite("\(staging)/\(name)") { databases.append("\(staging)/\(name)") }
        }
        return databases
    }

    private func refused(_ stage: RestoreStage, _ entry: String, _ reason: String) -> ArchiveRefused {
        ArchiveRefused(archive: stage.archive, entry: entry, reason: reason)
    }

    static func isSQLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 16)) == Data(ArchiveVerifier.sqliteMagic)
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
