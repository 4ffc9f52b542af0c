import Foundation

/// What `backup` needs to know, read before planning: archives on disk, the catalog,
/// leftovers of interrupted runs, the current release.
public struct BackupSurvey: Sendable {
    public var archivesOnDisk: Set<String>
    public var leftovers: [String]
    public var catalog: [CatalogEntry]
    public var release: String?
    public var releaseMetadataPath: String?
    public var directoryExists: Bool
    /// Databases some archive has held (`StateStore.knownDatabases`).
    public var knownDatabases: Set<String> = []
    /// Configured databases not on disk now.
    public var missingDatabases: Set<String> = []
    /// Copies on the configured off-site target (`backup.offsite`), newest first.
    public var offsiteCopies: [OffsiteCopy] = []

    /// `store` is the invocation's state database when it exists (nil: no catalog yet).
    public static func gather(
        deployment: Deployment, layout: DeployLayout, fileSystem: FileSystem, store: StateStore?
    ) throws -> BackupSurvey {
        let directory = deployment.backup.dir
        var archives: Set<String> = []
        var leftovers: [String] = []
        for name in fileSystem.list(directory) {
            if name.hasPrefix(".") && (name.hasSuffix(".partial") || name.hasSuffix(".staging")) {
                leftovers.append("\(directory)/\(name)")
            } else if name.hasPrefix("\(deployment.project.name)-"),
                name.hasSuffix(".tar.gz") || name.hasSuffix(".tar.zst")
            {
                archives.insert("\(directory)/\(name)")
            }
        }
        var catalog: [CatalogEntry] = []
        var known: Set<String> = []
        var copies: [OffsiteCopy] = []
        if let store {
            catalog = try store.backups()
            known = try store.knownDatabases()
            if deployment.backup.offsite.enabled {
                copies = try store.offsiteCopies(remote: deployment.backup.offsite.label)
            }
        }
        let missing = Set(deployment.backup.databases.filter { fileSystem.info(layout.shared($0)) == nil })
        var release: String?
        var metadataPath: String?
        if let link = fileSystem.info(layout.current)?.linkTarget {
            let path = "\(layout.root)/\(link)/\(ReleaseMetadata.fileName)"
            if let data = fileSystem.read(path), let metadata = ReleaseMetadata.decode(data) {
                release = metadata.version
                metadataPath = path
            }
        }
        var survey = BackupSurvey(
            archivesOnDisk: archives, leftovers: leftovers.sorted(), catalog: catalog, release: release,
            releaseMetadataPath: metadataPath, directoryExists: fileSystem.info(directory) != nil)
        survey.knownDatabases = known
        survey.missingDatabases = missing
        survey.offsiteCopies = copies
        return survey
    }
}
