import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The real file system, with every path prefixed by `root` (`/` normally, `--root DIR` otherwise).
///
/// Writes are crash-safe: a temp file in the same directory, fsync, rename, then fsync
/// of the directory, so a kill -9 leaves the old content or the new one.
public struct RootedFileSystem: FileSystem {
    public let root: String

    public init(root: String = "/") {
        self.root = root == "/" ? "/" : String(root.reversed().drop { $0 == "/" }.reversed())
    }

    public func hostPath(_ path: String) -> String {
        root == "/" ? path : root + (path.hasPrefix("/") ? path : "/" + path)
    }

    public func info(_ path: String) -> FileInfo? {
        var status = stat()
        let host = hostPath(path)
        guard lstat(host, &status) == 0 else { return nil }
        let kind: FileInfo.Kind
        var linkTarget: String?
        switch status.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK:
            kind = .symlink
            linkTarget = try? FileManager.default.destinationOfSymbolicLink(atPath: host)
        default: kind = .other
        }
        let modified = Date(
            timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
        return FileInfo(
            kind: kind, mode: UInt32(status.st_mode & 0o7777), uid: status.st_uid, gid: status.st_gid,
            size: Int(status.st_size), modified: modified, linkTarget: linkTarget)
    }

    public func read(_ path: String) -> Data? {
        FileManager.default.contents(atPath: hostPath(path))
    }

    public func list(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: hostPath(path))) ?? []).sorted()
    }

    public func writeAtomically(_ path: String, data: Data, mode: UInt32, owner: Ownership?) throws {
        let host = hostPath(path)
        let directory = (host as NSString).deletingLastPathComponent
        let temp = "\(directory)/.\((host as NSString).lastPathComponent).tradectl-tmp"
        unlink(temp)
        let descriptor = try systemCall("open", temp) { open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        do {
            defer { close(descriptor) }
            try systemCall("fchmod", temp) { fchmod(descriptor, mode_t(mode)) }
            if let owner { try systemCall("fchown", temp) { fchown(descriptor, owner.uid, owner.gid) } }
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = try systemCall("write", temp) {
                        Int32(clamping: write(descriptor, buffer.baseAddress! + offset, buffer.count - offset))
                    }
                    offset += Int(written)
                }
            }
            try systemCall("fsync", temp) { fsync(descriptor) }
        } catch {
            unlink(temp)
            throw error
        }
        CrashPoint.hit("file written, before rename: \(path)")
        try systemCall("rename", host) { rename(temp, host) }
        try syncDirectory(directory)
    }

    public func makeDirectory(_ path: String, mode: UInt32, owner: Ownership?) throws {
        let host = hostPath(path)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: host, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        }
        try setMode(path, mode: mode, owner: owner)
    }

    public func setMode(_ path: String, mode: UInt32, owner: Ownership?) throws {
        let host = hostPath(path)
        try systemCall("chmod", host) { chmod(host, mode_t(mode)) }
        if let owner { try systemCall("lchown", host) { lchown(host, owner.uid, owner.gid) } }
    }

    /// Replaces `path` with a symlink by renaming a temp link over it (atomic, as Capistrano does).
    public func symlinkAtomically(_ path: String, target: String) throws {
        let host = hostPath(path)
        let directory = (host as NSString).deletingLastPathComponent
        let temp = "\(directory)/.\((host as NSString).lastPathComponent).tradectl-link"
        unlink(temp)
        try systemCall("symlink", temp) { symlink(target, temp) }
        CrashPoint.hit("link created, before rename: \(path)")
        try systemCall("rename", host) { rename(temp, host) }
        try syncDirectory(directory)
    }

    public func removeTree(_ path: String) throws {
        let host = hostPath(path)
        guard lstatExists(host) else { return }
        try FileManager.default.removeItem(atPath: host)
    }

    public func copyTree(from hostSource: String, to destination: String, skipping: @escaping (String) -> Bool) throws {
        try TreeCopier(skipping: skipping).copy(from: hostSource, to: hostPath(destination))
    }

    private func lstatExists(_ host: String) -> Bool {
        var status = stat()
        return lstat(host, &status) == 0
    }

    private func syncDirectory(_ directory: String) throws {
        let descriptor = try systemCall("open", directory) { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(descriptor) }
        try systemCall("fsync", directory) { fsync(descriptor) }
    }
}
