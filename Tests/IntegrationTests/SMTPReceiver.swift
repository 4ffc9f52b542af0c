import Foundation

/// A real SMTP server on loopback (aiosmtpd, Debian's python3-aiosmtpd) standing in for the
/// desk's mail relay: every message it accepts is appended to a file as one JSON line
/// (`from`, `to`, `subject`, `body`, `key` — the X-Tradectl-Alert-Key header).
final class SMTPReceiver {
    let port: Int
    let log: String
    private var process: Process?

    static let script = """
        import asyncio, email, email.policy, json, sys, time
        from aiosmtpd.controller import Controller
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
                body = message.get_body(('plain',))
                record = {'from': envelope.mail_from, 'to': envelope.rcpt_tos, 'subject': str(message['Subject']),
                          'key': str(message['X-Tradectl-Alert-Key']), 'body': body.get_content() if body else ''}
                with open(sys.argv[2], 'a') as f:
                    f.write(json.dumps(record) + '\\n')
                return '250 OK'
        controller = Controller(Handler(), hostname='127.0.0.1', port=int(sys.argv[1]))
        controller.start()
        while True:
            time.sleep(3600)
        """

    init(log: String) throws {
        self.log = log
        port = try WebhookReceiver.freePort()
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.script, "\(port)", log]
        try process.run()
        self.process = process
        _ = Harness.eventually(10) { WebhookReceiver.connects(port) }
    }

    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { stop() }

    /// Every received message.
    var messages: [[String: Any]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
