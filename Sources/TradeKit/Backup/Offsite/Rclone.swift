import Foundation

/// The off-site target could not be reached or refused an operation (exit 69).
public struct OffsiteUnavailable: Error, ExitStatusReporting, CustomStringConvertible {
    public var operation: String
    public var detail: String
    public var exitStatus: ExitStatus { .unavailable }
    public var description: String { "off-site \(operation) failed: \(detail)" }
}

/// A remote copy that does not decrypt or does not match (exit 65).
public struct OffsiteCopyCorrupt: Error, ExitStatusReporting, CustomStringConvertible {
    public var name: String
    public var detail: String
    public var exitStatus: ExitStatus { .dataError }
    public var description: String { "off-site copy of \(name) is corrupt: \(detail)" }
}

/// A secret the target needs is not set (exit 65: fix the env file).
public struct OffsiteSecretMissing: Error, ExitStatusReporting, CustomStringConvertible {
    public var variable: String
    public var source: String
    public var exitStatus: ExitStatus { .dataError }
    public var description: String { "backup.offsite needs \(variable), which is not set in \(source)" }
}

/// One file of the off-site folder, as `rclone lsjson` lists it (decrypted names and sizes).
public struct RemoteFile: Sendable, Equatable, Codable {
    public var name: String
    public var size: Int
    public var modified: Date?
}

/// rclone commands for one off-site target, built as values (`Command`) and run by the
/// `ProcessLauncher`. The whole target is defined in `environment` — rclone's
/// `RCLONE_CONFIG_<REMOTE>_<KEY>` variables, built in `environment(for:secrets:obscure:)`
/// and nowhere else — so no secret is ever in argv (`ps`), output or logs. `--config
/// /dev/null` keeps an operator's rclone.conf out of it unless the target is one of its remotes.
public struct Rclone: Sendable {
    public var offsite: OffsiteConfig
    /// `RCLONE_CONFIG_*` variables, secrets included.
    public var environment: [String: String]
    public var executable: String

    /// The storage remote, and the crypt remote wrapping it.
    static let storeName = "tcstore"
    static let cryptName = "tccrypt"

    public init(offsite: OffsiteConfig, environment: [String: String], executable: String = "rclone") {
        self.offsite = offsite
        self.environment = environment
        self.executable = executable
    }

    /// The folder archives go to, as rclone names it: through crypt unless plaintext.
    public var root: String { offsite.encrypted ? "\(Self.cryptName):" : Self.storePath(offsite) }

    /// The storage side: `tcstore:bucket/path`, `tcstore:path` (sftp, relative to the login's
    /// home), or the operator's `remote` plus `path`.
    static func storePath(_ offsite: OffsiteConfig) -> String {
        let base: String
        switch offsite.type {
        case .s3: base = "\(storeName):\(offsite.bucket ?? "")"
        case .sftp: base = "\(storeName):"
        case .rcloneRemote: base = offsite.remote ?? "\(storeName):"
        case nil: base = "\(storeName):"
        }
        guard !offsite.path.isEmpty else { return base }
        return base.hasSuffix(":") || base.hasSuffix("/") ? base + offsite.path : "\(base)/\(offsite.path)"
    }

    /// The one place the target's rclone environment is built. `obscure` turns a password
    /// into rclone's obscured form (`rclone obscure -`, the password on stdin).
    public static func environment(
        for offsite: OffsiteConfig, secrets: SecretVariables, obscure: (String) async throws -> String
    ) async throws -> [String: String] {
        func secret(_ variable: String?) throws -> String? {
            guard let variable else { return nil }
            guard let value = secrets.value(variable) else {
                throw OffsiteSecretMissing(variable: variable, source: secrets.source)
            }
            return value
        }
        let store = "RCLONE_CONFIG_\(storeName.uppercased())_"
        var variables: [String: String] = [:]
        switch offsite.type {
        case .s3:
            variables[store + "TYPE"] = "s3"
            variables[store + "PROVIDER"] = offsite.provider.isEmpty ? "Other" : offsite.provider
            variables[store + "ACCESS_KEY_ID"] = try secret(offsite.accessKeyEnv)
            variables[store + "SECRET_ACCESS_KEY"] = try secret(offsite.secretKeyEnv)
            if let endpoint = offsite.endpoint { variables[store + "ENDPOINT"] = endpoint }
            if let region = offsite.region { variables[store + "REGION"] = region }
        case .sftp:
            variables[store + "TYPE"] = "sftp"
            variables[store + "HOST"] = offsite.host
            variables[store + "PORT"] = "\(offsite.port)"
            variables[store + "USER"] = offsite.user
            if let keyFile = offsite.keyFile { variables[store + "KEY_FILE"] = keyFile }
            if let password = try secret(offsite.passwordEnv) {
                variables[store + "PASS"] = try await obscure(password)
            }
            if let knownHosts = offsite.knownHostsFile { variables[store + "KNOWN_HOSTS_FILE"] = knownHosts }
        case .rcloneRemote, nil:
            break
        }
        if let password = try secret(offsite.cryptPasswordEnv) {
            let crypt = "RCLONE_CONFIG_\(cryptName.uppercased())_"
            variables[crypt + "TYPE"] = "crypt"
            variables[crypt + "REMOTE"] = storePath(offsite)
            variables[crypt + "FILENAME_ENCRYPTION"] = "standard"
            variables[crypt + "DIRECTORY_NAME_ENCRYPTION"] = "true"
            variables[crypt + "PASSWORD"] = try await obscure(password)
            if let salt = try secret(offsite.cryptSaltEnv) { variables[crypt + "PASSWORD2"] = try await obscure(salt) }
        }
        return variables
    }

