import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Copies the release source into a fresh release directory.
public struct CopyRelease: Effect {
    public var source: String
    public var release: String
    public var skip: Set<String>
    public var owner: OwnerSpec?
    public var typeName: String { "release" }
    public var target: String { release }
}

/// Runs a hook with `/bin/sh -c` inside the new release; `environment` holds the
/// `TRADECTL_*` variables hooks are documented to get.
public struct RunHook: Effect {
    public var command: String
    public var directory: String
    public var environment: [String: String]
    public var typeName: String { "hook" }
    public var target: String { command }
}

/// Marks a release complete; only complete releases can become `current`.
public struct FinalizeRelease: Effect {
    public var release: String
    public var metadata: ReleaseMetadata
    public var typeName: String { "finalize" }
    public var target: String { release }
}

/// Creates the system user and group through systemd-sysusers.
public struct CreateAccounts: Effect {
    public var file: String
    public var typeName: String { "accounts" }
    public var target: String { file }
}

extension Effect where Self == CopyRelease {
    public static func copyRelease(source: String, release: String, skip: Set<String>, owner: OwnerSpec?) -> CopyRelease
    {
        CopyRelease(source: source, release: release, skip: skip, owner: owner)
    }
}

extension Effect where Self == RunHook {
    public static func hook(command: String, directory: String, environment: [String: String]) -> RunHook {
        RunHook(command: command, directory: directory, environment: environment)
    }
}

extension Effect where Self == FinalizeRelease {
    public static func finalizeRelease(release: String, metadata: ReleaseMetadata) -> FinalizeRelease {
        FinalizeRelease(release: release, metadata: metadata)
    }
}

extension Effect where Self == CreateAccounts {
    public static func sysusers(file: String) -> CreateAccounts { CreateAccounts(file: file) }
}

/// Applies the release effects: copy, hooks, accounts, finalize (its output is the
/// `ReleaseMetadata` written, which deploy records).
public struct ReleaseEffectHandlers: Sendable {
    public var fileSystem: FileSystem
    public var launcher: ProcessLauncher

    public init(fileSystem: FileSystem, launcher: ProcessLauncher) {
        self.fileSystem = fileSystem
        self.launcher = launcher
    }

    public var all: [any EffectHandler] {
        [Copies(release: self), Hooks(release: self), Finalizer(release: self), Accounts(release: self)]
    }

    struct Copies: EffectHandler {
        var release: ReleaseEffectHandlers
        func apply(_ effect: CopyRelease) async throws -> (any Sendable)? {
            let fileSystem = release.fileSystem
            try fileSystem.removeTree(effect.release)
            do {
                try fileSystem.copyTree(from: effect.source, to: effect.release) { path in
                    CrashPoint.hit("copying \(path)")
                    return effect.skip.contains(path)
                }
            } catch {
                // A half-copied release (the disk filled up) is not left for an operator to find:
                // the next run copies it again from the start anyway.
                try? fileSystem.removeTree(effect.release)
                throw error
            }
            return nil
        }
    }

    struct Hooks: EffectHandler {
        var release: ReleaseEffectHandlers
        func apply(_ effect: RunHook) async throws -> (any Sendable)? {
            var variables = effect.environment
            variables["TRADECTL_RELEASE_DIR"] = effect.directory
            // Hooks may call tradectl: they inherit the project lock this process holds.
            variables[ProjectLock.inheritVariable] = "\(getpid())"
            let result = try await release.launcher.run(
                Command(
                    "/bin/sh", ["-c", effect.command], workingDirectory: release.fileSystem.hostPath(effect.directory),
                    environment: variables))
            guard result.succeeded else { throw CommandFailure(command: effect.command, result: result) }
            return nil
        }
    }

    struct Finalizer: EffectHandler {
        var release: ReleaseEffectHandlers
        func apply(_ effect: FinalizeRelease) async throws -> (any Sendable)? {
            try release.fileSystem.writeAtomically(
                "\(effect.release)/\(ReleaseMetadata.fileName)", data: effect.metadata.encoded(), mode: 0o644,
                owner: nil)
            return effect.metadata
        }
    }

    struct Accounts: EffectHandler {
        var release: ReleaseEffectHandlers
        func apply(_ effect: CreateAccounts) async throws -> (any Sendable)? {
            let result = try await release.launcher.run(
                Command("systemd-sysusers", [release.fileSystem.hostPath(effect.file)]))
            if !result.succeeded { throw CommandFailure(command: "systemd-sysusers", result: result) }
            return nil
        }
    }
}

/// A command run by a plan (build hook, systemd-sysusers) that exited non-zero.
public struct CommandFailure: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var result: CommandResult
    public var description: String {
        let how = result.signaled ? "was killed by signal \(result.status)" : "exited \(result.status)"
        let tail = result.tail()
        return "`\(command)` \(how)" + (tail.isEmpty ? "" : "\n" + tail)
    }
}
