#!/usr/bin/env python3
"""Build-time self-test for thetagang (release hook: `python3 selftest.py`).

Runs thetagang.py in a throw-away directory, never in the release or shared/,
and checks the three behaviours that matter before it may trade:
missing credentials -> exit 78, kill switch -> no orders, normal run -> orders.
Exits non-zero on failure, which aborts the deploy before `current` moves.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "thetagang.py")


def run(cwd, env_key=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("THETAGANG_")}
    if env_key:
        env["THETAGANG_BROKER_API_KEY"] = "selftest"
    return subprocess.run([sys.executable, SCRIPT, "--symbols", "SPY,QQQ"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def orders(cwd):
    path = os.path.join(cwd, "data", "thetagang.db")
    if not os.path.exists(path):
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]


def check(name, ok, proc):
    print(f"selftest: {'ok  ' if ok else 'FAIL'} {name}", flush=True)
    if not ok:
        print(proc.stdout + proc.stderr, file=sys.stderr, flush=True)
    return ok


def main():
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        p = run(tmp, env_key=False)
        results.append(check("missing API key exits 78", p.returncode == 78, p))

        os.makedirs(os.path.join(tmp, "state"))
        open(os.path.join(tmp, "state", "KILL"), "w").close()
        p = run(tmp)
        results.append(check("kill switch: exit 0, no orders",
                             p.returncode == 0 and "kill switch engaged" in p.stdout + p.stderr
                             and orders(tmp) == 0, p))

        os.remove(os.path.join(tmp, "state", "KILL"))
        p = run(tmp)
        with sqlite3.connect(os.path.join(tmp, "data", "thetagang.db")) as db:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        results.append(check("normal run: 2 orders, WAL database",
                             p.returncode == 0 and orders(tmp) == 2 and mode == "wal", p))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
