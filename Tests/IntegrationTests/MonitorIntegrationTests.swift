import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// The monitor daemon as deploy installs it (Type=notify, watchdog) on the V6 example,
    /// alerting to a local webhook receiver.
    @Suite("Monitor daemon", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct MonitorIntegrationTests {
        let dir: String
        let receiver: WebhookReceiver
        let metricsPort: Int
        let scratch: ScratchDeployment

        init() throws {
            dir = NSTemporaryDirectory() + "tradectl-it-monitor-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            receiver = try WebhookReceiver(log: "\(dir)/webhook.log")
            metricsPort = try WebhookReceiver.freePort()
            try Harness.copyExample("v6", to: dir)
            let config = "\(dir)/v6/tradectl.toml"
            try Self.configure(config, webhook: receiver.port, metrics: metricsPort, textfile: "\(dir)/textfile")
            scratch = ScratchDeployment(name: "v6", config: config, monitor: true)
        }

        /// The V6 config with a fast monitor: 1 s cycles, 2 bad results to alert, a 5 s watchdog,
        /// a generic-JSON webhook, metrics on a free port and a textfile; the dashboard restarts
        /// after 1 s so a crash loop reaches systemd's start limit quickly.
        static func configure(_ path: String, webhook: Int, metrics: Int, textfile: String) throws {
            var text = try String(contentsOfFile: path, encoding: .utf8)
            let monitorStart = try #require(text.range(of: "[monitor]"))
            let killSwitch = try #require(text.range(of: "[kill_switch]"))
            text.replaceSubrange(
                monitorStart.lowerBound..<killSwitch.lowerBound,
                with: """
                    [monitor]
                    interval = "1s"
                    watchdog = "5s"
                    alert_after = 2
                    restart_delay = "1s"
                    max_restarts = 2
                    restart_window = "10min"
                    metrics_listen = "127.0.0.1:\(metrics)"
                    textfile_dir = "\(textfile)"

                    [alerts]
                    webhook_url = "http://127.0.0.1:\(webhook)/hook"
                    webhook_format = "generic"
                    timeout = "2s"
                    retries = 2
                    repeat_after = "1h"


                    """)
            text = text.replacingOccurrences(of: "timeout = \"10s\"", with: "timeout = \"2s\"")
            text = text.replacingOccurrences(
                of: "probes.heartbeat_max_age = \"30s\"", with: "probes.heartbeat_max_age = \"3s\"")
            let dashboard = try #require(text.range(of: "name = \"dashboard\""))
            let restart = try #require(
                text.range(of: "restart = \"always\"", range: dashboard.upperBound..<text.endIndex))
            text.insert(contentsOf: "\nrestart_sec = \"1s\"", at: restart.upperBound)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: textfile, withIntermediateDirectories: true)
        }

        func alerts(_ key: String, _ kind: String) -> Int {
            receiver.alerts.filter { $0["key"] as? String == key && $0["kind"] as? String == kind }.count
        }

        func metrics() throws -> String {
            try Harness.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(metricsPort)/metrics"]).stdout
        }

        func pid(_ unit: String) throws -> String { try Harness.property("v6-\(unit).service", "MainPID") }

        func auditLines() throws -> [String] {
            let database = "\(scratch.base)/state/state.db"
            let result = try Harness.run(
                "/usr/bin/sqlite3", [database, "SELECT command || ' => ' || result FROM audit"])
            return result.stdout.split(separator: "\n").map(String.init)
        }

        @Test(
            "one alert and one recovery per incident; no storm; dead receiver; restart; kill switch; start limit; watchdog"
        )
        func incidents() throws {
            defer {
                scratch.tearDown()
                receiver.stop()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let deploy = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            let ready = Harness.eventually(30) {
                (try? Harness.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(metricsPort)/ready"]))?.status == 0
            }
            try #require(ready, "monitor never became ready: \(Self.status("v6-monitor.service"))")
            #expect(try Harness.property("v6-monitor.service", "StatusText").contains("components up"))

            // 1. The engine is killed; systemd restarts it after 5 s: exactly one alert, one recovery.
            _ = try Harness.systemctl("kill", "--signal=SIGKILL", "v6-trading.service")
            #expect(Harness.eventually(40) { alerts("unit/trading", "recovered") >= 1 }, "\(receiver.alerts)")
            Thread.sleep(forTimeInterval: 3)
            #expect(alerts("unit/trading", "firing") == 1)
            #expect(alerts("unit/trading", "recovered") == 1)

            // 2. A flapping dashboard (frozen and thawed every 2 s) produces no storm.
            let dashboard = try pid("dashboard")
            for _ in 0..<8 {
                _ = try Harness.run("/bin/kill", ["-STOP", dashboard])
                Thread.sleep(forTimeInterval: 2)
                _ = try Harness.run("/bin/kill", ["-CONT", dashboard])
                Thread.sleep(forTimeInterval: 2)
            }
            let flapMessages = receiver.alerts.filter { $0["key"] as? String == "http/dashboard" }.count
            #expect(flapMessages <= 5, "flapping produced \(flapMessages) messages")

            // 3. A hung engine (heartbeat stale) alerts once; restarting the monitor mid-incident
            //    repeats nothing; the recovery still comes, once.
            let engine = try pid("trading")
            let (firedBefore, recoveredBefore) = (
                alerts("heartbeat/trading", "firing"), alerts("heartbeat/trading", "recovered")
            )
            _ = try Harness.run("/bin/kill", ["-STOP", engine])
            #expect(
                Harness.eventually(30) { alerts("heartbeat/trading", "firing") == firedBefore + 1 },
                "\(receiver.alerts)"
            )
            let before = receiver.alerts.count
            _ = try Harness.systemctl("restart", "v6-monitor.service")
            Thread.sleep(forTimeInterval: 6)
            #expect(
                receiver.alerts.count == before,
                "restart repeated: \(receiver.alerts.suffix(receiver.alerts.count - before))")
            _ = try Harness.run("/bin/kill", ["-CONT", engine])
            #expect(
                Harness.eventually(30) { alerts("heartbeat/trading", "recovered") == recoveredBefore + 1 },
                "\(receiver.alerts)")
            Thread.sleep(forTimeInterval: 2)
            #expect(alerts("heartbeat/trading", "firing") == firedBefore + 1)
            #expect(alerts("heartbeat/trading", "recovered") == recoveredBefore + 1)

            // 4. A dead receiver: deliveries fail and are retried, the monitor keeps cycling.
            receiver.stop()
            _ = try Harness.run("/bin/kill", ["-STOP", engine])
            let failed = Harness.eventually(30) {
                ((try? metrics()) ?? "").contains("result=\"failed\"} 1")
                    || ((try? metrics()) ?? "").range(of: #"result="failed"\} [1-9]"#, options: .regularExpression)
                        != nil
            }
            #expect(failed, "\((try? metrics()) ?? "")")
            _ = try Harness.run("/bin/kill", ["-CONT", engine])
            let cycles = Self.value(try metrics(), "tradectl_monitor_cycles_total")
            Thread.sleep(forTimeInterval: 3)
            #expect(Self.value(try metrics(), "tradectl_monitor_cycles_total") > cycles)
            #expect(try Harness.property("v6-monitor.service", "ActiveState") == "active")
            try receiver.start()
            #expect(
                Harness.eventually(20) {
                    (try? Harness.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(metricsPort)/health"]))?.status == 0
                })

            // 5. Halted by the kill switch: the engine stays stopped, no alert, no restart.
            Thread.sleep(forTimeInterval: 4)  // the thawed engine's recovery (2 good cycles) lands first
            let quiet = receiver.alerts.count
            try "halted by test\n".write(
                toFile: "\(scratch.base)/opt/v6/shared/KILL", atomically: true, encoding: .utf8)
            _ = try Harness.systemctl("stop", "v6-trading.service")
            Thread.sleep(forTimeInterval: 6)
            #expect(try Harness.property("v6-trading.service", "ActiveState") == "inactive")
            #expect(receiver.alerts.count == quiet, "\(receiver.alerts.suffix(receiver.alerts.count - quiet))")
            #expect(try !auditLines().contains { $0.contains("monitor restart trading") })
            try FileManager.default.removeItem(atPath: "\(scratch.base)/opt/v6/shared/KILL")
            _ = try Harness.systemctl("start", "v6-trading.service")

            // 6. Beyond systemd's start limit: while a deploy holds the lock the monitor waits;
            //    then it resets and starts the dashboard, and audits it.
            let lockHolder = Process()
            lockHolder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            lockHolder.arguments = [
                "-c",
                "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(600)",
                "\(scratch.base)/state/tradectl.lock",
            ]
            try lockHolder.run()
            defer { if lockHolder.isRunning { kill(lockHolder.processIdentifier, SIGKILL) } }
            #expect(
                Harness.eventually(10) {
                    ((try? Harness.property("v6-monitor.service", "StatusText")) ?? "").contains("deploy in progress")
                })
            let portHolder = Process()
            portHolder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            portHolder.arguments = [
                "-c",
                "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 8501)); s.listen(); time.sleep(600)",
            ]
            _ = try Harness.systemctl("kill", "--signal=SIGKILL", "v6-dashboard.service")
            try portHolder.run()
            defer { if portHolder.isRunning { kill(portHolder.processIdentifier, SIGKILL) } }
            // systemd 252 leaves Result=exit-code when the start limit refuses the next restart.
            let gaveUp = Harness.eventually(40) {
                ((try? Harness.property("v6-dashboard.service", "ActiveState")) ?? "") == "failed"
                    && (Int((try? Harness.property("v6-dashboard.service", "NRestarts")) ?? "") ?? 0) >= 9
            }
            #expect(gaveUp, "\(Self.status("v6-dashboard.service"))")
            kill(portHolder.processIdentifier, SIGKILL)
            portHolder.waitUntilExit()
            Thread.sleep(forTimeInterval: 3)
            #expect(
                try Harness.property("v6-dashboard.service", "ActiveState") == "failed", "monitor acted during a deploy"
            )
            kill(lockHolder.processIdentifier, SIGKILL)
            lockHolder.waitUntilExit()
            #expect(
                Harness.eventually(20) {
                    ((try? Harness.property("v6-dashboard.service", "ActiveState")) ?? "") == "active"
                })
            #expect(
                try auditLines().contains { $0.hasPrefix("monitor restart dashboard (attempt 1) => started") },
                "\((try? auditLines()) ?? [])")

            // 7. Metrics pass promtool, on the endpoint and in the textfile.
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
                let scraped = "\(dir)/scraped.prom"
                try metrics().write(toFile: scraped, atomically: true, encoding: .utf8)
                for file in [scraped, "\(dir)/textfile/tradectl_v6.prom"] {
                    let check = try Harness.run("/bin/sh", ["-c", "promtool check metrics < \(file)"])
                    #expect(check.status == 0, "\(file): \(check.stdout)\(check.stderr)")
                }
            }

            // 8. A monitor that stops pinging is killed by systemd's watchdog and restarted.
            let monitorPID = try pid("monitor")
            _ = try Harness.run("/bin/kill", ["-STOP", monitorPID])
            let restarted = Harness.eventually(40) {
                let now = (try? pid("monitor")) ?? monitorPID
                return now != monitorPID && now != "0"
                    && ((try? Harness.property("v6-monitor.service", "ActiveState")) ?? "") == "active"
            }
            #expect(restarted, "\(Self.status("v6-monitor.service"))")
        }

        /// The value of an unlabelled-or-first sample of `name` in exposition text.
        static func value(_ text: String, _ name: String) -> Double {
            for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
                if let last = line.split(separator: " ").last, let value = Double(last) { return value }
            }
            return -1
        }

        /// `systemctl status` text for failure messages (never throws).
        static func status(_ unit: String) -> String { (try? Harness.systemctl("status", unit).stdout) ?? "" }
    }
}
