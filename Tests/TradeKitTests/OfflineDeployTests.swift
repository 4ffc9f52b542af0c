import Foundation
import Testing

@testable import TradeKit

/// `deploy --root DIR --no-start` on a machine without a running systemd (offline install).
@Suite("Offline deploy")
struct OfflineDeployTests {
    @Test("dry-run of every example exits 0, shows every unit as a diff, creates nothing", arguments: Repo.examples)
    func dryRunCreatesNothing(name: String) throws {
        let dir = TempDir()
        let root = "\(dir.path)/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let result = try runTradectl(["deploy", "--dry-run", "--config", Repo.example(name), "--root", root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example(name))
        for component in deployment.components {
            let unit = UnitNames.service(name, component.name)
            #expect(result.stdout.contains("+++ b/etc/systemd/system/\(unit)"), "no diff for \(unit)")
        }
        // Secrets from the example's .env never reach the plan.
        let env = try String(contentsOfFile: "\(Repo.root)/examples/\(name)/app/.env", encoding: .utf8)
        for line in env.split(separator: "\n") where !line.hasPrefix("#") {
            guard let value = line.split(separator: "=", maxSplits: 1).dropFirst().first, value.count > 3 else {
                continue
            }
            #expect(!result.stdout.contains(value), "secret value leaked into the plan")
        }
    }

    @Test("dry-run --json gives changes and typed actions")
    func dryRunJSON() throws {
        let dir = TempDir()
        let result = try runTradectl([
            "--json", "--root", dir.path, "deploy", "--dry-run", "--config", Repo.example("v6"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let actions = try #require(object["actions"] as? [[String: Any]])
        #expect(object["changes"] as? Int == actions.filter { $0["change"] as? String != "unchanged" }.count)
        #expect(actions.allSatisfy { $0["type"] is String && $0["target"] is String && $0["change"] is String })
        #expect(actions.contains { $0["target"] as? String == "/etc/systemd/system/v6-trading.service" })
        // Each new unit carries its diff, as the text plan prints it (the Ansible modules' --diff).
        let unit = try #require(actions.first { $0["target"] as? String == "/etc/systemd/system/v6-trading.service" })
        let diff = try #require(unit["diff"] as? String)
        #expect(diff.contains("+++ b/etc/systemd/system/v6-trading.service") && diff.contains("+ExecStart="))
        #expect(actions.allSatisfy { $0["change"] as? String != "unchanged" || $0["diff"] == nil })
        // ... and the example's secrets stay out of the JSON too.
        let env = try String(contentsOfFile: "\(Repo.root)/examples/v6/app/.env", encoding: .utf8)
        for line in env.split(separator: "\n") where !line.hasPrefix("#") {
            guard let value = line.split(separator: "=", maxSplits: 1).dropFirst().first, value.count > 3 else {
                continue
            }
            #expect(!result.stdout.contains(value), "secret value leaked into the JSON plan")
        }
    }

    @Test("offline deploy installs a complete release, and a second deploy plans nothing")
    func offlineDeployIsIdempotent() throws {
        let dir = TempDir()
        let root = "\(dir.path)/root"
        let first = try runTradectl(["deploy", "--config", Repo.example("v6"), "--root", root])
        #expect(first.status == 0, "\(first.stderr)")
        let current = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/v6-trading/current")
        #expect(current.hasPrefix("releases/"))
        #expect(FileManager.default.fileExists(atPath: "\(root)/opt/v6-trading/\(current)/\(ReleaseMetadata.fileName)"))
        #expect(FileManager.default.fileExists(atPath: "\(root)/etc/systemd/system/v6-trading.service"))
        let wants = "\(root)/etc/systemd/system/multi-user.target.wants/v6-trading.service"
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: wants) == "/etc/systemd/system/v6-trading.service"
        )
        let env = try FileManager.default.attributesOfItem(atPath: "\(root)/opt/v6-trading/shared/.env")
        #expect((env[.posixPermissions] as? Int) == 0o600)
        let second = try runTradectl(["deploy", "--json", "--config", Repo.example("v6"), "--root", root])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\"changes\" : 0"), "\(second.stdout)")
        // The outcome is recorded, with an audit row, in the state DB (checked with the sqlite3 CLI).
        let rows = try sqlite(
            "\(root)/var/lib/tradectl/v6/state.db", "SELECT outcome, changes FROM deploys ORDER BY id")
        #expect(rows.split(separator: "\n").first?.hasPrefix("success|") == true)
        #expect(rows.split(separator: "\n").last == "success|0")
        #expect(try sqlite("\(root)/var/lib/tradectl/v6/state.db", "PRAGMA journal_mode") == "wal")
    }

    @Test("a failing build hook leaves current on the previous release")
    func failingHook() throws {
        let dir = TempDir()
        let source = "\(dir.path)/src"
        _ = dir.write("src/engine.py", "print('v1')\n")
        let config = dir.write(
            "tradectl.toml",
            minimalConfig(source: source, root: "/opt/demo").replacingOccurrences(
                of: "shared = [", with: "build = [\"test -f engine.py\"]\nshared = ["))
        let root = "\(dir.path)/root"
        #expect(try runTradectl(["deploy", "--config", config, "--root", root]).status == 0)
        let before = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/demo/current")
        _ = dir.write("src/engine.py", "print('v2')\n")
        let broken = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "test -f engine.py", with: "echo building; exit 3")
        try broken.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runTradectl(["deploy", "--config", config, "--root", root])
        #expect(result.status == 1)
        #expect(result.stderr.contains("exited 3"))
        #expect(result.stderr.contains("building"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/demo/current") == before)
    }
}

/// Runs the sqlite3 CLI, the tool an operator would use to look inside.
func sqlite(_ database: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [database, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Hooks")
struct HookTests {
    @Test("hooks get TRADECTL_* variables and inherit the lock, so they may call tradectl")
    func hooksInheritLock() throws {
        let dir = TempDir()
        _ = dir.write("src/engine.py", "print('v1')\n")
        _ = dir.write("src/.env", "API_KEY=x\n", mode: 0o600)
        let root = "\(dir.path)/root"
        let hook =
            "env | grep ^TRADECTL_ | sort > hook-env.txt; '\(Repo.binary)' --config \\\"$TRADECTL_CONFIG\\\" --root '\(root)' backup --quiet"
        let config = dir.write(
            "tradectl.toml",
            minimalConfig(source: "\(dir.path)/src", root: "/opt/demo").replacingOccurrences(
                of: "shared = [", with: "pre_switch = [\"\(hook)\"]\nshared = ["
            ).replacingOccurrences(of: "dir = \"/opt/demo/backups\"", with: "dir = \"/var/backups/demo\""))
        let result = try runTradectl(["deploy", "--config", config, "--root", root])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let current = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/opt/demo/current")
        let environment = try String(contentsOfFile: "\(root)/opt/demo/\(current)/hook-env.txt", encoding: .utf8)
        #expect(environment.contains("TRADECTL_PROJECT=demo"))
        #expect(environment.contains("TRADECTL_VERSION=\(current.dropFirst("releases/".count))"))
        #expect(environment.contains("TRADECTL_COMMAND=deploy"))
        #expect(environment.contains("TRADECTL_LOCK_PID="))
        // The hook's `tradectl backup` ran under the inherited lock instead of exiting 75.
        let archives = try FileManager.default.contentsOfDirectory(atPath: "\(root)/var/backups/demo")
        #expect(archives.contains { $0.hasSuffix(".tar.gz") }, "\(archives)")
    }
}
