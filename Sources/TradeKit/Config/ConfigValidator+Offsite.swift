import Foundation

/// Checks of `[backup.offsite]`: what each type needs, secrets as variable names, never values,
/// and no unencrypted target unless the operator said so.
extension ConfigValidator {
    func validateOffsite(_ offsite: OffsiteConfig) {
        guard let type = offsite.type else { return }
        let path = "backup.offsite"
        func require(_ present: Bool, _ key: String) {
            if !present { error("\(path).\(key)", "is required for type \"\(type.rawValue)\"") }
        }
        switch type {
        case .s3:
            require(offsite.bucket != nil, "bucket")
            require(offsite.accessKeyEnv != nil, "access_key_env")
            require(offsite.secretKeyEnv != nil, "secret_key_env")
        case .sftp:
            require(offsite.host != nil, "host")
            require(offsite.user != nil, "user")
            if offsite.keyFile == nil && offsite.passwordEnv == nil {
                error("\(path).key_file", "sftp needs key_file or password_env")
            }
        case .rcloneRemote:
            require(offsite.remote != nil, "remote")
            if let remote = offsite.remote, !remote.contains(":") {
                error("\(path).remote", "must be an rclone remote, `name:` or `name:path`, got \"\(remote)\"")
            }
        }
        if let envFile = offsite.envFile { relativePath(envFile, "\(path).env_file") }
        // Absolute only on an SSH server (rclone's sftp paths are otherwise relative to the login's home).
        let absolute = offsite.path.hasPrefix("/") && type != .sftp
        if !offsite.path.isEmpty, absolute || offsite.path.split(separator: "/").contains("..") {
            error("\(path).path", "must be a relative path without \"..\", got \"\(offsite.path)\"")
        }
        for (key, value) in [("key_file", offsite.keyFile), ("known_hosts_file", offsite.knownHostsFile)] {
            if let value, !value.hasPrefix("/") { error("\(path).\(key)", "must be an absolute path") }
        }
        let variables: [(String, String?)] = [
            ("access_key_env", offsite.accessKeyEnv), ("secret_key_env", offsite.secretKeyEnv),
            ("password_env", offsite.passwordEnv), ("crypt_password_env", offsite.cryptPasswordEnv),
            ("crypt_salt_env", offsite.cryptSaltEnv),
        ]
        for (key, value) in variables {
            guard let value else { continue }
            if value.wholeMatch(of: Self.variablePattern) == nil {
                // Never echo it: someone may have pasted the secret itself here.
                error("\(path).\(key)", "must be the name of a variable in backup.offsite.env_file, not a value")
            }
        }
        if offsite.cryptPasswordEnv == nil && !offsite.allowPlaintext {
            error(
                "\(path).crypt_password_env",
                "is required: archives hold .env (broker keys) and must leave the host encrypted "
                    + "(set allow_plaintext = true to send them as they are)")
        }
        if offsite.cryptPasswordEnv != nil && offsite.cryptSaltEnv == nil {
            error("\(path).crypt_salt_env", "is required with crypt_password_env (rclone crypt's password2)")
        }
    }
}
