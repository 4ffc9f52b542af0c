import Foundation

/// What the probe learns about one path (without following a final symlink).
public struct FileInfo: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case file, directory, symlink, other }
    public var kind: Kind
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var size: Int
    public var modified: Date
    public var linkTarget: String?
}

/// Owner to apply to a created path; nil fields are left as they are.
public struct Ownership: Sendable, Equatable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
}

/// The file system as the Executor and the probes see it, rooted at `--root`.
///
/// Every path given to it is absolute as the deployed machine sees it
/// (`/opt/v6/current`); the implementation prefixes the root. Reads are used by
/// probes; writes only by the Executor.
public protocol FileSystem: Sendable {
    var root: String { get }
    func info(_ path: String) -> FileInfo?
    func read(_ path: String) -> Data?
    func list(_ path: String) -> [String]
    func writeAtomically(_ path: String, data: Data, mode: UInt32, owner: Ownership?) throws
    func makeDirectory(_ path: String, mode: UInt32, owner: Ownership?) throws
    func symlinkAtomically(_ path: String, target: String) throws
    func removeTree(_ path: String) throws
    func setMode(_ path: String, mode: UInt32, owner: Ownership?) throws
    /// Copies a host directory (not rooted: a source tree) into the rooted `destination`.
    func copyTree(from hostSource: String, to destination: String, skipping: @escaping (String) -> Bool) throws
    /// The real path on this host, for handing to child processes.
    func hostPath(_ path: String) -> String
}

extension FileSystem {
    public func exists(_ path: String) -> Bool { info(path) != nil }
}
