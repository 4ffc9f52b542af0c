import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the `shared/` tree a restore swapped out as the pre-restore safety copy: the
/// staging directory (which now holds the old tree) renamed to `entry.path` — one rename on
/// the same file system, no byte copied or recompressed — and a catalog row.
public struct KeepSafetyCopy: Effect {
    public var staging: String
    public var entry: SafetyCopyEntry
    public var typeName: String { "safety-copy" }
    public var target: String { entry.path }
}

/// Removes a safety copy and its catalog row (retention).
public struct DropSafetyCopy: Effect {
    public var path: String
    public var typeName: String { "drop-safety-copy" }
    public var target: String { path }
}

/// After a failure once the trees were exchanged: puts the previous tree back in `shared/`,
/// from wherever it is by then (the safety copy once kept, else the staging directory), and
/// drops the safety copy or removes the staging directory, whichever then holds the rejected tree.
public struct SwapBack: Effect {
    public var shared: String
    public var staging: String
    public var copy: String
    public var typeName: String { "swap-back" }
    public var target: String { "\(shared) ⇄ previous" }
}

extension Effect where Self == KeepSafetyCopy {
    public static func keepSafetyCopy(staging: String, entry: SafetyCopyEntry) -> KeepSafetyCopy {
        KeepSafetyCopy(staging: staging, entry: entry)
    }
}

extension Effect where Self == DropSafetyCopy {
    public static func dropSafetyCopy(_ path: String) -> DropSafetyCopy { DropSafetyCopy(path: path) }
}

extension Effect where Self == SwapBack {
    public static func swapBack(shared: String, staging: String, copy: String) -> SwapBack {
        SwapBack(shared: shared, staging: staging, copy: copy)
    }
}

/// Handlers of the safety-copy effects.
struct SafetyCopyHandlers: Sendable {
    var fileSystem: FileSystem
    var store: StateStore

    var all: [any EffectHandler] {
        [Keeper(handlers: self), Dropper(handlers: self), Swapper(handlers: self)]
    }

    struct Keeper: EffectHandler {
        var handlers: SafetyCopyHandlers
        func apply(_ effect: KeepSafetyCopy) async throws -> (any Sendable)? {
            let from = handlers.fileSystem.hostPath(effect.staging)
            let to = handlers.fileSystem.hostPath(effect.entry.path)
            let parent = (to as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try systemCall("rename", from) { rename(from, to) }
            for directory in [parent, (from as NSString).deletingLastPathComponent] { try syncDirectory(directory) }
            try handlers.store.recordSafetyCopy(effect.entry)
            return nil
        }
    }

    struct Dropper: EffectHandler {
        var handlers: SafetyCopyHandlers
        func apply(_ effect: DropSafetyCopy) async throws -> (any Sendable)? {
            try handlers.fileSystem.removeTree(effect.path)
            try handlers.store.deleteSafetyCopy(path: effect.path)
            return nil
        }
    }

    struct Swapper: EffectHandler {
        var handlers: SafetyCopyHandlers
        func apply(_ effect: SwapBack) async throws -> (any Sendable)? {
            let kept = handlers.fileSystem.exists("\(effect.copy)/shared")
            let previous = handlers.fileSystem.hostPath("\(kept ? effect.copy : effect.staging)/shared")
            try AtomicExchange.exchange(previous, handlers.fileSystem.hostPath(effect.shared))
            if kept {
                try handlers.fileSystem.removeTree(effect.copy)
                try handlers.store.deleteSafetyCopy(path: effect.copy)
            } else {
                // The staging directory now holds the rejected tree: not left behind.
                try handlers.fileSystem.removeTree(effect.staging)
            }
            return nil
        }
    }
}

private func syncDirectory(_ directory: String) throws {
    let descriptor = try systemCall("open", directory) { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    defer { close(descriptor) }
    try systemCall("fsync", directory) { fsync(descriptor) }
}
