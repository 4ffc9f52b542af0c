#!/usr/bin/env python3
"""thetagang (stand-in): hourly premium-selling run, then exit.

1. Kill switch first: if state/KILL exists (state/ is a shared directory, so
   this is <root>/shared/state/KILL, the file `tradectl halt` creates), log
   and exit 0 without touching the broker.
2. Otherwise sell cash-secured puts ~30 days out at ~0.20 delta on each
   symbol and record the orders in data/thetagang.db (SQLite, WAL).
SIGTERM mid-run: the current order is finished, the rest are skipped.
"""
import argparse
import datetime as dt
import hashlib
import logging
import os
import random
import signal
import sqlite3
import sys

KILL_SWITCH = "state/KILL"
DB_PATH = "data/thetagang.db"
LAST_RUN = "data/last-run"
stopping = False

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
    status TEXT NOT NULL, orders INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL REFERENCES runs(id),
    created_at TEXT NOT NULL, symbol TEXT NOT NULL, put_call TEXT NOT NULL,
    strike REAL NOT NULL, expiry TEXT NOT NULL, contracts INTEGER NOT NULL,
    premium REAL NOT NULL, status TEXT NOT NULL);
"""


logger = logging.getLogger("thetagang")


def setup_logging():
    """Python logging to stderr (the journal under systemd); THETAGANG_LOG_LEVEL=DEBUG shows more.

    tradectl reads the level from each line (log_format = "python" in tradectl.toml).
    """
    level = os.environ.get("THETAGANG_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format="%(asctime)s [%(levelname)s] %(name)s: %(message)s")
    # The seed's file log, beside the journal: shared/logs (linked into the release) when it
    # exists. tradectl's logrotate config rotates it (copytruncate: this handle stays open).
    if os.path.isdir("logs"):
        handler = logging.FileHandler("logs/thetagang.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)


def log(msg):
    logger.info(msg)


def now():
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def on_sigterm(_signum, _frame):
    global stopping
    stopping = True
    logger.warning("SIGTERM: finishing the current order, skipping the rest")


def pick_put(symbol, hour):
    """Pretend market data: the same symbol and hour give the same quote."""
    rng = random.Random(hashlib.sha256(f"{symbol}:{hour}".encode()).digest())
    spot = rng.uniform(150, 550)
    strike = round(spot * (1 - rng.uniform(0.05, 0.09)))   # ~0.20 delta
    premium = round(spot * rng.uniform(0.006, 0.014), 2)
    expiry = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return strike, expiry, premium


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", default="SPY,QQQ,IWM")
    ap.add_argument("--contracts", type=int, default=1)
    ap.add_argument("--config", help="strategy file (thetagang.toml): symbols and contracts")
    args = ap.parse_args()
    if args.config:
        import tomllib
        with open(args.config, "rb") as f:
            strategy = tomllib.load(f)
        args.symbols = ",".join(strategy.get("symbols", {})) or args.symbols
        args.contracts = int(strategy.get("target", {}).get("contracts", args.contracts))
    signal.signal(signal.SIGTERM, on_sigterm)

    if os.path.exists(KILL_SWITCH):
        logger.warning(f"kill switch engaged: not trading ({KILL_SWITCH} exists)")
        return 0
    if not os.environ.get("THETAGANG_BROKER_API_KEY"):
        logger.error("THETAGANG_BROKER_API_KEY is not set (shared/.env)")
        return 78

    os.makedirs("data", exist_ok=True)
    db = sqlite3.connect(DB_PATH, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    with db:
        run_id = db.execute("INSERT INTO runs (started_at, status) VALUES (?, 'running')",
                            (now(),)).lastrowid
    hour = dt.datetime.now().strftime("%Y-%m-%dT%H")
    log(f"run {run_id}: selling puts on {args.symbols} "
        f"(account {os.environ.get('THETAGANG_ACCOUNT', '?')})")

    placed = 0
    for symbol in [s.strip().upper() for s in args.symbols.split(",") if s.strip()]:
        if stopping or os.path.exists(KILL_SWITCH):   # re-check before each order
            log("stopping early: no more orders this run")
            break
        strike, expiry, premium = pick_put(symbol, hour)
        with db:
            db.execute("INSERT INTO orders (run_id, created_at, symbol, put_call, strike,"
                       " expiry, contracts, premium, status)"
                       " VALUES (?, ?, ?, 'P', ?, ?, ?, ?, 'submitted')",
                       (run_id, now(), symbol, strike, expiry, args.contracts, premium))
        placed += 1
        log(f"  SELL {args.contracts} {symbol} {expiry} {strike}P @ {premium:.2f}")

    with db:
        db.execute("UPDATE runs SET status = ?, orders = ? WHERE id = ?",
                   ("interrupted" if stopping else "ok", placed, run_id))
    db.close()
    with open(LAST_RUN, "w") as f:
        f.write(f"{now()} run={run_id} orders={placed}\n")
    log(f"run {run_id}: done, {placed} orders")
    return 0


if __name__ == "__main__":
    setup_logging()
    sys.exit(main())
