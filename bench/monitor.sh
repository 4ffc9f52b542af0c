#!/usr/bin/env bash
# Footprint of `tradectl monitor` under a real systemd user manager, next to a Python
# monitor loop doing the same checks (bench/python_monitor.py) and monit 5.33 (Debian's
# `monit`, installed when missing) with the same checks in its own control file, all three
# watching the same 6-component project (bench/fixtures/monitor) every 10 s for
# BENCH_SECONDS (600). tradectl is the static build the .deb ships (scripts/build-release.sh,
# scratch path .build-static), or TRADECTL_BIN.
# Measured over the same window, after both have completed their first cycle:
#   CPU  usage_usec delta of each unit's cgroup (cgroup v2 cpu.stat: the process, its
#        threads and every child it spawned), plus the main process alone from
#        /proc/PID/stat (utime+stime; cutime+cstime for reaped children), as % of one core;
#   RSS  /proc/PID/status VmRSS of the main process every second (avg, max) and VmHWM
#        (peak since the process started); also the summed VmRSS of all processes in the
#        unit's cgroup at each sample (children included);
#   work cycles completed (tradectl: `tradectl_monitor_cycles_total` from /metrics; Python:
#        its "cycle N" lines; monit logs no cycles), cycle duration, restarts, warnings in
#        the monitor's journal.
# Usage: bash bench/monitor.sh   (BENCH_SECONDS=60 for a quick check; results: bench/results/monitor.md)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inside" ] && ! command -v monit >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq monit >/dev/null
fi
source bench/lib.sh
BENCH_BUILD=static bench_setup "$@"

seconds=${BENCH_SECONDS:-600}
config="$(pwd)/bench/fixtures/monitor/tradectl.toml"
root="$work/opt/mbench"
export TRADECTL_PROJECT_ROOT="$root" TRADECTL_KILL_SWITCH_FILE="$root/shared/KILL"
monitor_unit=mbench-monitor.service
python_unit=mbench-pymonitor.service
monit_unit=mbench-monit.service
metrics=http://127.0.0.1:19765/metrics
out=bench/results/monitor.md

