#!/usr/bin/env python3
"""A monitor loop in the style of the hand-written Python monitors tradectl replaces.

bench/monitor.sh runs it next to `tradectl monitor` on the same project and measures both.
Every `--interval` seconds it does the checks of a tradectl monitor cycle the way such a
script does them (one subprocess per systemd/journal question) and prints one line:
  - `systemctl --user show` of the services (state, restarts) and of the timers and their
    oneshot services (state, last trigger, result);
  - an HTTP probe (urllib), a TCP connect, a heartbeat file's age;
  - SQLite `PRAGMA quick_check` and `journal_mode` of each database;
  - `shutil.disk_usage` of the data and backup directories, MemAvailable from /proc/meminfo;
  - `journalctl -u … -p err --since -1h -o json`, lines counted;
  - age of the newest archive in the backup directory.
It keeps no state between cycles, follows no journal, serves no metrics and sends no
alerts: less work than `tradectl monitor` does per cycle.
"""
import argparse
import glob
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request


def systemctl_show(units, props):
    out = subprocess.run(
        ["systemctl", "--user", "show", "-p", ",".join(props), "--", *units],
        capture_output=True, text=True, timeout=10,
    ).stdout
    result, current = [], {}
    for line in out.splitlines():
        if not line:
            result.append(current)
            current = {}
            continue
        key, _, value = line.partition("=")
        current[key] = value
    if current:
        result.append(current)
    return dict(zip(units, result))


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return 200 <= r.status < 300
    except Exception:
        return False


def tcp_ok(hostport):
    host, _, port = hostport.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
        return True
    except OSError:
        return False


def sqlite_ok(path):
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            return check == "ok" and mode == "wal"
        finally:
            db.close()
    except sqlite3.Error:
        return False


def mem_available_percent():
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0])
    return 100.0 * info["MemAvailable"] / info["MemTotal"]


def journal_errors(units):
    cmd = ["journalctl", "-p", "err", "--since", "-1h", "-o", "json", "--no-pager", "-q"]
    for unit in units:
        cmd += ["-u", unit]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
    return sum(1 for line in out.splitlines() if line.startswith("{") and json.loads(line))


def newest_backup_age(directory):
    archives = glob.glob(os.path.join(directory, "*.tar.*"))
    if not archives:
        return None
    return time.time() - max(os.path.getmtime(a) for a in archives)


def cycle(args):
    problems = []
    services = systemctl_show(args.service, ["LoadState", "ActiveState", "SubState", "NRestarts", "MainPID"])
    for unit, props in services.items():
        if props.get("ActiveState") != "active" or props.get("SubState") != "running":
            problems.append(f"{unit} {props.get('ActiveState')}")
    timers = [u for name in args.oneshot for u in (f"{name}.timer", f"{name}.service")]
    if timers:
        props = systemctl_show(timers, ["ActiveState", "LastTriggerUSec", "NextElapseUSecRealtime", "Result"])
        for name in args.oneshot:
            if props.get(f"{name}.timer", {}).get("ActiveState") != "active":
                problems.append(f"{name}.timer off")
            if props.get(f"{name}.service", {}).get("Result", "success") != "success":
                problems.append(f"{name}.service failed")
    for url in args.http:
        if not http_ok(url):
            problems.append(f"http {url}")
    for hostport in args.tcp:
        if not tcp_ok(hostport):
            problems.append(f"tcp {hostport}")
    for path in args.heartbeat:
        try:
            if time.time() - os.path.getmtime(path) > args.heartbeat_max_age:
                problems.append(f"heartbeat {path} stale")
        except OSError:
            problems.append(f"heartbeat {path} missing")
    for path in args.sqlite:
        if not sqlite_ok(path):
            problems.append(f"sqlite {path}")
    for path in args.disk:
        usage = shutil.disk_usage(path)
        if 100.0 * usage.used / usage.total >= 90:
            problems.append(f"disk {path}")
    if mem_available_percent() < 10:
        problems.append("memory")
    errors = journal_errors(args.service + [f"{name}.service" for name in args.oneshot])
    if errors >= 100:
        problems.append(f"{errors} journal errors")
    age = newest_backup_age(args.backup_dir)
    if age is None or age > 26 * 3600:
        problems.append("backup stale")
    return problems, errors


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--interval", type=float, default=10.0)
    p.add_argument("--service", action="append", default=[], help="unit name, e.g. mbench-engine.service")
    p.add_argument("--oneshot", action="append", default=[], help="timer/service base name, e.g. mbench-report")
    p.add_argument("--http", action="append", default=[])
    p.add_argument("--tcp", action="append", default=[])
    p.add_argument("--heartbeat", action="append", default=[])
    p.add_argument("--heartbeat-max-age", type=float, default=30.0)
    p.add_argument("--sqlite", action="append", default=[])
    p.add_argument("--disk", action="append", default=[])
    p.add_argument("--backup-dir", required=True)
    args = p.parse_args()

    n = 0
    while True:
        started = time.monotonic()
        problems, errors = cycle(args)
        n += 1
        elapsed = time.monotonic() - started
        status = "ok" if not problems else "NOT OK: " + ", ".join(problems)
        print(f"cycle {n} in {elapsed:.3f}s: {status} ({errors} journal errors/1h)", flush=True)
        time.sleep(max(0.0, args.interval - elapsed))


if __name__ == "__main__":
    sys.exit(main())
