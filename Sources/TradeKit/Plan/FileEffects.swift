import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Creates a directory (or fixes its mode and owner).
public struct MakeDirectory: Effect {
    public var path: String
    public var mode: UInt32
    public var owner: OwnerSpec?
    public var typeName: String { "directory" }
    public var target: String { path }
}

/// Writes a file atomically. A `secret` file's content is never shown or logged.
public struct WriteFile: Effect {
    public var path: String
    public var content: Data
    public var mode: UInt32
    public var owner: OwnerSpec?
    public var secret: Bool
    public var typeName: String { "file" }
    public var target: String { path }
}

/// Points a symlink at `destination`, atomically (rename over the old link).
public struct MakeSymlink: Effect {
    public var path: String
    public var destination: String
    public var typeName: String { "symlink" }
    public var target: String { path }
}

/// Removes a file or a whole tree.
public struct RemovePath: Effect {
    public var path: String
    public var typeName: String { "remove" }
    public var target: String { path }
}

extension Effect where Self == MakeDirectory {
    public static func directory(path: String, mode: UInt32, owner: OwnerSpec?) -> MakeDirectory {
        MakeDirectory(path: path, mode: mode, owner: owner)
    }
}

extension Effect where Self == WriteFile {
    public static func file(path: String, content: Data, mode: UInt32, owner: OwnerSpec?, secret: Bool) -> WriteFile {
        WriteFile(path: path, content: content, mode: mode, owner: owner, secret: secret)
    }
}

extension Effect where Self == MakeSymlink {
    public static func symlink(path: String, target: String) -> MakeSymlink {
        MakeSymlink(path: path, destination: target)
    }
}

extension Effect where Self == RemovePath {
    public static func remove(path: String) -> RemovePath { RemovePath(path: path) }
}

/// Applies the four file effects through a `FileSystem` (rooted under `--root` or not).
public struct FileEffectHandlers: Sendable {
    public var fileSystem: FileSystem

    public init(fileSystem: FileSystem) { self.fileSystem = fileSystem }

    public var all: [any EffectHandler] {
        [Directories(files: self), Files(files: self), Symlinks(files: self), Removals(files: self)]
    }

    struct Directories: EffectHandler {
        var files: FileEffectHandlers
        func apply(_ effect: MakeDirectory) async throws -> (any Sendable)? {
            try files.fileSystem.makeDirectory(
                effect.path, mode: effect.mode, owner: OwnerResolver.resolve(effect.owner))
            return nil
        }
    }

    struct Files: EffectHandler {
        var files: FileEffectHandlers
        func apply(_ effect: WriteFile) async throws -> (any Sendable)? {
            try files.ensureParent(of: effect.path)
            try files.fileSystem.writeAtomically(
                effect.path, data: effect.content, mode: effect.mode, owner: OwnerResolver.resolve(effect.owner))
            return nil
        }
    }

    struct Symlinks: EffectHandler {
        var files: FileEffectHandlers
        func apply(_ effect: MakeSymlink) async throws -> (any Sendable)? {
            try files.ensureParent(of: effect.path)
            try files.fileSystem.symlinkAtomically(effect.path, target: effect.destination)
            return nil
        }
    }

    struct Removals: EffectHandler {
        var files: FileEffectHandlers
        func apply(_ effect: RemovePath) async throws -> (any Sendable)? {
            try files.fileSystem.removeTree(effect.path)
            return nil
        }
    }

    func ensureParent(of path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if fileSystem.info(parent) == nil { try fileSystem.makeDirectory(parent, mode: 0o755, owner: nil) }
    }
}

/// Owner names → ids, looked up when applied (the account may be created earlier in the plan).
public enum OwnerResolver {
    /// A name that is no account but a number is taken as an id, as chown(1) does (an existing
    /// file's owner is kept that way). Under `--root` the account may not exist on this
    /// machine; ownership is then left alone.
    public static func resolve(_ owner: OwnerSpec?) -> Ownership? {
        guard let owner else { return nil }
        guard let uid = getpwnam(owner.user).map({ $0.pointee.pw_uid }) ?? UInt32(owner.user),
            let gid = getgrnam(owner.group).map({ $0.pointee.gr_gid }) ?? UInt32(owner.group)
        else { return nil }
        return Ownership(uid: uid, gid: gid)
    }
}
