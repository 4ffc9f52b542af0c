#!/usr/bin/env python3
"""Databento status service (stand-in) on 127.0.0.1:8080 (--port changes it).

  /health  200 {"status": "ok"} while the process runs (the probe)
  /ready   200 once the startup self-check passed (data/ writable, API key
           present, catalog DB opens) or a pull has produced output;
           503 with the failing checks otherwise
Exits 0 on SIGTERM.
"""
import glob
import json
import logging
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import catalog

HOST, PORT = "127.0.0.1", 8080
checks = {}


logger = logging.getLogger("status")


def setup_logging():
    """Python logging to stderr (the journal under systemd); DATABENTO_LOG_LEVEL=DEBUG shows more.

    tradectl reads the level from each line (log_format = "python" in tradectl.toml).
    """
    level = os.environ.get("DATABENTO_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format="%(asctime)s %(name)s %(levelname)s %(message)s")


def log(msg):
    logger.info(msg)


def self_check():
    result = {}
    try:
        os.makedirs(catalog.DATA_DIR, exist_ok=True)
        probe = os.path.join(catalog.DATA_DIR, ".write-test")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
        result["data_writable"] = True
    except OSError:
        result["data_writable"] = False
    result["api_key"] = bool(os.environ.get("DATABENTO_API_KEY"))
    try:
        db = catalog.connect()
        result["catalog"] = db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        db.close()
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        result["catalog"] = False
    return result


def latest_output():
    files = sorted(glob.glob(os.path.join(catalog.DATA_DIR, "summary_*.json")))
    return os.path.basename(files[-1]) if files else None


class Handler(BaseHTTPRequestHandler):
    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.send_json(200, {"status": "ok"})
        if self.path == "/ready":
            latest = latest_output()
            ready = all(checks.values()) or latest is not None
            return self.send_json(200 if ready else 503,
                                  {"ready": ready, "checks": checks, "latest": latest})
        self.send_json(404, {"error": "not found"})

    def log_message(self, fmt, *args):
        pass  # probes every few minutes would flood the journal


def main():
    global PORT
    args = sys.argv[1:]
    if "--port" in args:
        PORT = int(args[args.index("--port") + 1])
    checks.update(self_check())
    log(f"self-check: {', '.join(f'{k}={v}' for k, v in checks.items())}")
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log(f"listening on http://{HOST}:{PORT}/ (/health, /ready)")
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    setup_logging()
    sys.exit(main())
