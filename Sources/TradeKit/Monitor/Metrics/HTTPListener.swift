import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP/1.1 server on a loopback socket, driven by `poll` on a thread of its own.
///
/// Why not FlyingFox (or NIO): the monitor needs three tiny GET endpoints, but it must stay
/// answerable to Prometheus when a client misbehaves. FlyingFox 0.27 has no read timeout
/// (its `timeout` covers the handler only, so a client that connects and sends nothing keeps
/// its connection forever), no cap on connections, and its accept loop ends the server on
/// the first accept error (EMFILE once the fds run out). Here every connection has one
/// deadline for the whole exchange, at most `maxConnections` are open (the rest wait in the
/// kernel's backlog), requests are bounded in size, and each response closes its connection.
/// The thread never touches the async executor, so a wedged monitor loop cannot starve it and
/// it cannot starve the loop. All socket calls of tradectl are in this file.
///
/// Sendable without a waiver: the descriptors are immutable numbers, the connections live in
/// `EventLoop` on the listener thread only, and the phase shared with `stop()` is a Mutex.
final class HTTPListener: Sendable {
    typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    struct Limits: Sendable {
        var maxConnections = 8
        /// From accept to the last byte of the response.
        var timeout: Duration = .seconds(5)
        /// Request line, headers and body together.
        var maxRequestBytes = 16 * 1024
    }

    /// The port actually bound (the configured one, or the kernel's pick for port 0).
    let port: UInt16
    private let socket: Int32
    private let wake: (read: Int32, write: Int32)
    private let limits: Limits
    private let handler: Handler
    private let state = Mutex(State())

    private enum Phase { case ready, running, closing, stopped }

    private struct State {
        var phase = Phase.ready
        var stoppedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Binds and listens at once, so a taken port fails here, where the caller can report it.
    init(host: String, port: UInt16, limits: Limits = Limits(), handler: @escaping Handler) throws {
        self.limits = limits
        self.handler = handler
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let (socket, bound) = try Self.listen(host: host, port: port, address: address)
        var fds: [Int32] = [0, 0]
        do {
            try systemCall("pipe", address) { pipe(&fds) }
        } catch {
            close(socket)
            throw error
        }
        for fd in fds + [socket] { Self.setNonBlocking(fd) }
        (self.socket, self.port, self.wake) = (socket, bound, (fds[0], fds[1]))
    }

    deinit {
        if state.withLock({ $0.phase }) == .ready { closeDescriptors() }
    }

    /// Serves on a new thread until `stop()`.
    func start() {
        let starting = state.withLock { state in
            guard state.phase == .ready else { return false }
            state.phase = .running
            return true
        }
        guard starting else { return }
        let thread = Thread { [self] in
            EventLoop(listener: socket, wake: wake.read, limits: limits, handler: handler).run()
            // No `stop()` may write into the wake pipe once it is closed (its number could
            // already name another file): leave `running` first, under the lock.
            state.withLock { $0.phase = .closing }
            closeDescriptors()
            let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
                state.phase = .stopped
                defer { state.stoppedWaiters = [] }
                return state.stoppedWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = "tradectl-metrics"
        thread.start()
    }

    /// Asks the thread to close every connection and the socket; returns at once.
    func stop() {
        let neverStarted = state.withLock { state in
            switch state.phase {
            case .ready:
                state.phase = .stopped
                return true
            case .running:
                var byte: UInt8 = 1
                _ = write(wake.write, &byte, 1)
                return false
            case .closing, .stopped:
                return false
            }
        }
        if neverStarted { closeDescriptors() }
    }

    /// Returns once the thread has closed the socket (at once if it never started).
    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.phase == .ready || state.phase == .stopped { return true }
                state.stoppedWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func closeDescriptors() {
        for fd in [socket, wake.read, wake.write] { close(fd) }
    }

    private static func listen(host: String, port: UInt16, address: String) throws -> (Int32, UInt16) {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        let fd = try systemCall("socket", address) { Glibc.socket(family, Int32(SOCK_STREAM.rawValue), 0) }
        do {
            var on: Int32 = 1
            try systemCall("setsockopt", address) {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var storage = sockaddr_storage()
            let length = try fill(&storage, family: family, host: host, port: port, address: address)
            try withUnsafePointer(to: &storage) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    _ = try systemCall("bind", address) { bind(fd, socketAddress, length) }
                }
            }
            try systemCall("listen", address) { Glibc.listen(fd, 64) }
            return (fd, try boundPort(fd, address: address))
        } catch {
            close(fd)
            throw error
        }
    }

    private static func fill(
        _ storage: inout sockaddr_storage, family: Int32, host: String, port: UInt16, address: String
    ) throws -> socklen_t {
        let parsed: Int32 = withUnsafeMutablePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_family = sa_family_t(AF_INET6)
                    $0.pointee.sin6_port = port.bigEndian
                    return inet_pton(AF_INET6, host, &$0.pointee.sin6_addr)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                $0.pointee.sin_family = sa_family_t(AF_INET)
                $0.pointee.sin_port = port.bigEndian
                return inet_pton(AF_INET, host, &$0.pointee.sin_addr)
            }
        }
        guard parsed == 1 else { throw SystemCallError(call: "inet_pton", path: address, errno: EINVAL) }
        return socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    private static func boundPort(_ fd: Int32, address: String) throws -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                _ = try systemCall("getsockname", address) { getsockname(fd, socketAddress, &length) }
            }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt16(bigEndian: $0.pointee.sin_port)
            }
        }
    }

    static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
}

