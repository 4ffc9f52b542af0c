import CLinux
import Foundation

/// Written last into a release as `.tradectl-release.json`: a release without it is incomplete.
public struct ReleaseMetadata: Sendable, Equatable, Codable {
    public static let fileName = ".tradectl-release.json"

    public var version: String
    public var digest: String
    public var source: String
    public var createdAt: Date
    public var createdBy: String
    public var tradectlVersion: String
    /// Git commit of the source, when it was a checkout.
    public var commit: String?

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func decode(_ data: Data) -> ReleaseMetadata? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ReleaseMetadata.self, from: data)
    }
}

/// tradectl's own version, and the commit the binary was built from.
public enum TradectlVersion {
    /// The one place the version lives: `scripts/package.sh` reads it from this line for the .deb's name.
    public static let current = "0.2.0"

    /// The commit `scripts/package.sh` patched into the binary, or `"unknown"` for a plain `swift build`.
    public static var commit: String {
        let text = String(cString: tradectl_commit())
        return text.isEmpty ? "unknown" : text
    }

    /// What `tradectl --version` prints: `tradectl 0.2.0 (commit abc1234)`.
    public static var versionLine: String { "tradectl \(current) (commit \(commit))" }
}
