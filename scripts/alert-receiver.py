#!/usr/bin/env python3
"""A local alert receiver for the demo: accepts tradectl's generic webhook JSON on
http://127.0.0.1:PORT/ and appends one readable line per alert to LOG
(`<time> <KIND> <severity> <key>: <summary>`), answering 200.

    python3 scripts/alert-receiver.py 9099 /tmp/alerts.log

Stands in for the desk's real collector (Slack, an alert manager); it binds to
loopback only and exits on SIGTERM.
"""
import http.server
import json
import signal
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            alert = json.loads(body)
            line = "{} {} {} {}: {}".format(
                time.strftime("%H:%M:%S"), alert.get("kind", "?").upper(), alert.get("severity", "?"),
                alert.get("key", "?"), alert.get("summary", ""))
        except ValueError:
            line = "{} (not JSON) {!r}".format(time.strftime("%H:%M:%S"), body[:200])
        with open(self.server.log, "a") as log:
            log.write(line + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    http.server.HTTPServer.allow_reuse_address = True
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    server.log = log
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
