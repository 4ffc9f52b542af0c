#!/usr/bin/env python3
"""bench/results/scale-*.csv → docs/img/scale-*.png (run by bench/scale.sh with matplotlib
from PyPI in .cache/plot-venv):

.cache/plot-venv/bin/python bench/plot_scale.py bench/results docs/img

One PNG per curve, tradectl beside its peers. Top row: median time against size on log-log
axes, with a dotted line of slope 1 through tradectl's smallest point (a linear curve runs
parallel to it; a steeper one grows faster than linear). Bottom row: peak RSS.
"""
import csv
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

PLAIN = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")

results, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
STYLE = {
    "tradectl": dict(color="#1f77b4", marker="o", lw=2),
    "tar": dict(color="#2ca02c", marker="s", ls="--"),
    "restic": dict(color="#ff7f0e", marker="^", ls="--"),
    "journalctl": dict(color="#2ca02c", marker="s", ls="--"),
    "python": dict(color="#d62728", marker="^", ls="--"),
}


def load(curve):
    path = os.path.join(results, f"scale-{curve}.csv")
    return list(csv.DictReader(open(path))) if os.path.exists(path) else None


def medians(rows, tool, op, field="seconds", scale=1.0):
    by = {}
    for r in rows:
        if r["tool"] == tool and r["op"] == op and r[field] != "":
            by.setdefault(int(r["size"]), []).append(float(r[field]))
    xs = sorted(by)
    return [x * scale for x in xs], [statistics.median(by[x]) for x in xs]


def linear_guide(ax, xs, ys):
    if xs:
        x0, y0 = xs[0], ys[0]
        ax.plot([x0, xs[-1]], [y0, y0 * xs[-1] / x0], ls=":", color="grey", lw=1, label="linear from smallest")


def panel(ax, rows, op, tools, title, xlabel, ylabel, field="seconds", yscale=1.0, xscale=1.0, loglog=True, guide=True):
    first = None
    for tool in tools:
        xs, ys = medians(rows, tool, op, field, xscale)
        if not xs:
            continue
        ys = [y * yscale for y in ys]
        ax.plot(xs, ys, label=tool, **STYLE[tool])
        if first is None:
            first = (xs, ys)
    if guide and first:
        linear_guide(ax, *first)
    ax.set_xscale("log")
    if loglog:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(PLAIN)
        ax.yaxis.set_minor_formatter(PLAIN)
    sizes = sorted({x for line in ax.get_lines() for x in line.get_xdata()})
    ax.set_xticks(sizes)
    ax.xaxis.set_major_formatter(PLAIN)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def save(fig, name):
    fig.tight_layout()
    path = os.path.join(out_dir, f"scale-{name}.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}", file=sys.stderr)


rows = load("backup")
if rows:
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    for col, op in enumerate(("backup", "verify", "restore")):
        panel(axes[0][col], rows, op, ("tradectl", "tar", "restic"), f"{op}: wall time", "database (MiB)", "seconds")
        panel(axes[1][col], rows, op, ("tradectl", "tar", "restic"), f"{op}: peak RSS", "database (MiB)", "MiB",
              field="peak_rss_kib", yscale=1 / 1024, loglog=False, guide=False)
        axes[1][col].set_ylim(bottom=0)
    fig.suptitle("backup / verify / restore (zstd) by database size: tradectl vs tar --zstd vs restic")
    save(fig, "backup")

rows = load("logs")
if rows:
    ops = [op for op in ("err24h", "all") if any(r["op"] == op for r in rows)]
    fig, axes = plt.subplots(2, len(ops), figsize=(5.5 * len(ops), 7.5), squeeze=False)
    titles = {"err24h": "--priority err --since 24h --count", "all": "--count (every entry)"}
    for col, op in enumerate(ops):
        panel(axes[0][col], rows, op, ("tradectl", "journalctl"), f"logs {titles[op]}: wall time",
              "journal entries (millions)", "seconds", xscale=1e-6)
        panel(axes[1][col], rows, op, ("tradectl", "journalctl"), "peak RSS", "journal entries (millions)", "MiB",
              field="peak_rss_kib", yscale=1 / 1024, xscale=1e-6, loglog=False, guide=False)
        axes[1][col].set_ylim(bottom=0)
    fig.suptitle("tradectl logs --count vs journalctl | wc -l by journal size")
    save(fig, "logs")

rows = load("monitor")
if rows:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.5))
    panel(axes[0], rows, "cycle", ("tradectl", "python"), "cycle duration (median)", "components", "seconds")
    panel(axes[1], rows, "cpu_per_cycle", ("tradectl", "python"), "CPU per cycle (cgroup)", "components", "CPU seconds")
    panel(axes[2], rows, "rss_peak", ("tradectl", "python"), "peak RSS (VmHWM)", "components", "MiB",
          field="peak_rss_kib", yscale=1 / 1024, loglog=False, guide=False)
    axes[2].set_ylim(bottom=0)
    fig.suptitle("monitor by number of components: tradectl monitor vs bench/python_monitor.py")
    save(fig, "monitor")

rows = load("deploy")
if rows:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    panel(axes[0], rows, "dry-run", ("tradectl",), "deploy --dry-run: wall time (median)", "components", "seconds")
    panel(axes[1], rows, "dry-run-rss", ("tradectl",), "deploy --dry-run: peak RSS", "components", "MiB",
          field="peak_rss_kib", yscale=1 / 1024, loglog=False, guide=False)
    axes[1].set_ylim(bottom=0)
    fig.suptitle("tradectl deploy --dry-run by number of components (no peer tool)")
    save(fig, "deploy")
