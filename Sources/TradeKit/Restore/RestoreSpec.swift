import Foundation

/// What a restore will do, decided from the verified manifest and the live `shared/`.
public struct RestoreSpec: Sendable, Equatable {
    /// Target path of the archive.
    public var archive: String
    /// `<root>/shared`, swapped as a whole.
    public var shared: String
    /// `<root>/.restore-<stamp>`: the new tree is built in `<staging>/shared`.
    public var staging: String
    /// Archive paths (`shared/...`) to restore.
    public var restored: [String]
    /// Live paths relative to `shared/` kept as they are (outside the restored scope).
    public var kept: [String]
    public var added: [String]
    public var changed: [String]
    public var removed: [String]
}

/// Files of a restore, for `--dry-run` and `--json`.
public struct RestoreChanges: Sendable, Equatable, Codable {
    public var added: [String]
    public var changed: [String]
    public var removed: [String]
    public var unchanged: [String]
}

extension RestoreChanges {
    /// The in-scope files a restore puts back (`restored`) against the live ones (`current`),
    /// both path (relative to `shared/`) → SHA-256.
    public init(restored: [String: String], current: [String: String]) {
        var added: [String] = []
        var changed: [String] = []
        var unchanged: [String] = []
        for (path, sha) in restored {
            switch current[path] {
            case nil: added.append(path)
            case sha?: unchanged.append(path)
            default: changed.append(path)
            }
        }
        let removed = current.keys.filter { restored[$0] == nil }.sorted()
        self.init(added: added.sorted(), changed: changed.sorted(), removed: removed, unchanged: unchanged.sorted())
    }

    /// The manifest's in-scope `shared/` files against the live ones.
    public init(manifest: BackupManifest, current: [String: String], scope: [String]) {
        var restored: [String: String] = [:]
        for file in manifest.files where file.path.hasPrefix("shared/") {
            let path = String(file.path.dropFirst("shared/".count))
            if RestorePlanner.inScope(path, scope) { restored[path] = file.sha256 }
        }
        self.init(restored: restored, current: current)
    }
}
