import Foundation
import Logging
import Synchronization

/// Serves `/metrics`, `/health` and `/ready` for the monitor on a loopback address.
///
/// The monitor calls `publish(_:)` after each cycle; the snapshot is rendered then, once,
/// and scrapes only copy bytes under a lock of their own, so a scrape costs nothing and never
/// waits for a cycle (nor for `start`/`stop`). The socket is served by `HTTPListener` on its
/// own thread (see there why not FlyingFox): per-connection deadline, bounded connections,
/// bounded requests.
///
/// - `GET /metrics`: the last snapshot in text format 0.0.4; 503 before the first cycle.
/// - `GET /health`: 200 `ok` when the last cycle's status was ok or warning; 503 with the
///   status otherwise, and before the first cycle (for a load balancer or systemd-style probe).
/// - `GET /ready`: 503 until the first cycle finished, then 200.
/// - `HEAD` works like `GET`; other methods get 405, other paths 404.
public final class MetricsServer: Sendable {
    /// What the endpoints answer from; nil fields until the first cycle.
    struct Published: Sendable, Equatable {
        var metrics: [UInt8]?
        var status: HealthStatus?
    }

    private let address: MetricsAddress
    private let limits: HTTPListener.Limits
    private let logger: Logger
    private let published = Mutex(Published())
    private let listener = Mutex<HTTPListener?>(nil)

    /// `connectionTimeout` bounds one exchange from accept to the last byte sent; at most
    /// `maxConnections` are served at once, the rest wait in the kernel's backlog.
    public init(
        address: MetricsAddress, logger: Logger, connectionTimeout: Duration = .seconds(5), maxConnections: Int = 8
    ) {
        self.address = address
        self.logger = logger
        limits = HTTPListener.Limits(maxConnections: max(maxConnections, 1), timeout: connectionTimeout)
    }

    /// The port being served, once started (the kernel's pick when the address says port 0).
    public var port: UInt16? { listener.withLock { $0?.port } }

    /// Makes `snapshot` what the endpoints report until the next call.
    public func publish(_ snapshot: MonitorSnapshot) {
        let metrics = Array(MetricsExposition.render(snapshot).utf8)
        published.withLock { $0 = Published(metrics: metrics, status: snapshot.status) }
    }

    /// Binds the address and starts serving; throws `SystemCallError` when it cannot bind
    /// (port taken: the message names the address). Calling it again does nothing.
    public func start() throws {
        try listener.withLock { current in
            guard current == nil else { return }
            let handler: HTTPListener.Handler = { [weak self] request in
                guard let self else { return .text(503, "stopping\n") }
                return Self.respond(to: request, published: self.published.withLock { $0 })
            }
            let listener = try HTTPListener(host: address.host, port: address.port, limits: limits, handler: handler)
            listener.start()
            current = listener
        }
        logger.info("metrics server listening", metadata: ["metrics.address": "\(address.host):\(port ?? 0)"])
    }

    /// Stops serving and returns once the socket is closed.
    public func stop() async {
        let listener: HTTPListener? = self.listener.withLock { current in
            defer { current = nil }
            return current
        }
        guard let listener else { return }
        listener.stop()
        await listener.waitUntilStopped()
        logger.info("metrics server stopped")
    }

    /// Serves until the task is cancelled, then stops and returns: the shape of a
    /// swift-service-lifecycle `Service` (wrap it with `cancelWhenGracefulShutdown`).
    public func run() async throws {
        try start()
        await Self.waitForCancellation()
        await stop()
    }

    private static func waitForCancellation() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
    }

    /// The answer to one request, from the last published cycle.
    static func respond(to request: HTTPRequest, published: Published) -> HTTPResponse {
        let routes = ["/metrics", "/health", "/ready"]
        guard routes.contains(request.path) else { return .text(404, "not found; try /metrics, /health or /ready\n") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "method not allowed\n", headers: [("Allow", "GET, HEAD")])
        }
        switch request.path {
        case "/metrics":
            guard let metrics = published.metrics else { return .text(503, "no monitor cycle yet\n") }
            return HTTPResponse(status: 200, contentType: MetricsExposition.contentType, body: metrics)
        case "/health":
            guard let status = published.status else { return .text(503, "no monitor cycle yet\n") }
            return status <= .warning ? .text(200, "ok\n") : .text(503, "\(status.rawValue)\n")
        default:
            return published.status == nil ? .text(503, "starting\n") : .text(200, "ready\n")
        }
    }
}
