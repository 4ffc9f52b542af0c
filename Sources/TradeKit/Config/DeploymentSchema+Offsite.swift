import Foundation

/// `[backup.offsite]`: the off-site target's keys (docs/backup-restore.md).
extension DeploymentSchema {
    static var offsite: SchemaSection<OffsiteConfig> {
        let on: (OffsiteConfig) -> Bool = { $0.type != nil }
        return SchemaSection(keys: [
            .optional(
                "type", \.type, .choice,
                doc: "where copies go: an S3 bucket, an SSH server, or a remote of your own "
                    + "rclone.conf", defaultDoc: "none: no off-site copies"),
            .optional(
                "remote", \.remote, .string, doc: "rclone-remote: `name:` or `name:path` of a remote in `rclone_config`"
            ),
            .optional(
                "rclone_config", \.rcloneConfig, .string, doc: "rclone-remote: the rclone.conf defining `remote`",
                format: "absolute path", defaultDoc: "rclone's own (`~/.config/rclone/rclone.conf`)"),
            .optional("endpoint", \.endpoint, .string, doc: "s3: endpoint URL", format: "URL", defaultDoc: "AWS"),
            .optional("region", \.region, .string, doc: "s3: region"),
            .key(
                "provider", \.provider, .string, default: .value("Other"),
                doc: "s3: rclone's provider (`AWS`, `Minio`, `Ceph`, `Wasabi`, `Other`…)", printIf: on),
            .optional("bucket", \.bucket, .string, doc: "s3: the bucket (created on first upload if missing)"),
            .key(
                "path", \.path, .string, default: .value(""),
                doc:
                    "folder in the bucket, on the server (relative to the login's home, or absolute) or under `remote`",
                format: "path", defaultDoc: "none: the top", omitWhen: \.isEmpty),
            .optional("host", \.host, .string, doc: "sftp: the SSH server"),
            .key("port", \.port, .integer(1...65_535), default: .value(22), doc: "sftp: its port", printIf: on),
            .optional("user", \.user, .string, doc: "sftp: login"),
            .optional(
                "key_file", \.keyFile, .string, doc: "sftp: private key (else `password_env`)", format: "absolute path"),
            .optional(
                "known_hosts_file", \.knownHostsFile, .string,
                doc: "sftp: known_hosts checked against the server's key", format: "absolute path",
                defaultDoc: "none: any host key is accepted"),
            .optional(
                "env_file", \.envFile, .string,
                doc: "env file in `shared/` holding the variables the `*_env` keys name (else tradectl's environment)",
                format: "relative path"),
            .optional(
                "access_key_env", \.accessKeyEnv, .string, doc: "s3: variable holding the access key id",
                format: "variable name"),
            .optional(
                "secret_key_env", \.secretKeyEnv, .string, doc: "s3: variable holding the secret access key",
                format: "variable name"),
            .optional(
                "password_env", \.passwordEnv, .string, doc: "sftp: variable holding the login password",
                format: "variable name"),
            .optional(
                "crypt_password_env", \.cryptPasswordEnv, .string,
                doc: "variable holding the encryption password (rclone crypt); required unless `allow_plaintext`",
                format: "variable name"),
            .optional(
                "crypt_salt_env", \.cryptSaltEnv, .string,
                doc: "variable holding the encryption salt (rclone crypt's password2)", format: "variable name"),
            .key(
                "allow_plaintext", \.allowPlaintext, .bool, default: .value(false),
                doc: "send archives unencrypted (they hold `.env`): refused unless true", printIf: on),
            .key(
                "keep_last", \.keepLast, .integer(), default: .value(7),
                doc: "remote retention (restic semantics, like the local `keep_*`)", printIf: on),
            .key(
                "keep_daily", \.keepDaily, .integer(), default: .value(14), doc: "remote: one per day", printIf: on),
            .key(
                "keep_weekly", \.keepWeekly, .integer(), default: .value(8), doc: "remote: one per week",
                printIf: on),
            .key(
                "keep_monthly", \.keepMonthly, .integer(), default: .value(24), doc: "remote: one per month",
                printIf: on),
            .optional(
                "keep_within", \.keepWithin, .duration, doc: "remote: every copy within this span of the newest"),
            .key(
                "max_age", \.maxAge, .duration, default: .value(.seconds(26 * 3600)),
                doc: "the `offsite` health check warns when the newest verified remote copy is older", printIf: on),
            .key(
                "retries", \.retries, .integer(0...100), default: .value(3), doc: "rclone `--retries`", printIf: on),
            .key(
                "low_level_retries", \.lowLevelRetries, .integer(0...1000), default: .value(10),
                doc: "rclone `--low-level-retries`", printIf: on),
            .key(
                "timeout", \.timeout, .duration, default: .value(.seconds(3600)),
                doc: "rclone `--timeout`: an upload, check or download idle this long fails", printIf: on),
        ])
    }
}
