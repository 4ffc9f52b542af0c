import Foundation
import Testing

@testable import TradeKit

/// The email notifier against aiosmtpd on loopback: STARTTLS, AUTH, a self-signed certificate.
@Suite("Email notifier")
struct EmailNotifierTests {
    static func notifier(
        _ server: SMTPTestServer, url: String? = nil, password: String = Canary.smtpPassword, caFile: String? = nil,
        timeout: Duration = .seconds(10)
    ) -> EmailNotifier {
        EmailNotifier(
            url: url ?? server.url, from: "tradectl@desk.example", to: ["ops@desk.example", "risk@desk.example"],
            username: Canary.smtpUser, password: password, starttls: true, caFile: caFile ?? server.caFile,
            timeout: timeout)
    }

    @Test("the alert arrives over STARTTLS, authenticated, with its headers and body")
    func delivers() async throws {
        let server = try await SMTPTestServer.start(user: Canary.smtpUser, password: Canary.smtpPassword)
        let alert = sampleAlert(summary: "fill <rejected> & retried — naïve\nsecond line")
        try await Self.notifier(server).deliver(alert)
        let mail = try #require(server.mails.first)
        #expect(server.mails.count == 1)
        #expect(mail.tls && mail.authenticated)
        #expect(mail.from == "tradectl@desk.example")
        #expect(mail.rcpts == ["ops@desk.example", "risk@desk.example"])
        #expect(mail.headers["From"] == "tradectl@desk.example")
        #expect(mail.headers["To"] == "ops@desk.example, risk@desk.example")
        #expect(mail.headers["Subject"] == alert.title.replacingOccurrences(of: "\n", with: " "))
        #expect(mail.headers["X-Tradectl-Alert-Key"] == "unit/engine")
        #expect(mail.headers["Content-Type"] == "text/plain; charset=\"utf-8\"")
        #expect(mail.headers["Message-ID"]?.hasSuffix(".tradectl@h1>") == true)
        // Python keeps the CRLF line ends, and Swift counts "\r\n" as one Character.
        let body = mail.body.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(body.hasPrefix("fill <rejected> & retried — naïve\nsecond line\n\n"))
        for line in [
            "Severity: critical", "Kind:     firing", "Key:      unit/engine", "Project:  paper",
            "Host:     h1", "Time:     2026-11-21T14:00:00Z",
        ] {
            #expect(body.contains(line + "\n"), "\(line)")
        }
    }

    @Test("wrong password: login denied, naming neither the user nor the password")
    func wrongPassword() async throws {
        let server = try await SMTPTestServer.start(user: Canary.smtpUser, password: Canary.smtpPassword)
        let notifier = Self.notifier(server, password: "CANARY-wrong-password")
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.code == .rejected)
        #expect(error?.description == "email notifier: SMTP login denied (SMTP 535, curl 67)")
        Canary.expectHidden(error)
        #expect(server.mails.isEmpty)
    }

    @Test("a server that offers no STARTTLS is refused when STARTTLS is required")
    func noStartTLS() async throws {
        let server = try await SMTPTestServer.start(tls: false)
        let error = await #expect(throws: NotifierError.self) {
            try await Self.notifier(server).deliver(sampleAlert())
        }
        #expect(error?.code == .transport)
        #expect(error?.description == "email notifier: STARTTLS failed (curl 64)")
        #expect(server.mails.isEmpty)
    }

    @Test("a certificate nobody vouched for fails TLS")
    func untrustedCertificate() async throws {
        let server = try await SMTPTestServer.start(user: Canary.smtpUser, password: Canary.smtpPassword)
        let other = try await SMTPTestServer.start(user: "x", password: "y")
        let notifier = Self.notifier(server, caFile: other.caFile)
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.code == .transport)
        #expect(error?.description.hasPrefix("email notifier: TLS failed (curl ") == true)
        #expect(server.mails.isEmpty)
    }

    @Test("server down: connection refused")
    func refused() async throws {
        let notifier = EmailNotifier(
            url: "smtp://127.0.0.1:\(try Sockets.closedPort())", from: "a@b", to: ["c@d"], username: Canary.smtpUser,
            password: Canary.smtpPassword, timeout: .seconds(5))
        let error = await #expect(throws: NotifierError.self) { try await notifier.deliver(sampleAlert()) }
        #expect(error?.code == .transport)
        #expect(error?.description == "email notifier: connection refused (curl 7)")
    }

    @Test("a cancelled delivery stops the blocked transfer instead of waiting out its timeout")
    func cancelled() async throws {
        let silent = Sockets.silentListener()
        defer { close(silent.fd) }
        let notifier = EmailNotifier(
            url: "smtp://127.0.0.1:\(silent.port)", from: "a@b", to: ["c@d"], timeout: .seconds(60))
        let started = ContinuousClock.now
        let task = Task { try await notifier.deliver(sampleAlert()) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("the message: one-line headers, RFC 2047 subject, CRLF lines under 998 octets")
    func message() throws {
        let alert = sampleAlert(summary: "bad\r\nBcc: victim@example.com " + String(repeating: "é", count: 1000))
        let date = Date(timeIntervalSince1970: 1_795_269_600)
        let data = EmailNotifier.message(alert, from: "a@b", to: ["c@d"], date: date, id: UUID())
        let text = String(decoding: data, as: UTF8.self)
        // Split by Foundation, on scalars: Swift's own String treats "\r\n" as one Character.
        let lines = text.components(separatedBy: "\r\n")
        let head = lines.prefix { !$0.isEmpty }
        #expect(!head.contains { $0.hasPrefix("Bcc:") })
        #expect(head.contains("Date: Sat, 21 Nov 2026 14:00:00 +0000"))
        #expect(head.contains { $0.hasPrefix("Subject: =?UTF-8?B?") })
        #expect(lines.allSatisfy { $0.utf8.count <= 998 && !$0.unicodeScalars.contains { $0 == "\r" || $0 == "\n" } })
        #expect(lines.contains("bad") && lines.contains { $0.hasPrefix("Bcc: victim") })
        #expect(EmailNotifier.encodedWords("plain ascii") == "plain ascii")
        let words = EmailNotifier.encodedWords(String(repeating: "—", count: 40)).components(separatedBy: "\r\n ")
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 })
    }
}
