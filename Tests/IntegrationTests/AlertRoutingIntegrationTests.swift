import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// Routes under the real monitor daemon on the V6 example: warnings to a chat webhook,
    /// criticals to a real SMTP server and a PagerDuty-format receiver; silences and quiet hours.
    @Suite("Alert routing", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct AlertRoutingIntegrationTests {
        let dir: String
        let chat: WebhookReceiver
        let pager: WebhookReceiver
        let mail: SMTPReceiver
        let scratch: ScratchDeployment
        let config: String
        /// The routing key, a secret: it must reach the pager's payload and nothing else.
        static let canary = "CANARY-pd-routing-key-5f1e2d3c4b5a"

        init() throws {
            dir = NSTemporaryDirectory() + "tradectl-it-routing-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            chat = try WebhookReceiver(log: "\(dir)/chat.log")
            pager = try WebhookReceiver(log: "\(dir)/pager.log", status: 202)
            mail = try SMTPReceiver(log: "\(dir)/mail.log")
            try Harness.copyExample("v6", to: dir)
            config = "\(dir)/v6/tradectl.toml"
            try Self.configure(config, quietHours: nil, chat: chat.port, pager: pager.port, mail: mail.port)
            let env = "\(dir)/v6/app/.env"
            var secrets = try String(contentsOfFile: env, encoding: .utf8)
            secrets += "CHAT_URL=http://127.0.0.1:\(chat.port)/hook\nPD_ROUTING_KEY=\(Self.canary)\n"
            try secrets.write(toFile: env, atomically: true, encoding: .utf8)
            scratch = ScratchDeployment(name: "v6", config: config, monitor: true)
        }

        /// V6 with a 1 s monitor, a pattern that turns every dashboard start into a warning
        /// (it logs "listening on" once), and three receivers behind two routes.
        static func configure(_ path: String, quietHours: String?, chat: Int, pager: Int, mail: Int) throws {
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
                    auto_restart = false

                    [[monitor.patterns]]
                    name = "dashboard-start"
                    regex = "listening on"
                    window = "4s"

                    [alerts]
                    env_file = ".env"
                    timeout = "2s"
                    retries = 2
                    repeat_after = "1h"

                    [[alerts.receivers]]
                    name = "chat"
                    type = "webhook"
                    url_env = "CHAT_URL"

                    [[alerts.receivers]]
                    name = "mail"
                    type = "email"
                    smtp_url = "smtp://127.0.0.1:\(mail)"
                    starttls = false
                    from = "v6@example.com"
                    to = ["desk@example.com"]

                    [[alerts.receivers]]
                    name = "pager"
                    type = "pagerduty"
                    url = "http://127.0.0.1:\(pager)/v2/enqueue"
                    routing_key_env = "PD_ROUTING_KEY"

                    [[alerts.routes]]
                    name = "chat"
                    receivers = ["chat"]
                    min_severity = "warning"
                    \(quietHours.map { "quiet_hours = \"\($0)\"" } ?? "")

                    [[alerts.routes]]
                    name = "page"
                    receivers = ["pager", "mail"]
                    min_severity = "critical"


                    """)
            text = text.replacingOccurrences(of: "timeout = \"10s\"", with: "timeout = \"2s\"")
            // The example's [market] is New York's; the quiet hours below are written in UTC.
            text = text.replacingOccurrences(of: "timezone = \"America/New_York\"", with: "timezone = \"UTC\"")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        func chatAlerts(_ key: String, _ kind: String) -> Int {
            chat.alerts.filter { $0["key"] as? String == key && $0["kind"] as? String == kind }.count
        }

        func pagerEvents(_ action: String) -> [[String: Any]] {
            pager.alerts.filter { $0["event_action"] as? String == action }
        }

        func mails(_ key: String) -> [[String: Any]] {
            mail.messages.filter { $0["key"] as? String == key }
        }

        /// Kills the engine and waits until the monitor saw it recover.
        func killEngine(expectRecoveryIn seconds: Double, seen: () -> Bool) throws -> Bool {
            _ = try Harness.systemctl("kill", "--signal=SIGKILL", "v6-trading.service")
            return Harness.eventually(seconds, seen)
        }

        /// The window from an hour ago to an hour from now, in UTC: "now" is quiet.
        static func quietNow() -> String {
            let minute = Int(Date().timeIntervalSince1970 / 60) % 1440
            func text(_ value: Int) -> String {
                let wrapped = (value + 1440) % 1440
                return String(format: "%02d:%02d", wrapped / 60, wrapped % 60)
            }
            return "\(text(minute - 60))-\(text(minute + 60))"
        }

        @Test("warnings to chat, criticals to mail and pager once each and resolved; silence; quiet hours")
        func routes() throws {
            defer {
                scratch.tearDown()
                chat.stop()
                pager.stop()
                mail.stop()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let deploy = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            #expect(!(deploy.stdout + deploy.stderr).contains(Self.canary))
            let test = try scratch.tradectl(["monitor", "test-alert", "--route", "page"])
            #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
            #expect(test.stdout.contains("pager") && test.stdout.contains("mail"), "\(test.stdout)")
            #expect(!test.stdout.contains("chat"), "\(test.stdout)")
            #expect(Harness.eventually(10) { pagerEvents("trigger").count == 1 && mails("test").count == 1 })
            #expect(chat.alerts.isEmpty, "\(chat.alerts)")

            // 1. A warning (the dashboard restarted: its start line matches the pattern) goes to chat only.
            _ = try Harness.systemctl("restart", "v6-dashboard.service")
            let pattern = "journal-pattern/dashboard-start"
            #expect(Harness.eventually(20) { chatAlerts(pattern, "firing") == 1 }, "\(chat.alerts)")
            #expect(Harness.eventually(20) { chatAlerts(pattern, "recovered") == 1 }, "\(chat.alerts)")
            #expect(mails(pattern).isEmpty)
            #expect(pager.alerts.allSatisfy { ($0["dedup_key"] as? String ?? "").hasSuffix(pattern) == false })

            // 2. The engine killed: one critical on each receiver, one recovery/resolve each.
            let recovered = try killEngine(expectRecoveryIn: 40) {
                chatAlerts("unit/trading", "recovered") >= 1 && pagerEvents("resolve").count >= 1
                    && mails("unit/trading").count >= 2
            }
            #expect(recovered, "chat: \(chat.alerts)\npager: \(pager.alerts)\nmail: \(mail.messages)")
            Thread.sleep(forTimeInterval: 3)
            #expect(chatAlerts("unit/trading", "firing") == 1)
            #expect(chatAlerts("unit/trading", "recovered") == 1)
            let triggers = pagerEvents("trigger").filter {
                ($0["dedup_key"] as? String ?? "").hasSuffix("unit/trading")
            }
            let resolves = pagerEvents("resolve")
            #expect(triggers.count == 1, "\(pager.alerts)")
            #expect(resolves.count == 1, "\(pager.alerts)")
            #expect(triggers.first?["dedup_key"] as? String == resolves.first?["dedup_key"] as? String)
            #expect(triggers.first?["routing_key"] as? String == Self.canary)
            let engineMails = mails("unit/trading")
            #expect(engineMails.count == 2, "\(mail.messages)")
            #expect(engineMails.first.map { ($0["subject"] as? String ?? "").contains("FIRING critical") } == true)
            #expect(engineMails.last.map { ($0["subject"] as? String ?? "").contains("RECOVERED") } == true)

            // 3. A silenced component produces nothing anywhere.
            let silence = try scratch.tradectl([
                "alerts", "silence", "trading", "--for", "10min", "--reason", "broker maintenance",
            ])
            #expect(silence.status == 0, "\(silence.stdout)\(silence.stderr)")
            let before = (chat.alerts.count, pager.alerts.count, mail.messages.count)
            _ = try Harness.systemctl("kill", "--signal=SIGKILL", "v6-trading.service")
            #expect(
                Harness.eventually(30) {
                    (try? Harness.property("v6-trading.service", "NRestarts")) == "2"
                        && (try? Harness.property("v6-trading.service", "ActiveState")) == "active"
                })
            Thread.sleep(forTimeInterval: 4)
            #expect(chat.alerts.count == before.0, "\(chat.alerts)")
            #expect(pager.alerts.count == before.1, "\(pager.alerts)")
            #expect(mail.messages.count == before.2, "\(mail.messages)")
            let unsilence = try scratch.tradectl(["alerts", "unsilence", "trading"])
            #expect(unsilence.status == 0, "\(unsilence.stdout)\(unsilence.stderr)")

            // 4. Quiet hours on the chat route: a warning waits, a critical still goes out.
            try Self.configure(config, quietHours: Self.quietNow(), chat: chat.port, pager: pager.port, mail: mail.port)
            let redeploy = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(redeploy.status == 0, "\(redeploy.stdout)\(redeploy.stderr)")
            #expect(redeploy.stdout.contains("v6-monitor.service"), "the monitor must restart for new routes")
            let chatBefore = chatAlerts(pattern, "firing")
            _ = try Harness.systemctl("restart", "v6-dashboard.service")
            Thread.sleep(forTimeInterval: 8)
            #expect(chatAlerts(pattern, "firing") == chatBefore, "a warning went out in quiet hours: \(chat.alerts)")
            let engineFirings = chatAlerts("unit/trading", "firing")
            _ = try Harness.systemctl("kill", "--signal=SIGKILL", "v6-trading.service")
            #expect(
                Harness.eventually(30) { chatAlerts("unit/trading", "firing") == engineFirings + 1 },
                "a critical was held back by quiet hours: \(chat.alerts)")

            // The routing key appears in the pager's payloads only: no state row, no journal line.
            let state = try Harness.run("/usr/bin/sqlite3", ["\(scratch.base)/state/state.db", ".dump"])
            #expect(!state.stdout.contains(Self.canary))
            let journal = try Harness.run("/bin/journalctl", ["--no-pager", "-o", "verbose", "--since", "-10min"])
            #expect(!journal.stdout.contains(Self.canary))
            #expect(!chat.alerts.description.contains(Self.canary))
            #expect(!mail.messages.description.contains(Self.canary))
        }
    }
}
