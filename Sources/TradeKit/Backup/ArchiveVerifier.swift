import Crypto
import Foundation

/// The result of checking one archive file against its manifest.
public struct FileCheck: Sendable, Equatable, Codable {
    public var path: String
    public var ok: Bool
    public var detail: String
}

public struct VerifyReport: Sendable, Equatable {
    public var archive: String
    public var manifest: BackupManifest
    public var files: [FileCheck]
    public var ok: Bool { files.allSatisfy(\.ok) }
}

/// Reads every entry of an archive, refusing anything unsafe before it is written
/// anywhere, checks every SHA-256 and size against the manifest, and runs
/// `PRAGMA integrity_check` on every database (extracted to a private temp dir).
public struct ArchiveVerifier {
    public var limits: ArchiveLimits
    public var project: String

    public init(limits: ArchiveLimits, project: String) {
        self.limits = limits
        self.project = project
    }

    static let allowedRoots = ["config", "release", "shared"]
    static let sqliteMagic = Array("SQLite format 3\0".utf8)

    public func verify(_ path: String) throws -> VerifyReport {
        let scratch = NSTemporaryDirectory() + "tradectl-verify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(
            atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        let reader: ArchiveReader
        do { reader = try ArchiveReader(path: path) } catch { throw refused(path, nil, "cannot be read: \(error)") }
        var seen: [String: (size: Int, sha256: String)] = [:]
        var symlinks: Set<String> = []
        var manifestData: Data?
        var databases: [String: String] = [:]  // archive path → extracted temp file
        var total = 0
        var count = 0
        var pending: [(String, String)] = []  // database candidates written to scratch
        while true {
            let header: ArchiveEntryHeader?
            do { header = try reader.next() } catch { throw refused(path, nil, "corrupt: \(error)") }
            guard let header else { break }
            count += 1
            if count > limits.maxEntries { throw refused(path, header.path, "more than \(limits.maxEntries) entries") }
            let name = try checkPath(header, archive: path, symlinks: symlinks)
            switch header.kind {
            case .directory:
                continue
            case .symlink:
                try checkSymlink(header, name: name, archive: path)
                symlinks.insert(name)
                continue
            case .file:
                break
            case .hardlink:
                throw refused(path, header.path, "hard links are not allowed")
            case .device, .fifo, .socket, .other:
                throw refused(path, header.path, "device nodes, FIFOs and sockets are not allowed")
            }
            if seen[name] != nil { throw refused(path, header.path, "appears twice") }
            if header.size > limits.maxEntryBytes {
                throw refused(
                    path, header.path, "\(header.size) bytes exceeds the \(limits.maxEntryBytes)-byte entry limit")
            }
            total += header.size
            if total > limits.maxTotalBytes {
                throw refused(path, header.path, "archive exceeds the \(limits.maxTotalBytes)-byte total limit")
            }
            var hasher = SHA256()
            var size = 0
            var collected = Data()
            let isManifest = name == BackupManifest.entryName
            let scratchFile = "\(scratch)/\(count).entry"
            // Only SQLite files (by their header) are copied out, for integrity_check.
            var sink: FileHandle?
            do {
                try reader.readData(limit: min(limits.maxEntryBytes, isManifest ? 16 << 20 : Int.max)) { block in
                    if size == 0, block.starts(with: Self.sqliteMagic) { sink = FileHandle.create(scratchFile) }
                    hasher.update(bufferPointer: block)
                    size += block.count
                    if isManifest { collected.append(contentsOf: block) }
                    sink?.write(Data(block))
                }
            } catch {
                throw refused(path, header.path, "corrupt data: \(error)")
            }
            try? sink?.close()
            if sink != nil { pending.append((name, scratchFile)) }
            if isManifest {
                manifestData = collected
            } else {
                seen[name] = (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
            }
        }
        guard let manifestData else {
            throw refused(path, nil, "no \(BackupManifest.entryName): not a tradectl archive")
        }
        let manifest: BackupManifest
        do { manifest = try BackupManifest.decode(manifestData) } catch {
            throw refused(path, BackupManifest.entryName, "unreadable manifest: \(error)")
        }
        guard manifest.format <= BackupManifest.currentFormat else {
            throw refused(
                path, nil,
                "archive format \(manifest.format) is newer than this tradectl understands (\(BackupManifest.currentFormat)); upgrade tradectl"
            )
        }
        guard manifest.project == project else {
            throw refused(path, nil, "archive belongs to project \"\(manifest.project)\", not \"\(project)\"")
        }
        for (name, file) in pending { databases[name] = file }
        return VerifyReport(archive: path, manifest: manifest, files: compare(manifest, seen, databases))
    }

    private func compare(
        _ manifest: BackupManifest, _ seen: [String: (size: Int, sha256: String)], _ extracted: [String: String]
    ) -> [FileCheck] {
        var checks: [FileCheck] = []
        var listed: Set<String> = []
        for file in manifest.files {
            listed.insert(file.path)
            guard let actual = seen[file.path] else {
                checks.append(.init(path: file.path, ok: false, detail: "listed in the manifest but missing"))
                continue
            }
            guard actual.size == file.size, actual.sha256 == file.sha256 else {
                checks.append(.init(path: file.path, ok: false, detail: "SHA-256/size mismatch"))
                continue
            }
            if file.kind == .database, let temp = extracted[file.path] {
                let result = SQLiteSnapshot.integrityCheck(temp)
                checks.append(
                    .init(path: file.path, ok: result == "ok", detail: "sha256 ok, integrity_check: \(result)"))
            } else {
                checks.append(.init(path: file.path, ok: true, detail: "sha256 ok"))
            }
        }
        for name in seen.keys.sorted() where !listed.contains(name) {
            checks.append(.init(path: name, ok: false, detail: "in the archive but not in the manifest"))
        }
        return checks
    }

    /// Relative, no `..`, under a known top-level directory, not through a symlink entry.
    func checkPath(_ header: ArchiveEntryHeader, archive: String, symlinks: Set<String>) throws -> String {
        let raw = header.path
        if raw.hasPrefix("/") { throw refused(archive, raw, "absolute path") }
        let parts = raw.split(separator: "/").filter { $0 != "." }
        if parts.contains("..") { throw refused(archive, raw, "path contains \"..\"") }
        guard let first = parts.first else { throw refused(archive, raw, "empty path") }
        let name = parts.joined(separator: "/")
        if name != BackupManifest.entryName && !Self.allowedRoots.contains(String(first)) {
            throw refused(archive, raw, "unexpected top-level entry (expected config/, release/, shared/)")
        }
        for index in parts.indices.dropLast() {
            let prefix = parts[...index].joined(separator: "/")
            if symlinks.contains(prefix) { throw refused(archive, raw, "path goes through the symlink \(prefix)") }
        }
        if UnitValue.problem(in: name) != nil { throw refused(archive, raw, "control characters in the name") }
        return name
    }

    /// A symlink may only point inside the archive's own tree.
    func checkSymlink(_ header: ArchiveEntryHeader, name: String, archive: String) throws {
        guard let target = header.linkTarget, !target.isEmpty else {
            throw refused(archive, header.path, "empty symlink")
        }
        if target.hasPrefix("/") { throw refused(archive, header.path, "symlink to an absolute path (\(target))") }
        var stack = name.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/") {
            if part == ".." {
                if stack.count <= 1 {
                    throw refused(archive, header.path, "symlink leaves the restore root (\(target))")
                }
                stack.removeLast()
            } else if part != "." {
                stack.append(String(part))
            }
        }
    }

    private func refused(_ archive: String, _ entry: String?, _ reason: String) -> ArchiveRefused {
        ArchiveRefused(archive: archive, entry: entry, reason: reason)
    }
}

extension FileHandle {
    /// A new private (0600) file for writing.
    static func create(_ path: String) -> FileHandle? {
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        return FileHandle(forWritingAtPath: path)
    }
}
