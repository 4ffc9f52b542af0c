import Foundation

/// `[runbooks]`: where a project keeps its own runbooks (see docs/runbooks.md).
public struct RunbooksConfig: Sendable, Equatable {
    /// Searched before `<config dir>/runbooks` and the shipped runbooks; absolute after decoding.
    public var dirs: [String]

    public init(dirs: [String] = []) { self.dirs = dirs }
}
