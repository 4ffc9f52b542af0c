import Foundation
import Synchronization

/// The project's state database for one invocation: opened at most once (GRDB's first rule:
/// one connection pool per database file), then passed down to everything that reads or
/// records. Created on the first write only, so read-only commands and dry runs never
/// create it; surveys read it through `existing()`, which never writes (not even the
/// `-wal`/`-shm` files), so a dry run leaves it byte for byte as it was.
public final class StateDatabase: Sendable {
    public let layout: DeployLayout
    public let fileSystem: FileSystem
    private let opened = Mutex<StateStore?>(nil)
    /// The surveys' read-only handle, until the writable store is opened.
    private let surveyed = Mutex<StateStore?>(nil)

    public init(layout: DeployLayout, fileSystem: FileSystem) {
        self.layout = layout
        self.fileSystem = fileSystem
    }

    /// A handle on a store already open (the monitor keeps one for its whole life).
    public init(layout: DeployLayout, fileSystem: FileSystem, store: StateStore) {
        self.layout = layout
        self.fileSystem = fileSystem
        opened.withLock { $0 = store }
    }

    /// The store, creating the state directory (0700) and the database when missing.
    public func store() throws -> StateStore {
        try opened.withLock { store in
            if let store { return store }
            if fileSystem.info(layout.stateDir) == nil {
                try fileSystem.makeDirectory(layout.stateDir, mode: 0o700, owner: nil)
            }
            let created = try StateStore(path: fileSystem.hostPath(layout.stateDatabase))
            store = created
            // One connection per file from here on: the survey handle closes when released.
            surveyed.withLock { $0 = nil }
            return created
        }
    }

    /// For surveys: the database read-only when it exists, else nil. Nothing is created or
    /// written (a dry run plans with it); once this invocation has opened the writable
    /// store, that one.
    public func existing() throws -> StateStore? {
        if let store = opened.withLock({ $0 }) { return store }
        return try surveyed.withLock { survey in
            if let survey { return survey }
            guard fileSystem.info(layout.stateDatabase) != nil else { return nil }
            let store = try StateStore(surveying: fileSystem.hostPath(layout.stateDatabase))
            survey = store
            return store
        }
    }

    /// For effect handlers that record only where a database already exists (verified-at in
    /// the catalog of a host that has one): the writable store, or nil.
    public func writableIfExisting() throws -> StateStore? {
        if let store = opened.withLock({ $0 }) { return store }
        guard fileSystem.info(layout.stateDatabase) != nil else { return nil }
        return try store()
    }

    /// Appends one audit row.
    public func recordAudit(_ entry: AuditEntry) throws {
        try store().recordAudit(entry)
    }
}