/// The listener thread's state: open connections and their deadlines. Confined to that
/// thread, hence not Sendable and without locks.
private final class EventLoop {
    final class Connection {
        enum State {
            case reading
            case writing
            /// After answering a bad request: our side is shut, the client's leftover bytes
            /// are read and dropped until it closes, so closing cannot reset the connection
            /// and destroy the answer before the client has read it.
            case lingering
        }

        let fd: Int32
        let deadline: ContinuousClock.Instant
        var state = State.reading
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        var continued = false
        var badRequest = false

        init(fd: Int32, deadline: ContinuousClock.Instant) {
            self.fd = fd
            self.deadline = deadline
        }
    }

    private let listener: Int32
    private let wake: Int32
    private let limits: HTTPListener.Limits
    private let handler: HTTPListener.Handler
    private var connections: [Connection] = []
    /// Set when accept ran out of file descriptors: stop polling the listener for a moment
    /// instead of spinning on a readable socket that cannot be accepted.
    private var acceptPausedUntil: ContinuousClock.Instant?

    init(listener: Int32, wake: Int32, limits: HTTPListener.Limits, handler: @escaping HTTPListener.Handler) {
        self.listener = listener
        self.wake = wake
        self.limits = limits
        self.handler = handler
    }

    func run() {
        while true {
            let now = ContinuousClock.now
            connections.removeAll { connection in
                guard connection.deadline <= now else { return false }
                close(connection.fd)
                return true
            }
            if let paused = acceptPausedUntil, paused <= now { acceptPausedUntil = nil }
            let accepting = connections.count < limits.maxConnections && acceptPausedUntil == nil
            var fds = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            if accepting { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            let first = fds.count
            for connection in connections {
                let events = connection.state == .writing ? POLLOUT : POLLIN
                fds.append(pollfd(fd: connection.fd, events: Int16(events), revents: 0))
            }
            let result = poll(&fds, nfds_t(fds.count), timeoutMilliseconds(now))
            if result < 0 && errno != EINTR { usleep(10_000) }  // ENOMEM: try again shortly, keep serving.
            if result <= 0 { continue }
            if fds[0].revents != 0 { break }
            let current = connections
            connections = zip(current, fds[first...]).compactMap { connection, fd in
                fd.revents == 0 || step(connection) ? connection : nil
            }
            if accepting && fds[1].revents != 0 { acceptWaiting() }
        }
        for connection in connections { close(connection.fd) }
        connections = []
    }

    /// Until the nearest deadline (or the end of an accept pause), at least 1 ms.
    private func timeoutMilliseconds(_ now: ContinuousClock.Instant) -> Int32 {
        let deadlines = connections.map(\.deadline) + (acceptPausedUntil.map { [$0] } ?? [])
        guard let nearest = deadlines.min() else { return -1 }
        let milliseconds =
            (nearest - now).components.seconds * 1000 + (nearest - now).components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(milliseconds + 1, 1))
    }

    private func acceptWaiting() {
        while connections.count < limits.maxConnections {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    acceptPausedUntil = .now + .milliseconds(100)
                }
                return  // EAGAIN: nobody else waiting; ECONNABORTED and the like: next poll.
            }
            HTTPListener.setNonBlocking(fd)
            connections.append(Connection(fd: fd, deadline: .now + limits.timeout))
        }
    }

    /// Reads or writes what the socket allows; false when the connection is done and closed.
    private func step(_ connection: Connection) -> Bool {
        let open = connection.state == .writing ? send(connection) : receive(connection)
        if !open { close(connection.fd) }
        return open
    }

    private func receive(_ connection: Connection) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(connection.fd, &buffer, buffer.count, 0)
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        if count == 0 { return false }
        if connection.state == .lingering { return true }
        connection.input += buffer[..<count]
        switch HTTPRequest.parse(connection.input, limit: limits.maxRequestBytes, continued: connection.continued) {
        case .incomplete:
            return true
        case .expectsContinue:
            connection.continued = true
            let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            _ = Glibc.send(connection.fd, interim, interim.count, Int32(MSG_NOSIGNAL))
            return true
        case .invalid(let status):
            connection.output = HTTPResponse.text(status, "\(HTTPResponse.reason(status))\n").encoded()
            connection.badRequest = true
        case .complete(let request):
            connection.output = handler(request).encoded(forHead: request.method == "HEAD")
        }
        connection.state = .writing
        return send(connection)
    }

    /// MSG_NOSIGNAL: a client gone before its answer must not SIGPIPE the monitor.
    private func send(_ connection: Connection) -> Bool {
        while connection.written < connection.output.count {
            let count = connection.output[connection.written...].withUnsafeBytes { bytes in
                Glibc.send(connection.fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            connection.written += count
        }
        guard connection.badRequest else { return false }
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.state = .lingering
        return true
    }
}
