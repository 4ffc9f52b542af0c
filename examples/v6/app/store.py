"""Shared SQLite access for the v6 programs: data/v6.db in WAL mode.

WAL lets the engine and position-sync write while the dashboard reads;
busy_timeout makes a writer wait for the other instead of failing.
"""
import datetime as dt
import os
import sqlite3

DB_PATH = "data/v6.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
    symbol TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL,
    limit_price REAL NOT NULL, status TEXT NOT NULL, filled_at TEXT);
CREATE TABLE IF NOT EXISTS positions (
    symbol TEXT PRIMARY KEY, qty INTEGER NOT NULL, avg_price REAL NOT NULL,
    synced_at TEXT NOT NULL);
"""


def now():
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def connect():
    os.makedirs(os.path.dirname(DB_PATH), exist_ok=True)
    db = sqlite3.connect(DB_PATH, timeout=10, check_same_thread=False)
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(SCHEMA)
    return db
