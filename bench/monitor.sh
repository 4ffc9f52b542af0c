#!/usr/bin/env bash
# Footprint of `tradectl monitor` under a real systemd user manager, next to a Python
# monitor loop doing the same checks (bench/python_monitor.py), both watching the same
# 6-component project (bench/fixtures/monitor) every 10 s for BENCH_SECONDS (600).
# Measured over the same window, after both have completed their first cycle:
#   CPU  usage_usec delta of each unit's cgroup (cgroup v2 cpu.stat: the process, its
#        threads and every child it spawned), plus the main process alone from
#        /proc/PID/stat (utime+stime; cutime+cstime for reaped children), as % of one core;
#   RSS  /proc/PID/status VmRSS of the main process every second (avg, max) and VmHWM
#        (peak since the process started); also the summed VmRSS of all processes in the
#        unit's cgroup at each sample (children included);
#   work cycles completed (tradectl: `tradectl_monitor_cycles_total` from /metrics; Python:
#        its "cycle N" lines), cycle duration, restarts, warnings in the monitor's journal.
# Usage: bash bench/monitor.sh   (BENCH_SECONDS=60 for a quick check; results: bench/results/monitor.md)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_setup "$@"

seconds=${BENCH_SECONDS:-600}
config="$(pwd)/bench/fixtures/monitor/tradectl.toml"
root="$work/opt/mbench"
export TRADECTL_PROJECT_ROOT="$root" TRADECTL_KILL_SWITCH_FILE="$root/shared/KILL"
monitor_unit=mbench-monitor.service
python_unit=mbench-pymonitor.service
metrics=http://127.0.0.1:19765/metrics
out=bench/results/monitor.md

