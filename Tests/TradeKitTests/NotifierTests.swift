import Foundation
import Logging
import Testing

@testable import TradeKit

/// Notifiers against real receivers: a local HTTP server, /bin/sh, a journal recorder.
@Suite("Notifiers")
struct NotifierTests {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// Every way of printing an error, none of which may show the webhook URL.
    static func printed(_ error: any Error) -> String {
        [
            "\(error)", String(reflecting: error), error.localizedDescription, NotificationQueue.safeDescription(error),
        ].joined(separator: " | ")
    }

    @Test("generic webhook: the alert as sorted snake_case JSON with ISO-8601 dates")
    func genericPayload() async throws {
        let receiver = try TestReceiver()
        let alert = sampleAlert()
        try await WebhookNotifier(url: receiver.url(), format: .generic, timeout: .seconds(10)).deliver(alert)
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/services/T0SECRET/B0SECRET/tokenSECRETtoken")
        #expect(request.headers["content-type"] == "application/json")
        #expect(try Self.decoder.decode(Alert.self, from: Data(request.body)) == alert)
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(
            text.hasPrefix(
                #"{"at":"2026-11-21T14:00:00Z","check":"unit","host":"h1","key":"unit/engine","kind":"firing""#))
    }

    @Test("Slack webhook: text plus blocks, with Slack's three control characters escaped")
    func slackPayload() async throws {
        let receiver = try TestReceiver()
        let alert = sampleAlert(summary: "<!channel> a & b > c")
        try await WebhookNotifier(url: receiver.url(), format: .slack, timeout: .seconds(10)).deliver(alert)
        let body = try #require(receiver.requests.first?.body)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let text = try #require(json["text"] as? String)
        #expect(text == "paper@h1 unit engine: FIRING critical — &lt;!channel&gt; a &amp; b &gt; c")
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["section", "context"])
        let section = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String)
        #expect(section == ":red_circle: *FIRING* critical — unit engine\n&lt;!channel&gt; a &amp; b &gt; c")
        #expect(!String(decoding: body, as: UTF8.self).contains("<!channel>"))
    }

