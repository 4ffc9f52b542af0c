import Foundation
import Logging

/// Uploads one archive to the off-site target, checks the remote copy against it (size, and
/// `cryptcheck` or `check --download`) and records the copy in the catalog. A failure is
/// recorded (`failed`, retried by the next backup) and reported, not thrown: the local backup
/// stands. Output: an `OffsiteResult`.
public struct PushArchive: Effect {
    /// The local archive (target path, as the catalog knows it).
    public var path: String
    public var name: String
    public var created: Date
    /// The target's label (`OffsiteConfig.label`).
    public var remote: String
    public var typeName: String { "push" }
    public var target: String { "\(name) → \(remote)" }
}

/// Deletes one remote copy that remote retention let go, and its catalog row — only once every
/// copy counted on to replace it (`afterVerified`) was verified in this run.
public struct DeleteRemoteCopy: Effect {
    public var name: String
    public var remote: String
    public var afterVerified: [String] = []
    public var typeName: String { "remote.remove" }
    public var target: String { "\(name) on \(remote)" }
}

/// Downloads one remote copy to a private temp directory and runs the full deep verification
/// on it; records `verified_at` on success, `failed` on a mismatch. Output: the `VerifyReport`.
public struct VerifyRemoteCopy: Effect {
    public var name: String
    public var remote: String
    public var limits: ArchiveLimits
    public var project: String
    public var typeName: String { "remote.verify" }
    public var target: String { "\(name) on \(remote)" }
}

/// What an off-site step did.
public struct OffsiteResult: Sendable, Equatable {
    public enum Operation: String, Sendable { case push, remove }
    public var operation: Operation
    public var name: String
    public var ok: Bool
    /// Why it failed or was skipped (never a secret).
    public var detail: String?
    public var size: Int?
}

/// Builds the target's rclone once per invocation, on first use: a plan that pushes nothing
/// (`--dry-run`) neither reads the secrets nor runs rclone.
actor RcloneProvider {
    let offsite: OffsiteConfig
    let secrets: @Sendable () -> SecretVariables
    let launcher: ProcessLauncher
    private var built: Rclone?

    init(offsite: OffsiteConfig, secrets: @escaping @Sendable () -> SecretVariables, launcher: ProcessLauncher) {
        self.offsite = offsite
        self.secrets = secrets
        self.launcher = launcher
    }

    func rclone() async throws -> Rclone {
        if let built { return built }
        let rclone = try await Rclone.make(offsite: offsite, secrets: secrets(), launcher: launcher)
        built = rclone
        return rclone
    }
}

/// The off-site handlers: push, remote removal and remote verification, on the invocation's
/// state database and one rclone.
public struct OffsiteEffectHandlers: Sendable {
    public var fileSystem: FileSystem
    public var store: StateStore?
    public var launcher: ProcessLauncher
    public var logger: Logger
    let provider: RcloneProvider

    public init(
        offsite: OffsiteConfig, fileSystem: FileSystem, store: StateStore?, launcher: ProcessLauncher,
        logger: Logger, secrets: @escaping @Sendable () -> SecretVariables
    ) {
        self.fileSystem = fileSystem
        self.store = store
        self.launcher = launcher
        self.logger = logger
        provider = RcloneProvider(offsite: offsite, secrets: secrets, launcher: launcher)
    }

    public var all: [any EffectHandler] { [Pusher(offsite: self), Remover(offsite: self), Verifier(offsite: self)] }

    /// Runs one rclone command; a failure is `OffsiteUnavailable` with rclone's last lines.
    func run(_ command: Command, _ operation: String) async throws -> CommandResult {
        let result: CommandResult
        do { result = try await launcher.run(command) } catch {
            throw OffsiteUnavailable(operation: operation, detail: "cannot run \(command.executable): \(error)")
        }
        guard result.succeeded else {
            let rclone = try await provider.rclone()
            throw OffsiteUnavailable(operation: operation, detail: rclone.redact(result.tail(3)))
        }
        return result
    }

