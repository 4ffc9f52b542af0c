import Crypto
import Foundation

/// The live side of a restore: which files are in the restored scope now, with their SHA-256.
public struct RestoreSurvey: Sendable {
    /// Paths relative to `shared/` → SHA-256, for files in the restored scope.
    public var current: [String: String]
    /// `.restore-*` directories left by an interrupted restore.
    public var leftovers: [String]
    public var serviceStates: [String: UnitStatus]?
    /// No `shared/` at all: a fresh host (disaster recovery) or a project never deployed here.
    public var fresh = false
    /// The service account exists (always true in user scope).
    public var accountsExist = true
    /// Safety copies kept by earlier restores, newest first (for their retention).
    public var safetyCopies: [SafetyCopyEntry] = []
    /// Names in `<root>/pre-restore/`, so a new copy never takes one (two restores in a second).
    public var takenSafetyCopyNames: Set<String> = []

    public static func gather(
        shared: String, scope: [String], root: String, fileSystem: FileSystem, services: ServiceManager?,
        units: [String]
    ) async throws -> RestoreSurvey {
        let current = try hashes(shared: shared, scope: scope, fileSystem: fileSystem)
        let leftovers = fileSystem.list(root).filter { $0.hasPrefix(".restore-") }.map { "\(root)/\($0)" }
        let fresh = fileSystem.info(shared) == nil
        // A fresh host has no units to ask about: its services are deploy's to install and start.
        let states = fresh ? nil : try await services?.status(of: units)
        var survey = RestoreSurvey(current: current, leftovers: leftovers, serviceStates: states)
        survey.fresh = fresh
        survey.takenSafetyCopyNames = Set(fileSystem.list("\(root)/pre-restore"))
        return survey
    }

    /// The files of `scope` under `shared` (sidecars left out), path → SHA-256.
    static func hashes(shared: String, scope: [String], fileSystem: FileSystem) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in scope { try collect(item, shared: shared, fileSystem: fileSystem, into: &result) }
        return result
    }

    private static func collect(
        _ relative: String, shared: String, fileSystem: FileSystem, into result: inout [String: String]
    ) throws {
        let path = "\(shared)/\(relative)"
        guard let info = fileSystem.info(path) else { return }
        switch info.kind {
        case .file:
            if RestorePlanner.isSidecar(relative) { return }
            result[relative] = try sha256(fileSystem.hostPath(path))
        case .directory:
            for name in fileSystem.list(path) {
                try collect("\(relative)/\(name)", shared: shared, fileSystem: fileSystem, into: &result)
            }
        default:
            return
        }
    }

    static func sha256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SystemCallError(call: "open", path: path, errno: errno)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
