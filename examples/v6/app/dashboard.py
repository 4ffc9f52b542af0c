#!/usr/bin/env python3
"""v6 dashboard (stand-in): a tiny read-only web page on 127.0.0.1:8501
(run_dashboard.py --headless --port 8501 in V6's plan; --port changes it).

  /health  200 {"status": "ok"}   (the deploy/health probe)
  /        positions and the latest orders from data/v6.db
Exits 0 on SIGTERM.
"""
import html
import json
import logging
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import store

HOST, PORT = "127.0.0.1", 8501
db_lock = threading.Lock()
db = None


logger = logging.getLogger("dashboard")


def setup_logging():
    """Python logging to stderr (the journal under systemd); V6_LOG_LEVEL=DEBUG shows more.

    tradectl reads the level from each line (log_format = "python" in tradectl.toml).
    """
    level = os.environ.get("V6_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO))


def log(msg):
    logger.info(msg)


def table(title, header, rows):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r)
                   + "</tr>" for r in rows) or f"<tr><td colspan={len(header)}>none yet</td></tr>"
    return f"<h2>{title}</h2><table border=1><tr>{head}</tr>{body}</table>"


class Handler(BaseHTTPRequestHandler):
    def send(self, code, ctype, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.send(200, "application/json", json.dumps({"status": "ok"}))
        if self.path != "/":
            return self.send(404, "application/json", json.dumps({"error": "not found"}))
        with db_lock:
            pos = db.execute("SELECT symbol, qty, avg_price, synced_at FROM positions"
                             " ORDER BY symbol").fetchall()
            orders = db.execute("SELECT id, created_at, symbol, side, qty, limit_price,"
                                " status FROM orders ORDER BY id DESC LIMIT 10").fetchall()
        page = ("<!doctype html><title>v6</title><h1>v6 options engine</h1>"
                + table("Positions", ["symbol", "qty", "avg price", "synced"], pos)
                + table("Latest orders", ["id", "time", "symbol", "side", "qty",
                                          "limit", "status"], orders))
        self.send(200, "text/html; charset=utf-8", page)

    def log_message(self, fmt, *args):
        if not self.path.startswith("/health"):   # keep probes out of the journal
            log(f"{self.address_string()} {fmt % args}")


def main():
    global db, PORT
    args = sys.argv[1:]
    if "--port" in args:
        PORT = int(args[args.index("--port") + 1])
    db = store.connect()
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log(f"listening on http://{HOST}:{PORT}/")
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    db.close()
    log("stopped")
    return 0


if __name__ == "__main__":
    setup_logging()
    sys.exit(main())
