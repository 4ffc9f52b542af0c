#!/usr/bin/env python3
"""IV Crush screener (stand-in): one batch run, then exit.

For each ticker it fetches an option chain around the next earnings date (here:
deterministic pseudo data), compares the front-month implied volatility and
the straddle's implied move with the stock's historical earnings moves, and
stores a score per ticker in data/ivcrush.db (SQLite, WAL).
Paths are relative to the working directory (the release; data/ is shared).
"""
import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import random
import sqlite3
import sys

DB_PATH = os.environ.get("DATABASE_PATH", "data/ivcrush.db")
CACHE_PATH = "data/cache.db"   # the L2 cache: quotes fetched once per day and ticker
LAST_RUN = "data/last-run"
EX_CONFIG = 78  # sysexits.h: configuration error (systemd shows it as "CONFIG")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL, finished_at TEXT,
    trade_date TEXT NOT NULL, tickers INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER NOT NULL REFERENCES runs(id), ticker TEXT NOT NULL,
    spot REAL, front_iv REAL, back_iv REAL, implied_move REAL,
    hist_move REAL, score REAL, signal TEXT, PRIMARY KEY (run_id, ticker));
"""


logger = logging.getLogger("ivcrush")


def setup_logging():
    """Python logging to stderr (the journal under systemd); IVCRUSH_LOG_LEVEL=DEBUG shows more.

    tradectl reads the level from each line (log_format = "python" in tradectl.toml).
    """
    level = os.environ.get("IVCRUSH_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format="%(asctime)s - %(name)s - %(levelname)s - %(message)s")
    # The seed's file log, beside the journal: shared/logs (linked into the release) when it
    # exists. tradectl's logrotate config rotates it (copytruncate: this handle stays open).
    if os.path.isdir("logs"):
        handler = logging.FileHandler("logs/ivcrush.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)


def log(msg):
    logger.info(msg)


def fetch_chain(ticker, day):
    """Pretend API call: the same ticker and day always give the same chain."""
    seed = int(hashlib.sha256(f"{ticker}:{day}".encode()).hexdigest()[:16], 16)
    rng = random.Random(seed)
    spot = round(rng.uniform(40, 900), 2)
    back_iv = rng.uniform(0.22, 0.45)              # next month, after earnings
    front_iv = back_iv * rng.uniform(1.2, 2.6)     # weekly, spans earnings
    days = 7
    straddle = spot * front_iv * (days / 365) ** 0.5 * 0.8
    hist = [abs(rng.gauss(0, 0.045)) for _ in range(8)]  # last 8 earnings moves
    return {"spot": spot, "front_iv": front_iv, "back_iv": back_iv,
            "straddle": straddle, "hist_moves": hist}


def score_chain(chain):
    implied_move = chain["straddle"] / chain["spot"]
    hist_move = sum(chain["hist_moves"]) / len(chain["hist_moves"])
    term = chain["front_iv"] / chain["back_iv"]          # term-structure kink
    overpricing = implied_move / max(hist_move, 1e-4)    # implied vs realised
    score = round(50 * (term - 1) + 25 * (overpricing - 1), 2)
    signal = "sell-straddle" if score >= 80 else "watch" if score >= 40 else "skip"
    return implied_move, hist_move, score, signal


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickers", default="AAPL,MSFT,NVDA",
                    help="comma-separated watch list")
    ap.add_argument("--date", default=dt.date.today().isoformat(),
                    help="trade date (YYYY-MM-DD); default today")
    args = ap.parse_args()

    missing = [k for k in ("TRADIER_API_KEY", "ALPHA_VANTAGE_KEY") if not os.environ.get(k)]
    if missing:
        logger.error(f"missing API credentials: {', '.join(missing)} "
                     "(set them in shared/.env)")
        return EX_CONFIG

    tickers = [t.strip().upper() for t in args.tickers.split(",") if t.strip()]
    os.makedirs("data", exist_ok=True)
    db = sqlite3.connect(DB_PATH, timeout=30)
    mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    db.executescript(SCHEMA)
    cache = sqlite3.connect(CACHE_PATH, timeout=30)
    cache.execute("PRAGMA journal_mode=WAL")
    cache.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT, created_at TEXT)")

    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with db:
        run_id = db.execute(
            "INSERT INTO runs (started_at, trade_date, tickers, status)"
            " VALUES (?, ?, ?, 'running')", (started, args.date, len(tickers))).lastrowid
    log(f"run {run_id}: scanning {len(tickers)} tickers for {args.date} (journal={mode})")

    rows = []
    if not tickers:
        logger.warning("empty watch list: nothing to scan")
    for t in tickers:
        chain = fetch_chain(t, args.date)
        with cache:
            cache.execute("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)",
                          (f"chain:{t}:{args.date}", json.dumps(chain), started))
        implied, hist, score, signal = score_chain(chain)
        rows.append((run_id, t, chain["spot"], round(chain["front_iv"], 4),
                     round(chain["back_iv"], 4), round(implied, 4), round(hist, 4),
                     score, signal))
        log(f"  {t:<5} spot={chain['spot']:>8.2f} front_iv={chain['front_iv']:.0%} "
            f"implied={implied:.1%} hist={hist:.1%} score={score:>6.2f} {signal}")

    finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with db:
        db.executemany("INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?)", rows)
        db.execute("UPDATE runs SET finished_at = ?, status = 'ok' WHERE id = ?",
                   (finished, run_id))
    db.close()
    cache.close()

    best = max(rows, key=lambda r: r[7]) if rows else None
    summary = {"run_id": run_id, "trade_date": args.date, "finished_at": finished,
               "tickers": len(rows), "top": best[1] if best else None}
    tmp = LAST_RUN + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary, f)
        f.write("\n")
    os.replace(tmp, LAST_RUN)  # atomic: a reader never sees half a file
    log(f"run {run_id}: done, {len(rows)} results, top={summary['top']}")
    return 0


if __name__ == "__main__":
    setup_logging()
    sys.exit(main())
