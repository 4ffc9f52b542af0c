import Foundation
import Testing

@testable import TradeKit

/// Routes decide who hears what: severity, component, check, kind, market and quiet hours,
/// each route's own reminders, and recoveries exactly where their alert went.
@Suite("Alert routing")
struct AlertRoutingTests {
    /// Monday 2026-12-07 15:00 UTC = 10:00 in New York (market open).
    static let mondayOpen = Date(timeIntervalSince1970: 1_796_655_600)

    static func alert(
        _ kind: Alert.Kind, _ severity: Severity, key: String = "unit/engine", check: String = "unit",
        target: String = "engine", at: Date = mondayOpen
    ) -> Alert {
        Alert(
            key: key, kind: kind, severity: severity, project: "v6", host: "h", check: check, target: target,
            summary: "s", at: at)
    }

    static func route(
        _ name: String, _ receivers: [String], min: Severity = .warning, edit: (inout AlertRoute) -> Void = { _ in }
    ) -> AlertRoute {
        var route = AlertRoute()
        route.name = name
        route.receivers = receivers
        route.minSeverity = min
        edit(&route)
        return route
    }

    static func router(_ routes: [AlertRoute], repeatAfter: TimeInterval = 3600) -> AlertRouter {
        var alerts = AlertsConfig()
        alerts.routes = routes
        alerts.repeatAfter = .seconds(Int(repeatAfter))
        alerts.minSeverity = .warning
        var market = MarketConfig()
        market.timezone = "America/New_York"
        market.sessions = ["Mon..Fri 09:30-16:00"]
        market.holidays = ["2026-12-25"]
        return AlertRouter(alerts: alerts, market: market)
    }

    /// Chat for warnings and up, the pager and mail for criticals only.
    static let desk = router([
        Self.route("chat", ["slack"]),
        Self.route("page", ["pager", "mail"], min: .critical),
    ])

