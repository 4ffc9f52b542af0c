import Foundation

/// One HTTP/1.1 request as the metrics listener reads it: small, whole, one per connection.
struct HTTPRequest: Sendable, Equatable {
    var method: String
    /// The request target without its query string (`/metrics?x=1` → `/metrics`).
    var path: String
    /// Header names lowercased; a repeated header keeps its last value.
    var headers: [String: String]
    var body: [UInt8]

    /// The outcome of parsing the bytes received so far.
    enum Parse: Equatable {
        case incomplete
        /// Headers say a body follows and the client waits for `100 Continue` first.
        case expectsContinue
        case complete(HTTPRequest)
        case invalid(status: Int)
    }

    private static let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)

    /// Parses a request once its headers and `Content-Length` body have arrived; `limit`
    /// bounds headers plus body, so a client cannot make the listener buffer without end.
    static func parse(_ bytes: [UInt8], limit: Int, continued: Bool = false) -> Parse {
        guard let end = firstIndex(of: headerEnd, in: bytes) else {
            return bytes.count > limit ? .invalid(status: 431) : .incomplete
        }
        if end + headerEnd.count > limit { return .invalid(status: 431) }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1."), requestLine[1].hasPrefix("/") else {
            return .invalid(status: 400)
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return .invalid(status: 400) }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        if headers["transfer-encoding"] != nil { return .invalid(status: 501) }
        let length = headers["content-length"].map { Int($0) } ?? 0
        guard let length, length >= 0 else { return .invalid(status: 400) }
        let bodyStart = end + headerEnd.count
        if bodyStart + length > limit { return .invalid(status: 413) }
        if bytes.count < bodyStart + length {
            let expects = headers["expect"]?.lowercased() == "100-continue"
            return expects && !continued ? .expectsContinue : .incomplete
        }
        let target = requestLine[1]
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? target
        return .complete(
            HTTPRequest(
                method: String(requestLine[0]), path: String(path), headers: headers,
                body: Array(bytes[bodyStart..<(bodyStart + length)])))
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

/// A complete response; the listener always closes the connection after it.
struct HTTPResponse: Sendable, Equatable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    var headers: [(String, String)] = []

    static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8), headers: headers)
    }

    /// The bytes on the wire; for `HEAD` the headers only, with the length `GET` would have.
    func encoded(forHead: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        head += "Cache-Control: no-store\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (forHead ? [] : body)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        default: return "Status \(status)"
        }
    }

    static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
    }
}
