import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// POSTs each alert as JSON to a webhook (Slack incoming webhook or any HTTP receiver).
///
/// The URL is a secret (a Slack webhook URL is the credential): it is kept private, and every
/// failure is reported as a `NotifierError` written here rather than Foundation's error,
/// whose description and user info quote the URL.
public struct WebhookNotifier: Notifier {
    public let name: String
    private let url: URL
    private let format: WebhookFormat
    private let timeout: Duration
    private let owner: SessionOwner

    /// `timeout` bounds one attempt (connect, send, answer); retries are the queue's business.
    public init(url: URL, format: WebhookFormat, timeout: Duration, name: String = "webhook") {
        self.name = name
        self.url = url
        self.format = format
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.backstop(timeout)
        configuration.timeoutIntervalForResource = Self.backstop(timeout)
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        owner = SessionOwner(URLSession(configuration: configuration))
    }

    public func deliver(_ alert: Alert) async throws {
        var request = URLRequest(url: url, timeoutInterval: Self.backstop(timeout))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("tradectl", forHTTPHeaderField: "User-Agent")
        request.httpBody = format == .slack ? AlertPayload.slack(alert) : AlertPayload.generic(alert)
        let (body, response) = try await send(request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw NotifierError(notifier: name, code: .rejected, detail: "HTTP \(status)\(reason(body))")
        }
    }

    /// URLSession's own timeouts, a second behind ours: on Linux they are idle timeouts, and
    /// swift-corelibs-foundation fails a process's first request at once with `timedOut` when
    /// given less than a second (seen with 6.3.1). `withDeadline` enforces the real limit.
    private static func backstop(_ timeout: Duration) -> TimeInterval {
        max(timeout.timeInterval, 1).rounded(.up) + 1
    }

    /// The request under our own deadline: a receiver trickling bytes must not hold the
    /// queue past `timeout`.
    private func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let session = owner.session
        do {
            return try await withDeadline(timeout) { try await session.data(for: request) }
        } catch is DeadlineExceeded {
            throw timedOut()
        } catch let error as URLError {
            if error.code == .timedOut { throw timedOut() }
            throw NotifierError(notifier: name, code: .transport, detail: Self.describe(error.code))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Anything else may quote the request; keep only its type.
            throw NotifierError(notifier: name, code: .transport, detail: "request failed (\(type(of: error)))")
        }
    }

    private func timedOut() -> NotifierError {
        NotifierError(
            notifier: name, code: .timeout, detail: String(format: "no answer within %.1fs", timeout.timeInterval))
    }

    /// Slack answers errors with one snake_case word (`invalid_payload`, `no_service`), worth
    /// showing; anything else (an HTML page may echo the request path, hence the token) is not.
    private func reason(_ body: Data) -> String {
        let text = String(decoding: body.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let word = !text.isEmpty && text.count <= 40 && text.allSatisfy { $0 == "_" || ("a"..."z").contains($0) }
        return word && !url.absoluteString.contains(text) ? ": \(text)" : ""
    }

    /// Words for the common transport failures, from the code alone.
    static func describe(_ code: URLError.Code) -> String {
        let words: String
        switch code {
        case .cannotConnectToHost: words = "connection refused"
        case .cannotFindHost, .dnsLookupFailed: words = "host not found"
        case .networkConnectionLost: words = "connection lost"
        case .notConnectedToInternet: words = "network unreachable"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            words = "TLS failed"
        case .badServerResponse: words = "bad HTTP answer"
        case .httpTooManyRedirects, .redirectToNonExistentLocation: words = "bad redirect"
        default: words = "request failed"
        }
        return "\(words) (URLError \(code.rawValue))"
    }
}

/// Invalidates the notifier's session when the last copy of the notifier goes: a URLSession
/// holds its delegate queue and connection pool until invalidated.
private final class SessionOwner: Sendable {
    let session: URLSession

    init(_ session: URLSession) { self.session = session }

    deinit { session.finishTasksAndInvalidate() }
}
