import Foundation

/// Caps that stop decompression bombs before they fill a disk.
public struct ArchiveLimits: Sendable, Equatable {
    public var maxEntryBytes: Int
    public var maxTotalBytes: Int
    public var maxEntries: Int

    public init(maxEntryBytes: Int, maxTotalBytes: Int, maxEntries: Int) {
        self.maxEntryBytes = maxEntryBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxEntries = maxEntries
    }

    public init(_ backup: BackupConfig) {
        self.init(
            maxEntryBytes: backup.maxEntryMiB << 20, maxTotalBytes: backup.maxTotalMiB << 20,
            maxEntries: backup.maxEntries)
    }
}

/// An archive that must not be used: unsafe, corrupt, or not ours (exit 65, naming the entry).
public struct ArchiveRefused: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
    public var archive: String
    public var entry: String?
    public var reason: String
    public var description: String {
        "\(archive): refused\(entry.map { " at entry \"\($0)\"" } ?? ""): \(reason)"
    }
}
