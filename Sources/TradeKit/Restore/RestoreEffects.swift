import Foundation

/// Builds the restored `shared/` tree in a staging directory.
public struct StageRestore: Effect {
    public var stage: RestoreStage
    /// What the restore changes in `shared/`, as planned (for the outcome and the audit line).
    public var changes: RestoreChanges
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
    public static func restoreStage(_ stage: RestoreStage, changes: RestoreChanges) -> StageRestore {
        StageRestore(stage: stage, changes: changes)
    }
}

extension Effect where Self == ExchangeTrees {
    public static func exchange(first: String, second: String) -> ExchangeTrees {
        ExchangeTrees(first: first, second: second)
    }
}

/// The restore capability's handlers: the stager and the atomic exchange.
public struct RestoreEffectHandlers: Sendable {
    public var fileSystem: FileSystem

    public init(fileSystem: FileSystem) { self.fileSystem = fileSystem }

    public var all: [any EffectHandler] { [Stager(fileSystem: fileSystem), Exchanger(fileSystem: fileSystem)] }

    struct Stager: EffectHandler {
        var fileSystem: FileSystem
        func apply(_ effect: StageRestore) async throws -> (any Sendable)? {
            try RestoreStager(fileSystem: fileSystem, owner: OwnerResolver.resolve(effect.stage.owner)).stage(
                effect.stage)
            return nil
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
