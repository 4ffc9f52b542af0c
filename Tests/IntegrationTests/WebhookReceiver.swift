import Foundation

/// A local HTTP receiver standing in for the chat webhook: a Python process that appends
/// every POSTed body as one line to a file and answers 200. Stopping it makes the port
/// refuse connections (a dead receiver); starting again reuses the port.
final class WebhookReceiver {
    let port: Int
    let log: String
    private var process: Process?

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
    let status: Int

    init(log: String, status: Int = 200) throws {
        self.log = log
        self.status = status
        port = try Self.freePort()
        FileManager.default.createFile(atPath: log, contents: nil)
        try start()
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.script, "\(port)", log, "\(status)"]
        try process.run()
        self.process = process
        _ = Harness.eventually(10) { Self.connects(port) }
    }

    func stop() {
        guard let process, process.isRunning else { return }
        // SIGKILL: children of the test process inherit a signal mask with SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { stop() }

    /// Every received body, decoded as JSON objects.
    var alerts: [[String: Any]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func connects(_ port: Int) -> Bool {
        (try? Harness.run(
            "/usr/bin/python3", ["-c", "import socket; socket.create_connection(('127.0.0.1', \(port)), 1)"]))?.status
            == 0
    }

    /// A port nobody listens on right now (bound to 0, read back, released).
    static func freePort() throws -> Int {
        let result = try Harness.run(
            "/usr/bin/python3",
            ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        guard let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CocoaError(.featureUnsupported)
        }
        return port
    }
}
