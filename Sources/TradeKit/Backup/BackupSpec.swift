import Foundation

/// Everything one archive will hold, decided by the planner; paths are target-absolute
/// (the file system adds `--root`), except `configPath`, which is the config file read.
public struct BackupSpec: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        /// Path on the target, e.g. `/opt/v6/shared/data/v6.db`.
        public var source: String
        /// Path inside the archive, e.g. `shared/data/v6.db`.
        public var archivePath: String
    }

    public var project: String
    public var name: String
    public var directory: String
    public var compression: ArchiveCompression
    public var databases: [Item]
    /// Files or directories (walked) archived as they are.
    public var paths: [Item]
    public var configPath: String
    public var releaseMetadata: String?
    public var release: String?
    public var host: String
    public var created: Date
    /// `backup.timeout`: the writer gives up once this much (monotonic) time has passed; nil: none.
    public var timeout: Duration? = nil

    public var archivePath: String { "\(directory)/\(name)" }
    public var partialPath: String { "\(directory)/.\(name).partial" }
    public var stagingPath: String { "\(directory)/.\(name).staging" }

    /// `<project>-20261121T134500Z.tar.gz`: sortable, UTC, as operators expect.
    public static func archiveName(project: String, created: Date, compression: ArchiveCompression) -> String {
        "\(project)-\(timestamp(created)).\(compression.fileExtension)"
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// The time encoded in an archive name, for archives found on disk.
    public static func created(fromName name: String, project: String) -> Date? {
        guard name.hasPrefix("\(project)-") else { return nil }
        let stamp = name.dropFirst(project.count + 1).prefix(16)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: String(stamp))
    }
}
