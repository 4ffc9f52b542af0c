import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What one backup produced.
public struct BackupResult: Sendable, Equatable {
    public var entry: CatalogEntry
    public var manifest: BackupManifest
    /// The read-back of the new archive, when the backup was asked to verify it (`--verify`).
    public var verification: VerifyReport? = nil
    public var verified: Bool { verification?.ok == true }
}

/// Writes one archive: database snapshots into a staging directory (copied while the other
/// files are compressed, checked while they are compressed themselves), every file streamed
/// through libarchive into `.<name>.partial` (0600), `MANIFEST.json` last,
/// `archive_write_close` checked, fsync, catalog row (pending), rename, directory fsync,
/// catalog row complete. A kill -9 anywhere leaves no file under a final archive name
/// that is incomplete; the next backup cleans what was left.
public struct BackupWriter: Sendable {
    public var fileSystem: FileSystem
    public var store: StateStore
    public var progress: BackupProgress?

    public init(fileSystem: FileSystem, store: StateStore, progress: BackupProgress? = nil) {
        self.fileSystem = fileSystem
        self.store = store
        self.progress = progress
    }

    /// Writes the archive; on any failure nothing is left in the backup directory (no
    /// snapshot, no `.partial`), and a full filesystem is named as such.
    public func write(_ spec: BackupSpec) throws -> BackupResult {
        do {
            return try writeArchive(spec)
        } catch {
            unlink(fileSystem.hostPath(spec.partialPath))
            let directory = (spec.partialPath as NSString).deletingLastPathComponent
            guard Self.isNoSpace(error) else { throw error }
            throw DiskFull(directory: directory, host: fileSystem.hostPath(directory))
        }
    }

    /// A library's "write failed" (or SQLite's "disk is full") whose cause is ENOSPC/EDQUOT.
    static func isNoSpace(_ error: Error) -> Bool {
        switch error {
        case is DiskFull: return true
        case let failure as SystemCallError: return DiskFull.isNoSpace(failure.errno)
        case let failure as ArchiveError:
            return [ENOSPC, EDQUOT].contains { failure.message.contains(String(cString: strerror($0))) }
        default: return false
        }
    }

    private func writeArchive(_ spec: BackupSpec) throws -> BackupResult {
        let started = Date()
        let deadline = BackupDeadline(timeout: spec.timeout, directory: spec.directory)
        let staging = fileSystem.hostPath(spec.stagingPath)
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(
            atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: staging) }

        // The snapshots are copied on a thread of their own while the other files are compressed,
        // and checked with quick_check on another while they are compressed themselves: neither
        // step holds up the compressor any more. A failed check still fails the backup before the
        // archive is closed, so it never becomes `latest`.
        let databases = spec.databases.enumerated().map { index, database in
            (live: fileSystem.hostPath(database.source), snapshot: "\(staging)/\(index).db", database: database)
        }
        var journalModes: [String: String] = [:]
        for database in databases {
            journalModes[database.database.archivePath] = SQLiteSnapshot.journalMode(ofFile: database.live)
        }
        let pairs = databases.map { (live: $0.live, snapshot: $0.snapshot) }
        let copies = BackgroundJob(name: "backup snapshot") {
            for pair in pairs { try SQLiteSnapshot.copy(live: pair.live, into: pair.snapshot) }
        }
        // Joined on every way out, before the staging directory is removed under it.
        defer { _ = try? copies.wait() }

        var sources: [(host: String, archivePath: String, kind: BackupManifest.File.Kind)] = []
        let skipped = Set(spec.databases.flatMap { db in ["", "-wal", "-shm", "-journal"].map { db.source + $0 } })
        for item in spec.paths {
            sources += try expand(item, skipping: skipped).map { ($0.host, $0.archivePath, .file) }
        }
        sources.append((spec.configPath, "config/tradectl.toml", .config))
        if let metadata = spec.releaseMetadata, fileSystem.info(metadata) != nil {
            sources.append((fileSystem.hostPath(metadata), "release/\(ReleaseMetadata.fileName)", .release))
        }
        // The live databases' sizes stand in for their snapshots', which do not exist yet.
        let total = (sources.map(\.host) + databases.map(\.live)).reduce(0) { $0 + (fileSize($1) ?? 0) }
        progress?.start(total: total)

        let partial = fileSystem.hostPath(spec.partialPath)
        unlink(partial)
        let descriptor = try systemCall("open", partial) {
            open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        }
        var closed = false
        defer { if !closed { close(descriptor) } }
        let output = ArchiveOutput(descriptor: descriptor)
        let writer = try ArchiveWriter(
            output: output, compression: spec.compression, threads: ProcessInfo.processInfo.activeProcessorCount)
        var files: [BackupManifest.File] = []
        for source in sources {
            files.append(try add(source.host, as: source.archivePath, kind: source.kind, to: writer))
            try deadline.check(source.archivePath)
            CrashPoint.hit("archived \(source.archivePath)")
        }

