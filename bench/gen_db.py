#!/usr/bin/env python3
# Used by bench/backup.sh and bench/dr.sh: python3 bench/gen_db.py PATH MIB SEED
"""Creates a WAL SQLite database of realistic ticks until it is at least N MiB."""
import random, sqlite3, sys

path, target_mib, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=OFF")
db.execute("""CREATE TABLE IF NOT EXISTS ticks(
    id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, symbol TEXT NOT NULL,
    price REAL NOT NULL, qty INTEGER NOT NULL, payload TEXT NOT NULL)""")
db.execute("CREATE INDEX IF NOT EXISTS ticks_symbol_ts ON ticks(symbol, ts)")
symbols = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META", "GOOGL",
           "ES=F", "NQ=F", "CL=F", "GC=F", "EURUSD", "BTCUSD", "TLT", "XLF", "XLE", "VIX"]
price = {s: rng.uniform(20, 900) for s in symbols}
venues = ["XNAS", "XNYS", "ARCX", "BATS", "IEXG", "EDGX", "CME", "ICE"]
conds = ["@", "F", "T", "I", "@FTI", "@ T", "4", "Z"]
words = ("fill partial cancel replace ack reject route sweep iso odd-lot block auction open close "
         "halt resume nbbo quote trade late corrected momentum reversion hedge rebalance").split()
ts = 1_700_000_000_000_000_000
row_id = 0
target = target_mib * 1024 * 1024
while True:
    rows = []
    for _ in range(20000):
        row_id += 1
        ts += rng.randint(50_000, 5_000_000)
        s = rng.choice(symbols)
        price[s] = max(0.5, price[s] * (1 + rng.gauss(0, 0.0004)))
        qty = rng.choice((1, 10, 100, 100, 100, 200, 500)) * rng.randint(1, 10)
        payload = ('{"venue":"%s","cond":"%s","order_id":"%016x","seq":%d,"bid":%.2f,"ask":%.2f,'
                   '"strategy":"%s","note":"%s"}') % (
            rng.choice(venues), rng.choice(conds), rng.getrandbits(64), row_id,
            price[s] - 0.01, price[s] + 0.01, rng.choice(("mm-1", "mm-2", "arb", "trend")),
            " ".join(rng.choice(words) for _ in range(rng.randint(3, 14))))
        rows.append((row_id, ts, s, round(price[s], 4), qty, payload))
    db.execute("BEGIN")
    db.executemany("INSERT INTO ticks VALUES (?,?,?,?,?,?)", rows)
    db.execute("COMMIT")
    pages, size = db.execute("PRAGMA page_count").fetchone()[0], db.execute("PRAGMA page_size").fetchone()[0]
    if pages * size >= target:
        break
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
