import Foundation

/// One kept release, as `tradectl releases` shows it.
public struct ReleaseInfo: Sendable, Equatable, Codable {
    public var version: String
    public var commit: String?
    public var createdAt: Date
    public var createdBy: String
    /// Of the newest deploy/update/rollback that targeted it: `ok`, `rolled back`, `failed`, or nil.
    public var outcome: String?
    public var deployedAt: Date?
    public var current: Bool
    public var rollbackTarget: Bool

    enum CodingKeys: String, CodingKey {
        case version, commit, outcome, current
        case createdAt = "created_at"
        case createdBy = "created_by"
        case deployedAt = "deployed_at"
        case rollbackTarget = "rollback_target"
    }
}

/// What the release directories and the state DB say about past releases.
public struct ReleaseHistory: Sendable {
    public var layout: DeployLayout
    public var fileSystem: FileSystem
    /// The invocation's state database (nil: read through a survey connection of its own).
    public var state: StateDatabase?

    public init(layout: DeployLayout, fileSystem: FileSystem, state: StateDatabase? = nil) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.state = state
    }

    /// Deploy records, oldest first; empty before the first deploy.
    public func records() -> [StateStore.DeployRecord] {
        let store =
            if let state { try? state.existing() } else {
                fileSystem.info(layout.stateDatabase) == nil
                    ? nil : try? StateStore(surveying: fileSystem.hostPath(layout.stateDatabase))
            }
        return (try? store?.deploys()) ?? []
    }

    /// The newest complete release other than `current` whose last outcome was success.
    public func rollbackTarget(current: String?, releases: [String: DeploySurvey.ReleaseState]) -> String? {
        var latest: [String: StateStore.DeployRecord] = [:]
        for record in records() { if let version = record.version { latest[version] = record } }
        return latest.values
            .filter { $0.version != current && $0.outcome == "success" }
            .filter { if case .complete? = releases[$0.version ?? ""] { return true } else { return false } }
            .max { $0.finishedAt < $1.finishedAt }?.version
    }

    /// Every complete release on disk, newest first.
    public func list() -> [ReleaseInfo] {
        var releases: [String: DeploySurvey.ReleaseState] = [:]
        var metadata: [String: ReleaseMetadata] = [:]
        for name in fileSystem.list(layout.releases) where !name.hasPrefix(".") {
            if let data = fileSystem.read("\(layout.release(name))/\(ReleaseMetadata.fileName)"),
                let meta = ReleaseMetadata.decode(data)
            {
                releases[name] = .complete(meta)
                metadata[name] = meta
            }
        }
        var current: String?
        if let link = fileSystem.info(layout.current)?.linkTarget, link.hasPrefix("releases/") {
            current = String(link.dropFirst("releases/".count))
        }
        let target = rollbackTarget(current: current, releases: releases)
        var latest: [String: StateStore.DeployRecord] = [:]
        for record in records() { if let version = record.version { latest[version] = record } }
        return metadata.values.map { meta in
            let record = latest[meta.version]
            let outcome = record.map { $0.outcome == "success" ? "ok" : $0.outcome }
            return ReleaseInfo(
                version: meta.version, commit: meta.commit, createdAt: meta.createdAt, createdBy: meta.createdBy,
                outcome: outcome, deployedAt: record?.finishedAt, current: meta.version == current,
                rollbackTarget: meta.version == target)
        }.sorted { $0.createdAt > $1.createdAt }
    }
}
