import CCurl
import Foundation
import Synchronization

/// One mail submission over SMTP through libcurl: connect, STARTTLS, AUTH, MAIL FROM, RCPT TO,
/// DATA, each step bounded by one timeout.
///
/// The only file that imports CCurl. libcurl4 is already loaded by FoundationNetworking, so
/// email costs no new runtime dependency. The username and password go to libcurl as options,
/// never on a command line; libcurl's error buffer is not used, since it may quote what the
/// server answered to them: a failure is described from the result code and the server's last
/// reply code alone.
struct SMTPTransfer: Sendable {
    /// How a submission ended.
    enum Outcome: Sendable, Equatable {
        case sent
        case cancelled
        case failed(NotifierError.Code, String)
    }

    /// `smtp://host:port` or `smtps://host:port`; a path sets the name sent with EHLO.
    var url: String
    var from: String
    var recipients: [String]
    var username: String?
    var password: String?
    /// For `smtp://`: refuse to go on unless the server upgrades the connection with STARTTLS.
    var starttls: Bool
    /// PEM file of the certificates to trust instead of the system's.
    var caFile: String?
    var timeout: Duration

    /// Sends `message` (headers and body with CRLF line ends) and waits for the server's
    /// answer: blocks, so call it off the cooperative pool. `cancellation` aborts the transfer
    /// at libcurl's next progress call (at least once a second).
    ///
    /// The corresponding C function is `curl_easy_perform`.
    func perform(_ message: Data, cancellation: Cancellation) -> Outcome {
        guard Self.globalInit == CURLE_OK, let handle = curl_easy_init() else {
            return .failed(.launch, "libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        var rcpt: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { rcpt = curl_slist_append(rcpt, recipient) }
        defer { curl_slist_free_all(rcpt) }
        let state = TransferState(bytes: Array(message), cancellation: cancellation)
        let context = Unmanaged.passUnretained(state).toOpaque()

        // libcurl copies string options, so Swift's temporary C strings are enough.
        let milliseconds = Int(timeout.timeInterval * 1000)
        var results: [CURLcode] = [
            tradectl_curl_setopt_string(handle, CURLOPT_URL, url),
            tradectl_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"),
            tradectl_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            tradectl_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds),
            tradectl_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds),
            tradectl_curl_setopt_string(handle, CURLOPT_MAIL_FROM, from),
            tradectl_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(rcpt)),
            tradectl_curl_setopt_long(handle, CURLOPT_UPLOAD, 1),
            tradectl_curl_setopt_long(handle, CURLOPT_INFILESIZE, message.count),
            tradectl_curl_setopt_read(handle, readMessage),
            tradectl_curl_setopt_pointer(handle, CURLOPT_READDATA, context),
            tradectl_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0),
            tradectl_curl_setopt_xferinfo(handle, checkCancelled),
            tradectl_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context),
        ]
        if starttls { results.append(tradectl_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))) }
        if let username { results.append(tradectl_curl_setopt_string(handle, CURLOPT_USERNAME, username)) }
        if let password { results.append(tradectl_curl_setopt_string(handle, CURLOPT_PASSWORD, password)) }
        if let caFile { results.append(tradectl_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
        if let refused = results.first(where: { $0 != CURLE_OK }) {
            return .failed(.launch, "libcurl refused an option (curl \(refused.rawValue))")
        }

        let result = withExtendedLifetime(state) { curl_easy_perform(handle) }
        guard result != CURLE_OK else { return .sent }
        if result == CURLE_ABORTED_BY_CALLBACK && cancellation.isCancelled { return .cancelled }
        var reply = 0
        _ = tradectl_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        return Self.outcome(result, reply: reply, timeout: timeout)
    }

    /// Our words for libcurl's result: the code, and the server's reply code when it refused.
    static func outcome(_ result: CURLcode, reply: Int, timeout: Duration) -> Outcome {
        let code: NotifierError.Code
        let words: String
        switch result {
        case CURLE_OPERATION_TIMEDOUT:
            return .failed(.timeout, String(format: "no answer within %.1fs", timeout.timeInterval))
        case CURLE_COULDNT_CONNECT: (code, words) = (.transport, "connection refused")
        case CURLE_COULDNT_RESOLVE_HOST: (code, words) = (.transport, "host not found")
        case CURLE_USE_SSL_FAILED: (code, words) = (.transport, "STARTTLS failed")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM:
            (code, words) = (.transport, "TLS failed")
        case CURLE_LOGIN_DENIED: (code, words) = (.rejected, "SMTP login denied")
        case CURLE_AUTH_ERROR: (code, words) = (.rejected, "SMTP authentication failed")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT: (code, words) = (.launch, "bad SMTP URL")
        case CURLE_WEIRD_SERVER_REPLY: (code, words) = (.transport, "bad SMTP answer")
        case _ where reply >= 400: (code, words) = (.rejected, "SMTP server refused the mail")
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING: (code, words) = (.transport, "connection lost")
        default: (code, words) = (.transport, "SMTP transfer failed")
        }
        let server = reply >= 400 ? "SMTP \(reply), " : ""
        return .failed(code, "\(words) (\(server)curl \(result.rawValue))")
    }

    /// `curl_global_init` once per process, on first use (Swift runs a global's initializer
    /// exactly once, thread-safely). FoundationNetworking calls it too: libcurl counts calls.
    private static let globalInit: CURLcode = tradectl_curl_global_init()

    /// Set from a task's cancellation handler, read by libcurl's progress callback.
    final class Cancellation: Sendable {
        private let flag = Atomic(false)

        init() {}
        func cancel() { flag.store(true, ordering: .relaxed) }
        var isCancelled: Bool { flag.load(ordering: .relaxed) }
    }
}

/// The message being read by libcurl and the cancellation it polls; lives for one transfer.
private final class TransferState {
    let bytes: [UInt8]
    var offset = 0
    let cancellation: SMTPTransfer.Cancellation

    init(bytes: [UInt8], cancellation: SMTPTransfer.Cancellation) {
        self.bytes = bytes
        self.cancellation = cancellation
    }
}

/// `CURLOPT_READFUNCTION`: copies the next part of the message into libcurl's buffer; 0 ends it.
private func readMessage(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, state.bytes.count - state.offset)
    guard length > 0 else { return 0 }
    state.bytes.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + state.offset, byteCount: length)
    }
    state.offset += length
    return length
}

/// `CURLOPT_XFERINFOFUNCTION`: non-zero aborts the transfer with `CURLE_ABORTED_BY_CALLBACK`.
private func checkCancelled(
    _ context: UnsafeMutableRawPointer?, _ downloadTotal: curl_off_t, _ downloaded: curl_off_t,
    _ uploadTotal: curl_off_t, _ uploaded: curl_off_t
) -> Int32 {
    guard let context else { return 0 }
    return Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue().cancellation.isCancelled ? 1 : 0
}
