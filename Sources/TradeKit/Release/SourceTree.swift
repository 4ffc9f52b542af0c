import Crypto
import Foundation

/// A snapshot of a release source directory: its entries and a content digest.
///
/// The digest covers relative paths, kinds, modes, file contents and link targets, so
/// the same source always yields the same release version and a re-deploy plans nothing.
public struct SourceTree: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case file, directory, symlink(String) }
        public var path: String
        public var kind: Kind
        public var mode: UInt32
    }

    public var root: String
    public var entries: [Entry]
    public var digest: String

    /// Walks `root`, skipping entries whose name is in `exclude` or whose relative path is in `skip`.
    public static func scan(root: String, exclude: [String], skip: Set<String>) throws -> SourceTree {
        var entries: [Entry] = []
        var hasher = SHA256()
        try walk(root: root, relative: "", exclude: Set(exclude), skip: skip) { entry, host in
            entries.append(entry)
            hasher.update(data: Data("\(entry.path)\0\(entry.mode)\0".utf8))
            switch entry.kind {
            case .directory: hasher.update(data: Data("d\0".utf8))
            case .symlink(let target): hasher.update(data: Data("l\0\(target)\0".utf8))
            case .file:
                hasher.update(data: Data("f\0".utf8))
                try hashFile(host, into: &hasher)
            }
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return SourceTree(root: root, entries: entries, digest: digest)
    }

    private static func walk(
        root: String, relative: String, exclude: Set<String>, skip: Set<String>,
        visit: (Entry, String) throws -> Void
    ) throws {
        let directory = relative.isEmpty ? root : "\(root)/\(relative)"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        for name in names where !exclude.contains(name) {
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            if skip.contains(path) { continue }
            let host = "\(root)/\(path)"
            var status = stat()
            guard lstat(host, &status) == 0 else { throw SystemCallError(call: "lstat", path: host, errno: errno) }
            let mode = UInt32(status.st_mode & 0o7777)
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                try visit(Entry(path: path, kind: .directory, mode: mode), host)
                try walk(root: root, relative: path, exclude: exclude, skip: skip, visit: visit)
            case S_IFLNK:
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: host)
                try visit(Entry(path: path, kind: .symlink(target), mode: mode), host)
            case S_IFREG:
                try visit(Entry(path: path, kind: .file, mode: mode), host)
            default:
                continue  // sockets, FIFOs and devices have no place in a release
            }
        }
    }

    private static func hashFile(_ path: String, into hasher: inout SHA256) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SystemCallError(call: "open", path: path, errno: errno)
        }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
    }
}
