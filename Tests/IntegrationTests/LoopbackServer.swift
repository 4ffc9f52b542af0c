import Foundation

/// A small Python server on a loopback port, started by a test and stopped by its pid:
/// what the webhook and SMTP receivers run. Each line of `log` is one JSON record.
final class LoopbackServer {
    let port: Int
    let log: String
    private let script: String
    private let arguments: [String]
    private var process: Process?

    /// Starts `script` with `port log arguments…` and waits until the port accepts.
    init(script: String, log: String, arguments: [String] = []) throws {
        self.script = script
        self.log = log
        self.arguments = arguments
        port = try Self.freePort()
        FileManager.default.createFile(atPath: log, contents: nil)
        try start()
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, "\(port)", log] + arguments
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

    /// Every line of the log, decoded as a JSON object.
    var records: [[String: Any]] {
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
