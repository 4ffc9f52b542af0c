import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// Shipped runbooks run for real (`--yes`) against V6 under the real user manager.
    @Suite("Runbooks for real", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct RunbookIntegrationTests {
        func sqlite(_ database: String, _ sql: String) throws -> Harness.Result {
            try Harness.run("/usr/bin/sqlite3", ["-cmd", ".timeout 5000", database, sql])
        }

        func audit(_ scratch: ScratchDeployment) throws -> [String] {
            try sqlite("\(scratch.base)/state/state.db", "SELECT command || ' => ' || result FROM audit").stdout
                .split(separator: "\n").map(String.init)
        }

        @Test("emergency-shutdown: engine stopped, kill switch on, monitor silent; resume: running again")
        func emergencyShutdown() throws {
            let dir = NSTemporaryDirectory() + "tradectl-it-runbook-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let receiver = try WebhookReceiver(log: "\(dir)/webhook.log")
            try Harness.copyExample("v6", to: dir)
            let config = "\(dir)/v6/tradectl.toml"
            try MonitorIntegrationTests.configure(
                config, webhook: receiver.port, metrics: try WebhookReceiver.freePort(), textfile: "\(dir)/textfile")
            let scratch = ScratchDeployment(name: "v6", config: config, monitor: true)
            scratch.overrides = ScratchDeployment.ignoringEarlierErrors
            defer {
                scratch.tearDown()
                receiver.stop()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let deploy = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            Thread.sleep(forTimeInterval: 4)  // a few monitor cycles before the incident
            let engineAlertsBefore = receiver.alerts.filter { $0["target"] as? String == "trading" }.count

            let run = try scratch.tradectl(["runbook", "run", "emergency-shutdown", "--yes"])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "inactive")
            #expect(FileManager.default.fileExists(atPath: "\(scratch.base)/opt/v6/shared/KILL"))
            #expect(
                try Harness.property("v6-dashboard.service", "ActiveState") == "active", "only trading components stop")
            Thread.sleep(forTimeInterval: 6)  // several monitor cycles while halted
            #expect(
                try Harness.property("v6-trading.service", "ActiveState") == "inactive",
                "the monitor did not restart it"
            )
            let engineAlerts = receiver.alerts.filter { $0["target"] as? String == "trading" }.count
            #expect(engineAlerts == engineAlertsBefore, "\(receiver.alerts)")
            let steps = try audit(scratch).filter { $0.hasPrefix("runbook emergency-shutdown step") }
            #expect(steps.count >= 5, "\((try? audit(scratch)) ?? [])")
            #expect(try audit(scratch).contains { $0.hasPrefix("halt") })

            let resume = try scratch.tradectl(["resume"])
            #expect(resume.status == 0, "\(resume.stdout)\(resume.stderr)")
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "active")
            #expect(!FileManager.default.fileExists(atPath: "\(scratch.base)/opt/v6/shared/KILL"))
        }

        @Test("database-corruption: corrupt DB → runbook → healthy, data as of the last backup, every step audited")
        func databaseCorruption() throws {
            let scratch = ScratchDeployment(example: "v6")
            scratch.overrides = ScratchDeployment.ignoringEarlierErrors
            defer { scratch.tearDown() }
            let deploy = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            let database = "\(scratch.base)/opt/v6/shared/data/v6.db"
            #expect(Harness.eventually(20) { FileManager.default.fileExists(atPath: database) })
            _ = try sqlite(
                database, "CREATE TABLE IF NOT EXISTS drill (note TEXT); INSERT INTO drill VALUES ('before backup');")
            let backup = try scratch.tradectl(["backup"])
            try #require(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
            _ = try sqlite(database, "INSERT INTO drill VALUES ('after backup'); PRAGMA wal_checkpoint(TRUNCATE);")

            // Damage: overwrite pages in the middle of the file, as a bad disk would.
            let size = (try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0
            try #require(size >= 8192, "database too small to damage: \(size)")
            let handle = try #require(FileHandle(forUpdatingAtPath: database))
            try handle.seek(toOffset: 4096)
            handle.write(Data(repeating: 0xA5, count: min(size - 4096, 16384)))
            try handle.close()
            #expect(try scratch.tradectl(["db", "check"]).status == 65, "the damage is visible")

            let run = try scratch.tradectl(["runbook", "run", "database-corruption", "--yes"])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(try scratch.tradectl(["db", "check"]).status == 0)
            let notes = try sqlite(database, "SELECT note FROM drill ORDER BY rowid").stdout
            #expect(notes.contains("before backup"), "\(notes)")
            #expect(!notes.contains("after backup"), "data as of the last backup: \(notes)")
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "active")
            let steps = try audit(scratch).filter { $0.hasPrefix("runbook database-corruption step") }
            #expect(steps.count >= 7, "\((try? audit(scratch)) ?? [])")
            #expect(try audit(scratch).contains { $0.hasPrefix("restore") }, "\((try? audit(scratch)) ?? [])")
        }
    }
}
