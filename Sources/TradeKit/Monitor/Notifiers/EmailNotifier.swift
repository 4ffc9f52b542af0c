import Foundation

/// Mails each alert over SMTP (through libcurl, see `SMTPTransfer`) as a plain-text message
/// whose subject is the alert's one-line title.
///
/// Why libcurl: it is one well-kept C library that FoundationNetworking already loads, and it
/// does STARTTLS, AUTH and timeouts; handing mail to a local sendmail would need an MTA the
/// desk does not run. The username and password are secrets: they go to libcurl as options
/// and appear in no error, log line or description.
public struct EmailNotifier: Notifier {
    public let name: String
    private let transfer: SMTPTransfer
    private let from: String
    private let to: [String]

    /// `url` is `smtp://host:port` (STARTTLS required unless `starttls` is false) or
    /// `smtps://host:port` (TLS from the first byte). `caFile` is a PEM file of certificates to
    /// trust instead of the system's. `timeout` bounds one attempt, connect to last reply.
    public init(
        url: String, from: String, to: [String], username: String? = nil, password: String? = nil,
        starttls: Bool = true, caFile: String? = nil, timeout: Duration, name: String = "email"
    ) {
        self.name = name
        self.from = from
        self.to = to
        transfer = SMTPTransfer(
            url: url, from: from, recipients: to, username: username, password: password, starttls: starttls,
            caFile: caFile, timeout: timeout)
    }

    public func deliver(_ alert: Alert) async throws {
        guard !to.isEmpty else { throw NotifierError(notifier: name, code: .launch, detail: "no recipient configured") }
        let message = Self.message(alert, from: from, to: to, date: Date(), id: UUID())
        let transfer = self.transfer
        let cancellation = SMTPTransfer.Cancellation()
        // libcurl blocks: it runs on a Dispatch thread and polls the flag a cancelled task sets.
        let outcome = await withTaskCancellationHandler {
            await blocking { transfer.perform(message, cancellation: cancellation) }
        } onCancel: {
            cancellation.cancel()
        }
        switch outcome {
        case .sent: return
        case .cancelled: throw CancellationError()
        case .failed(let code, let detail): throw NotifierError(notifier: name, code: code, detail: detail)
        }
    }

    /// The whole message, headers and body, with CRLF line ends.
    ///
    /// Alert fields come from journal lines and check output, so none may start a header of
    /// its own: control characters in header values become spaces. The subject is RFC 2047
    /// encoded when it is not ASCII (the title's dash is not), and body lines are cut below
    /// SMTP's 998-octet limit, as 8bit transfer requires.
    public static func message(_ alert: Alert, from: String, to: [String], date: Date, id: UUID) -> Data {
        let title = alert.title.count > 200 ? String(alert.title.prefix(200)) + "…" : alert.title
        let domain = alert.host.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        let headers = [
            "From: \(header(from))",
            "To: \(to.map(header).joined(separator: ", "))",
            "Subject: \(encodedWords(header(title)))",
            "Date: \(rfc5322(date))",
            "Message-ID: <\(id.uuidString.lowercased()).tradectl@\(domain.isEmpty ? "localhost" : domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Tradectl-Alert-Key: \(header(alert.key))",
        ]
        let what = alert.target.isEmpty ? alert.check : "\(alert.check) \(alert.target)"
        let body = [
            alert.summary, "",
            "Severity: \(alert.severity.rawValue)",
            "Kind:     \(alert.kind.rawValue)",
            "Check:    \(what)",
            "Key:      \(alert.key)",
            "Project:  \(alert.project)",
            "Host:     \(alert.host)",
            "Time:     \(ISO8601DateFormatter().string(from: alert.at))",
            "", "-- ", "tradectl monitor",
        ]
        let lines = body.flatMap { $0.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: .newlines) }
            .flatMap { wrapped($0) }
        return Data((headers + [""] + lines).joined(separator: "\r\n").appending("\r\n").utf8)
    }

    /// A header value on one line: CR, LF and other control characters become spaces.
    static func header(_ value: String) -> String {
        String(value.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : Character($0) })
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 45 bytes each (75 characters encoded),
    /// folded onto continuation lines; ASCII text as it is.
    static func encodedWords(_ text: String) -> String {
        guard !text.allSatisfy(\.isASCII) else { return text }
        return pieces(text, limit: 45).map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }
            .joined(separator: "\r\n ")
    }

    /// `line` in pieces of at most 900 UTF-8 bytes, so body lines stay below SMTP's 998.
    static func wrapped(_ line: String) -> [String] {
        line.utf8.count > 900 ? pieces(line, limit: 900) : [line]
    }

    /// `text` in pieces of at most `limit` UTF-8 bytes, cut between characters.
    private static func pieces(_ text: String, limit: Int) -> [String] {
        var pieces: [String] = []
        var piece = ""
        for character in text {
            if !piece.isEmpty && piece.utf8.count + character.utf8.count > limit {
                pieces.append(piece)
                piece = ""
            }
            piece.append(character)
        }
        return pieces + [piece]
    }

    /// `Sat, 21 Nov 2026 14:00:00 +0000`.
    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
