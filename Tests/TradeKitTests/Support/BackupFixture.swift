import Foundation

@testable import TradeKit

/// A deployed demo project under a temp `--root`, with a WAL database and a `.env`.
final class BackupFixture {
    let dir = TempDir("tradectl-backup")
    var root: String { "\(dir.path)/root" }
    let config: String
    var shared: String { "\(root)/opt/demo/shared" }
    var backups: String { "\(root)/var/backups/demo" }

    init(extra: String = "") throws {
        _ = dir.write("src/engine.py", "print('engine')\n")
        _ = dir.write("src/.env", "API_KEY=test-secret-value\n", mode: 0o600)
        let text = minimalConfig(source: "\(dir.path)/src", root: "/opt/demo")
            .replacingOccurrences(of: "state_dir = \"/opt/demo/state\"", with: "state_dir = \"/var/lib/tradectl/demo\"")
            .replacingOccurrences(
                of: "dir = \"/opt/demo/backups\"",
                with:
                    "dir = \"/var/backups/demo\"\ndatabases = [\"data/demo.db\"]\npaths = [\".env\", \"data/prices.csv\"]\n\(extra)"
            )
        config = dir.write("tradectl.toml", text)
        let deploy = try runTradectl(["deploy", "--config", config, "--root", root])
        guard deploy.status == 0 else { throw FixtureError(message: deploy.stderr) }
        try sqlite(
            "\(shared)/data/demo.db",
            "PRAGMA journal_mode=WAL; CREATE TABLE fills(id INTEGER PRIMARY KEY, qty INT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500) INSERT INTO fills SELECT i, i*10 FROM n;"
        )
        _ = dir.write("root/opt/demo/shared/data/prices.csv", "SPY,500.1\nQQQ,420.2\n")
    }

    func tradectl(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        try runTradectl(arguments + ["--config", config, "--root", root], environment: environment)
    }

    /// The safety copies restore kept (`<root>/opt/demo/pre-restore/<time>`), oldest first.
    func safetyCopies() -> [String] {
        let dir = "\(root)/opt/demo/pre-restore"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { "\(dir)/\($0)" }
    }

    func archives() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: backups)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
}

struct FixtureError: Error { var message: String }

/// Runs a command line tool and returns stdout (status in `.1`).
@discardableResult
func shell(_ command: String, in directory: String? = nil) throws -> (String, Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}
