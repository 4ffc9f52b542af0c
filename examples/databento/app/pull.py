#!/usr/bin/env python3
"""Databento market-data puller (stand-in): one daily pull, then exit.

Fetches one day of 1-minute OHLCV bars for a few symbols (here: a deterministic
random walk instead of the Databento API) and writes, into data/:
  ohlcv-1m_<date>.csv        the bars
  summary_<date>.json        per-symbol open/high/low/close/volume
and records the pull in data/catalog.db. Files are written atomically.
"""
import argparse
import csv
import datetime as dt
import hashlib
import json
import logging
import os
import random
import sys

import catalog


logger = logging.getLogger("pull")


def setup_logging():
    """Python logging to stderr (the journal under systemd); DATABENTO_LOG_LEVEL=DEBUG shows more.

    tradectl reads the level from each line (log_format = "python" in tradectl.toml).
    """
    level = os.environ.get("DATABENTO_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # The seed's file log, beside the journal: shared/logs (linked into the release) when it
    # exists. tradectl's logrotate config rotates it (copytruncate: this handle stays open).
    if os.path.isdir("logs"):
        handler = logging.FileHandler("logs/pull.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)


def log(msg):
    logger.info(msg)


def fetch_bars(dataset, symbol, day):
    """Pretend API call: 390 one-minute bars of the regular session."""
    rng = random.Random(hashlib.sha256(f"{dataset}:{symbol}:{day}".encode()).digest())
    price = rng.uniform(50, 500)
    start = dt.datetime.fromisoformat(f"{day}T14:30:00+00:00")
    for i in range(390):
        o = price
        price = max(1.0, price * (1 + rng.gauss(0, 0.0008)))
        hi, lo = max(o, price) * (1 + rng.random() * 3e-4), min(o, price) * (1 - rng.random() * 3e-4)
        yield [(start + dt.timedelta(minutes=i)).isoformat(), symbol,
               f"{o:.2f}", f"{hi:.2f}", f"{lo:.2f}", f"{price:.2f}", rng.randint(500, 50000)]


def write_atomic(path, write):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        write(f)
    os.replace(tmp, path)


def simulated_outage():
    """Drill: data/simulate-failures holding N makes the next N pulls fail (counting down),
    as an API outage would; systemd's retries (retries = 2) run the pull again."""
    path = os.path.join(catalog.DATA_DIR, "simulate-failures")
    try:
        with open(path) as f:
            left = int(f.read().strip() or "0")
    except (OSError, ValueError):
        return False
    if left <= 0:
        os.remove(path)
        return False
    with open(path, "w") as f:
        f.write(f"{left - 1}\n")
    logger.error("simulated API outage: Databento unreachable (%d more to fail)", left - 1)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=os.environ.get("DATABENTO_DATASET", "XNAS.ITCH"))
    ap.add_argument("--symbols", default="AAPL,MSFT,SPY")
    ap.add_argument("--date", default=dt.date.today().isoformat())
    args = ap.parse_args()
    if not os.environ.get("DATABENTO_API_KEY"):
        logger.error("DATABENTO_API_KEY is not set (shared/.env)")
        return 78

    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    db = catalog.connect()                       # also creates data/
    if simulated_outage():
        db.close()
        return 1
    log(f"pulling {args.dataset} ohlcv-1m {','.join(symbols)} for {args.date}")
    rows = [bar for s in symbols for bar in fetch_bars(args.dataset, s, args.date)]
    logger.debug("fetched %d bars for %d symbols", len(rows), len(symbols))

    csv_path = os.path.join(catalog.DATA_DIR, f"ohlcv-1m_{args.date}.csv")
    write_atomic(csv_path, lambda f: csv.writer(f).writerows(
        [["ts_event", "symbol", "open", "high", "low", "close", "volume"]] + rows))
    summary = {"dataset": args.dataset, "schema": "ohlcv-1m", "date": args.date,
               "rows": len(rows), "csv": os.path.basename(csv_path), "symbols": {}}
    for s in symbols:
        bars = [r for r in rows if r[1] == s]
        summary["symbols"][s] = {
            "open": float(bars[0][2]), "high": max(float(r[3]) for r in bars),
            "low": min(float(r[4]) for r in bars), "close": float(bars[-1][5]),
            "volume": sum(r[6] for r in bars)}
    json_path = os.path.join(catalog.DATA_DIR, f"summary_{args.date}.json")
    write_atomic(json_path, lambda f: json.dump(summary, f, indent=2))

    with open(csv_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with db:
        db.execute("INSERT INTO pulls (pulled_at, trade_date, dataset, schema, symbols,"
                   " rows, csv_path, sha256) VALUES (?, ?, ?, 'ohlcv-1m', ?, ?, ?, ?)",
                   (dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    args.date, args.dataset, ",".join(symbols), len(rows), csv_path, digest))
    db.close()
    log(f"wrote {csv_path} ({len(rows)} rows, sha256 {digest[:12]}) and {json_path}")
    return 0


if __name__ == "__main__":
    setup_logging()
    sys.exit(main())
