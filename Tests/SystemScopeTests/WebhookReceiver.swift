import Foundation

/// A stand-in for the chat webhook, inside the container (it has its own loopback): a
/// Python HTTP server, run as a transient system unit, that appends every POSTed body as
/// one line to a file and answers 200. The same idea as IntegrationTests' receiver.
struct WebhookReceiver {
    static let port = 18_999
    static let unit = "systemscope-webhook.service"
    static let log = "/var/lib/systemscope/webhook.log"
    static var url: String { "http://127.0.0.1:\(port)/hook" }

    static let script = """
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                with open(sys.argv[2], 'ab') as f:
                    f.write(body.replace(b'\\n', b' ') + b'\\n')
                self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')
            def log_message(self, *a): pass
        http.server.HTTPServer.allow_reuse_address = True
        http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
        """

    let container: Container

    func start() throws {
        try container.write(Self.script, to: "/usr/local/lib/systemscope/receiver.py")
        try container.write("", to: Self.log)
        let run = try container.exec([
            "systemd-run", "--unit=\(Self.unit)", "--property=Type=exec", "/usr/bin/python3",
            "/usr/local/lib/systemscope/receiver.py", "\(Self.port)", Self.log,
        ])
        guard run.status == 0 else { throw SuiteError("webhook receiver: \(run.output)") }
        let up = try container.eventually(10) {
            try container.exec([
                "python3", "-c", "import socket; socket.create_connection(('127.0.0.1', \(Self.port)), 1)",
            ]).status == 0
        }
        guard up else { throw SuiteError("webhook receiver did not listen on \(Self.port)") }
    }

    /// Every received body, decoded as JSON objects.
    var alerts: [[String: Any]] {
        let text = (try? String(contentsOfFile: container.hostPath(Self.log), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
