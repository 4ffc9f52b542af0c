#!/usr/bin/env python3
"""v6 options engine (stand-in): a long-running trading loop.

Every second it "places" an order (a row in data/v6.db), fills orders that
have been pending for a few seconds, and touches data/heartbeat (the probe).
On SIGTERM it stops taking new work, finishes the pending orders, and exits 0:
systemd gives it stop_timeout (45s) before SIGKILL.

It logs through Python's logging (INFO every 10th loop, WARNING when an order
waits long, DEBUG per loop with V6_LOG_LEVEL=DEBUG). For tests and drills: a
file data/simulate-errors holding a number N makes the next loop log N ERROR
lines ("order rejected by broker: ...") and removes the file.
"""
import logging
import os
import random
import signal
import sys
import threading
import socket
import time

import store

HEARTBEAT = "data/heartbeat"
SIMULATE_ERRORS = "data/simulate-errors"
FILL_AFTER = 3          # loops an order stays pending
SYMBOLS = ["SPY 240621P500", "QQQ 240621P430", "IWM 240621C210", "SPX 240621P5000"]
stop = threading.Event()
received = []


def on_signal(signum, _frame):
    received.append(signal.Signals(signum).name)
    stop.set()


logger = logging.getLogger("engine")


def setup_logging():
    """Python logging to stderr (the journal under systemd); V6_LOG_LEVEL=DEBUG shows more.

    tradectl reads the level from each line (log_format = "python" in tradectl.toml).
    """
    level = os.environ.get("V6_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO))
    # The seed's file log, beside the journal: shared/logs (linked into the release) when it
    # exists. tradectl's logrotate config rotates it (copytruncate: this handle stays open).
    if os.path.isdir("logs"):
        handler = logging.FileHandler("logs/engine.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)


def log(msg):
    logger.info(msg)


def touch(path):
    with open(path, "a"):
        os.utime(path, None)


def simulate_errors():
    """Logs the ERROR lines data/simulate-errors asks for (a count), then removes it."""
    try:
        with open(SIMULATE_ERRORS) as f:
            text = f.read().strip()
        os.remove(SIMULATE_ERRORS)
    except FileNotFoundError:
        return
    except OSError as e:
        logger.warning("cannot read %s: %s", SIMULATE_ERRORS, e)
        return
    count = int(text) if text.isdigit() else 1
    for i in range(1, count + 1):
        logger.error("order rejected by broker: simulated rejection %d of %d", i, count)


def fill(db, order_ids):
    with db:
        db.executemany("UPDATE orders SET status='filled', filled_at=? WHERE id=?",
                       [(store.now(), i) for i in order_ids])


def check_gateway():
    """Log whether the broker gateway (PRODUCTION_IB_HOST:PORT) accepts a connection."""
    host = os.environ.get("PRODUCTION_IB_HOST", "127.0.0.1")
    port = int(os.environ.get("PRODUCTION_IB_PORT", "7497"))
    client = os.environ.get("PRODUCTION_IB_CLIENT_ID", "1")
    try:
        socket.create_connection((host, port), 2).close()
        log(f"broker gateway {host}:{port} reachable (client id {client})")
    except OSError as error:
        logger.warning("broker gateway %s:%d unreachable: %s", host, port, error)


def main():
    if not os.environ.get("V6_BROKER_API_KEY"):
        logger.error("V6_BROKER_API_KEY is not set (shared/.env)")
        return 78
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    check_gateway()
    db = store.connect()
    rng = random.Random(6)
    pending = [r[0] for r in db.execute("SELECT id FROM orders WHERE status='pending'")]
    log(f"started (account {os.environ.get('V6_ACCOUNT', '?')}, "
        f"{len(pending)} pending orders from last run)")

    loop = 0
    while not stop.is_set():
        loop += 1
        if len(pending) > FILL_AFTER:          # oldest orders get filled
            fill(db, pending[:-FILL_AFTER])
            pending = pending[-FILL_AFTER:]
        sym = rng.choice(SYMBOLS)
        side = rng.choice(["BUY", "SELL"])
        qty = rng.randint(1, 10)
        price = round(rng.uniform(0.5, 12.0), 2)
        with db:
            cur = db.execute(
                "INSERT INTO orders (created_at, symbol, side, qty, limit_price, status)"
                " VALUES (?, ?, ?, ?, ?, 'pending')", (store.now(), sym, side, qty, price))
        pending.append(cur.lastrowid)
        if loop % 10 == 1:
            log(f"loop {loop}: placed order {cur.lastrowid} {side} {qty} {sym} @ {price}")
        else:
            logger.debug("loop %d: placed order %d %s %d %s @ %s", loop, cur.lastrowid, side, qty, sym, price)
        if loop % 60 == 0:
            logger.warning("order %d waited %d loops for its fill (broker slow)", pending[0], FILL_AFTER)
        simulate_errors()
        touch(HEARTBEAT)
        stop.wait(1.0)

    log(f"{received[0] if received else 'stop'} received: finishing {len(pending)} pending orders")
    time.sleep(1.5)                            # waiting for the broker's acks
    fill(db, pending)
    db.close()
    log("clean shutdown")
    return 0


if __name__ == "__main__":
    setup_logging()
    sys.exit(main())
