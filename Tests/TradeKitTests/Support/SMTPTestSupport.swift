import Foundation

/// A real SMTP server on 127.0.0.1 for the email notifier tests: aiosmtpd run by
/// `smtp_receiver.py`, with STARTTLS and AUTH on a self-signed certificate made here by openssl.
final class SMTPTestServer: @unchecked Sendable {
    /// One received message, as the server recorded it.
    struct Mail: Decodable {
        var from: String
        var rcpts: [String]
        var content: String
        var headers: [String: String]
        var body: String
        var tls: Bool
        var authenticated: Bool
    }

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    let dir = TempDir("tradectl-smtp")
    private(set) var port: UInt16 = 0
    /// The self-signed certificate, for `EmailNotifier(caFile:)`; nil for a plain server.
    let caFile: String?
    private let process = Process()
    private let input = Pipe()

    /// `tls`: offer and require STARTTLS, and AUTH as `user`/`password` over it; otherwise a
    /// plain server offering neither.
    init(tls: Bool = true, user: String = "", password: String = "") throws {
        var arguments = ["\(Repo.root)/Tests/TradeKitTests/Support/smtp_receiver.py", "--dir", dir.path]
        if tls {
            let cert = "\(dir.path)/cert.pem"
            let key = "\(dir.path)/key.pem"
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            openssl.arguments = [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert,
            ]
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            guard openssl.terminationStatus == 0 else { throw StartFailed(description: "openssl req failed") }
            arguments += ["--cert", cert, "--key", key, "--user", user, "--password", password]
            caFile = cert
        } else {
            caFile = nil
        }
        // Debian's python3, where python3-aiosmtpd (scripts/install-deps.sh) puts the module.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("READY "), let port = UInt16(text.dropFirst(6)) else {
            process.terminate()
            throw StartFailed(description: "smtp_receiver.py did not start (is python3-aiosmtpd installed?)")
        }
        self.port = port
    }

    /// Starts the server on a thread of its own: openssl and Python's start-up block for a
    /// second or so, which must not hold the test's cooperative threads (two on this machine).
    static func start(tls: Bool = true, user: String = "", password: String = "") async throws -> SMTPTestServer {
        try await onThread { Result { try SMTPTestServer(tls: tls, user: user, password: password) } }.get()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    /// The messages received so far, in order.
    var mails: [Mail] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return
            names
            .filter { $0.hasPrefix("mail-") && $0.hasSuffix(".json") }
            .sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }
            .compactMap { name in
                FileManager.default.contents(atPath: "\(dir.path)/\(name)").flatMap {
                    try? JSONDecoder().decode(Mail.self, from: $0)
                }
            }
    }
}