    @Test("warnings go to chat only; criticals to chat, pager and mail, each receiver once")
    func severity() {
        var sent: [String: [String: Date]] = [:]
        #expect(Self.desk.receivers(for: Self.alert(.firing, .warning), sent: &sent, now: Self.mondayOpen) == ["slack"])
        var record: [String: [String: Date]] = [:]
        let both = Self.router([Self.route("a", ["slack", "pager"]), Self.route("b", ["pager"], min: .critical)])
        #expect(
            both.receivers(for: Self.alert(.firing, .critical), sent: &record, now: Self.mondayOpen) == [
                "slack", "pager",
            ])
        sent = [:]
        #expect(
            Self.desk.receivers(for: Self.alert(.firing, .critical), sent: &sent, now: Self.mondayOpen) == [
                "slack", "pager", "mail",
            ])
    }

    @Test("a recovery goes exactly where its alert went, and only once")
    func recoveryFollowsTheAlert() {
        var sent: [String: [String: Date]] = [:]
        _ = Self.desk.receivers(for: Self.alert(.firing, .critical), sent: &sent, now: Self.mondayOpen)
        let later = Self.mondayOpen.addingTimeInterval(600)
        let recovered = Self.alert(.recovered, .info, at: later)
        #expect(Self.desk.receivers(for: recovered, sent: &sent, now: later) == ["slack", "pager", "mail"])
        #expect(Self.desk.receivers(for: recovered, sent: &sent, now: later).isEmpty)
        // A warning that went to chat only recovers in chat only.
        _ = Self.desk.receivers(for: Self.alert(.firing, .warning, key: "disk/data"), sent: &sent, now: later)
        #expect(
            Self.desk.receivers(for: Self.alert(.recovered, .info, key: "disk/data"), sent: &sent, now: later) == [
                "slack"
            ])
    }

    @Test("component, check and kind filters")
    func filters() {
        let router = Self.router([
            Self.route("engine-only", ["a"]) { $0.components = ["engine"] },
            Self.route("journal", ["b"]) { $0.checks = ["journal", "journal-pattern"] },
            Self.route("escalations", ["c"]) { $0.kinds = ["escalation"] },
        ])
        var sent: [String: [String: Date]] = [:]
        let now = Self.mondayOpen
        #expect(router.receivers(for: Self.alert(.firing, .warning), sent: &sent, now: now) == ["a"])
        let dashboard = Self.alert(.firing, .warning, key: "http/dashboard", check: "http", target: "dashboard")
        #expect(router.receivers(for: dashboard, sent: &sent, now: now).isEmpty)
        let journal = Self.alert(.firing, .warning, key: "journal/journal", check: "journal", target: "journal")
        #expect(router.receivers(for: journal, sent: &sent, now: now) == ["b"])
        let escalation = Self.alert(.escalation, .critical, key: "recovery/engine", check: "recovery")
        #expect(router.receivers(for: escalation, sent: &sent, now: now) == ["a", "c"])
    }

    @Test("quiet hours hold back warnings but not criticals; the first reminder after them announces it")
    func quietHours() {
        let router = Self.router([Self.route("chat", ["slack"]) { $0.quietHours = "22:00-07:00" }])
        // 23:30 New York = 04:30 UTC the next day.
        let night = Self.mondayOpen.addingTimeInterval(13.5 * 3600)
        var sent: [String: [String: Date]] = [:]
        #expect(router.receivers(for: Self.alert(.firing, .warning, at: night), sent: &sent, now: night).isEmpty)
        #expect(
            router.receivers(
                for: Self.alert(.firing, .critical, key: "unit/dashboard", at: night), sent: &sent, now: night) == [
                    "slack"
                ])
        // Held back: no lone recovery at night …
        var quiet = sent
        #expect(router.receivers(for: Self.alert(.recovered, .info, at: night), sent: &quiet, now: night).isEmpty)
        // … and if it lasts, the first reminder after 07:00 is its announcement.
        let morning = night.addingTimeInterval(8 * 3600)  // 07:30
        #expect(
            router.receivers(for: Self.alert(.reminder, .warning, at: morning), sent: &sent, now: morning) == [
                "slack"
            ])
    }

    @Test("market-hours and outside-market-hours routes follow sessions and holidays")
    func marketHours() {
        let router = Self.router([
            Self.route("trading", ["pager"]) { $0.active = .marketHours },
            Self.route("after-hours", ["mail"]) { $0.active = .outsideMarketHours },
        ])
        var sent: [String: [String: Date]] = [:]
        #expect(
            router.receivers(for: Self.alert(.firing, .warning), sent: &sent, now: Self.mondayOpen) == ["pager"])
        let evening = Self.mondayOpen.addingTimeInterval(7 * 3600)  // 17:00 New York
        #expect(
            router.receivers(for: Self.alert(.firing, .warning, key: "x"), sent: &sent, now: evening) == ["mail"])
        // Friday 2026-12-25 10:00 New York: a holiday.
        let christmas = Self.mondayOpen.addingTimeInterval(18 * 86_400)
        #expect(
            router.receivers(for: Self.alert(.firing, .warning, key: "y"), sent: &sent, now: christmas) == ["mail"])
        // Saturday.
        let saturday = Self.mondayOpen.addingTimeInterval(5 * 86_400)
        #expect(
            router.receivers(for: Self.alert(.firing, .warning, key: "z"), sent: &sent, now: saturday) == ["mail"])
    }

    @Test("each route repeats at its own pace; the policy offers reminders at the shortest")
    func reminders() {
        let router = Self.router([
            Self.route("chat", ["slack"]) { $0.repeatAfter = .seconds(3600) },
            Self.route("page", ["pager"], min: .critical) { $0.repeatAfter = .seconds(900) },
        ])
        #expect(router.shortestRepeat == 900)
        #expect(router.lowestSeverity == .warning)
        var sent: [String: [String: Date]] = [:]
        let start = Self.mondayOpen
        _ = router.receivers(for: Self.alert(.firing, .critical), sent: &sent, now: start)
        var got: [[String]] = []
        for quarter in 1...4 {
            let now = start.addingTimeInterval(Double(quarter) * 900)
            got.append(router.receivers(for: Self.alert(.reminder, .critical, at: now), sent: &sent, now: now))
        }
        #expect(got == [["pager"], ["pager"], ["pager"], ["slack", "pager"]])
    }

    @Test("no routes: the default route keeps the old behaviour (webhook and command, min_severity)")
    func defaultRoute() {
        var alerts = AlertsConfig()
        alerts.webhookURL = "https://hooks.example/T/x"
        alerts.command = ["/usr/local/bin/page"]
        alerts.minSeverity = .critical
        alerts.repeatAfter = .seconds(1800)
        let router = AlertRouter(alerts: alerts, market: MarketConfig())
        #expect(router.routeNames == ["default"])
        #expect(router.shortestRepeat == 1800)
        var sent: [String: [String: Date]] = [:]
        #expect(router.receivers(for: Self.alert(.firing, .warning), sent: &sent, now: Self.mondayOpen).isEmpty)
        #expect(
            router.receivers(for: Self.alert(.firing, .critical), sent: &sent, now: Self.mondayOpen) == [
                "webhook", "command",
            ])
    }

    @Test("a test alert goes through every route's receivers")
    func testAlert() {
        var sent: [String: [String: Date]] = [:]
        let test = Self.alert(.test, .info, key: "test", check: "test", target: "")
        #expect(Self.desk.receivers(for: test, sent: &sent, now: Self.mondayOpen) == ["slack", "pager", "mail"])
        #expect(Self.desk.receivers(ofRoute: "page") == ["pager", "mail"])
        #expect(Self.desk.receivers(ofRoute: "nope") == nil)
    }
}

