import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// Fault-matrix rows for the monitor daemon (docs/reliability.md): SIGKILLed mid-alert, and
    /// its config made invalid under it. A one-component project of its own ("fmon", no ports),
    /// alerting to a webhook receiver on a free loopback port.
    @Suite(
        "Fault matrix: the monitor", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"),
        .serialized)
    struct FaultMatrixMonitorTests {
        static let project = "fmon"
        let dir: String
        let receiver: WebhookReceiver
        let scratch: ScratchDeployment

        init() throws {
            dir = NSTemporaryDirectory() + "tradectl-it-fmon-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/app", withIntermediateDirectories: true)
            receiver = try WebhookReceiver(log: "\(dir)/webhook.log")
            try "import time\nwhile True:\n    time.sleep(1)\n".write(
                toFile: "\(dir)/app/engine.py", atomically: true, encoding: .utf8)
            try Self.config(webhook: receiver.port).write(
                toFile: "\(dir)/tradectl.toml", atomically: true, encoding: .utf8)
            scratch = ScratchDeployment(name: Self.project, config: "\(dir)/tradectl.toml", monitor: true)
        }

        /// One long-running component, a 1 s monitor that alerts after two bad results, a
        /// generic-JSON webhook; no auto-restart (the test stops and starts the engine itself).
        static func config(webhook: Int) -> String {
            """
            [project]
            name = "\(project)"
            environment = "paper"

            [releases]
            source = "app"
            keep = 3

            [[components]]
            name = "engine"
            kind = "service"
            exec = "/usr/bin/python3 engine.py"
            restart = "on-failure"
            stop_timeout = "5s"

            [monitor]
            enabled = true
            interval = "1s"
            watchdog = "10s"
            alert_after = 2
            auto_restart = false

            [alerts]
            webhook_url = "http://127.0.0.1:\(webhook)/hook"
            webhook_format = "generic"
            timeout = "2s"
            retries = 2
            repeat_after = "1h"

            """
        }

        var unit: String { "\(Self.project)-monitor.service" }
        var stateDatabase: String { "\(scratch.base)/state/state.db" }
        var installedConfig: String {
            "\(ProcessInfo.processInfo.environment["HOME"] ?? "/root")/.config/tradectl/\(Self.project).toml"
        }
        var dropIn: String {
            "\(ProcessInfo.processInfo.environment["HOME"] ?? "/root")/.config/systemd/user/\(unit).d"
        }

        /// The receiver's messages for `key` of `kind`.
        func received(_ key: String, _ kind: String) -> [[String: Any]] {
            receiver.alerts.filter { $0["key"] as? String == key && $0["kind"] as? String == kind }
        }

        /// What identifies one alert across a redelivery: the key, the kind and its time.
        func distinct(_ messages: [[String: Any]]) -> Set<String> {
            Set(messages.map { "\($0["key"] ?? "")|\($0["kind"] ?? "")|\($0["at"] ?? "")" })
        }

        func outboxRows() throws -> Int {
            let result = try Harness.run("/usr/bin/sqlite3", [stateDatabase, "SELECT count(*) FROM alert_outbox"])
            return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        /// The monitor's cycle counter, from its STATUS= line (`… — cycle 12 in 0.41s`).
        func cycles() -> Int {
            let status = (try? Harness.property(unit, "StatusText")) ?? ""
            guard let range = status.range(of: #"cycle [0-9]+"#, options: .regularExpression) else { return -1 }
            return Int(status[range].dropFirst("cycle ".count)) ?? -1
        }

        /// Waits until the monitor has run `count` more cycles than now.
        func awaitCycles(_ count: Int, within seconds: Double = 30) -> Bool {
            let start = cycles()
            return Harness.eventually(seconds) { cycles() >= start + count }
        }

        func deploy() throws {
            let deploy = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            try #require(
                Harness.eventually(30) { cycles() >= 1 }, "the monitor never reported a cycle: \(Self.status(unit))")
        }

        /// Runs the monitor with a crash point armed and no restart by systemd, so the test
        /// restarts it once the fault is gone.
        func armCrash(at label: String) throws {
            try FileManager.default.createDirectory(atPath: dropIn, withIntermediateDirectories: true)
            // Quoted: unquoted, systemd splits the value at its spaces into separate assignments.
            try "[Service]\nEnvironment=\"TRADECTL_CRASH_AT_LABEL=\(label)\"\nRestart=no\n".write(
                toFile: "\(dropIn)/crash.conf", atomically: true, encoding: .utf8)
            _ = try Harness.systemctl("daemon-reload")
            _ = try Harness.systemctl("restart", unit)
            try #require(Harness.eventually(30) { cycles() >= 1 }, "\(Self.status(unit))")
        }

        func disarmAndStart() throws {
            try FileManager.default.removeItem(atPath: dropIn)
            _ = try Harness.systemctl("daemon-reload")
            _ = try Harness.systemctl("reset-failed", unit)
            _ = try Harness.systemctl("start", unit)
        }

        func cleanUp() {
            try? FileManager.default.removeItem(atPath: dropIn)
            scratch.tearDown()
            receiver.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }

        @Test(
            "monitor SIGKILLed after recording an alert and before sending it, and after sending it and before removing it from the outbox: after a restart the receiver has it, once (one distinct alert; at most one identical redelivery)",
            arguments: [
                "monitor: alert unit/engine recorded, not yet handed to the receivers",
                "monitor: alert unit/engine delivered to webhook, outbox row not yet removed",
            ])
        func killedMidAlert(label: String) throws {
            defer { cleanUp() }
            try deploy()
            try armCrash(at: label)
            let beforeSend = label.contains("not yet handed")

            // The fault: the engine stops, the monitor decides to alert and is killed at the point.
            _ = try Harness.systemctl("stop", "\(Self.project)-engine.service")
            let killed = Harness.eventually(40) {
                ((try? Harness.property(unit, "Result")) ?? "") == "signal"
                    && ((try? Harness.property(unit, "ActiveState")) ?? "") != "active"
            }
            try #require(killed, "the monitor did not reach the crash point: \(Self.status(unit))")
            #expect(received("unit/engine", "firing").count == (beforeSend ? 0 : 1), "\(receiver.alerts)")
            #expect(try outboxRows() >= 1, "the alert is recorded in the outbox for the next start")

            // The fault removed: a plain restart delivers what was recorded, once.
            try disarmAndStart()
            #expect(Harness.eventually(30) { received("unit/engine", "firing").count >= 1 }, "\(receiver.alerts)")
            #expect(Harness.eventually(30) { (try? outboxRows()) == 0 }, "the outbox empties once delivered")
            #expect(awaitCycles(3), "\(Self.status(unit))")
            let fired = received("unit/engine", "firing")
            #expect(distinct(fired).count == 1, "one alert: \(fired)")
            // Killed before the hand-over nothing reached the receiver: exactly one message. Killed
            // after the receiver's answer, the one redelivery is byte-identical (same key, kind, at).
            #expect(fired.count == (beforeSend ? 1 : 2), "\(fired)")

            // The incident ends: one recovery, and the alert is not repeated.
            _ = try Harness.systemctl("start", "\(Self.project)-engine.service")
            #expect(Harness.eventually(30) { received("unit/engine", "recovered").count >= 1 }, "\(receiver.alerts)")
            #expect(awaitCycles(3))
            #expect(received("unit/engine", "recovered").count == 1, "\(receiver.alerts)")
            #expect(distinct(received("unit/engine", "firing")).count == 1)
            #expect(try outboxRows() == 0)
        }

        @Test(
            "config made invalid under a running monitor: it keeps running on the last good config and alerts once with file, line and key; fixed, it restarts on the new config and the alert recovers once"
        )
        func configMadeInvalid() throws {
            defer { cleanUp() }
            try deploy()
            let good = try String(contentsOfFile: installedConfig, encoding: .utf8)
            let lines = good.components(separatedBy: "\n")
            let line = try #require(lines.firstIndex { $0.hasPrefix("repeat_after = ") }) + 1
            let pid = try Harness.property(unit, "MainPID")

            // The fault: an operator's edit that no longer loads.
            var broken = lines
            broken[line - 1] = "repeat_after = \"soon\""
            try broken.joined(separator: "\n").write(toFile: installedConfig, atomically: true, encoding: .utf8)
            #expect(Harness.eventually(30) { !received("config", "firing").isEmpty }, "\(receiver.alerts)")
            #expect(awaitCycles(5), "\(Self.status(unit))")
            let fired = received("config", "firing")
            #expect(fired.count == 1, "alerts once: \(fired)")
            let summary = fired.first?["summary"] as? String ?? ""
            #expect(
                summary.contains("\(installedConfig):\(line)") && summary.contains("alerts.repeat_after"), "\(summary)")
            #expect(summary.contains("keeps running"), "\(summary)")
            #expect(try Harness.property(unit, "MainPID") == pid, "still the same monitor, on the last good config")
            #expect(try Harness.property(unit, "ActiveState") == "active")

            // Fixed (and changed): the monitor restarts on it, and the config alert recovers once.
            var fixed = lines
            fixed[line - 1] = "repeat_after = \"2h\""
            try fixed.joined(separator: "\n").write(toFile: installedConfig, atomically: true, encoding: .utf8)
            let restarted = Harness.eventually(40) {
                let now = (try? Harness.property(unit, "MainPID")) ?? pid
                return now != pid && now != "0" && cycles() >= 1
            }
            #expect(restarted, "\(Self.status(unit))")
            #expect(Harness.eventually(30) { !received("config", "recovered").isEmpty }, "\(receiver.alerts)")
            #expect(awaitCycles(3))
            #expect(received("config", "recovered").count == 1, "\(receiver.alerts)")
            #expect(received("config", "firing").count == 1, "\(receiver.alerts)")
            #expect(try Harness.property(unit, "ActiveState") == "active")
        }

        static func status(_ unit: String) -> String { (try? Harness.systemctl("status", unit).stdout) ?? "" }
    }
}
