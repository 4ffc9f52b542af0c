import Foundation

/// A local HTTP receiver standing in for the chat webhook: a Python process that appends
/// every POSTed body as one line to a file and answers 200. Stopping it makes the port
/// refuse connections (a dead receiver); starting again reuses the port.
final class WebhookReceiver {
    private let server: LoopbackServer
    var port: Int { server.port }
    var log: String { server.log }

    static let script = """
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                with open(sys.argv[2], 'ab') as f:
                    f.write(body.replace(b'\\n', b' ') + b'\\n')
                self.send_response(int(sys.argv[3])); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')
            def log_message(self, *a): pass
        http.server.HTTPServer.allow_reuse_address = True
        http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
        """

    /// The HTTP status every POST is answered with (PagerDuty's Events API answers 202).
    init(log: String, status: Int = 200) throws {
        server = try LoopbackServer(script: Self.script, log: log, arguments: ["\(status)"])
    }

    /// Starts it again on the same port (after `stop`: a receiver back from an outage).
    func start() throws { try server.start() }

    /// Stops it: the port refuses connections (a dead receiver).
    func stop() { server.stop() }

    /// Every received body, decoded as JSON objects.
    var alerts: [[String: Any]] { server.records }

    static func connects(_ port: Int) -> Bool { LoopbackServer.connects(port) }

    static func freePort() throws -> Int { try LoopbackServer.freePort() }
}