/// `[market]` sessions and quiet-hour windows.
@Suite("Trading calendar")
struct TradingCalendarTests {
    @Test("sessions parse days, ranges, lists and times; bad ones are refused")
    func parsing() {
        #expect(WeeklySession(parsing: "Mon..Fri 09:30-16:00")?.days == [1, 2, 3, 4, 5])
        #expect(WeeklySession(parsing: "Sun,Wed 18:00-17:00")?.days == [7, 3])
        #expect(WeeklySession(parsing: "Fri..Mon 00:00-24:00")?.days == [5, 6, 7, 1])
        for bad in ["Mon..Fri", "Mon..Fri 9:30-16:00", "Monday 09:30-16:00", "Mon 16:00-16:00", "Mon 25:00-26:00"] {
            #expect(WeeklySession(parsing: bad) == nil, "\(bad)")
        }
        #expect(DailyWindow(parsing: "22:00-07:00")?.contains(minute: 23 * 60) == true)
        #expect(DailyWindow(parsing: "22:00-07:00")?.contains(minute: 6 * 60 + 59) == true)
        #expect(DailyWindow(parsing: "22:00-07:00")?.contains(minute: 7 * 60) == false)
        #expect(DailyWindow(parsing: "09:30-16:00")?.contains(minute: 9 * 60 + 29) == false)
    }

    @Test("a session crossing midnight belongs to the day it starts; time zones and DST are the calendar's")
    func openAndClosed() throws {
        var market = MarketConfig()
        market.timezone = "America/Chicago"
        market.sessions = ["Sun..Thu 17:00-16:00"]  // CME-style: Sunday evening to Friday afternoon
        let calendar = try #require(TradingCalendar(market))
        func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }
        #expect(calendar.isOpen(at: at("2026-12-06T23:30:00Z")))  // Sunday 17:30 Chicago
        #expect(calendar.isOpen(at: at("2026-12-11T21:30:00Z")))  // Friday 15:30 (Thursday's session)
        #expect(!calendar.isOpen(at: at("2026-12-11T22:30:00Z")))  // Friday 16:30
        #expect(!calendar.isOpen(at: at("2026-12-12T18:00:00Z")))  // Saturday
        // Summer time: 09:30 New York is 13:30 UTC in July, 14:30 in December.
        market.timezone = "America/New_York"
        market.sessions = ["Mon..Fri 09:30-16:00"]
        let newYork = try #require(TradingCalendar(market))
        #expect(newYork.isOpen(at: at("2026-07-06T13:45:00Z")))
        #expect(!newYork.isOpen(at: at("2026-12-07T13:45:00Z")))
        #expect(newYork.isOpen(at: at("2026-12-07T14:45:00Z")))
        market.timezone = "Nowhere/Special"
        #expect(TradingCalendar(market) == nil)
    }
}

/// A secret pasted where a variable name belongs is refused without being repeated.
@Suite("Receiver config")
struct ReceiverConfigTests {
    @Test("config check refuses a value in a *_env key and never prints it")
    func secretNotEchoed() throws {
        let dir = TempDir()
        let canary = "CANARY-r0ut1ng-k3y-0123456789abcdef"
        let text = minimalConfig(
            source: "/srv/app",
            extra: """

                [[alerts.receivers]]
                name = "pager"
                type = "pagerduty"
                routing_key_env = "\(canary)"
                """)
        let path = dir.write("tradectl.toml", text)
        let result = try runTradectl(["config", "check", "--config", path])
        #expect(result.status == 65)
        #expect(result.stdout.contains("alerts.receivers[0].routing_key_env: must be the name of a variable"))
        #expect(!(result.stdout + result.stderr).contains(canary))
        let shown = try runTradectl(["config", "show", "--config", path])
        #expect(!(shown.stdout + shown.stderr).contains(canary))
    }

