import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// halt, resume and secrets set on the V6 example under the real user manager.
    @Suite("Incident commands", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct IncidentIntegrationTests {
        /// tradectl with `input` piped to stdin, as a script would call `secrets set`.
        static func tradectl(
            _ scratch: ScratchDeployment, _ arguments: [String], input: String
        ) throws
            -> Harness.Result
        {
            try Harness.run(
                Harness.binary, ["--config", scratch.config] + arguments, environment: scratch.environment, input: input
            )
        }

        /// The environment of a unit's running main process, as systemd built it.
        static func processEnvironment(_ unit: String) throws -> [String] {
            let pid = try Harness.property(unit, "MainPID")
            let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
            return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }

        @Test(
            "halt stops the engine gracefully and holds it; secrets set restarts only running readers; resume brings it back"
        )
        func haltSecretsResume() throws {
            let scratch = ScratchDeployment(example: "v6")
            defer { scratch.tearDown() }
            let flag = "\(scratch.base)/opt/v6/shared/KILL"
            let envFile = "\(scratch.base)/opt/v6/shared/.env"
            let deploy = try scratch.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            var outputs: [String] = []

            // Every component's unit carries the flag's path, and systemd hands it to the process.
            for unit in ["v6-trading.service", "v6-dashboard.service", "v6-position-sync.service"] {
                #expect(try Harness.property(unit, "Environment").contains("TRADECTL_KILL_SWITCH=\(flag)"), "\(unit)")
            }
            #expect(try Self.processEnvironment("v6-trading.service").contains("TRADECTL_KILL_SWITCH=\(flag)"))

            let shutdowns = {
                try Harness.run("/bin/journalctl", ["--no-pager", "-o", "cat", "_SYSTEMD_UNIT=v6-trading.service"])
                    .stdout
                    .components(separatedBy: "clean shutdown").count - 1
            }
            let shutdownsBefore = try shutdowns()
            let halt = try scratch.tradectl(["halt", "--reason", "integration test: stale quotes"])
            outputs += [halt.stdout, halt.stderr]
            #expect(halt.status == 0, "\(halt.stdout)\(halt.stderr)")
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "inactive")
            #expect(try Harness.property("v6-trading-restart.timer", "ActiveState") == "inactive")
            #expect(
                try Harness.property("v6-dashboard.service", "ActiveState") == "active", "not a kill-switch component")
            let flagText = try String(contentsOfFile: flag, encoding: .utf8)
            #expect(flagText.hasPrefix("integration test: stale quotes (halted by "), "\(flagText)")
            // A plain stop: SIGTERM, and the engine finished its pending orders before exiting.
            #expect(try Harness.eventually(5) { try shutdowns() == shutdownsBefore + 1 }, "no clean shutdown logged")
            let status = try scratch.tradectl(["status"])
            #expect(status.stdout.contains("kill switch ENGAGED: integration test: stale quotes"), "\(status.stdout)")

            let again = try scratch.tradectl(["halt"])
            #expect(again.status == 0 && again.stdout.contains("already halted"), "\(again.stdout)\(again.stderr)")
            #expect(try String(contentsOfFile: flag, encoding: .utf8) == flagText)

            // Rotate the broker key while halted: position-sync and the dashboard (running, both read
            // shared/.env) are restarted and read it;
            // the engine stays down. The value has characters a naive env writer would break.
            let value = "k3y-\(UInt32.random(in: 100_000...999_999)) with 'quotes' \"and\" $dollar #hash"
            let syncPID = try Harness.property("v6-position-sync.service", "MainPID")
            let dry = try Self.tradectl(
                scratch, ["secrets", "set", "V6_BROKER_API_KEY", "--dry-run"], input: value + "\n")
            outputs += [dry.stdout, dry.stderr]
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(
                dry.stdout.contains("V6_BROKER_API_KEY=<redacted>") && dry.stdout.contains("systemctl.restart"),
                "\(dry.stdout)")
            let set = try Self.tradectl(scratch, ["secrets", "set", "V6_BROKER_API_KEY"], input: value + "\n")
            outputs += [set.stdout, set.stderr]
            #expect(set.status == 0, "\(set.stdout)\(set.stderr)")
            #expect(set.stdout.contains("trading is held by the kill switch"), "\(set.stdout)")
            let newSyncPID = try Harness.property("v6-position-sync.service", "MainPID")
            #expect(newSyncPID != syncPID && newSyncPID != "0", "position-sync was not restarted")
            #expect(
                try Self.processEnvironment("v6-position-sync.service").contains("V6_BROKER_API_KEY=\(value)"),
                "systemd read another value")
            #expect(
                try Harness.property("v6-trading.service", "ActiveState") == "inactive",
                "the kill switch was not respected")
            let attributes = try FileManager.default.attributesOfItem(atPath: envFile)
            #expect(attributes[.posixPermissions] as? Int == 0o600)
            let envText = try String(contentsOfFile: envFile, encoding: .utf8)
            #expect(envText.contains("V6_ACCOUNT=DEMO-000000") && envText.hasPrefix("# Demo seed"), "other lines kept")

            let resume = try scratch.tradectl(["resume"])
            outputs += [resume.stdout, resume.stderr]
            #expect(resume.status == 0, "\(resume.stdout)\(resume.stderr)")
            #expect(!FileManager.default.fileExists(atPath: flag))
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "active")
            #expect(try Harness.property("v6-trading-restart.timer", "ActiveState") == "active")
            #expect(try Self.processEnvironment("v6-trading.service").contains("V6_BROKER_API_KEY=\(value)"))
            let notHalted = try scratch.tradectl(["resume"])
            #expect(notHalted.status == 0 && notHalted.stdout.contains("not halted"), "\(notHalted.stdout)")

            let audit = try scratch.tradectl(["audit", "--since", "1h", "--json"])
            outputs += [audit.stdout, audit.stderr]
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
            let commands = rows.compactMap { $0["command"] as? String }
            #expect(commands.contains("halt: integration test: stale quotes"), "\(commands)")
            #expect(
                commands.contains("secrets set V6_BROKER_API_KEY (\(scratch.base)/opt/v6/shared/.env)"),
                "\(commands)")
            #expect(commands.filter { $0 == "resume" }.count == 2)
            let secretRow = rows.first { ($0["command"] as? String)?.hasPrefix("secrets set") == true }
            #expect(
                (secretRow?["result"] as? String)?.contains(
                    "restarted v6-dashboard.service v6-position-sync.service") == true,
                "\(String(describing: secretRow))")

            let secret = value.prefix(10)  // "k3y-NNNNNN": unique to this run
            for output in outputs { #expect(!output.contains(secret), "the value leaked: \(output)") }
            let wholeJournal = try Harness.run("/bin/journalctl", ["--no-pager", "-o", "verbose"]).stdout
            #expect(!wholeJournal.contains(secret), "the value reached the journal")
            let database = try Harness.run(
                "/usr/bin/sqlite3",
                ["\(scratch.base)/state/state.db", "SELECT * FROM audit; SELECT plan FROM deploys;"]
            ).stdout
            #expect(!database.contains(secret), "the value reached the state database")
        }
    }
}
