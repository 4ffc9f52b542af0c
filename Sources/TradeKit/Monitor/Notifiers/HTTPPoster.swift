import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The one HTTP path of the notifiers that POST JSON (webhook, PagerDuty, Telegram): a
/// private URLSession, our own deadline, and failures in our own words.
///
/// Every URL these notifiers use carries or is a secret (a Slack webhook URL, a Telegram bot
/// token in the path), and Foundation's `URLError` quotes the failing URL in its description
/// and user info. So no error leaves here except a `NotifierError` built from the error code.
struct HTTPPoster: Sendable {
    /// The status and the first bytes of the body, for the notifier to judge.
    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    let notifier: String
    let timeout: Duration
    private let owner: SessionOwner

    /// `timeout` bounds one attempt (connect, send, answer); retries are the queue's business.
    init(notifier: String, timeout: Duration) {
        self.notifier = notifier
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.backstop(timeout)
        configuration.timeoutIntervalForResource = Self.backstop(timeout)
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        owner = SessionOwner(URLSession(configuration: configuration))
    }

    /// POSTs `body` as JSON; any HTTP answer is returned, whatever its status.
    func post(_ body: Data, to url: URL) async throws -> Answer {
        var request = URLRequest(url: url, timeoutInterval: Self.backstop(timeout))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("tradectl", forHTTPHeaderField: "User-Agent")
        request.httpBody = body
        let (data, response) = try await send(request)
        return Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
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
            throw NotifierError(notifier: notifier, code: .transport, detail: Self.describe(error.code))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Anything else may quote the request; keep only its type.
            throw NotifierError(notifier: notifier, code: .transport, detail: "request failed (\(type(of: error)))")
        }
    }

    private func timedOut() -> NotifierError {
        NotifierError(
            notifier: notifier, code: .timeout, detail: String(format: "no answer within %.1fs", timeout.timeInterval))
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
