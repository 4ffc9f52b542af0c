#!/usr/bin/env python3
"""How much RSS one read of a mapped file costs: the kernel's fault-around, with and without MADV_RANDOM.

    python3 bench/fault_around.py [FILE]     (default: the tradectl on PATH)

Maps FILE read-only, reads one byte every 1 MiB of its first 37 MiB (the size of the
static tradectl's text), and reports the mapping's Rss per read, in four cases: page cache
warm (as for an installed binary), warm with madvise(MADV_RANDOM) first, and a fresh copy
of FILE evicted from the page cache (fsync + POSIX_FADV_DONTNEED), read with and without
MADV_RANDOM. docs/benchmarks.md ("Monitor footprint") explains what the figures mean for
`tradectl monitor`. The copy lives in a temporary directory, removed at the end.
"""
import mmap
import os
import shutil
import sys
import tempfile

SPAN, STEP = 37 << 20, 1 << 20


def mapping_rss_kib(path):
    rss, inside = 0, False
    for line in open("/proc/self/smaps"):
        if not line[0].isspace() and "-" in line.split()[0] and not line.split()[0].endswith(":"):
            inside = line.rstrip().endswith(path)
        elif inside and line.startswith("Rss:"):
            rss += int(line.split()[1])
    return rss


def touch(path, random):
    fd = os.open(path, os.O_RDONLY)
    try:
        m = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
        if random:
            m.madvise(mmap.MADV_RANDOM)
        reads = 0
        for offset in range(0, min(len(m), SPAN), STEP):
            m[offset]
            reads += 1
        rss = mapping_rss_kib(path)
        m.close()
        return reads, rss
    finally:
        os.close(fd)


def evict(path):
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)


def report(label, path, random):
    reads, rss = touch(path, random)
    print(f"| {label} | {'yes' if random else 'no'} | {reads} | {rss} | {rss / reads:.0f} |")


def main():
    target = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else shutil.which("tradectl") or "")
    if not os.path.isfile(target):
        sys.exit("fault_around.py: no such file (give a path)")
    print(f"Reads 1 MiB apart in the first {SPAN >> 20} MiB of {target}; kernel {os.uname().release}\n")
    print("| page cache | MADV_RANDOM | reads | mapping Rss (KiB) | KiB per read |")
    print("|---|---|---:|---:|---:|")
    with open(target, "rb") as f:
        f.read()  # warm, as an installed binary that other commands run is
    report("warm", target, False)
    report("warm", target, True)
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "copy")
        shutil.copyfile(target, copy)
        evict(copy)
        report("cold (fresh copy, evicted)", copy, True)
        evict(copy)
        report("cold (fresh copy, evicted)", copy, False)


if __name__ == "__main__":
    main()
