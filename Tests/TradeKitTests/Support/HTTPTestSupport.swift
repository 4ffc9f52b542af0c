import Foundation

@testable import TradeKit

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP receiver on 127.0.0.1 for notifier tests, built on the metrics listener:
/// records each request and answers with the next scripted status (200 once the script ends).
final class TestReceiver: @unchecked Sendable {
    private let lock = NSLock()
    private var script: [(Int, String)]
    private var received: [HTTPRequest] = []
    private var listener: HTTPListener!

    init(answers: [(Int, String)] = []) throws {
        script = answers
        listener = try HTTPListener(host: "127.0.0.1", port: 0) { [unowned self] request in
            let (status, body) = lock.withLock {
                received.append(request)
                return script.isEmpty ? (200, "ok") : script.removeFirst()
            }
            return .text(status, body)
        }
        listener.start()
    }

    deinit { listener.stop() }

    var port: UInt16 { listener.port }
    func url(_ path: String = "/services/T0SECRET/B0SECRET/tokenSECRETtoken") -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path)")!
    }
    var requests: [HTTPRequest] { lock.withLock { received } }
}

enum Sockets {
    /// A loopback port that refuses connections for the rest of the test process: bound by a
    /// socket that never listens (a connection gets a RST: ECONNREFUSED) and is never closed.
    /// A port bound and closed again is free for the kernel to give to the next `port: 0`
    /// listener — a parallel test's receiver then answered a request meant to be refused
    /// (seen: Telegram's "connection refused" test delivered, Slack's receiver got its payload).
    static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError(message: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw FixtureError(message: "bind: \(errno)")
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// A socket that listens but never accepts: connections complete in the kernel's backlog
    /// and no answer ever comes. Close the returned fd when done.
    static func silentListener() -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(fd, 8)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A blocking client socket connected to 127.0.0.1:`port`, with a 10 s receive timeout.
    static func connect(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    /// Sends `request` as is and reads until the server closes; "" when it cannot connect.
    /// Runs on a thread of its own: blocking reads must not hold the test's executor.
    static func exchange(port: UInt16, _ request: String) async -> String {
        await onThread {
            let fd = connect(port: port)
            guard fd >= 0 else { return "" }
            defer { close(fd) }
            let bytes = Array(request.utf8)
            _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
            return String(decoding: readToEnd(fd), as: UTF8.self)
        }
    }

    static func readToEnd(_ fd: Int32) -> [UInt8] {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return output }
            output += buffer[..<count]
        }
    }

    static func get(
        port: UInt16, _ path: String, method: String = "GET"
    ) async -> (
        status: Int, headers: String, body: String
    ) {
        let answer = await exchange(port: port, "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let parts = answer.components(separatedBy: "\r\n\r\n")
        let statusLine = parts.first?.split(separator: "\r\n").first ?? ""
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, parts.first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}

/// Runs blocking work on a new thread and awaits its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

extension MetricsAddress {
    /// Any loopback address, port 0 included (the config's parser requires a real port).
    init(host: String, port: UInt16) {
        self.init(parsing: "127.0.0.1:1")!
        self.host = host
        self.port = port
    }
}

func sampleAlert(
    kind: Alert.Kind = .firing, severity: Severity = .critical, summary: String = "unit inactive (failed)"
)
    -> Alert
{
    Alert(
        key: "unit/engine", kind: kind, severity: severity, project: "paper", host: "h1", check: "unit",
        target: "engine", summary: summary, at: Date(timeIntervalSince1970: 1_795_269_600))
}