        try copies.wait()
        for database in databases {
            try deadline.check("the snapshot of \(database.database.archivePath)")
            CrashPoint.hit("snapshot taken: \(database.database.source)")
        }
        let checks = BackgroundJob(name: "backup quick_check") {
            for pair in pairs { try SQLiteSnapshot.quickCheck(pair.snapshot, of: pair.live) }
        }
        defer { _ = try? checks.wait() }
        for database in databases {
            let archivePath = database.database.archivePath
            var file = try add(database.snapshot, as: archivePath, kind: .database, to: writer)
            file.journalMode = journalModes[archivePath]
            files.append(file)
            try deadline.check(archivePath)
            CrashPoint.hit("archived \(archivePath)")
        }
        try checks.wait()
        let manifest = BackupManifest(
            format: BackupManifest.currentFormat, tradectlVersion: TradectlVersion.current, project: spec.project,
            host: spec.host, created: spec.created, release: spec.release, files: files)
        let manifestData = manifest.encoded()
        try manifestData.withUnsafeBytes { bytes in
            var offset = 0
            try writer.addFile(path: BackupManifest.entryName, size: bytes.count, mode: 0o600, modified: spec.created) {
                buffer in
                let count = min(buffer.count, bytes.count - offset)
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
                offset += count
                return count
            }
        }
        try writer.close()
        try systemCall("fsync", partial) { fsync(descriptor) }
        // Checked before the archive is catalogued or renamed: a timed-out backup leaves nothing.
        try deadline.check(spec.name)
        close(descriptor)
        closed = true
        progress?.finish()
        CrashPoint.hit("archive closed and fsynced")

        var entry = CatalogEntry(
            path: spec.archivePath, size: output.bytes, sha256: output.digest(), created: spec.created,
            durationMilliseconds: Int(Date().timeIntervalSince(started) * 1000), compression: spec.compression.rawValue,
            status: "pending", verifiedAt: nil)
        try store.upsertBackup(entry)
        CrashPoint.hit("catalog row pending")
        let final = fileSystem.hostPath(spec.archivePath)
        try systemCall("rename", final) { rename(partial, final) }
        try SQLiteSnapshot.fsyncFile((final as NSString).deletingLastPathComponent)
        CrashPoint.hit("archive renamed")
        entry.status = "complete"
        try store.setBackupStatus(path: spec.archivePath, status: "complete")
        try store.recordKnownDatabases(
            spec.databases.map { String($0.archivePath.dropFirst("shared/".count)) }, at: spec.created)
        return BackupResult(entry: entry, manifest: manifest)
    }

    /// A file, or every regular file under a directory; live database files are skipped
    /// (their snapshot is archived instead).
    private func expand(_ item: BackupSpec.Item, skipping: Set<String>) throws -> [(host: String, archivePath: String)]
    {
        guard let info = fileSystem.info(item.source) else { return [] }
        if info.kind == .file {
            return skipping.contains(item.source) ? [] : [(fileSystem.hostPath(item.source), item.archivePath)]
        }
        guard info.kind == .directory else { return [] }
        var result: [(String, String)] = []
        for name in fileSystem.list(item.source) {
            let child = BackupSpec.Item(source: "\(item.source)/\(name)", archivePath: "\(item.archivePath)/\(name)")
            if skipping.contains(child.source) || name.hasSuffix("-wal") || name.hasSuffix("-shm") { continue }
            result += try expand(child, skipping: skipping)
        }
        return result
    }

    private func add(
        _ host: String, as archivePath: String, kind: BackupManifest.File.Kind, to writer: ArchiveWriter
    ) throws -> BackupManifest.File {
        let descriptor = try systemCall("open", host) { open(host, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        defer { close(descriptor) }
        var status = stat()
        try systemCall("fstat", host) { fstat(descriptor, &status) }
        let size = Int(status.st_size)
        // Database snapshots hold the same secrets as the live files: private, whatever the umask.
        let mode = kind == .database ? 0o600 : UInt32(status.st_mode & 0o7777)
        var hasher = SHA256()
        let progress = self.progress
        try writer.addFile(
            path: archivePath, size: size, mode: mode,
            modified: Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec))
        ) { buffer in
            let count = try systemCall("read", host) {
                Int32(clamping: read(descriptor, buffer.baseAddress, buffer.count))
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<Int(count)]))
            progress?.advance(Int(count))
            return Int(count)
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return BackupManifest.File(path: archivePath, size: size, mode: mode, sha256: digest, kind: kind)
    }

    private func fileSize(_ host: String) -> Int? {
        var status = stat()
        return stat(host, &status) == 0 ? Int(status.st_size) : nil
    }
}
