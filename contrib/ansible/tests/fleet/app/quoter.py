"""The fleet test's trading stand-in: serves /health on 127.0.0.1:PORT.

Its release is the RELEASE file beside it. A release holding a CRASH file exits 3 at start,
the crashing release the rolling-update test sends to one host: tradectl's health gate
fails there and tradectl rolls the host back itself.
"""

import argparse
import http.server
import json
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    release = (HERE / "RELEASE").read_text().strip() if (HERE / "RELEASE").exists() else "unknown"
    if (HERE / "CRASH").exists():
        print(f"quoter {release}: crashing on purpose (CRASH file)", file=sys.stderr)
        return 3
    if not os.environ.get("FLEET_API_KEY"):
        print("quoter: FLEET_API_KEY is not set (shared/.env)", file=sys.stderr)
        return 2

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = json.dumps({"status": "ok", "release": release}).encode()
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    print(f"quoter {release}: listening on 127.0.0.1:{args.port}", flush=True)
    http.server.HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
