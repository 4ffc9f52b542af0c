#!/usr/bin/env python3
"""v6 position sync (stand-in): every 10 s, pull positions from the "broker"
and store them in data/v6.db for the dashboard and the engine's risk checks;
touches data/position-sync.last after each sync (the lag probe).

Here the broker's view is derived from the filled orders, so it agrees with
what the engine did. Exits 0 on SIGTERM.
"""
import logging
import os
import signal
import sys
import threading

import store

INTERVAL = 10.0
HEARTBEAT = "data/position-sync.last"   # touched after every sync: the lag probe
stop = threading.Event()


logger = logging.getLogger("position-sync")


def setup_logging():
    """Python logging to stderr (the journal under systemd); V6_LOG_LEVEL=DEBUG shows more.

    tradectl reads the level from each line (log_format = "python" in tradectl.toml).
    """
    level = os.environ.get("V6_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO))


def log(msg):
    logger.info(msg)


def broker_positions(db):
    """Pretend API call: net quantity and average price per symbol."""
    return db.execute(
        "SELECT symbol,"
        " SUM(CASE side WHEN 'BUY' THEN qty ELSE -qty END),"
        " ROUND(SUM(qty * limit_price) / SUM(qty), 2)"
        " FROM orders WHERE status = 'filled' GROUP BY symbol").fetchall()


def sync(db):
    positions = broker_positions(db)
    ts = store.now()
    with db:
        db.execute("DELETE FROM positions")
        db.executemany("INSERT INTO positions VALUES (?, ?, ?, ?)",
                       [(s, q, p, ts) for s, q, p in positions])
    return len(positions)


def main():
    if not os.environ.get("V6_BROKER_API_KEY"):
        logger.error("V6_BROKER_API_KEY is not set (shared/.env)")
        return 78
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    db = store.connect()
    log(f"started, syncing every {INTERVAL:.0f}s")
    while not stop.is_set():
        log(f"synced {sync(db)} positions")
        with open(HEARTBEAT, "a"):
            os.utime(HEARTBEAT, None)
        stop.wait(INTERVAL)
    db.close()
    log("stopped")
    return 0


if __name__ == "__main__":
    setup_logging()
    sys.exit(main())