    struct Pusher: EffectHandler {
        var offsite: OffsiteEffectHandlers

        func apply(_ effect: PushArchive) async throws -> (any Sendable)? {
            guard let store = offsite.store else { return nil }
            let entry = try store.backups().first { $0.path == effect.path }
            let previous = try store.offsiteCopies(remote: effect.remote).first { $0.archive == effect.name }
            var copy = OffsiteCopy(
                archive: effect.name, remote: effect.remote, remotePath: effect.name, size: entry?.size ?? 0,
                sha256: entry?.sha256 ?? "", created: entry?.created ?? effect.created, status: "failed",
                uploadedAt: nil, verifiedAt: nil, error: nil, attempts: (previous?.attempts ?? 0) + 1)
            let local = offsite.fileSystem.hostPath(effect.path)
            do {
                let rclone = try await offsite.provider.rclone()
                _ = try await offsite.run(rclone.upload(local, name: effect.name), "upload of \(effect.name)")
                copy.uploadedAt = Date()
                copy.status = "uploaded"
                _ = try await offsite.run(rclone.check(local, name: effect.name), "check of \(effect.name)")
                let listed = try await offsite.run(rclone.list(effect.name), "listing of \(effect.name)")
                let file = try Rclone.files(listed.output).first { $0.name == effect.name }
                guard let file, entry == nil || file.size == entry?.size else {
                    throw OffsiteCopyCorrupt(
                        name: effect.name, detail: "remote size \(file?.size ?? -1), local \(entry?.size ?? -1)")
                }
                copy.size = file.size
                copy.status = "verified"
                copy.verifiedAt = Date()
                try store.upsertOffsiteCopy(copy)
                offsite.logger.info(
                    "off-site copy verified",
                    metadata: ["backup.archive": "\(effect.name)", "offsite.remote": "\(effect.remote)"])
                return OffsiteResult(operation: .push, name: effect.name, ok: true, size: file.size)
            } catch {
                copy.status = "failed"
                copy.error = "\(error)"
                try store.upsertOffsiteCopy(copy)
                offsite.logger.warning(
                    "off-site copy failed; the local archive stands and the next backup retries",
                    metadata: [
                        "backup.archive": "\(effect.name)", "offsite.remote": "\(effect.remote)",
                        "offsite.error": "\(error)",
                    ])
                return OffsiteResult(operation: .push, name: effect.name, ok: false, detail: "\(error)")
            }
        }
    }

    struct Remover: EffectHandler {
        var offsite: OffsiteEffectHandlers

        func apply(_ effect: DeleteRemoteCopy) async throws -> (any Sendable)? {
            guard let store = offsite.store else { return nil }
            let verified = Set(try store.offsiteCopies(remote: effect.remote).filter(\.isVerified).map(\.archive))
            let missing = effect.afterVerified.filter { !verified.contains($0) }
            guard missing.isEmpty else {
                return OffsiteResult(
                    operation: .remove, name: effect.name, ok: false,
                    detail: "kept: \(missing.joined(separator: ", ")) did not reach the target")
            }
            do {
                let rclone = try await offsite.provider.rclone()
                let result = try await offsite.launcher.run(rclone.delete(effect.name))
                let gone = result.errorOutput.contains("not found")
                if !result.succeeded && !gone {
                    throw OffsiteUnavailable(
                        operation: "removal of \(effect.name)", detail: rclone.redact(result.tail(3)))
                }
                try store.deleteOffsiteCopy(archive: effect.name, remote: effect.remote)
                return OffsiteResult(operation: .remove, name: effect.name, ok: true)
            } catch {
                offsite.logger.warning(
                    "off-site removal failed",
                    metadata: ["backup.archive": "\(effect.name)", "offsite.error": "\(error)"])
                return OffsiteResult(operation: .remove, name: effect.name, ok: false, detail: "\(error)")
            }
        }
    }

