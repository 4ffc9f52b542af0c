import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// The monitor's auto-halt on the V6 example under the real user manager: three critical
    /// alerts of the engine, each from its own `monitor --once` process (the count survives
    /// restarts), engage the kill switch through halt's plan; `resume` brings the engine back.
    @Suite("Auto-halt", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct AutoHaltIntegrationTests {
        @Test("three criticals of the engine: kill switch on, engine stopped, audited; not again; resume")
        func autoHalt() throws {
            let dir = NSTemporaryDirectory() + "tradectl-it-autohalt-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Harness.copyExample("v6", to: dir)
            let good = "\(dir)/v6/tradectl.toml"
            // The monitor's view only: the engine's heartbeat "missing" (deploy used the real one).
            let bad = "\(dir)/v6/bad.toml"
            try (try String(contentsOfFile: good, encoding: .utf8))
                .replacingOccurrences(
                    of: #"probes.heartbeat = "data/heartbeat""#, with: #"probes.heartbeat = "data/no-heartbeat""#
                )
                .write(toFile: bad, atomically: true, encoding: .utf8)
            let scratch = ScratchDeployment(name: "v6", config: good)
            defer { scratch.tearDown() }
            let environment = scratch.environment.merging([
                "TRADECTL_KILL_SWITCH_AUTO_HALT_AFTER": "3", "TRADECTL_KILL_SWITCH_AUTO_HALT_WINDOW": "15min",
                "TRADECTL_MONITOR_ALERT_AFTER": "1", "TRADECTL_MONITOR_AUTO_RESTART": "false",
                "TRADECTL_MONITOR_FLAP_HIGH_PERCENT": "100",
            ]) { $1 }
            func tradectl(_ config: String, _ arguments: [String]) throws -> Harness.Result {
                try Harness.run(Harness.binary, ["--config", config] + arguments, environment: environment)
            }
            let deploy = try tradectl(good, ["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            let flag = "\(scratch.base)/opt/v6/shared/KILL"
            var log: [String] = []
            func cycle(_ config: String) throws {
                let run = try tradectl(config, ["monitor", "--once"])
                log.append(run.stdout + run.stderr)
            }

            // Two criticals (bad, good, bad): nothing happens.
            for config in [bad, good, bad] { try cycle(config) }
            #expect(!FileManager.default.fileExists(atPath: flag), "\(log)")
            let list = try tradectl(good, ["alerts", "--json"])
            #expect(list.stdout.contains(#""heartbeat/trading""#), "\(list.stdout)\(list.stderr)")
            #expect(list.stdout.contains(#""after" : 3"#), "\(list.stdout)")
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "active")

            // The third: halted by the monitor.
            for config in [good, bad] { try cycle(config) }
            let flagText = (try? String(contentsOfFile: flag, encoding: .utf8)) ?? ""
            #expect(
                flagText.hasPrefix("auto-halt: 3 critical alerts in 15min: heartbeat/trading"), "\(flagText) \(log)")
            #expect(flagText.contains("(halted by tradectl-monitor at "), "\(flagText)")
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "inactive")
            #expect(try Harness.property("v6-trading-restart.timer", "ActiveState") == "inactive")
            #expect(try Harness.property("v6-dashboard.service", "ActiveState") == "active")
            let audit = try tradectl(good, ["audit", "--json"]).stdout
            #expect(audit.components(separatedBy: #""user" : "tradectl-monitor""#).count == 2, "\(audit)")
            #expect(audit.contains("halt: auto-halt: 3 critical alerts"), "\(audit)")
            let alerted = Harness.eventually(10) {
                let journal = try? Harness.run(
                    "/bin/journalctl", ["--no-pager", "-o", "cat", "TRADECTL_ALERT_KEY=auto-halt"])
                return journal?.stdout.contains("kill switch engaged by the monitor") == true
            }
            #expect(alerted, "no auto-halt alert in the journal")

            // Halted: further criticals do not halt again.
            for config in [bad, good, bad] { try cycle(config) }
            let again = try tradectl(good, ["audit", "--json"]).stdout
            #expect(again.components(separatedBy: #""user" : "tradectl-monitor""#).count == 2, "\(again)")

            // Never resumed by the monitor; resume brings the engine back.
            #expect(FileManager.default.fileExists(atPath: flag))
            let resume = try tradectl(good, ["resume"])
            #expect(resume.status == 0, "\(resume.stdout)\(resume.stderr)")
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "active")
            #expect(!FileManager.default.fileExists(atPath: flag))
        }
    }
}
