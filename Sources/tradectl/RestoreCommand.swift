import ArgumentParser
import Foundation
import TradeKit

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Verify and stage an archive in one read, stop, swap, keep the old tree, start, check health.",
        discussion: """
            Refuses unsafe or corrupt archives (exit 65) before anything live is touched. The new
            shared/ tree is built next to the live one and swapped in one atomic step
            (renameat2 RENAME_EXCHANGE); on a failed start or health check the old tree is swapped
            back (exit 1). The tree swapped out is kept in <root>/pre-restore/ (backup.keep_pre_restore
            of them): --undo puts the newest one back. --dry-run lists the files that would be added,
            changed and removed. See docs/backup-restore.md.

            --from-offsite fetches the archive from [backup.offsite] first (downloaded and decrypted
            into a private temp directory, removed afterwards): the disaster-recovery path on a fresh
            host, see runbooks/host-lost.md. A copy that does not decrypt exits 65.

            With [market], while a session is open restore asks on a terminal and exits 75 elsewhere
            (--yes does not cover it) unless --during-session. See docs/market-hours.md.

            Examples:
              tradectl restore latest --dry-run
              tradectl restore --undo --yes
              tradectl restore --from-offsite latest --dry-run
              tradectl restore --from-offsite latest --yes
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Archive path or name in the backup dir, or `latest`.")
    var archive: String?

    @Flag(help: "Put back the tree the last restore replaced (its newest safety copy).")
    var undo = false

    @Option(
        name: .customLong("only"), parsing: .upToNextOption, help: "Restore only these paths (relative to shared/).")
    var only: [String] = []

    @Flag(help: "Fetch ARCHIVE (a name, or `latest`) from the off-site target ([backup.offsite]) first.")
    var fromOffsite = false

    @Flag(help: "List what would change and change nothing.")
    var dryRun = false

    @Flag(help: "Do not ask for confirmation (required when stdin is not a terminal).")
    var yes = false

    @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
    var lockWait: Int = 0

    @OptionGroup var session: SessionOptions

    func validate() throws {
        if undo == (archive != nil) { throw ValidationError("name an ARCHIVE, or pass --undo") }
        if undo, fromOffsite || !only.isEmpty {
            throw ValidationError("--undo puts back what the last restore replaced: no --only, no --from-offsite")
        }
        for path in only where path.hasPrefix("/") || path.split(separator: "/").contains("..") {
            throw ValidationError("--only paths are relative to shared/ and may not contain '..': \(path)")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "restore")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let offline = global.root != nil && global.root != "/"
            var runner = RestoreRunner(
                deployment: deployment, fileSystem: context.fileSystem, environment: context.environment,
                offline: offline, logger: context.makeLogger(project: deployment.project.name))
            runner.setup.session = try context.sessionGate(deployment, session)
            if !dryRun && !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ValidationError("restore replaces live data: pass --yes (or --dry-run to look first)")
                }
                FileHandle.standardError.write(
                    Data(
                        "restore \(archive ?? "the safety copy") over \(deployment.project.root)/shared? type the project name: "
                            .utf8))
                guard readLine()?.trimmingCharacters(in: .whitespaces) == deployment.project.name else {
                    throw ValidationError("not confirmed; nothing changed")
                }
            }
            var reference = archive ?? ""
            var fetched: String?
            if fromOffsite {
                let (path, directory) = try await context.backupRunner(deployment).fetchRemote(reference)
                fetched = directory
                reference = path
                if !global.quiet && !global.json {
                    context.print("fetched \((path as NSString).lastPathComponent) from off-site\n")
                }
            }
            defer { if let fetched { try? FileManager.default.removeItem(atPath: fetched) } }
            let outcome =
                undo
                ? try await runner.undo(dryRun: dryRun, lockWait: .seconds(lockWait))
                : try await runner.run(reference: reference, only: only, dryRun: dryRun, lockWait: .seconds(lockWait))
            if global.json {
                context.print(JSONOutput.string(outcome.changes) + "\n")
                return
            }
            let changes = outcome.changes
            for path in changes.added { context.print("+ added    shared/\(path)\n") }
            for path in changes.changed { context.print("~ changed  shared/\(path)\n") }
            for path in changes.removed { context.print("- removed  shared/\(path)\n") }
            if global.verbose { for path in changes.unchanged { context.print("= same     shared/\(path)\n") } }
            if dryRun {
                context.print(PlanRenderer.text(outcome.plan, verbose: global.verbose))
                context.print("dry run: nothing was changed\n")
            } else {
                context.print("restored \(outcome.archive)\n")
            }
        }
    }
}
