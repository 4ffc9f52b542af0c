import Foundation

/// A failed delivery, worded so that it never contains the notifier's target.
///
/// Webhook URLs carry tokens (for Slack the URL is the whole secret), and Foundation's
/// `URLError` quotes the failing URL in its description and user info. So this error keeps
/// only a code and our own words, never the underlying error: it is what the queue logs and
/// what `tradectl monitor test-alert` prints. Every delivery error is worth retrying.
public struct NotifierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a value that can grow without breaking `switch`es elsewhere.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Storage: String, Hashable, Sendable {
            case transport, timeout, rejected, exitStatus, launch, journal
        }

        let storage: Storage

        /// No HTTP answer: refused, reset, DNS, TLS.
        public static let transport = Code(storage: .transport)
        /// No answer (or the program did not exit) within the notifier's timeout.
        public static let timeout = Code(storage: .timeout)
        /// The receiver answered with a non-2xx status.
        public static let rejected = Code(storage: .rejected)
        /// The program exited non-zero or was killed by a signal.
        public static let exitStatus = Code(storage: .exitStatus)
        /// The program could not be started.
        public static let launch = Code(storage: .launch)
        /// journald refused the entry.
        public static let journal = Code(storage: .journal)

        public var description: String { storage.rawValue }
    }

    /// `webhook`, `command`, `journal`: the notifier's name, never its target.
    public var notifier: String
    public var code: Code
    /// Our own words, e.g. `HTTP 500`, `connection refused (URLError -1004)`, `exit status 3`.
    public var detail: String

    public init(notifier: String, code: Code, detail: String) {
        self.notifier = notifier
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(notifier) notifier: \(detail)" }
}