monitor_cleanup() {
    systemctl --user stop "$python_unit" 'mbench-*' >/dev/null 2>&1 || true
    rm -f "$HOME"/.config/systemd/user/mbench-* "$HOME"/.config/systemd/user/*.wants/mbench-*
    bench_cleanup
}
trap monitor_cleanup EXIT

for port in 18765 18766 19765; do
    if python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)' "$port" 2>/dev/null; then
        echo "monitor.sh: 127.0.0.1:$port is in use (another bench/monitor.sh?); the fixture needs it" >&2
        exit 1
    fi
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u +%Y-%m-%dT%H:%MZ)
"$bin" --config "$config" deploy -q
"$bin" --config "$config" backup -q
"$bin" --config "$config" backup verify latest -q >/dev/null
for _ in $(seq 1 60); do
    curl -fsS "$metrics" 2>/dev/null | grep -q '^tradectl_monitor_cycles_total{[^}]*} [1-9]' && break
    sleep 1
done

shared="$root/shared"
systemd-run --user --quiet --unit "$python_unit" -p Restart=no -E XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
    /usr/bin/python3 "$(pwd)/bench/python_monitor.py" --interval 10 \
    --service mbench-engine.service --service mbench-dashboard.service \
    --service mbench-feed.service --service mbench-risk.service \
    --oneshot mbench-report --oneshot mbench-reconcile \
    --http http://127.0.0.1:18765/health --tcp 127.0.0.1:18766 \
    --heartbeat "$shared/data/heartbeat" --heartbeat-max-age 30 --sqlite "$shared/data/bench.db" \
    --disk "$shared" --disk "$TRADECTL_BACKUP_DIR" --backup-dir "$TRADECTL_BACKUP_DIR"
for _ in $(seq 1 60); do
    journalctl -u "$python_unit" -o cat -q | grep -q '^cycle 1 ' && break
    sleep 1
done

python3 - "$seconds" "$monitor_unit" "$python_unit" "$metrics" "$work/samples.json" <<'PY'
import json, os, re, subprocess, sys, time, urllib.request

seconds, units, metrics, out = float(sys.argv[1]), sys.argv[2:4], sys.argv[4], sys.argv[5]
tck = os.sysconf("SC_CLK_TCK")

def show(unit, props):
    text = subprocess.run(["systemctl", "--user", "show", "-p", ",".join(props), unit],
                          capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

def cgroup_dir(cg):
    for base in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.exists(f"{base}{cg}/cpu.stat"):
            return base + cg
    return None

def cpu_stat(d):
    return {k: int(v) for k, v in (l.split() for l in open(f"{d}/cpu.stat"))}

def proc_times(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return {"self": (utime + stime) / tck, "children": (cutime + cstime) / tck}

def status_kib(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None

def cgroup_rss_kib(d):
    total = 0
    for pid in open(f"{d}/cgroup.procs").read().split():
        try:
            total += status_kib(pid, "VmRSS") or 0
        except OSError:
            pass
    return total

def rss_by_mapping(pid, top=6):
    """Rss (KiB) per mapped file (anonymous memory under its [heap]/[anon] name), largest first."""
    sizes, name = {}, "[anon]"
    for line in open(f"/proc/{pid}/smaps"):
        head = line.split(None, 1)[0]
        if "-" in head and not head.endswith(":"):
            parts = line.split(None, 5)
            name = parts[5].strip() if len(parts) > 5 and parts[5].strip() else "[anon]"
            name = os.path.basename(name) if name.startswith("/") else name
        elif head == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(line.split()[1])
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:top]

def tradectl_cycles():
    text = urllib.request.urlopen(metrics, timeout=5).read().decode()
    m = re.search(r"^tradectl_monitor_cycles_total\{[^}]*\} (\d+)", text, re.M)
    return int(m.group(1))

def python_cycles(unit):
    text = subprocess.run(["journalctl", "-u", unit, "-o", "cat", "-q"], capture_output=True, text=True).stdout
    return [(int(n), float(s)) for n, s in re.findall(r"^cycle (\d+) in ([0-9.]+)s", text, re.M)]

info = {}
for unit in units:
    p = show(unit, ["ControlGroup", "MainPID", "NRestarts"])
    info[unit] = {"pid": p["MainPID"], "restarts0": p["NRestarts"], "cgroup": cgroup_dir(p["ControlGroup"]),
                  "control_group": p["ControlGroup"], "rss": [], "cg_rss": [], "status": set()}
mon, py = units
t0 = time.monotonic()
wall0 = time.time()
for unit, i in info.items():
    i["cpu0"] = cpu_stat(i["cgroup"]) if i["cgroup"] else None
    i["proc0"] = proc_times(i["pid"])
info[mon]["cycles0"] = tradectl_cycles()
info[py]["cycles0"] = python_cycles(py)[-1][0]

tick = 0
while time.monotonic() - t0 < seconds:
    tick += 1
    time.sleep(max(0.0, t0 + tick - time.monotonic()))
    for unit, i in info.items():
        try:
            i["rss"].append(status_kib(i["pid"], "VmRSS"))
        except OSError:
            i["died"] = True
        if i["cgroup"]:
            i["cg_rss"].append(cgroup_rss_kib(i["cgroup"]))
    if tick % 5 == 0:
        status = show(mon, ["StatusText"]).get("StatusText", "")
        m = re.search(r"cycle (\d+) in ([0-9.]+)s", status)
        if m:
            info[mon]["status"].add((int(m.group(1)), float(m.group(2))))

elapsed = time.monotonic() - t0
result = {"seconds": elapsed, "start": wall0, "units": {}}
for unit, i in info.items():
    p = show(unit, ["MainPID", "NRestarts", "ActiveState"])
    r = {"cgroup": i["control_group"], "pid": i["pid"], "active": p["ActiveState"],
         "restarted": p["MainPID"] != i["pid"] or p["NRestarts"] != i["restarts0"] or i.get("died", False),
         "rss_kib": i["rss"], "cgroup_rss_kib": i["cg_rss"]}
    if i["cgroup"]:
        c1 = cpu_stat(i["cgroup"])
        r["cgroup_cpu_s"] = (c1["usage_usec"] - i["cpu0"]["usage_usec"]) / 1e6
        r["cgroup_user_s"] = (c1["user_usec"] - i["cpu0"]["user_usec"]) / 1e6
        r["cgroup_system_s"] = (c1["system_usec"] - i["cpu0"]["system_usec"]) / 1e6
    if not r["restarted"]:
        p1 = proc_times(i["pid"])
        r["proc_self_s"] = p1["self"] - i["proc0"]["self"]
        r["proc_children_s"] = p1["children"] - i["proc0"]["children"]
        r["hwm_kib"] = status_kib(i["pid"], "VmHWM")
        r["rss_split_kib"] = {k: status_kib(i["pid"], k) for k in ("RssAnon", "RssFile", "RssShmem")}
        r["rss_by_mapping_kib"] = rss_by_mapping(i["pid"])
        r["pss_kib"] = next(int(l.split()[1]) for l in open(f"/proc/{i['pid']}/smaps_rollup") if l.startswith("Pss:"))
        r["threads"] = int([l for l in open(f"/proc/{i['pid']}/status") if l.startswith("Threads:")][0].split()[1])
    result["units"][unit] = r
result["units"][mon]["cycles"] = tradectl_cycles() - info[mon]["cycles0"]
result["units"][mon]["cycle_seconds"] = sorted(s for n, s in info[mon]["status"] if n > info[mon]["cycles0"])
pyc = python_cycles(py)
result["units"][py]["cycles"] = pyc[-1][0] - info[py]["cycles0"]
result["units"][py]["cycle_seconds"] = sorted(s for n, s in pyc if n > info[py]["cycles0"])
json.dump(result, open(out, "w"))
PY

window_start=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["start"]))' "$work/samples.json")
journalctl -u "$monitor_unit" -p warning --since "@$window_start" -o short-iso -q > "$work/monitor-warnings.txt" || true
journalctl -u "$python_unit" -o cat -q | grep -v '^cycle [0-9]* in [0-9.]*s: ok ' > "$work/python-notok.txt" || true
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

machine() {
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1), nproc = $(nproc) (shared with other work) |"
    echo "| memory | $(free -h | awk '/^Mem:/ {print $2 " total, " $7 " available"}') (\`free -h\`) |"
    echo "| OS / kernel | $(. /etc/os-release && echo "$PRETTY_NAME") / $(uname -r) |"
    echo "| systemd | $(systemctl --version | head -1) (user manager started by scripts/systemd-harness.sh; cgroup v2 unified hierarchy in hybrid mode) |"
    echo "| tradectl | $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ' + uncommitted changes'), release build (\`.build-release\`), $(swift --version 2>&1 | head -1 | sed 's/ (.*//') |"
    echo "| Python | $(python3 --version 2>&1 | cut -d' ' -f2) |"
    echo "| load average (1/5/15 min) | $load_start at start, $load_end at end |"
}

