import Foundation

/// A real SMTP server on loopback (aiosmtpd, Debian's python3-aiosmtpd) standing in for the
/// desk's mail relay: every message it accepts is appended to a file as one JSON line
/// (`from`, `to`, `subject`, `body`, `key` — the X-Tradectl-Alert-Key header).
final class SMTPReceiver {
    private let server: LoopbackServer
    var port: Int { server.port }

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
        server = try LoopbackServer(script: Self.script, log: log)
    }

    func stop() { server.stop() }

    /// Every received message.
    var messages: [[String: Any]] { server.records }
}