    @Test("a receiver whose secret variable is unset fails naming the variable, not a value")
    func unsetSecret() async throws {
        var receiver = ReceiverConfig()
        receiver.name = "chat"
        receiver.type = .slack
        receiver.urlEnv = "SLACK_WEBHOOK_URL"
        var alerts = AlertsConfig()
        alerts.receivers = [receiver]
        alerts.timeout = .seconds(2)
        let notifier = Notifiers.make(receiver, alerts: alerts, secrets: SecretVariables(values: [:]))
        #expect(notifier.name == "chat")
        let error = await #expect(throws: NotifierError.self) {
            try await notifier.deliver(AlertRoutingTests.alert(.test, .info))
        }
        #expect(error?.description.contains("SLACK_WEBHOOK_URL") == true)
        let built = Notifiers.make(
            receiver, alerts: alerts,
            secrets: SecretVariables(values: ["SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"]))
        #expect(built is WebhookNotifier)
    }
}

/// Every receiver failing at once, through the real binary: no secret in anything it prints.
@Suite("Receiver secrets, end to end")
struct ReceiverCanaryTests {
    @Test("monitor test-alert with every receiver refused: each FAILED, no canary in stdout or the debug log")
    func everyReceiverRefused() throws {
        let dir = TempDir()
        let canaries = [
            "SLACK_URL": "http://127.0.0.1:1/services/CANARY-slack-7a6b5c",
            "HOOK_URL": "http://127.0.0.1:1/hook?token=CANARY-hook-1d2e3f",
            "SMTP_PASSWORD": "CANARY-smtp-pass-9f8e7d",
            "PD_KEY": "CANARY-pd-key-0a1b2c",
            "TG_TOKEN": "123456:CANARY-tg-token-4d5e6f",
        ]
        _ = dir.write(
            "opt/shared/.env", canaries.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "\n") + "\n",
            mode: 0o600)
        let text = minimalConfig(source: dir.path, root: "\(dir.path)/opt").replacingOccurrences(
            of: "[backup]",
            with: """
                [alerts]
                env_file = ".env"
                timeout = "2s"
                retries = 0

                [[alerts.receivers]]
                name = "chat"
                type = "slack"
                url_env = "SLACK_URL"

                [[alerts.receivers]]
                name = "hook"
                type = "webhook"
                url_env = "HOOK_URL"

                [[alerts.receivers]]
                name = "mail"
                type = "email"
                smtp_url = "smtp://127.0.0.1:1"
                from = "bot@example.com"
                to = ["desk@example.com"]
                username = "CANARY-smtp-user"
                password_env = "SMTP_PASSWORD"

                [[alerts.receivers]]
                name = "pager"
                type = "pagerduty"
                url = "http://127.0.0.1:1/v2/enqueue"
                routing_key_env = "PD_KEY"

                [[alerts.receivers]]
                name = "tg"
                type = "telegram"
                url = "http://127.0.0.1:1"
                token_env = "TG_TOKEN"
                chat_id = "-100123"

                [[alerts.routes]]
                name = "all"
                receivers = ["chat", "hook", "mail", "pager", "tg"]

                [backup]
                """)
        let config = dir.write("tradectl.toml", text)
        let result = try runTradectl(["--config", config, "--verbose", "monitor", "test-alert"])
        let output = result.stdout + result.stderr
        #expect(result.status == 1, "\(output)")
        for name in ["chat", "hook", "mail", "pager", "tg"] {
            #expect(result.stdout.contains("\(name) "), "\(name) missing: \(output)")
        }
        #expect(result.stdout.components(separatedBy: "FAILED").count - 1 == 5, "\(result.stdout)")
        for value in canaries.values + ["CANARY-smtp-user"] {
            #expect(!output.contains(value), "secret leaked: \(output)")
        }
        #expect(!output.contains("CANARY"), "\(output)")
        let shown = try runTradectl(["--config", config, "config", "show"])
        #expect(!(shown.stdout + shown.stderr).contains("CANARY-pd") && shown.status == 0, "\(shown.stdout)")
    }
}
