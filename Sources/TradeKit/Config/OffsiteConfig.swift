import Foundation

/// Where off-site copies go (`backup.offsite.type`).
public enum OffsiteType: String, Sendable, Codable, CaseIterable {
    /// An S3-compatible object store (AWS, MinIO, Ceph, Wasabi…).
    case s3
    /// A directory on an SSH server.
    case sftp
    /// A remote of the operator's own `rclone.conf`, named by `remote`.
    case rcloneRemote = "rclone-remote"
}

/// `[backup.offsite]`: one off-site target for every archive, reached through rclone and
/// encrypted by rclone's `crypt` remote. Secrets are never values here: the `*_env` keys name
/// variables of `env_file` (in `shared/`) or of tradectl's environment.
public struct OffsiteConfig: Sendable, Equatable {
    /// nil: no off-site copies (the section is absent).
    public var type: OffsiteType?
    /// rclone-remote: `name:` or `name:path` of a remote in `rclone_config`.
    public var remote: String?
    /// rclone-remote: the operator's rclone.conf (default: rclone's own search).
    public var rcloneConfig: String?
    /// s3: endpoint URL (empty: AWS).
    public var endpoint: String?
    public var region: String?
    /// s3: rclone's `provider` (AWS, Minio, Ceph, Wasabi, Other…).
    public var provider: String = ""
    /// s3: the bucket.
    public var bucket: String?
    /// Folder inside the bucket, on the SSH server, or under `remote`.
    public var path: String = ""
    /// sftp: server, port and login.
    public var host: String?
    public var port: Int = 22
    public var user: String?
    /// sftp: private key file (absolute path); else `password_env`.
    public var keyFile: String?
    /// sftp: `known_hosts` file checked against the server's key.
    public var knownHostsFile: String?
    /// Env file in `shared/` holding the variables the `*_env` keys name.
    public var envFile: String?
    public var accessKeyEnv: String?
    public var secretKeyEnv: String?
    public var passwordEnv: String?
    public var cryptPasswordEnv: String?
    public var cryptSaltEnv: String?
    /// Send archives unencrypted: refused unless set.
    public var allowPlaintext: Bool = false
    public var keepLast: Int = 0
    public var keepDaily: Int = 0
    public var keepWeekly: Int = 0
    public var keepMonthly: Int = 0
    public var keepWithin: ConfigDuration?
    /// The `offsite` health check warns when the newest verified remote copy is older.
    public var maxAge: ConfigDuration = .seconds(0)
    /// rclone's `--retries` and `--low-level-retries`.
    public var retries: Int = 0
    public var lowLevelRetries: Int = 0
    /// Per rclone run (upload, check, download); a run over it is killed and counts as failed.
    public var timeout: ConfigDuration = .seconds(0)

    public init() {}

    public var enabled: Bool { type != nil }

    /// Encrypted at rest: a crypt password is configured.
    public var encrypted: Bool { cryptPasswordEnv != nil }

    /// The names of the variables this target reads its secrets from.
    public var secretVariables: [String] {
        [accessKeyEnv, secretKeyEnv, passwordEnv, cryptPasswordEnv, cryptSaltEnv].compactMap { $0 }
    }

    public var retention: RetentionPolicy {
        RetentionPolicy(
            keepLast: keepLast, keepDaily: keepDaily, keepWeekly: keepWeekly, keepMonthly: keepMonthly,
            keepWithin: keepWithin.map { $0.seconds })
    }

    /// A short name of the target for catalogs, plans and logs (never a credential).
    public var label: String {
        switch type {
        case .s3: return "s3:\(bucket ?? "")\(path.isEmpty ? "" : "/\(path)")"
        case .sftp: return "sftp:\(user.map { "\($0)@" } ?? "")\(host ?? ""):\(port)/\(path)"
        case .rcloneRemote: return "\(remote ?? "")\(path.isEmpty ? "" : "/\(path)")"
        case nil: return "none"
        }
    }
}