    /// Builds the target's rclone, obscuring its passwords with `rclone obscure -` through `launcher`.
    public static func make(
        offsite: OffsiteConfig, secrets: SecretVariables, launcher: ProcessLauncher, executable: String = "rclone"
    ) async throws -> Rclone {
        let environment = try await Self.environment(for: offsite, secrets: secrets) { password in
            let result: CommandResult
            do {
                result = try await launcher.run(Command(executable, ["obscure", "-"], input: Data(password.utf8)))
            } catch {
                throw OffsiteUnavailable(operation: "rclone obscure", detail: "cannot run \(executable): \(error)")
            }
            guard result.succeeded else {
                throw OffsiteUnavailable(operation: "rclone obscure", detail: "exit status \(result.status)")
            }
            return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Rclone(offsite: offsite, environment: environment, executable: executable)
    }

    /// `rclone <arguments>` with the target's environment, config and retry flags.
    public func command(_ arguments: [String]) -> Command {
        var flags: [String] = []
        if offsite.type == .rcloneRemote {
            if let config = offsite.rcloneConfig { flags += ["--config", config] }
        } else {
            flags += ["--config", "/dev/null"]
        }
        flags += [
            "--retries", "\(max(offsite.retries, 1))", "--low-level-retries", "\(max(offsite.lowLevelRetries, 1))",
            "--contimeout", "15s", "--timeout", "\(max(Int(offsite.timeout.seconds), 1))s", "--stats", "0",
        ]
        // rclone's S3 client fails ("unsupported transport") on an AWS_CA_BUNDLE set for other
        // tools; empty is unset to it. A private CA goes in rclone's own `--ca-cert`.
        var environment = environment
        environment["AWS_CA_BUNDLE"] = ""
        return Command(executable, arguments + flags, environment: environment)
    }

    /// Only the file `name` of the folder: `--include /name` (archive names hold no glob characters).
    static func only(_ name: String) -> [String] { ["--include", "/\(name)"] }

    public func upload(_ localPath: String, name: String) -> Command {
        command(["copyto", localPath, root + name])
    }

    /// Compares the remote copy with the local file: through crypt, `cryptcheck` (the
    /// storage's hash of the encrypted object against the local file encrypted with the
    /// object's nonce: nothing is downloaded); plaintext, `check --download`.
    public func check(_ localPath: String, name: String) -> Command {
        let directory = (localPath as NSString).deletingLastPathComponent
        let verb = offsite.encrypted ? ["cryptcheck"] : ["check", "--download"]
        return command(verb + ["--one-way", directory, root] + Self.only(name))
    }

    public func list(_ name: String? = nil) -> Command {
        command(["lsjson", root, "--files-only", "--no-mimetype"] + (name.map(Self.only) ?? []))
    }

    public func download(_ name: String, to localPath: String) -> Command {
        command(["copyto", root + name, localPath])
    }

    /// The stored (encrypted) object name of `name`: `cryptdecode --reverse` prints `name \t stored`.
    public func storedName(_ name: String) -> Command {
        command(["cryptdecode", "--reverse", "\(Self.cryptName):", name])
    }

    /// Downloads a stored object as it is, without decrypting it.
    public func downloadStored(_ storedName: String, to localPath: String) -> Command {
        let store = Self.storePath(offsite)
        return command(["copyto", store + (store.hasSuffix(":") ? "" : "/") + storedName, localPath])
    }

    public func delete(_ name: String) -> Command {
        command(["deletefile", root + name])
    }

    /// Parses `rclone lsjson` output.
    static func files(_ output: String) throws -> [RemoteFile] {
        struct Entry: Decodable {
            var Name: String
            var Size: Int
            var ModTime: String?
        }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(output.utf8))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        return entries.map { entry in
            RemoteFile(
                name: entry.Name, size: entry.Size,
                modified: entry.ModTime.flatMap { formatter.date(from: $0) ?? plain.date(from: $0) })
        }
    }
}
