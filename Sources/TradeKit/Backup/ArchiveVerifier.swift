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
        var scan = ArchiveScan(archive: path, limits: limits, project: project)
        var databases: [String: String] = [:]  // archive path → extracted temp file
        while true {
            let header: ArchiveEntryHeader?
            do { header = try reader.next() } catch { throw refused(path, nil, "corrupt: \(error)") }
            guard let header else { break }
            guard let name = try scan.admit(header) else { continue }
            let scratchFile = "\(scratch)/\(databases.count).entry"
            // Only SQLite files (by their header) are copied out, for integrity_check.
            var sink: FileHandle?
            var first = true
            let limit = scan.limit(for: name)
            try scan.digest(name) { observe in
                try reader.readData(limit: limit) { block in
                    if first, block.starts(with: Self.sqliteMagic) { sink = FileHandle.create(scratchFile) }
                    first = false
                    try observe(block)
                    sink?.write(Data(block))
                }
            }
            try? sink?.close()
            if sink != nil { databases[name] = scratchFile }
        }
        let (manifest, checks) = try scan.finish()
        let files = checks.map { check -> FileCheck in
            guard check.ok, let temp = databases[check.path],
                manifest.files.contains(where: { $0.path == check.path && $0.kind == .database })
            else { return check }
            let result = SQLiteSnapshot.integrityCheck(temp)
            return .init(path: check.path, ok: result == "ok", detail: "sha256 ok, integrity_check: \(result)")
        }
        return VerifyReport(archive: path, manifest: manifest, files: files)
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
