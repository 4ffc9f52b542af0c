"""The pull catalog: data/catalog.db (SQLite, WAL), one row per output file."""
import os
import sqlite3

DATA_DIR = "data"
DB_PATH = os.path.join(DATA_DIR, "catalog.db")

SCHEMA = """
CREATE TABLE IF NOT EXISTS pulls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, pulled_at TEXT NOT NULL,
    trade_date TEXT NOT NULL, dataset TEXT NOT NULL, schema TEXT NOT NULL,
    symbols TEXT NOT NULL, rows INTEGER NOT NULL, csv_path TEXT NOT NULL,
    sha256 TEXT NOT NULL);
"""


def connect():
    os.makedirs(DATA_DIR, exist_ok=True)
    db = sqlite3.connect(DB_PATH, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    return db
