import Foundation

/// `[runbooks]`: where a project keeps its own runbooks (see docs/runbooks.md).
public struct RunbooksConfig: Sendable, Equatable {
    /// Searched before `<config dir>/runbooks` and the shipped runbooks; absolute after decoding.
    public var dirs: [String]

    public init(dirs: [String] = []) { self.dirs = dirs }
}

extension DeploymentDecoder {
    func decodeRunbooks(_ reader: SectionReader) -> RunbooksConfig {
        let base = URL(fileURLWithPath: configPath).deletingLastPathComponent()
        var dirs: [String] = []
        for (index, dir) in reader.stringList("dirs").enumerated() {
            guard !dir.isEmpty else {
                issues.error("\(reader.keyPath("dirs"))[\(index)]", "must not be empty", at: reader.originOf("dirs"))
                continue
            }
            dirs.append(dir.hasPrefix("/") ? dir : base.appendingPathComponent(dir).standardized.path)
        }
        reader.finish()
        return RunbooksConfig(dirs: dirs)
    }
}
