import Foundation
import Logging

/// Builds the restored `shared/` tree in a staging directory.
public struct StageRestore: Effect {
    public var stage: RestoreStage
    /// What the restore changes in `shared/`, when known at planning (a verified manifest);
    /// otherwise the stager's `StagedRestore` says, once it has read the archive.
    public var changes: RestoreChanges?
    public var typeName: String { "restore-stage" }
    public var target: String { "\(stage.staging)/shared" }
}

/// Swaps two trees atomically (renameat2 RENAME_EXCHANGE).
public struct ExchangeTrees: Effect {
    public var first: String
    public var second: String
    public var typeName: String { "exchange" }
    public var target: String { "\(second) ⇄ \(first)" }
}

extension Effect where Self == StageRestore {
    public static func restoreStage(_ stage: RestoreStage, changes: RestoreChanges?) -> StageRestore {
        StageRestore(stage: stage, changes: changes)
    }
}

extension Effect where Self == ExchangeTrees {
    public static func exchange(first: String, second: String) -> ExchangeTrees {
        ExchangeTrees(first: first, second: second)
    }
}

/// The restore capability's handlers: the stager, the atomic exchange, the safety copies.
public struct RestoreEffectHandlers: Sendable {
    public var fileSystem: FileSystem
    public var store: StateStore
    public var logger: Logger?

    public init(fileSystem: FileSystem, store: StateStore, logger: Logger? = nil) {
        self.fileSystem = fileSystem
        self.store = store
        self.logger = logger
    }

    public var all: [any EffectHandler] {
        [Stager(fileSystem: fileSystem, logger: logger), Exchanger(fileSystem: fileSystem)]
            + SafetyCopyHandlers(fileSystem: fileSystem, store: store).all
    }

    struct Stager: EffectHandler {
        var fileSystem: FileSystem
        var logger: Logger?
        func apply(_ effect: StageRestore) async throws -> (any Sendable)? {
            try RestoreStager(
                fileSystem: fileSystem, owner: OwnerResolver.resolve(effect.stage.owner), logger: logger
            ).stage(effect.stage)
        }
    }

    struct Exchanger: EffectHandler {
        var fileSystem: FileSystem
        func apply(_ effect: ExchangeTrees) async throws -> (any Sendable)? {
            try AtomicExchange.exchange(fileSystem.hostPath(effect.first), fileSystem.hostPath(effect.second))
            return nil
        }
    }
}
