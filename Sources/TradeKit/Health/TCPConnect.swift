import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connect with a timeout (non-blocking connect + poll), e.g. to a broker gateway on 127.0.0.1:4001.
enum TCPConnect {
    static func attempt(host: String, port: UInt16, timeout: Duration) -> ProbeOutcome {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else {
            return .init(passed: false, detail: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(results) }
        let descriptor = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else {
            return .init(passed: false, detail: "socket: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        if connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 {
            return .init(passed: true, detail: "connected")
        }
        guard errno == EINPROGRESS else {
            return .init(passed: false, detail: String(cString: strerror(errno)))
        }
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, milliseconds) == 1 else { return .init(passed: false, detail: "timed out") }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
        return failure == 0
            ? .init(passed: true, detail: "connected")
            : .init(passed: false, detail: String(cString: strerror(failure)))
    }
}
