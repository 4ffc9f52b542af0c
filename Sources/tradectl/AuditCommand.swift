import ArgumentParser
import Foundation
import TradeKit

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Who changed what, when: every mutating command and runbook step, oldest first.",
        discussion: """
            Rows of the state database's audit table: time (UTC), user, pid, command, result. Written \
            by deploy, update, rollback, backup, backup prune, restore, halt, resume, secrets set, \
            db optimize, db vacuum and each runbook step. Secret values never appear: secrets set \
            records the key name and the file. --json gives [{"at", "user", "pid", "command", "result"}].

            Examples:
              tradectl audit --since 24h
              tradectl audit --since 7d --json
              tradectl audit --since 2026-11-20T08:00:00Z
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only entries from DUR ago (24h, 7d, 90min) or an ISO-8601 time on.")
    var since: String?

    func validate() throws {
        if let since, LogTime.parse(since) == nil {
            throw ValidationError("--since must be a duration such as 24h or 7d, or an ISO-8601 time")
        }
    }

    func run() async throws {
        let context = CommandContext(global, command: "audit")
        try await context.run {
            let (deployment, issues) = try context.loadConfig()
            context.warn(issues)
            let log = AuditLog(
                layout: DeployLayout(deployment, environment: context.environment), fileSystem: context.fileSystem)
            let entries = try log.entries(since: since.flatMap { LogTime.parse($0) })
            context.print(global.json ? AuditOutput.json(entries) + "\n" : AuditOutput.table(entries))
        }
    }
}
