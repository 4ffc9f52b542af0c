import Foundation

/// Copies a directory tree keeping modes and symlinks (as `cp -a` would, minus owners).
struct TreeCopier {
    let skipping: (String) -> Bool
    /// Hard-link regular files instead of copying them (same file system; used by restore
    /// for files it keeps, so a large log directory costs nothing).
    let linking: Bool

    init(linking: Bool = false, skipping: @escaping (String) -> Bool) {
        self.skipping = skipping
        self.linking = linking
    }

    func copy(from source: String, to destination: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try copyContents(of: source, relative: "", to: destination)
    }

    private func copyContents(of sourceRoot: String, relative: String, to destinationRoot: String) throws {
        let manager = FileManager.default
        let directory = relative.isEmpty ? sourceRoot : "\(sourceRoot)/\(relative)"
        for name in try manager.contentsOfDirectory(atPath: directory).sorted() {
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            if skipping(path) { continue }
            let from = "\(sourceRoot)/\(path)"
            let to = "\(destinationRoot)/\(path)"
            var status = stat()
            guard lstat(from, &status) == 0 else { throw SystemCallError(call: "lstat", path: from, errno: errno) }
            let mode = mode_t(status.st_mode & 0o7777)
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                if !manager.fileExists(atPath: to) {
                    try manager.createDirectory(atPath: to, withIntermediateDirectories: false)
                }
                try copyContents(of: sourceRoot, relative: path, to: destinationRoot)
                try systemCall("chmod", to) { chmod(to, mode) }
            case S_IFLNK:
                let target = try manager.destinationOfSymbolicLink(atPath: from)
                unlink(to)
                try systemCall("symlink", to) { symlink(target, to) }
            case S_IFREG:
                unlink(to)
                if linking, link(from, to) == 0 { continue }
                try manager.copyItem(atPath: from, toPath: to)
                try systemCall("chmod", to) { chmod(to, mode) }
            default:
                continue
            }
        }
    }
}