monitor_cleanup() {
    systemctl --user stop "$python_unit" "$monit_unit" 'mbench-*' >/dev/null 2>&1 || true
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

# monit: the same checks in monit's own terms, one control file (0600, as monit demands) and
# its id/state/pid/log files in the bench's temp dir. Services: `systemctl --user is-active`
# (is-failed for the oneshots) as `check program`, with XDG_RUNTIME_DIR spelled out because
# monit runs programs with a minimal environment; HTTP and TCP as `check host`; heartbeat
# age as `check file ... timestamp`; SQLite `quick_check` as `check program` (sqlite3);
# disk space of the two directories' filesystems as `check filesystem` (monit wants a mount
# point); newest backup age as the backup directory's `timestamp`. Not done by monit: the
# journal's error count (no native check; the Python loop runs journalctl for it).
mdir="$work/monit"
mkdir -p "$mdir"
systemctl_user="/usr/bin/env XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR /bin/systemctl --user"
{
    echo "set daemon 10"
    echo "set log $mdir/monit.log"
    echo "set idfile $mdir/monit.id"
    echo "set statefile $mdir/monit.state"
    echo "set pidfile $mdir/monit.pid"
    for service in engine dashboard feed risk; do
        echo "check program mbench-$service with path \"$systemctl_user is-active --quiet mbench-$service.service\""
        echo "    if status != 0 then alert"
    done
    for oneshot in report reconcile; do
        echo "check program mbench-$oneshot with path \"$systemctl_user is-failed --quiet mbench-$oneshot.service\""
        echo "    if status == 0 then alert"
    done
    echo "check host mbench-dashboard-http with address 127.0.0.1"
    echo "    if failed port 18765 protocol http request \"/health\" with timeout 5 seconds then alert"
    echo "check host mbench-feed-tcp with address 127.0.0.1"
    echo "    if failed port 18766 type tcp with timeout 5 seconds then alert"
    echo "check file mbench-heartbeat with path $shared/data/heartbeat"
    echo "    if timestamp > 30 seconds then alert"
    echo "check program mbench-sqlite with path \"/usr/bin/sqlite3 -readonly $shared/data/bench.db 'PRAGMA quick_check'\""
    echo "    if status != 0 then alert"
    echo "    if content != \"^ok\" then alert"
    n=0
    for dir in "$shared" "$TRADECTL_BACKUP_DIR"; do
        n=$((n + 1))
        echo "check filesystem mbench-disk-$n with path $(df --output=target "$dir" | tail -n 1)"
        echo "    if space usage > 95% then alert"
    done
    echo "check directory mbench-backups with path $TRADECTL_BACKUP_DIR"
    echo "    if timestamp > 26 hours then alert"
} > "$mdir/monitrc"
chmod 0600 "$mdir/monitrc"
monit -t -c "$mdir/monitrc" >/dev/null
systemd-run --user --quiet --unit "$monit_unit" -p Restart=no /usr/bin/monit -I -c "$mdir/monitrc"

for _ in $(seq 1 60); do
    journalctl -u "$python_unit" -o cat -q | grep -q '^cycle 1 ' && [ -s "$mdir/monit.state" ] && break
    sleep 1
done

python3 - "$seconds" "$monitor_unit" "$python_unit" "$monit_unit" "$metrics" "$work/samples.json" <<'PY'
import json, os, re, subprocess, sys, time, urllib.request

seconds, units, metrics, out = float(sys.argv[1]), sys.argv[2:5], sys.argv[5], sys.argv[6]
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
mon, py, mo = units
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
result["units"][mo]["cycles"] = None
result["units"][mo]["cycle_seconds"] = []
json.dump(result, open(out, "w"))
PY

window_start=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["start"]))' "$work/samples.json")
journalctl -u "$monitor_unit" -p warning --since "@$window_start" -o short-iso -q > "$work/monitor-warnings.txt" || true
journalctl -u "$python_unit" -o cat -q | grep -v '^cycle [0-9]* in [0-9.]*s: ok ' > "$work/python-notok.txt" || true
# monit logs only failures and state changes: everything after its start lines.
grep -v -e "Starting Monit" -e "Monit 5.33.0 started" -e "New Monit id" -e "Stored in" "$mdir/monit.log" > "$work/monit-notok.txt" || true
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

machine() {
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1), nproc = $(nproc) (shared with other work) |"
    echo "| memory | $(free -h | awk '/^Mem:/ {print $2 " total, " $7 " available"}') (\`free -h\`) |"
    echo "| OS / kernel | $(. /etc/os-release && echo "$PRETTY_NAME") / $(uname -r) |"
    echo "| systemd | $(systemctl --version | head -1) (user manager started by scripts/systemd-harness.sh; cgroup v2 unified hierarchy in hybrid mode) |"
    echo "| tradectl | \`$("$bin" --version)\` at \`${bin#"$(pwd)/"}\` ($(stat -c %s "$bin") bytes$([ -n "${TRADECTL_BIN:-}" ] && echo ', TRADECTL_BIN' || echo ", static build of scripts/build-release.sh from $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ' + uncommitted changes')")), $(swift --version 2>&1 | head -1 | sed 's/ (.*//') |"
    echo "| monit | $(monit -V | head -1 | sed 's/^This is //') |"
    echo "| Python | $(python3 --version 2>&1 | cut -d' ' -f2) |"
    echo "| load average (1/5/15 min) | $load_start at start, $load_end at end |"
}