    struct Verifier: EffectHandler {
        var offsite: OffsiteEffectHandlers

        func apply(_ effect: VerifyRemoteCopy) async throws -> (any Sendable)? {
            let rclone = try await offsite.provider.rclone()
            let scratch = try OffsiteEffectHandlers.privateDirectory()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let local = "\(scratch)/\(effect.name)"
            do {
                try await OffsiteEffectHandlers.fetch(
                    effect.name, to: local, rclone: rclone, launcher: offsite.launcher)
            } catch let error as OffsiteCopyCorrupt {
                try record(effect, ok: false, detail: "\(error)")
                throw error
            }
            let report: VerifyReport
            do {
                report = try ArchiveVerifier(limits: effect.limits, project: effect.project).verify(local)
            } catch {
                try record(effect, ok: false, detail: "\(error)")
                throw error
            }
            try record(
                effect, ok: report.ok,
                detail: report.ok ? nil : "remote verify: \(report.files.filter { !$0.ok }.count) entries differ")
            return report
        }

        private func record(_ effect: VerifyRemoteCopy, ok: Bool, detail: String?) throws {
            guard let store = offsite.store,
                var copy = try store.offsiteCopies(remote: effect.remote).first(where: { $0.archive == effect.name })
            else { return }
            if ok {
                copy.status = "verified"
                copy.verifiedAt = Date()
                copy.error = nil
            } else {
                copy.status = "failed"
                copy.verifiedAt = nil
                copy.error = detail
            }
            try store.upsertOffsiteCopy(copy)
        }
    }

    /// Downloads (and decrypts) one remote copy to `localPath`. A download that fails while the
    /// stored object itself downloads is a copy that does not decrypt — crypt authenticates every
    /// 64 KiB block, so one changed byte fails it — and is `OffsiteCopyCorrupt` (exit 65); any
    /// other failure is `OffsiteUnavailable` (exit 69).
    public static func fetch(
        _ name: String, to localPath: String, rclone: Rclone, launcher: ProcessLauncher
    ) async throws {
        func run(_ command: Command) async throws -> CommandResult {
            do { return try await launcher.run(command) } catch {
                throw OffsiteUnavailable(operation: "download", detail: "cannot run \(rclone.executable): \(error)")
            }
        }
        let result = try await run(rclone.download(name, to: localPath))
        if result.succeeded { return }
        let detail = rclone.redact(result.tail(3))
        if result.errorOutput.contains("failed to authenticate decrypted block") {
            throw OffsiteCopyCorrupt(name: name, detail: "it does not decrypt (\(detail))")
        }
        if rclone.offsite.encrypted {
            let stored = try await run(rclone.storedName(name))
            if stored.succeeded, let encrypted = stored.output.split(separator: "\t").last {
                let raw = localPath + ".stored"
                defer { try? FileManager.default.removeItem(atPath: raw) }
                let storedName = encrypted.trimmingCharacters(in: .whitespacesAndNewlines)
                if try await run(rclone.downloadStored(storedName, to: raw)).succeeded {
                    throw OffsiteCopyCorrupt(
                        name: name, detail: "the stored object downloads but does not decrypt (\(detail))")
                }
            }
        }
        throw OffsiteUnavailable(operation: "download of \(name)", detail: detail)
    }

    /// A new 0700 directory under `$TMPDIR` (default `/tmp`) for a downloaded copy.
    static func privateDirectory() throws -> String {
        let path =
            NSTemporaryDirectory() + "tradectl-offsite-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }
}

extension Rclone {
    /// `text` with every secret value of the environment replaced: rclone's messages are
    /// logged and stored, and must never carry a credential.
    public func redact(_ text: String) -> String {
        var text = text
        let secretKeys = ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "_PASS", "PASSWORD", "PASSWORD2"]
        for (key, value) in environment where value.count >= 4 && secretKeys.contains(where: key.hasSuffix) {
            text = text.replacingOccurrences(of: value, with: Secrets.redacted)
        }
        return text
    }
}
