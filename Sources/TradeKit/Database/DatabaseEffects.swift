import Foundation

/// Database maintenance (`tradectl db optimize|vacuum`) on one database.
public struct MaintainDatabase: Effect {
    public var job: SQLiteJob
    public var typeName: String { "sqlite.\(job.task.rawValue)" }
    public var target: String { job.path }
}

extension Effect where Self == MaintainDatabase {
    public static func sqlite(_ job: SQLiteJob) -> MaintainDatabase { MaintainDatabase(job: job) }
}

/// Runs the maintenance; its output is the `SQLiteResult` (a locked database is a result,
/// not a failure, so the other databases are still maintained).
public struct DatabaseMaintenanceHandler: EffectHandler {
    public var fileSystem: FileSystem

    public init(fileSystem: FileSystem) { self.fileSystem = fileSystem }

    public func apply(_ effect: MaintainDatabase) async throws -> (any Sendable)? {
        SQLiteMaintenance.run(effect.job, hostPath: fileSystem.hostPath(effect.job.path))
    }
}