    @Test("a long summary is cut below Slack's 3000-character section limit")
    func slackTruncates() throws {
        let data = AlertPayload.slack(sampleAlert(summary: String(repeating: "x", count: 5000)))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        let section = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String)
        #expect(section.count < 3000)
    }

    @Test("HTTP 500, refused, silent receiver: typed errors that never show the URL")
    func failuresHideURL() async throws {
        let receiver = try TestReceiver(answers: [
            (500, "Internal error"), (404, "Cannot POST /services/T0SECRET/B0SECRET/tokenSECRETtoken"),
        ])
        let silent = Sockets.silentListener()
        defer { close(silent.fd) }
        let refusedURL = URL(
            string: "http://127.0.0.1:\(try Sockets.closedPort())/services/T0SECRET/B0SECRET/tokenSECRETtoken")!
        let silentURL = URL(string: "http://127.0.0.1:\(silent.port)/services/T0SECRET/B0SECRET/tokenSECRETtoken")!
        let cases: [(URL, NotifierError.Code, String)] = [
            (receiver.url(), .rejected, "webhook notifier: HTTP 500"),
            (receiver.url(), .rejected, "webhook notifier: HTTP 404"),
            (refusedURL, .transport, "webhook notifier: connection refused (URLError -1004)"),
            (silentURL, .timeout, "webhook notifier: no answer within 0.5s"),
        ]
        for (url, code, description) in cases {
            let notifier = WebhookNotifier(url: url, format: .generic, timeout: .milliseconds(500))
            let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
            #expect(error?.code == code)
            #expect(error?.description == description)
            let printed = Self.printed(try #require(error))
            #expect(!printed.contains("SECRET") && !printed.contains(url.absoluteString), "\(printed)")
        }
    }

    @Test("Slack's one-word error answers are kept")
    func slackReason() async throws {
        let receiver = try TestReceiver(answers: [(400, "invalid_payload")])
        let notifier = WebhookNotifier(url: receiver.url(), format: .slack, timeout: .seconds(10))
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.description == "webhook notifier: HTTP 400: invalid_payload")
    }

    @Test("command: the alert as JSON on stdin, the title and kind in the environment")
    func commandDelivers() async throws {
        let dir = TempDir()
        let out = "\(dir.path)/alert.json"
        let script = #"cat > "$0"; printf '%s|%s' "$TRADECTL_ALERT_KIND" "$TRADECTL_ALERT_TITLE" > "$0.env""#
        let alert = sampleAlert()
        // A generous bound: the timeout is not what this test is about (see commandFails).
        try await CommandNotifier(argv: ["/bin/sh", "-c", script, out], timeout: .seconds(600)).deliver(alert)
        #expect(try Self.decoder.decode(Alert.self, from: Data(contentsOf: URL(fileURLWithPath: out))) == alert)
        #expect(try String(contentsOfFile: out + ".env", encoding: .utf8) == "firing|\(alert.title)")
    }

    @Test("command: the value to run, with its input")
    func commandValue() {
        let alert = sampleAlert()
        let command = CommandNotifier(argv: ["mail-alert", "--to", "ops"], timeout: .seconds(1)).command(for: alert)
        #expect(command.executable == "mail-alert" && command.arguments == ["--to", "ops"])
        #expect(command.input == AlertPayload.generic(alert))
        #expect(command.environment["TRADECTL_ALERT_SEVERITY"] == "critical")
        #expect(command.environment["TRADECTL_PROJECT"] == "paper")
    }

    // Only the timeout case gets a short timeout: under a loaded test run, starting /bin/sh alone
    // has taken longer than 0.5 s, which turned "exit status 3" into a timeout (a flaky failure).
    // The others get 600 s, a bound that only a hang would reach. With 30 s they failed once at
    // a load average of 17: the parallel run's synchronous tests (the serialized off-site suite
    // alone holds a thread for its whole 8 minutes there) kept both of the 2 cores' cooperative
    // threads busy, so "exit 3"'s result and the long-expired deadline were both resumed ~400 s
    // later, and the deadline won the race.
    @Test(
        "command failures: exit status, timeout (killed), missing program",
        arguments: [
            (["/bin/sh", "-c", "exit 3"], NotifierError.Code.exitStatus, "command notifier: exit status 3", 600.0),
            (["/bin/sh", "-c", "exec sleep 30"], .timeout, "command notifier: did not exit within 0.5s, killed", 0.5),
            (["/nonexistent/notify", "--token", "s3cret"], .launch, "command notifier: could not start notify", 600.0),
        ])
    func commandFails(argv: [String], code: NotifierError.Code, description: String, seconds: Double) async {
        let notifier = CommandNotifier(argv: argv, timeout: .milliseconds(Int(seconds * 1000)))
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.code == code)
        #expect(error?.description == description)
    }

    @Test("journal: fields and syslog priorities by severity, recoveries at info")
    func journalFields() async throws {
        let recorded = Recorded<[(String, String)]>()
        let notifier = JournalNotifier { fields in
            recorded.append(fields)
            return 0
        }
        try await notifier.deliver(sampleAlert())
        let fields = Dictionary(try #require(recorded.values.first), uniquingKeysWith: { $1 })
        #expect(fields["MESSAGE"] == sampleAlert().title)
        #expect(fields["PRIORITY"] == "2")
        #expect(fields["TRADECTL_ALERT_KEY"] == "unit/engine")
        #expect(fields["TRADECTL_ALERT_KIND"] == "firing")
        #expect(fields["TRADECTL_PROJECT"] == "paper")
        let priorities = [
            sampleAlert(severity: .warning), sampleAlert(severity: .info),
            sampleAlert(kind: .recovered, severity: .critical), sampleAlert(kind: .reminder, severity: .critical),
        ].map(JournalNotifier.priority)
        #expect(priorities == [4, 6, 6, 2])
    }

    @Test("journal: a refused entry is a delivery error")
    func journalFails() async {
        let notifier = JournalNotifier { _ in -ENOENT }
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.code == .journal)
    }

    @Test("factory: webhook if a URL, command if argv, journal always")
    func factory() {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var config = AlertsConfig(
            webhookURL: "https://hooks.slack.com/services/T/B/x", webhookFormat: .slack, command: ["/usr/bin/true"],
            minSeverity: .warning, repeatAfter: .seconds(3600), timeout: .seconds(10), retries: 3, queueSize: 100)
        #expect(
            Notifiers.make(from: config, secrets: SecretVariables(values: [:]), logger: logger).map(\.name) == [
                "webhook", "command", "journal",
            ])
        config.webhookURL = nil
        config.command = []
        #expect(
            Notifiers.make(from: config, secrets: SecretVariables(values: [:]), logger: logger).map(\.name) == [
                "journal"
            ])
        config.webhookURL = "http://exa mple/ bad"
        #expect(
            Notifiers.make(from: config, secrets: SecretVariables(values: [:]), logger: logger).map(\.name) == [
                "journal"
            ])
    }
}

/// Values collected from any thread.
final class Recorded<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Value] = []

    func append(_ value: Value) { lock.withLock { stored.append(value) } }
    var values: [Value] { lock.withLock { stored } }
}
