import ArgumentParser
import TradeKit

@main
enum Entry {
    static func main() async {
        let arguments = ArgumentNormalizer.normalize(Array(CommandLine.arguments.dropFirst()))
        await Tradectl.main(arguments)
    }
}

struct Tradectl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradectl",
        abstract: "Deploy and operate an algorithmic-trading system under systemd.",
        discussion: """
            Every command reads one config file, tradectl.toml. Mutating commands probe the machine,
            build a plan, and either print it (--dry-run) or apply it.

            Exit codes: 0 success, 1 operation failed, 64 usage, 65 invalid config or data,
            69 systemd unavailable, 75 another tradectl holds the project lock, 77 permission denied.
            """,
        version: TradectlVersion.versionLine,
        subcommands: [
            DeployCommand.self, UpdateCommand.self, RollbackCommand.self, ReleasesCommand.self, BackupCommand.self,
            RestoreCommand.self, RecoverCommand.self, HealthCommand.self, MonitorCommand.self, StatusCommand.self,
            LogsCommand.self,
            ConfigCommand.self, HaltCommand.self, ResumeCommand.self, DbCommand.self, SecretsCommand.self,
            AuditCommand.self,
            RunbookCommand.self, AlertsCommand.self, RunCommand.self, DoctorCommand.self, UninstallCommand.self,
        ]
    )
}
