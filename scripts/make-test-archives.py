#!/usr/bin/env python3
"""Create tradectl backup archives for tests: one good, many hostile, some corrupt.

    python3 scripts/make-test-archives.py OUTDIR [--project demo] [--zstd] [--verify]

Layout and manifest are described in docs/archive-format.md. Standard library only;
`--zstd` uses the `zstd` CLI (skipped with a warning if it is missing), `--verify`
uses GNU tar to list every archive and to extract good.tar.gz byte-identically.
Output is deterministic for a given Python/zlib/SQLite: fixed mtimes, uid/gid 0,
gzip header mtime 0, fixed data.
"""

import argparse
import calendar
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zlib

FORMAT = 1
TRADECTL_VERSION = "0.1.0"
HOST = "testhost"
CREATED = "2026-11-21T13:00:00Z"
RELEASE = "abc123"
MTIME = calendar.timegm((2026, 11, 21, 13, 0, 0))
GZIP_LEVEL = 6
ENV_SECRET = "test-secret-value"


# ---------------------------------------------------------------- entry model

class Entry:
    """One tar member. kind=None means: not listed in the manifest."""

    def __init__(self, name, type=tarfile.REGTYPE, data=b"", mode=0o644,
                 kind="file", linkname="", devmajor=0, devminor=0):
        self.name, self.type, self.data, self.mode = name, type, data, mode
        self.kind, self.linkname = kind, linkname
        self.devmajor, self.devminor = devmajor, devminor

    def tarinfo(self):
        ti = tarfile.TarInfo(self.name)
        ti.type = self.type
        ti.mode = self.mode
        ti.mtime = MTIME
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        ti.linkname = self.linkname
        ti.devmajor, ti.devminor = self.devmajor, self.devminor
        ti.size = len(self.data) if self.type == tarfile.REGTYPE else 0
        return ti

    def manifest_item(self):
        # size/sha256 are of the entry's data in the tar stream: empty for
        # links, devices and FIFOs.
        data = self.data if self.type == tarfile.REGTYPE else b""
        return {"path": self.name, "size": len(data), "mode": self.mode,
                "sha256": hashlib.sha256(data).hexdigest(), "kind": self.kind}


def regular(name, data, mode=0o644, kind="file"):
    return Entry(name, data=data, mode=mode, kind=kind)


def directory(name):
    return Entry(name, type=tarfile.DIRTYPE, mode=0o755, kind=None)


# ---------------------------------------------------------------- contents

