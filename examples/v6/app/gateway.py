#!/usr/bin/env python3
"""Broker gateway (stand-in for IB Gateway/TWS) on 127.0.0.1:7497 (--port changes it).

The real V6 engine connects to an IB Gateway on PRODUCTION_IB_HOST:PRODUCTION_IB_PORT
(7497 for paper TWS, 4001 for IB Gateway). A demo host has none, so this program
accepts connections on that port and does nothing else; the engine's tcp probe
checks it. On a real host IB Gateway (e.g. under IBC) is installed separately:
drop this component and keep the probe. If the port is already taken (a real
gateway, or another demo), it says so and idles, so the unit stays up.
Exits 0 on SIGTERM.
"""
import logging
import os
import signal
import socket
import sys
import threading

logger = logging.getLogger("gateway")


def main():
    logging.basicConfig(level=getattr(logging, os.environ.get("V6_LOG_LEVEL", "INFO").upper(), logging.INFO))
    args = sys.argv[1:]
    port = int(args[args.index("--port") + 1]) if "--port" in args else 7497
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        logger.warning("port %d already taken (%s): another gateway answers there", port, error)
        sock.close()
        sock = None
    if sock is not None:
        sock.listen(16)
        sock.settimeout(1.0)
        logger.info("paper gateway stand-in listening on 127.0.0.1:%d", port)
    while not stop.is_set():
        if sock is None:
            stop.wait(1.0)
            continue
        try:
            conn, _ = sock.accept()
            conn.close()
        except OSError:            # a timeout, or a client gone before accept (ECONNABORTED)
            continue
    if sock is not None:
        sock.close()
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
