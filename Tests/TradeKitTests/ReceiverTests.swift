import Foundation
import Testing

@testable import TradeKit

/// PagerDuty Events API v2 against a loopback receiver.
@Suite("PagerDuty notifier")
struct PagerDutyNotifierTests {
    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("a firing alert triggers, its recovery resolves the same dedup_key")
    func triggerThenResolve() async throws {
        let receiver = try TestReceiver(answers: [(202, #"{"status":"success"}"#), (202, #"{"status":"success"}"#)])
        let notifier = PagerDutyNotifier(
            routingKey: Canary.routingKey, url: receiver.url("/v2/enqueue"), timeout: .seconds(10))
        try await notifier.deliver(sampleAlert())
        try await notifier.deliver(sampleAlert(kind: .recovered, severity: .info, summary: "unit active"))
        let requests = receiver.requests
        #expect(requests.map(\.path) == ["/v2/enqueue", "/v2/enqueue"])
        #expect(requests.first?.headers["content-type"] == "application/json")
        let trigger = try Self.json(requests[0].body)
        let resolve = try Self.json(requests[1].body)
        #expect(trigger["event_action"] as? String == "trigger")
        #expect(resolve["event_action"] as? String == "resolve")
        #expect(trigger["dedup_key"] as? String == "paper/unit/engine")
        #expect(resolve["dedup_key"] as? String == "paper/unit/engine")
        #expect(trigger["routing_key"] as? String == Canary.routingKey)
        #expect(trigger["client"] as? String == "tradectl")
        #expect(resolve["payload"] == nil)
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect(payload["summary"] as? String == sampleAlert().title)
        #expect(payload["source"] as? String == "h1")
        #expect(payload["severity"] as? String == "critical")
        #expect(payload["timestamp"] as? String == "2026-11-21T14:00:00Z")
        #expect(payload["component"] as? String == "engine")
        #expect(payload["group"] as? String == "paper")
        #expect(payload["class"] as? String == "unit")
        let details = try #require(payload["custom_details"] as? [String: String])
        #expect(details == ["kind": "firing", "summary": "unit inactive (failed)", "key": "unit/engine"])
    }

    @Test("reminders, escalations and tests trigger; severities map one to one; summary ≤ 1024")
    func actions() throws {
        for kind in [Alert.Kind.reminder, .escalation, .test] {
            let event = try Self.json(Array(PagerDutyNotifier.event(sampleAlert(kind: kind), routingKey: "k")))
            #expect(event["event_action"] as? String == "trigger")
        }
        for severity in [Severity.critical, .warning, .info] {
            let event = try Self.json(
                Array(PagerDutyNotifier.event(sampleAlert(severity: severity), routingKey: "k")))
            #expect((event["payload"] as? [String: Any])?["severity"] as? String == severity.rawValue)
        }
        let long = sampleAlert(summary: String(repeating: "x", count: 5000))
        let payload = try Self.json(Array(PagerDutyNotifier.event(long, routingKey: "k")))["payload"]
        #expect(((payload as? [String: Any])?["summary"] as? String)?.count == 1024)
    }

    @Test(
        "400, 429 and 500 are rejections; PagerDuty's message only when it does not quote the key",
        arguments: [
            (
                400, #"{"status":"invalid event","message":"Event object is invalid"}"#,
                "HTTP 400: Event object is invalid"
            ),
            (400, #"{"message":"unknown routing key CANARY-pd-routing-key-0123456789ab"}"#, "HTTP 400"),
            (429, #"{"status":"throttle event"}"#, "HTTP 429: rate limited"),
            (500, "<html>oops</html>", "HTTP 500"),
        ])
    func rejections(status: Int, body: String, detail: String) async throws {
        let receiver = try TestReceiver(answers: [(status, body)])
        let notifier = PagerDutyNotifier(
            routingKey: Canary.routingKey, url: receiver.url("/v2/enqueue"), timeout: .seconds(10))
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.code == .rejected)
        #expect(error?.description == "pagerduty notifier: \(detail)")
        Canary.expectHidden(error)
    }
}

/// Telegram's sendMessage against a loopback receiver.
@Suite("Telegram notifier")
struct TelegramNotifierTests {
    static func notifier(_ url: URL, timeout: Duration = .seconds(10)) -> TelegramNotifier {
        TelegramNotifier(token: Canary.telegramToken, chatID: "-1001234567890", apiURL: url, timeout: timeout)
    }

    @Test("POST /bot<token>/sendMessage with the chat, escaped HTML text and no previews")
    func delivers() async throws {
        let receiver = try TestReceiver(answers: [(200, #"{"ok":true,"result":{}}"#)])
        try await Self.notifier(receiver.url("")).deliver(sampleAlert(summary: "<b>fill</b> & <script>"))
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/bot\(Canary.telegramToken)/sendMessage")
        let json = try PagerDutyNotifierTests.json(request.body)
        #expect(json["chat_id"] as? String == "-1001234567890")
        #expect(json["parse_mode"] as? String == "HTML")
        #expect(json["disable_web_page_preview"] as? Bool == true)
        let text = try #require(json["text"] as? String)
        #expect(
            text == """
                🔴 <b>FIRING</b> critical — unit engine
                &lt;b&gt;fill&lt;/b&gt; &amp; &lt;script&gt;
                project <b>paper</b> · host <b>h1</b> · key <code>unit/engine</code>
                2026-11-21T14:00:00Z
                """)
    }

    @Test("a long summary stays under Telegram's 4096 characters")
    func long() {
        let text = TelegramNotifier.text(sampleAlert(summary: String(repeating: "<", count: 10000)))
        // Counted as Telegram does, after its entities are parsed.
        let parsed = text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "<b>", with: "")
        #expect(parsed.count < 4096)
    }

    @Test("401 keeps Telegram's description; a description quoting the token is dropped")
    func rejections() async throws {
        let receiver = try TestReceiver(answers: [
            (401, #"{"ok":false,"error_code":401,"description":"Unauthorized"}"#),
            (404, #"{"ok":false,"error_code":404,"description":"Not Found: bot \#(Canary.telegramToken)"}"#),
        ])
        let notifier = Self.notifier(receiver.url(""))
        for detail in ["HTTP 401: Unauthorized", "HTTP 404"] {
            let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
            #expect(error?.code == .rejected)
            #expect(error?.description == "telegram notifier: \(detail)")
            Canary.expectHidden(error)
        }
    }

    @Test("connection refused names neither the URL nor the token")
    func refused() async throws {
        let notifier = Self.notifier(URL(string: "http://127.0.0.1:\(try Sockets.closedPort())")!)
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.code == .transport)
        #expect(error?.description == "telegram notifier: connection refused (URLError -1004)")
        Canary.expectHidden(error)
    }
}

/// Refused, silent and refusing receivers for all three: no secret in any printed error.
@Suite("Receiver secrets")
struct ReceiverSecretTests {
    @Test("refused, timeout, rejected: every error of the three hides every secret")
    func canaries() async throws {
        let silent = Sockets.silentListener()
        defer { close(silent.fd) }
        let closed = try Sockets.closedPort()
        let smtp = try await SMTPTestServer.start(user: Canary.smtpUser, password: Canary.smtpPassword)
        let http = try TestReceiver(answers: [
            (500, "routing key \(Canary.routingKey)"),
            (400, #"{"ok":false,"description":"bad token \#(Canary.telegramToken)"}"#),
        ])
        // 0.5 s only where a timeout is the point: under a loaded run, STARTTLS and AUTH
        // against a Python server can take longer, which would turn "rejected" into "timeout".
        func email(
            _ url: String, password: String = Canary.smtpPassword, timeout: Duration = .seconds(10)
        )
            -> EmailNotifier
        {
            EmailNotifier(
                url: url, from: "a@b", to: ["c@d"], username: Canary.smtpUser, password: password,
                caFile: smtp.caFile, timeout: timeout)
        }
        func pagerDuty(_ url: URL, timeout: Duration = .seconds(10)) -> PagerDutyNotifier {
            PagerDutyNotifier(routingKey: Canary.routingKey, url: url, timeout: timeout)
        }
        func telegram(_ url: URL, timeout: Duration = .seconds(10)) -> TelegramNotifier {
            TelegramNotifier(token: Canary.telegramToken, chatID: "1", apiURL: url, timeout: timeout)
        }
        let refused = URL(string: "http://127.0.0.1:\(closed)")!
        let silentURL = URL(string: "http://127.0.0.1:\(silent.port)")!
        let cases: [(any Notifier, NotifierError.Code)] = [
            (email("smtp://127.0.0.1:\(closed)"), .transport),
            (email("smtp://127.0.0.1:\(silent.port)", timeout: .milliseconds(500)), .timeout),
            (email(smtp.url, password: "CANARY-bad"), .rejected),
            (pagerDuty(refused), .transport),
            (pagerDuty(silentURL, timeout: .milliseconds(500)), .timeout),
            (pagerDuty(http.url("/v2/enqueue")), .rejected),
            (telegram(refused), .transport),
            (telegram(silentURL, timeout: .milliseconds(500)), .timeout),
            (telegram(http.url("")), .rejected),
        ]
        for (notifier, code) in cases {
            let error = await #expect(throws: NotifierError.self, "\(notifier.name)") {
                try await notifier.deliver(sampleAlert())
            }
            #expect(error?.code == code, "\(notifier.name): \(String(describing: error))")
            Canary.expectHidden(error)
        }
    }
}
