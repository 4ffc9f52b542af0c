#!/usr/bin/env python3
"""A real SMTP server for the email notifier tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1 at a free port and prints `READY <port>` once it answers. With --cert
and --key it offers STARTTLS, requires it before anything else and accepts AUTH (one user)
only over TLS; without them it is a plain server that offers neither. Each message is written
to <dir>/mail-<n>.json with the envelope, the raw content, and the headers and body as
Python's email package parses them, an independent reader of what tradectl wrote.
Stops when stdin closes (the test process went away).
"""
import argparse
import email
import email.policy
import json
import os
import socket
import ssl
import logging
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    args = parser.parse_args()
    # aiosmtpd 1.4 logs a warning about its own use of Session.login_data on every AUTH.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    class Handler:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Handler.count += 1
            content = envelope.original_content or envelope.content
            parsed = email.message_from_bytes(content, policy=email.policy.default)
            record = {
                "from": envelope.mail_from,
                "rcpts": envelope.rcpt_tos,
                "content": content.decode("utf-8", "replace"),
                "headers": {k: str(v) for k, v in parsed.items()},
                "body": parsed.get_content(),
                "tls": getattr(session, "ssl", None) is not None,
                "authenticated": bool(getattr(session, "authenticated", False)),
            }
            path = os.path.join(args.dir, f"mail-{Handler.count}.json")
            with open(path + ".tmp", "w") as f:
                json.dump(record, f)
            os.rename(path + ".tmp", path)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == args.user.encode()
            and auth_data.password == args.password.encode()
        )
        # handled=False: the server answers 535 itself (handled defaults to True, meaning "answered").
        return AuthResult(success=ok, handled=False)

    options = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        options = dict(
            tls_context=context,
            require_starttls=True,
            authenticator=authenticator,
            auth_require_tls=True,
            auth_required=True,
        )
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(f"READY {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
