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

    public static func gather(
        shared: String, scope: [String], root: String, fileSystem: FileSystem, services: ServiceManager?,
        units: [String]
    ) async throws -> RestoreSurvey {
        var current: [String: String] = [:]
        for item in scope { try collect(item, shared: shared, fileSystem: fileSystem, into: &current) }
        let leftovers = fileSystem.list(root).filter { $0.hasPrefix(".restore-") }.map { "\(root)/\($0)" }
        let fresh = fileSystem.info(shared) == nil
        // A fresh host has no units to ask about: its services are deploy's to install and start.
        let states = fresh ? nil : try await services?.status(of: units)
        var survey = RestoreSurvey(current: current, leftovers: leftovers, serviceStates: states)
        survey.fresh = fresh
        return survey
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
