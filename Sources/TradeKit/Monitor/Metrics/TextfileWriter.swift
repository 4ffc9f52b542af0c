import Foundation

/// Writes the metrics for node_exporter's textfile collector, for hosts where Prometheus
/// scrapes node_exporter rather than the monitor.
///
/// node_exporter reads every `*.prom` file of its directory on each scrape, so the file must
/// change in one step: it is written under a temporary dot-name (not `*.prom`, never read
/// half-written), fsynced and renamed over the old one, by `FileSystem.writeAtomically`.
public struct TextfileWriter: Sendable {
    private let fileSystem: FileSystem

    /// `fileSystem` is rooted at `--root` like every other write of tradectl.
    public init(fileSystem: FileSystem = RootedFileSystem()) {
        self.fileSystem = fileSystem
    }

    /// `<directory>/tradectl_<project>.prom`, mode 0644 (node_exporter runs as its own user).
    public static func path(directory: String, project: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + "tradectl_\(project).prom"
    }

    /// Replaces the project's file with `text`; returns its path.
    @discardableResult
    public func write(_ text: String, directory: String, project: String) throws -> String {
        let path = Self.path(directory: directory, project: project)
        try fileSystem.writeAtomically(path, data: Data(text.utf8), mode: 0o644, owner: nil)
        return path
    }
}