mkdir -p bench/results
{
    echo "# Monitor footprint: \`tradectl monitor\` vs a Python monitor loop"
    echo
    echo "Generated by \`BENCH_SECONDS=$seconds bash bench/monitor.sh\`, started $started_at."
    echo
    machine
    echo
    python3 - "$work/samples.json" "$monitor_unit" "$python_unit" "$work/monitor-warnings.txt" "$work/python-notok.txt" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
mon, py = data["units"][sys.argv[2]], data["units"][sys.argv[3]]
secs = data["seconds"]
mib = lambda kib: kib / 1024
def col(r):
    rss = [x for x in r["rss_kib"] if x is not None]
    cg = r["cgroup_rss_kib"]
    cyc = r["cycle_seconds"]
    return {
        "rss_avg": f"{mib(statistics.mean(rss)):.1f}", "rss_max": f"{mib(max(rss)):.1f}",
        "rss_drift": f"{mib(rss[0]):.1f} → {mib(statistics.mean(rss[:60])):.1f} → {mib(statistics.mean(rss[-60:])):.1f}",
        "hwm": f"{mib(r['hwm_kib']):.1f}" if "hwm_kib" in r else "n/a (restarted)",
        "cg_max": f"{mib(max(cg)):.1f}" if cg else "n/a",
        "cpu": f"{100 * r['cgroup_cpu_s'] / secs:.2f}" if "cgroup_cpu_s" in r else "n/a",
        "cpu_s": f"{r['cgroup_cpu_s']:.2f} ({r['cgroup_user_s']:.2f} user + {r['cgroup_system_s']:.2f} sys)" if "cgroup_cpu_s" in r else "n/a",
        "self": f"{100 * r['proc_self_s'] / secs:.2f}" if "proc_self_s" in r else "n/a",
        "children": f"{100 * r['proc_children_s'] / secs:.2f}" if "proc_children_s" in r else "n/a",
        "cycles": str(r["cycles"]),
        "cycle_med": f"{statistics.median(cyc):.3f}" if cyc else "n/a",
        "cycle_max": f"{max(cyc):.3f}" if cyc else "n/a",
        "threads": str(r.get("threads", "n/a")),
        "restarted": "yes" if r["restarted"] else "no",
    }
m, p = col(mon), col(py)
rows = [
    ("RSS of the main process, average of 1 s samples (MiB)", "rss_avg"),
    ("RSS of the main process, highest sample (MiB)", "rss_max"),
    ("RSS first sample → average of the first minute → average of the last minute (MiB)", "rss_drift"),
    ("VmHWM at the end: peak RSS since the process started (MiB)", "hwm"),
    ("summed RSS of all processes in the unit's cgroup, highest sample (MiB)", "cg_max"),
    ("**CPU, whole cgroup (process + threads + children), % of one core**", "cpu"),
    ("CPU seconds in the window, whole cgroup", "cpu_s"),
    ("CPU of the main process alone (utime+stime), % of one core", "self"),
    ("CPU of reaped children (cutime+cstime), % of one core", "children"),
    ("cycles completed in the window", "cycles"),
    ("cycle duration, median (s)", "cycle_med"),
    ("cycle duration, slowest seen (s)", "cycle_max"),
    ("threads at the end", "threads"),
    ("restarted during the window", "restarted"),
]
print(f"Window: {secs:.0f} s, both monitors measured over the same window after their first cycle, "
      f"6 components (4 services, 2 oneshots), interval 10 s.\n")
print("| measure | `tradectl monitor` | Python loop (`bench/python_monitor.py`) |")
print("|---|---:|---:|")
for label, key in rows:
    print(f"| {label} | {m[key]} | {p[key]} |")
print()
print("tradectl cycle durations are sampled from the unit's STATUS= text every 5 s "
      f"({len(mon['cycle_seconds'])} distinct cycles seen); Python's from its own per-cycle line.")
print()
rss_ok = mon.get("hwm_kib", 10**9) / 1024 <= 25 and max(x for x in mon["rss_kib"] if x) / 1024 <= 25
cpu_ok = "cgroup_cpu_s" in mon and 100 * mon["cgroup_cpu_s"] / secs <= 1
print("## Targets (tradectl monitor)\n")
print(f"- RSS ≤ 25 MiB (VmHWM and every sample): **{'met' if rss_ok else 'MISSED'}** "
      f"(peak {m['hwm']} MiB, average {m['rss_avg']} MiB)")
print(f"- CPU ≤ 1 % of one core (whole cgroup): **{'met' if cpu_ok else 'MISSED'}** ({m['cpu']} %)")
print()
print("## Where the RSS is (end of the window, /proc/PID/status and /proc/PID/smaps)\n")
for name, r in ((f"`tradectl monitor`", mon), ("Python loop", py)):
    if "rss_split_kib" not in r:
        continue
    split = r["rss_split_kib"]
    top = ", ".join(f"{n} {mib(k):.1f}" for n, k in r["rss_by_mapping_kib"])
    print(f"- {name}: anonymous {mib(split['RssAnon']):.1f} MiB, file-backed {mib(split['RssFile']):.1f} MiB, "
          f"shmem {mib(split['RssShmem']):.1f} MiB; PSS {mib(r['pss_kib']):.1f} MiB. Largest mappings (MiB): {top}")
print()
warnings = open(sys.argv[4]).read().strip()
print("## The monitor's journal in the window (priority ≤ warning)\n")
print("```\n" + (warnings if warnings else "(none)") + "\n```")
notok = open(sys.argv[5]).read().strip()
if notok:
    print("\nPython loop lines other than `cycle N in Xs: ok`:\n")
    print("```\n" + "\n".join(notok.splitlines()[:20]) + "\n```")
PY
} | tee "$out"
