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
