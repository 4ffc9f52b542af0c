import Crypto
import Foundation

/// The checks of one sequential read of an archive, shared by `backup verify` and the
/// restore stager so both refuse exactly the same archives: every header is checked
/// before its data goes anywhere, every entry is hashed as it streams past, and at the
/// end the manifest is checked against what was seen.
struct ArchiveScan {
    var archive: String
    var limits: ArchiveLimits
    var project: String
    private(set) var seen: [String: (size: Int, sha256: String)] = [:]
    private var symlinks: Set<String> = []
    private var manifestData: Data?
    private var total = 0
    private var count = 0

    init(archive: String, limits: ArchiveLimits, project: String) {
        self.archive = archive
        self.limits = limits
        self.project = project
    }

    /// Checks a header; returns the entry's normalised name when it is a regular file whose
    /// data must be read (hashed, and perhaps written), nil for a directory or a symlink.
    mutating func admit(_ header: ArchiveEntryHeader) throws -> String? {
        count += 1
        if count > limits.maxEntries { throw refused(header.path, "more than \(limits.maxEntries) entries") }
        let verifier = ArchiveVerifier(limits: limits, project: project)
        let name = try verifier.checkPath(header, archive: archive, symlinks: symlinks)
        switch header.kind {
        case .directory:
            return nil
        case .symlink:
            try verifier.checkSymlink(header, name: name, archive: archive)
            symlinks.insert(name)
            return nil
        case .file:
            break
        case .hardlink:
            throw refused(header.path, "hard links are not allowed")
        case .device, .fifo, .socket, .other:
            throw refused(header.path, "device nodes, FIFOs and sockets are not allowed")
        }
        if seen[name] != nil || (name == BackupManifest.entryName && manifestData != nil) {
            throw refused(header.path, "appears twice")
        }
        if header.size > limits.maxEntryBytes {
            throw refused(header.path, "\(header.size) bytes exceeds the \(limits.maxEntryBytes)-byte entry limit")
        }
        total += header.size
        if total > limits.maxTotalBytes {
            throw refused(header.path, "archive exceeds the \(limits.maxTotalBytes)-byte total limit")
        }
        return name
    }

    /// The most data an admitted entry may hold (the manifest is small; a bomb stops here).
    func limit(for name: String) -> Int {
        min(limits.maxEntryBytes, name == BackupManifest.entryName ? 16 << 20 : Int.max)
    }

    /// Hashes an admitted entry's data as `stream` hands it over, block by block.
    mutating func digest(
        _ name: String, _ stream: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        var hasher = SHA256()
        var size = 0
        var collected = Data()
        let isManifest = name == BackupManifest.entryName
        do {
            try stream { block in
                hasher.update(bufferPointer: block)
                size += block.count
                if isManifest { collected.append(contentsOf: block) }
            }
        } catch let refusal as ArchiveRefused {
            throw refusal
        } catch let disk as ArchiveDiskWriteFailed {
            throw disk  // this host's disk, not the archive
        } catch {
            throw refused(name, "corrupt data: \(error)")
        }
        if isManifest {
            manifestData = collected
        } else {
            seen[name] = (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
        }
    }

    /// After the last entry: the manifest is there, readable, ours and not newer than this
    /// tradectl; then one check per file (hash and size, nothing missing, nothing unlisted).
    func finish() throws -> (manifest: BackupManifest, files: [FileCheck]) {
        guard let manifestData else {
            throw refused(nil, "no \(BackupManifest.entryName): not a tradectl archive")
        }
        let manifest: BackupManifest
        do { manifest = try BackupManifest.decode(manifestData) } catch {
            throw refused(BackupManifest.entryName, "unreadable manifest: \(error)")
        }
        guard manifest.format <= BackupManifest.currentFormat else {
            throw refused(
                nil,
                "archive format \(manifest.format) is newer than this tradectl understands (\(BackupManifest.currentFormat)); upgrade tradectl"
            )
        }
        guard manifest.project == project else {
            throw refused(nil, "archive belongs to project \"\(manifest.project)\", not \"\(project)\"")
        }
        return (manifest, compare(manifest))
    }

    private func compare(_ manifest: BackupManifest) -> [FileCheck] {
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
            checks.append(.init(path: file.path, ok: true, detail: "sha256 ok"))
        }
        for name in seen.keys.sorted() where !listed.contains(name) {
            checks.append(.init(path: name, ok: false, detail: "in the archive but not in the manifest"))
        }
        return checks
    }

    func refused(_ entry: String?, _ reason: String) -> ArchiveRefused {
        ArchiveRefused(archive: archive, entry: entry, reason: reason)
    }
}