def make_db(project, corrupt=False):
    """A real SQLite DB: WAL mode, checkpointed into the main file, then closed."""
    tmp = tempfile.mkdtemp(prefix="tradectl-db-")
    try:
        path = os.path.join(tmp, project + ".db")
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE fills (id INTEGER PRIMARY KEY, ts TEXT NOT NULL,"
                    " symbol TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL,"
                    " price REAL NOT NULL, note TEXT NOT NULL)")
        con.execute("CREATE INDEX fills_symbol ON fills(symbol)")
        symbols = ["AAPL", "MSFT", "SPY", "QQQ", "TSLA"]
        rows = [(i, "2026-11-21T%02d:%02d:00Z" % (9 + i // 60, i % 60), symbols[i % 5],
                 "buy" if i % 2 else "sell", 1 + i % 10, 100.0 + i * 0.25,
                 "fill %04d " % i + "x" * 60) for i in range(1, 101)]
        with con:
            con.executemany("INSERT INTO fills VALUES (?,?,?,?,?,?,?)", rows)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        data = bytearray(open(path, "rb").read())
    finally:
        shutil.rmtree(tmp)
    page = int.from_bytes(data[16:18], "big") or 65536
    assert len(data) >= 3 * page, "DB too small to corrupt page 2"
    if corrupt:
        rng = random.Random(2)
        data[page:2 * page] = bytes(rng.randrange(256) for _ in range(page))
    return bytes(data)


def db_integrity_ok(data):
    tmp = tempfile.mkdtemp(prefix="tradectl-dbcheck-")
    try:
        path = os.path.join(tmp, "check.db")
        with open(path, "wb") as f:
            f.write(data)
        try:
            con = sqlite3.connect(path)
            rows = con.execute("PRAGMA integrity_check").fetchall()
            con.close()
            return rows == [("ok",)]
        except sqlite3.DatabaseError:
            return False
    finally:
        shutil.rmtree(tmp)


def prices_csv():
    lines = ["ts,symbol,bid,ask"]
    for i in range(200):
        lines.append("2026-11-21T13:%02d:%02dZ,%s,%.2f,%.2f" % (
            i // 60, i % 60, ["AAPL", "SPY"][i % 2], 190 + i * 0.01, 190.02 + i * 0.01))
    return ("\n".join(lines) + "\n").encode()


def config_toml(project):
    return ('[project]\nname = "%s"\nenvironment = "paper"\nroot = "/opt/%s"\n\n'
            '[releases]\nsource = "app"\nkeep = 5\n' % (project, project)).encode()


def release_json():
    meta = {"createdAt": CREATED, "createdBy": "test", "digest": "sha256:" + "0" * 64,
            "source": "/src/app", "tradectlVersion": TRADECTL_VERSION, "version": RELEASE}
    return (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode()


def base_entries(project, db=None):
    return [
        directory("config/"),
        regular("config/tradectl.toml", config_toml(project), kind="config"),
        directory("release/"),
        regular("release/.tradectl-release.json", release_json(), kind="release"),
        directory("shared/"),
        regular("shared/.env", ("API_KEY=%s\nMODE=paper\n" % ENV_SECRET).encode(), mode=0o600),
        directory("shared/data/"),
        regular("shared/data/%s.db" % project, db if db is not None else make_db(project),
                mode=0o600, kind="database"),
        regular("shared/data/prices.csv", prices_csv()),
    ]


def manifest(project, entries, fmt=FORMAT, tweak=None):
    files = [e.manifest_item() for e in entries if e.kind is not None]
    if tweak:
        tweak(files)
    doc = {"format": fmt, "tradectl_version": TRADECTL_VERSION, "project": project,
           "host": HOST, "created": CREATED, "release": RELEASE, "files": files}
    return (json.dumps(doc, indent=2) + "\n").encode()


# ---------------------------------------------------------------- writers

def tar_bytes(entries, manifest_data):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        members = ([regular("MANIFEST.json", manifest_data, kind=None)]
                   if manifest_data is not None else []) + entries
        for e in members:
            ti = e.tarinfo()
            tf.addfile(ti, io.BytesIO(e.data) if ti.size else None)
    return buf.getvalue()


def gzip_bytes(raw):
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0,
                       compresslevel=GZIP_LEVEL) as gz:
        gz.write(raw)
    return out.getvalue()


def write(outdir, name, data):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)
    print(os.path.join(outdir, name))


def archive(outdir, name, project, entries, fmt=FORMAT, tweak=None, with_manifest=True):
    m = manifest(project, entries, fmt, tweak) if with_manifest else None
    raw = tar_bytes(entries, m)
    data = gzip_bytes(raw)
    write(outdir, name, data)
    return raw, data


def gzip_fails(data):
    try:
        gzip.decompress(data)
        return False
    except (OSError, EOFError, zlib.error):
        return True


def flip_byte(data):
    """Flip one byte in the middle of the deflate stream so gzip (data or CRC) fails."""
    mid = len(data) // 2
    for delta in range(0, len(data) // 2 - 18):
        for pos in (mid + delta, mid - delta):
            if 10 <= pos < len(data) - 8:
                out = bytearray(data)
                out[pos] ^= 0xFF
                if gzip_fails(bytes(out)):
                    return bytes(out)
    raise SystemExit("could not find a byte flip that breaks gzip")


# ---------------------------------------------------------------- main

def build(outdir, project, want_zstd):
    other = "other" if project != "other" else "another"
    db = make_db(project)
    base = lambda: base_entries(project, db)
    made = {}

    raw, made["good.tar.gz"] = archive(outdir, "good.tar.gz", project, base())
    good_raw = raw

    # hostile: base contents plus one hostile property, manifest honest
    hostile = {
        "traversal.tar.gz": [regular("shared/../../escape.txt", b"escaped\n")],
        "absolute.tar.gz": [regular("/tmp/tradectl-absolute-escape.txt", b"absolute\n")],
        "symlink-escape.tar.gz": [
            Entry("shared/data/link", tarfile.SYMTYPE, mode=0o777, linkname="/tmp"),
            regular("shared/data/link/tradectl-written-through.txt", b"written through\n")],
        "symlink-relative-escape.tar.gz": [
            Entry("shared/up", tarfile.SYMTYPE, mode=0o777, linkname="../../..")],
        "hardlink.tar.gz": [
            Entry("shared/data/hard", tarfile.LNKTYPE, mode=0o600, linkname="shared/.env")],
        "hardlink-outside.tar.gz": [
            Entry("shared/data/hard", tarfile.LNKTYPE, mode=0o644, linkname="/etc/passwd")],
        "device.tar.gz": [
            Entry("shared/data/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)],
        "fifo.tar.gz": [Entry("shared/data/pipe", tarfile.FIFOTYPE, mode=0o644)],
        "oversize.tar.gz": [regular("shared/data/bomb.bin", bytes(64 << 20))],
        "many-entries.tar.gz": [directory("shared/data/many/")] + [
            regular("shared/data/many/f%05d.txt" % i, b"%d\n" % i) for i in range(20000)],
    }
    for name, extra in hostile.items():
        made[name] = archive(outdir, name, project, base() + extra)[1]
    made["wrong-project.tar.gz"] = archive(outdir, "wrong-project.tar.gz", other, base())[1]
    made["newer-format.tar.gz"] = archive(outdir, "newer-format.tar.gz", project, base(), fmt=99)[1]

    # corrupt
    good = made["good.tar.gz"]
    made["truncated.tar.gz"] = good[: len(good) // 2]
    write(outdir, "truncated.tar.gz", made["truncated.tar.gz"])
    made["bitflip.tar.gz"] = flip_byte(good)
    write(outdir, "bitflip.tar.gz", made["bitflip.tar.gz"])

    def wrong_csv_sha(files):
        for f in files:
            if f["path"] == "shared/data/prices.csv":
                f["sha256"] = hashlib.sha256(b"not the csv").hexdigest()
    made["manifest-mismatch.tar.gz"] = archive(
        outdir, "manifest-mismatch.tar.gz", project, base(), tweak=wrong_csv_sha)[1]
    made["missing-manifest.tar.gz"] = archive(
        outdir, "missing-manifest.tar.gz", project, base(), with_manifest=False)[1]
    bad_db = make_db(project, corrupt=True)
    if db_integrity_ok(bad_db) or not db_integrity_ok(db):
        raise SystemExit("db-corrupt: integrity_check did not behave as expected")
    made["db-corrupt.tar.gz"] = archive(
        outdir, "db-corrupt.tar.gz", project, base_entries(project, bad_db))[1]
    noise = random.Random(1).randbytes(4096)
    noise = b"NOTGZ" + noise[5:]
    made["not-an-archive.tar.gz"] = noise
    write(outdir, "not-an-archive.tar.gz", noise)

    if want_zstd:
        zstd = shutil.which("zstd")
        if zstd is None:
            print("warning: zstd CLI not found; good.tar.zst not created", file=sys.stderr)
        else:
            with tempfile.NamedTemporaryFile(suffix=".tar", dir=outdir, delete=False) as t:
                t.write(good_raw)
            try:
                dst = os.path.join(outdir, "good.tar.zst")
                subprocess.run([zstd, "-q", "-f", "--no-progress", t.name, "-o", dst], check=True)
                os.chmod(dst, 0o644)
                print(dst)
            finally:
                os.remove(t.name)
    return made, good_raw


CORRUPT_FOR_TAR = {"truncated.tar.gz", "bitflip.tar.gz", "not-an-archive.tar.gz"}


def verify(outdir, made, good_raw):
    """GNU tar must list every archive except the corrupt streams, which it must reject,
    and good.tar.gz must extract byte-identically to what was written."""
    ok = True
    for name in sorted(made):
        r = subprocess.run(["tar", "tvzf", os.path.join(outdir, name)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        want_ok = name not in CORRUPT_FOR_TAR
        if (r.returncode == 0) != want_ok:
            ok = False
            print("verify FAILED: tar tvzf %s exit %d: %s" % (
                name, r.returncode, r.stderr.decode().strip()), file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="tradectl-verify-")
    try:
        subprocess.run(["tar", "xzf", os.path.join(outdir, "good.tar.gz"), "-C", tmp,
                        "--no-same-owner"], check=True)
        with tarfile.open(fileobj=io.BytesIO(good_raw)) as tf:
            for m in tf.getmembers():
                if not m.isfile():
                    continue
                want = tf.extractfile(m).read()
                path = os.path.join(tmp, m.name)
                got = open(path, "rb").read()
                mode = os.stat(path).st_mode & 0o7777
                if got != want or mode != m.mode:
                    ok = False
                    print("verify FAILED: %s differs after extraction" % m.name, file=sys.stderr)
        man = json.load(open(os.path.join(tmp, "MANIFEST.json")))
        for f in man["files"]:
            data = open(os.path.join(tmp, f["path"]), "rb").read()
            if hashlib.sha256(data).hexdigest() != f["sha256"] or len(data) != f["size"]:
                ok = False
                print("verify FAILED: manifest entry %s" % f["path"], file=sys.stderr)
        if os.path.exists(os.path.join(outdir, "good.tar.zst")):
            r = subprocess.run(["tar", "--zstd", "-tvf", os.path.join(outdir, "good.tar.zst")],
                               stdout=subprocess.DEVNULL)
            ok = ok and r.returncode == 0
    finally:
        shutil.rmtree(tmp)
    if not ok:
        raise SystemExit(1)
    print("verified", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("outdir")
    p.add_argument("--project", default="demo")
    p.add_argument("--zstd", action="store_true", help="also write good.tar.zst (zstd CLI)")
    p.add_argument("--verify", action="store_true", help="check the output with GNU tar")
    a = p.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    made, good_raw = build(a.outdir, a.project, a.zstd)
    if a.verify:
        verify(a.outdir, made, good_raw)


if __name__ == "__main__":
    main()
