import ArgumentParser
import Foundation
import TradeKit

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Online-consistent archives of databases, config and secrets; catalog, verify, retention.",
        discussion: "See docs/backup-restore.md.",
        subcommands: [Create.self, List.self, Verify.self, Prune.self, Push.self],
        defaultSubcommand: Create.self
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Write one archive (the default: `tradectl backup`), then apply retention.",
            discussion: """
                SQLite databases are snapshotted while the engine keeps writing (never the live
                .db/-wal/-shm files); shared files, the config and the current release's metadata are
                added; MANIFEST.json records every file's size, mode and SHA-256. The archive is
                written to a temp name, fsynced, renamed, mode 0600, and catalogued.

                --verify then reads the new archive back as `backup verify` does (every entry's
                SHA-256 against MANIFEST.json, every database through integrity_check) and records it
                as verified; a mismatch exits 65. The scheduled backup unit runs with --verify.

                With [backup.offsite], every archive not yet verified off-site (the new one, and any
                whose upload failed before) is then uploaded through rclone, encrypted (crypt), checked
                against the local file and recorded in the catalog. A failed upload leaves the local
                backup successful: exit 0 with a warning; the next backup retries.

                Examples:
                  tradectl backup --dry-run          # shows "push <archive> → <target>" too
                  tradectl backup --verify
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "gzip (default, .tar.gz) or zstd (.tar.zst); overrides backup.compression.")
        var compression: ArchiveCompression?

        @Flag(help: "Print the plan and change nothing.")
        var dryRun = false

        @Flag(help: "Verify the new archive (as `backup verify`) before releasing the lock; exit 65 if it fails.")
        var verify = false

        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
        var lockWait: Int = 0

        func run() async throws {
            let context = CommandContext(global, command: "backup")
            try await context.run {
                let (deployment, issues) = try context.loadConfig()
                context.warn(issues)
                let runner = context.backupRunner(deployment)
                var request = BackupRequest(compression: compression)
                request.verify = verify
                if dryRun {
                    _ = context.showPlan(try runner.plan(request), dryRun: true)
                    return
                }
                let progress = global.quiet || global.json ? nil : BackupProgress.forTerminal(label: "backup")
                let (plan, result, offsite) = try await runner.backup(
                    request, progress: progress, lockWait: .seconds(lockWait))
                if let report = result?.verification, !report.ok {
                    for file in report.files where !file.ok {
                        FileHandle.standardError.write(Data("FAIL \(file.path): \(file.detail)\n".utf8))
                    }
                    FileHandle.standardError.write(
                        Data("tradectl: error: \(report.archive) was written but FAILED verification\n".utf8))
                    throw ExitCode(ExitStatus.dataError.rawValue)
                }
                if global.json {
                    context.print(JSONOutput.string(result.map { [$0.entry] } ?? []) + "\n")
                } else if !global.quiet {
                    if let result {
                        context.print(
                            "\(result.entry.path): \(BackupOutput.size(result.entry.size)), "
                                + "\(result.manifest.files.count) files, \(result.entry.durationMilliseconds) ms"
                                + (result.verified ? ", verified" : "") + "\n")
                    }
                    for pruned in plan.changes(of: PruneArchive.self) { context.print("pruned \(pruned.path)\n") }
                }
                context.reportOffsite(offsite, quiet: global.quiet || global.json)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The catalog: every archive, newest first.",
            discussion: """
                --remote lists the off-site target (through rclone, decrypted names) joined with the
                catalog's record of each copy: size, status (verified, failed, uploaded), when it was
                uploaded and verified.

                Examples:
                  tradectl backup list
                  tradectl backup list --remote --json
                """)
        @OptionGroup var global: GlobalOptions

        @Flag(help: "List the off-site target ([backup.offsite]) instead of the local catalog.")
        var remote = false

        func run() async throws {
            let context = CommandContext(global, command: "backup list")
            try await context.run {
                let (deployment, _) = try context.loadConfig()
                let runner = context.backupRunner(deployment)
                if remote {
                    let rows = try await runner.remoteListing()
                    context.print(global.json ? JSONOutput.string(rows) + "\n" : OffsiteOutput.table(rows))
                    return
                }
                let entries = try runner.catalog()
                context.print(global.json ? JSONOutput.string(entries) + "\n" : BackupOutput.table(entries))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every entry, check every SHA-256, integrity-check every database; exit 65 on any mismatch.",
            discussion: """
                Success records verified_at in the catalog and an audit row, under the project lock (exit 75 \
                naming the holder after --lock-wait). Nothing is recorded where no state database exists, nor \
                under a runbook rehearsal (TRADECTL_REHEARSAL=1).

                --remote downloads the off-site copy ([backup.offsite]) into a private temp directory, \
                decrypting it, and runs the same deep verification; a copy that does not decrypt or does \
                not match exits 65. `latest` is the newest verified copy (on a fresh host: the newest the \
                target lists).

                Examples:
                  tradectl backup verify latest
                  tradectl backup verify --remote latest
                """)
        @OptionGroup var global: GlobalOptions

        @Argument(help: "Archive path or name in the backup dir, or `latest`.")
        var archive: String = "latest"

        @Flag(help: "Verify the off-site copy: download, decrypt, deep verify.")
        var remote = false

        @Option(help: "Seconds to wait for another tradectl's project lock (a running backup) before exiting 75.")
        var lockWait: Int = 60

        func run() async throws {
            let context = CommandContext(global, command: "backup verify")
            try await context.run {
                let (deployment, _) = try context.loadConfig()
                let runner = context.backupRunner(deployment)
                // A runbook rehearsal reads the archive like a real run but records nothing.
                let rehearsal = context.environment[StepInvocation.rehearsalVariable] != nil
                let report =
                    remote
                    ? try await runner.verifyRemote(archive, lockWait: .seconds(lockWait))
                    : rehearsal
                        ? try runner.inspect(archive) : try await runner.verify(archive, lockWait: .seconds(lockWait))
                if global.json {
                    context.print(BackupOutput.json(report) + "\n")
                } else {
                    for file in report.files {
                        context.print("\(file.ok ? "ok  " : "FAIL") \(file.path): \(file.detail)\n")
                    }
                    context.print(
                        report.ok ? "\(report.archive): verified\n" : "\(report.archive): FAILED verification\n")
                }
                if !report.ok { throw ExitCode(ExitStatus.dataError.rawValue) }
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply retention (keep_last/hourly/daily/weekly/monthly/within, restic semantics).",
            discussion: """
                --dry-run shows what would be removed; `backup list` shows what is kept.

                --remote applies [backup.offsite]'s own keep_* to the verified off-site copies (the
                newest verified copy is never removed).

                Examples:
                  tradectl backup prune --dry-run
                  tradectl backup prune --remote --dry-run
                """)
        @OptionGroup var global: GlobalOptions

        @Flag(help: "Show what would be removed and change nothing.")
        var dryRun = false

        @Flag(help: "Prune the off-site copies instead of the local archives.")
        var remote = false

        func run() async throws {
            let context = CommandContext(global, command: "backup prune")
            try await context.run {
                let (deployment, _) = try context.loadConfig()
                let runner = context.backupRunner(deployment)
                let plan: Plan
                if remote {
                    let (remotePlan, results) = try await runner.pruneRemote(dryRun: dryRun)
                    plan = remotePlan
                    context.reportOffsite(results, quiet: true)
                } else {
                    plan = try await runner.prune(dryRun: dryRun)
                }
                if dryRun {
                    _ = context.showPlan(plan, dryRun: true)
                } else {
                    context.print(
                        global.json ? PlanRenderer.json(plan) + "\n" : PlanRenderer.text(plan, verbose: global.verbose))
                }
            }
        }
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy archives off-site now: one by name, or every one not yet verified there.",
            discussion: """
                Uploads through rclone to [backup.offsite] (encrypted with rclone crypt unless
                allow_plaintext), checks the remote copy against the local file and records it in the
                catalog. `backup` does this after every archive; push is the retry by hand. Exit 69 if
                any upload failed (the catalog says why: `backup list --remote`).

                Examples:
                  tradectl backup push --dry-run
                  tradectl backup push
                  tradectl backup push v6-20261121T023000Z.tar.gz
                """)
        @OptionGroup var global: GlobalOptions

        @Argument(
            help: "Archive path or name in the backup dir, or `latest`; default: every archive not verified off-site.")
        var archive: String?

        @Flag(help: "Print the plan and change nothing.")
        var dryRun = false

        @Option(help: "Seconds to wait for another tradectl's project lock before exiting 75.")
        var lockWait: Int = 60

        func run() async throws {
            let context = CommandContext(global, command: "backup push")
            try await context.run {
                let (deployment, _) = try context.loadConfig()
                let runner = context.backupRunner(deployment)
                let (plan, results) = try await runner.push(archive, dryRun: dryRun, lockWait: .seconds(lockWait))
                if dryRun {
                    _ = context.showPlan(plan, dryRun: true)
                    return
                }
                if global.json {
                    context.print(JSONOutput.string(results.map(OffsiteOutput.Row.init)) + "\n")
                } else if results.isEmpty, !global.quiet {
                    context.print("every archive is verified off-site\n")
                }
                context.reportOffsite(results, quiet: global.json)
                if results.contains(where: { !$0.ok }) { throw ExitCode(ExitStatus.unavailable.rawValue) }
            }
        }
    }
}

extension ArchiveCompression: ExpressibleByArgument {}

extension CommandContext {
    /// One line per off-site step; failures as warnings on stderr (the local backup stands).
    func reportOffsite(_ results: [OffsiteResult], quiet: Bool) {
        for result in results {
            if result.ok {
                if !quiet {
                    print(
                        result.operation == .push
                            ? "off-site: \(result.name) uploaded and verified\n" : "off-site: removed \(result.name)\n")
                }
            } else {
                FileHandle.standardError.write(
                    Data(
                        "tradectl: warning: off-site \(result.operation.rawValue) of \(result.name) failed: \(result.detail ?? "")\n"
                            .utf8))
            }
        }
    }
}

extension CommandContext {
    func backupRunner(_ deployment: Deployment) -> BackupRunner {
        BackupRunner(
            deployment: deployment, fileSystem: fileSystem, environment: environment,
            logger: makeLogger(project: deployment.project.name))
    }
}
