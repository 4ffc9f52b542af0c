import Foundation
import Synchronization

/// The project's state database for one invocation: opened at most once (GRDB's first rule:
/// one connection pool per database file), then passed down to everything that reads or
/// records. Created on the first write only, so read-only commands and dry runs never
/// create it.
public final class StateDatabase: Sendable {
    public let layout: DeployLayout
    public let fileSystem: FileSystem
    private let opened = Mutex<StateStore?>(nil)

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
            return created
        }
    }

    /// The store when the database exists, else nil (nothing is created).
    public func existing() throws -> StateStore? {
        if let store = opened.withLock({ $0 }) { return store }
        guard fileSystem.info(layout.stateDatabase) != nil else { return nil }
        return try store()
    }

    /// Appends one audit row.
    public func recordAudit(_ entry: AuditEntry) throws {
        try store().recordAudit(entry)
    }
}
