import Foundation

/// `MANIFEST.json` inside every archive: who made it, and every file's size, mode and SHA-256.
public struct BackupManifest: Sendable, Equatable, Codable {
    /// Bumped when the layout changes; a restore refuses formats newer than it knows.
    public static let currentFormat = 1
    public static let entryName = "MANIFEST.json"

    public struct File: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable { case database, file, config, release }
        public var path: String
        public var size: Int
        public var mode: UInt32
        public var sha256: String
        public var kind: Kind
        /// A database's journal mode when it was snapshotted (`wal` or `delete`): the archive
        /// holds a single-file DELETE-mode copy, and restore gives it its mode back. Absent in
        /// archives of tradectl before 0.9 and for other kinds.
        public var journalMode: String?

        enum CodingKeys: String, CodingKey {
            case path, size, mode, sha256, kind
            case journalMode = "journal_mode"
        }

        public init(
            path: String, size: Int, mode: UInt32, sha256: String, kind: Kind, journalMode: String? = nil
        ) {
            self.path = path
            self.size = size
            self.mode = mode
            self.sha256 = sha256
            self.kind = kind
            self.journalMode = journalMode
        }
    }

    public var format: Int
    public var tradectlVersion: String
    public var project: String
    public var host: String
    public var created: Date
    public var release: String?
    public var files: [File]

    enum CodingKeys: String, CodingKey {
        case format, project, host, created, release, files
        case tradectlVersion = "tradectl_version"
    }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func decode(_ data: Data) throws -> BackupManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(BackupManifest.self, from: data)
    }
}