mkdir -p bench/results
{
    echo "# Monitor footprint: \`tradectl monitor\` vs monit and a Python monitor loop"
    echo
    echo "Generated by \`BENCH_SECONDS=$seconds bash bench/monitor.sh\`, started $started_at."
    echo
    machine
    echo
    python3 - "$work/samples.json" "$monitor_unit" "$python_unit" "$monit_unit" "$work/monitor-warnings.txt" "$work/python-notok.txt" "$work/monit-notok.txt" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
mon, py, mo = (data["units"][u] for u in sys.argv[2:5])
warnings_file, python_notok_file, monit_notok_file = sys.argv[5:8]
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
        "cycles": str(r["cycles"]) if r["cycles"] is not None else "n/a",
        "cycle_med": f"{statistics.median(cyc):.3f}" if cyc else "n/a",
        "cycle_max": f"{max(cyc):.3f}" if cyc else "n/a",
        "threads": str(r.get("threads", "n/a")),
        "restarted": "yes" if r["restarted"] else "no",
    }
m, p, o = col(mon), col(py), col(mo)
def ratio(key):
    """tradectl / monit for a plain number; empty where it means nothing."""
    try:
        return f"{float(m[key]) / float(o[key]):.1f}×"
    except (ValueError, ZeroDivisionError):
        return ""
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
print(f"Window: {secs:.0f} s, all three monitors measured over the same window after their first cycle, "
      f"6 components (4 services, 2 oneshots), interval 10 s.\n")
print("| measure | `tradectl monitor` | monit | tradectl / monit | Python loop (`bench/python_monitor.py`) |")
print("|---|---:|---:|---:|---:|")
ratio_keys = {"rss_avg", "rss_max", "hwm", "cg_max", "cpu", "self"}
for label, key in rows:
    print(f"| {label} | {m[key]} | {o[key]} | {ratio(key) if key in ratio_keys else ''} | {p[key]} |")
print()
print("tradectl cycle durations are sampled from the unit's STATUS= text every 5 s "
      f"({len(mon['cycle_seconds'])} distinct cycles seen); Python's from its own per-cycle line.")
print()
rss_ok = mon.get("hwm_kib", 10**9) / 1024 <= 20 and max(x for x in mon["rss_kib"] if x) / 1024 <= 20
cpu_ok = "cgroup_cpu_s" in mon and "cgroup_cpu_s" in mo and mon["cgroup_cpu_s"] <= mo["cgroup_cpu_s"]
print("## Targets (tradectl monitor)\n")
print(f"- RSS ≤ 20 MiB (VmHWM and every sample): **{'met' if rss_ok else 'MISSED'}** "
      f"(peak {m['hwm']} MiB, highest sample {m['rss_max']} MiB, average {m['rss_avg']} MiB; "
      f"monit {o['rss_avg']} MiB, ratio {ratio('rss_avg')})")
print(f"- CPU ≤ monit's (whole cgroup): **{'met' if cpu_ok else 'MISSED'}** "
      f"({m['cpu']} % vs monit {o['cpu']} % of one core, ratio {ratio('cpu')})")
print()
print("## Where the RSS is (end of the window, /proc/PID/status and /proc/PID/smaps)\n")
for name, r in (("`tradectl monitor`", mon), ("monit", mo), ("Python loop", py)):
    if "rss_split_kib" not in r:
        continue
    split = r["rss_split_kib"]
    top = ", ".join(f"{n} {mib(k):.1f}" for n, k in r["rss_by_mapping_kib"])
    print(f"- {name}: anonymous {mib(split['RssAnon']):.1f} MiB, file-backed {mib(split['RssFile']):.1f} MiB, "
          f"shmem {mib(split['RssShmem']):.1f} MiB; PSS {mib(r['pss_kib']):.1f} MiB. Largest mappings (MiB): {top}")
print()
warnings = open(warnings_file).read().strip()
print("## The monitor's journal in the window (priority ≤ warning)\n")
print("```\n" + (warnings if warnings else "(none)") + "\n```")
notok = open(python_notok_file).read().strip()
if notok:
    print("\nPython loop lines other than `cycle N in Xs: ok`:\n")
    print("```\n" + "\n".join(notok.splitlines()[:20]) + "\n```")
monit_notok = open(monit_notok_file).read().strip()
print("\nmonit's log after its start (failures and state changes only):\n")
print("```\n" + ("\n".join(monit_notok.splitlines()[:20]) if monit_notok else "(none)") + "\n```")
PY
} | tee "$out"
