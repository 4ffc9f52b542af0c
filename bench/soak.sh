#!/usr/bin/env bash
# Soak: the four examples (examples/{ivcrush,v6,thetagang,databento}) installed from the
# .deb and deployed as root in system scope under a booted systemd (systemd-nspawn,
# machine `soak`, its own network namespace), left running for N minutes with compressed
# schedules, then checked for what a long run would reveal.
#
#   bash bench/soak.sh [--minutes N]        (default 30)
#
# Compressed schedules, rewritten on a copy of each example's tradectl.toml inside the
# container (never the repo's files): [health] schedule "*:0/1" (every minute), [backup]
# schedule "*:0/5", V6 engine's restart_every "10min" (restart_daily "*:0/10"), every oneshot component's
# schedule "*:0/2". Everything else (retention keep_*, monitor intervals) as configured.
#
# Before the window: each oneshot, one backup and one health run per project, by hand.
# Sampled every 30 s (raw lines in bench/results/soak-<UTC date>.txt): MainPID,
# NRestarts, ActiveState of every <project>-*.service, VmRSS (and RssAnon, RssFile) of
# each MainPID,
# bytes of /var/lib/tradectl/<p>/state.db* and of the backup dir (archive count).
# At the end: `systemctl --failed`; every run of <p>-health.service (and of the backup
# and oneshot units) in the window from the journal (systemd's job-done record,
# JOB_RESULT, and "Main process exited" EXIT_STATUS) plus the health_runs table of each
# state DB (it also holds the monitor's cycles); journal lines per hour by PRIORITY
# from the processes of <p>-{backup,health,monitor}.service (_SYSTEMD_UNIT, pid 1's own
# lines excluded); state DB / backup growth vs retention; monitor RSS, mean of the first
# 5 minutes vs the last 5; NRestarts and MainPID changes, a change counted as expected
# only in the sample interval in which V6's <p>-trading-restart.service ran, for the
# engine and units bound to it (PartOf=/BindsTo=).
# Prints a markdown section for docs/benchmarks.md (also appended to the raw file).
#
# Knobs (environment): SOAK_DEB (a .deb; default the newest dist/*.deb, built with
#   scripts/package.sh when there is none), SOAK_KEEP=1 leaves the container running,
#   SOAK_INTERVAL (30, seconds between samples).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
H="$REPO/scripts/booted-systemd.sh"
NAME=soak
MINUTES=30
INTERVAL=${SOAK_INTERVAL:-30}
EXAMPLES=(ivcrush v6 thetagang databento)

while (( $# )); do
    case "$1" in
        --minutes) MINUTES="${2:?--minutes needs a number}"; shift 2 ;;
        --minutes=*) MINUTES="${1#*=}"; shift ;;
        -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "soak.sh: unknown argument '$1' (--minutes N)" >&2; exit 2 ;;
    esac
done
[[ "$MINUTES" =~ ^[0-9]+$ ]] && (( MINUTES >= 1 )) || { echo "soak.sh: --minutes must be a positive integer" >&2; exit 2; }

log() { printf '==> %s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
inside() { "$H" exec "$NAME" -- "$@"; }

DEB=${SOAK_DEB:-$(ls -t dist/tradectl_*.deb 2>/dev/null | head -1 || true)}
if [[ -z "$DEB" ]]; then
    log "no dist/*.deb: bash scripts/package.sh (several minutes)"
    bash scripts/package.sh >&2
    DEB=$(ls -t dist/tradectl_*.deb | head -1)
fi
mkdir -p bench/results .cache
STAMP=$(date -u +%Y%m%dT%H%MZ)
RAW="bench/results/soak-$STAMP.txt"
WORK=$(mktemp -d "$REPO/.cache/soak.XXXXXX")
# The .deb may be rebuilt by someone else while this runs: use a private copy, taken
# once it reads as a complete package (scripts/package.sh may be writing it).
for i in $(seq 1 90); do
    s1=$(stat -c %s "$DEB" 2>/dev/null || echo 0); sleep 2
    cp "$DEB" "$WORK/tradectl.deb" 2>/dev/null && [[ "$(stat -c %s "$WORK/tradectl.deb")" == "$s1" ]] \
        && dpkg-deb --contents "$WORK/tradectl.deb" >/dev/null 2>&1 && break
    (( i == 1 )) && log "$DEB is not a complete .deb yet (being rebuilt?); waiting up to 15 min"
    (( i == 90 )) && { echo "soak.sh: $DEB is not a valid .deb" >&2; exit 1; }
    sleep 10
done
COMMAND="bash bench/soak.sh --minutes $MINUTES"

cleanup() {
    local rc=$?
    if [[ "${SOAK_KEEP:-0}" == 1 ]]; then
        log "SOAK_KEEP=1: container '$NAME' left running ($H stop $NAME)"
    else
        "$H" stop "$NAME" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

log "rootfs, then boot '$NAME' with its own network namespace"
"$H" rootfs >/dev/null
"$H" stop "$NAME" >/dev/null 2>&1 || true   # a leftover of an interrupted run
BOOTED_BINDS="--private-network" "$H" boot "$NAME" >/dev/null
ROOT=$("$H" path "$NAME")

log "install $(basename "$DEB") (apt, offline)"
cp "$WORK/tradectl.deb" "$ROOT/root/tradectl.deb"
inside sh -c 'cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ./tradectl.deb' >"$WORK/apt.log" 2>&1 \
    || { cat "$WORK/apt.log" >&2; exit 1; }
VERSION=$(inside tradectl --version | tr -d '\n')

# The soak copies, schedules compressed.
cat > "$ROOT/root/soak-rewrite.py" <<'PY'
import re, sys
path = sys.argv[1]
section, out = "", []
new = {"[health]": "*:0/1", "[backup]": "*:0/5", "[[components]]": "*:0/2"}
for line in open(path).read().splitlines(keepends=True):
    s = line.split("#", 1)[0].strip()
    if s.startswith("["):
        section = s
    m = re.match(r'(\s*)(schedule|restart_daily|restart_every)(\s*=\s*)"[^"]*"(.*)', line, re.S)
    if m:
        value = {"restart_daily": "*:0/10", "restart_every": "10min"}.get(m.group(2)) or new.get(section)
        if value:
            line = f'{m.group(1)}{m.group(2)}{m.group(3)}"{value}"{m.group(4)}'
    out.append(line)
open(path, "w").write("".join(out))
PY
for e in "${EXAMPLES[@]}"; do
    mkdir -p "$ROOT/srv/soak"
    cp -a --no-preserve=ownership "examples/$e" "$ROOT/srv/soak/$e"
    inside python3 /root/soak-rewrite.py "/srv/soak/$e/tradectl.toml"
done

{
    echo "# soak raw samples: $COMMAND, started $STAMP"
    echo "# tradectl: $VERSION ($(basename "$DEB")), repo $(git rev-parse --short HEAD)"
    echo "# host: $(lscpu | sed -n 's/^Model name: *//p' | head -1), nproc=$(nproc), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
    for e in "${EXAMPLES[@]}"; do
        echo "# $e schedules/retention in the soak copy:"
        grep -E '^\s*(schedule|restart_daily|restart_every|keep_[a-z]+|history_keep|interval|dir)\s*=' "$ROOT/srv/soak/$e/tradectl.toml" | sed "s/^/#   $e: /"
    done
} > "$RAW"

for e in "${EXAMPLES[@]}"; do
    log "deploy $e"
    start=$(date +%s)
    if ! inside tradectl --config "/srv/soak/$e/tradectl.toml" deploy >"$WORK/deploy-$e.log" 2>&1; then
        cat "$WORK/deploy-$e.log" >&2
        echo "# deploy $e FAILED" >> "$RAW"
        exit 1
    fi
    echo "# deploy $e: $(( $(date +%s) - start )) s" >> "$RAW"
done

# Run each oneshot once, as an operator would after a first deploy: until then their
# databases do not exist and health is CRITICAL for them (see docs/benchmarks.md, Soak).
for e in "${EXAMPLES[@]}"; do
    for u in $(inside systemctl list-timers --all --plain --no-legend "$e-*" "$e.timer" | grep -oE "$e(-[A-Za-z0-9_.-]*)?\.timer" | sed 's/\.timer$//'); do
        case "$u" in *-backup|*-health|*-restart) continue ;; esac
        log "first run of $u.service"
        if inside systemctl start "$u.service"; then r=ok; else r="failed ($?)"; fi
        echo "# first run of $u.service before the window: $r" >> "$RAW"
    done
done
# And a first backup (the catalog is empty until then: health WARNING "no backup in the
# catalog yet"), then a first health run, so the window opens on a steady state.
for e in "${EXAMPLES[@]}"; do
    if inside systemctl start "$e-backup.service"; then r=ok; else r="failed ($?)"; fi
    echo "# first backup of $e before the window: $r" >> "$RAW"
    if inside systemctl start "$e-health.service"; then r=ok; else r="failed ($?)"; fi
    echo "# health of $e before the window: $r" >> "$RAW"
done

# One sample: a line per service unit and per project (sizes). Runs inside.
cat > "$ROOT/root/soak-sample.py" <<'PY'
import glob, os, subprocess, sys, time
projects = sys.argv[1:]
now = int(time.time())
units = subprocess.run(["systemctl", "list-units", "--type=service", "--all", "--plain", "--no-legend"]
                       + [f"{p}-*" for p in projects], capture_output=True, text=True).stdout
for line in units.splitlines():
    unit = line.split()[0] if line.split() else ""
    if not unit.endswith(".service"):
        continue
    text = subprocess.run(["systemctl", "show", "-p", "MainPID,NRestarts,ActiveState,SubState,Type", unit],
                          capture_output=True, text=True).stdout
    p = dict(l.split("=", 1) for l in text.splitlines() if "=" in l)
    rss = anon = file = "-"
    if p.get("MainPID", "0") not in ("", "0"):
        try:
            for l in open(f"/proc/{p['MainPID']}/status"):
                if l.startswith("VmRSS:"):
                    rss = l.split()[1]
                elif l.startswith("RssAnon:"):
                    anon = l.split()[1]
                elif l.startswith("RssFile:"):
                    file = l.split()[1]
        except OSError:
            pass
    print(f"{now} unit {unit} pid={p.get('MainPID')} nrestarts={p.get('NRestarts')} "
          f"state={p.get('ActiveState')}/{p.get('SubState')} type={p.get('Type')} rss_kib={rss} "
          f"rss_anon_kib={anon} rss_file_kib={file}")
for p in projects:
    db = sum(os.path.getsize(f) for f in glob.glob(f"/var/lib/tradectl/{p}/state.db*"))
    main = os.path.getsize(f"/var/lib/tradectl/{p}/state.db")
    bdir = f"/var/backups/tradectl/{p}"
    files = [os.path.join(d, f) for d, _, fs in os.walk(bdir) for f in fs]
    archives = [f for f in files if ".tar" in os.path.basename(f) and not f.endswith((".json", ".tmp"))]
    print(f"{now} size {p} state_db={db} db_file={main} wal_shm={db - main} backups={sum(os.path.getsize(f) for f in files)} "
          f"archives={len(archives)} files={len(files)}")
PY

# Rows per table of each state DB (which of them retention or history_keep bounds).
rowcounts() {
    local e t line
    for e in "${EXAMPLES[@]}"; do
        line=""
        for t in $(inside sqlite3 -readonly "/var/lib/tradectl/$e/state.db" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name;"); do
            line+=" $t=$(inside sqlite3 -readonly "/var/lib/tradectl/$e/state.db" "SELECT count(*) FROM \"$t\";")"
        done
        echo "# rows $e $1:$line" >> "$RAW"
    done
}

# Let the deploys settle (first monitor cycles, first health) before the window opens.
sleep 20
T0=$(date +%s)
END=$(( T0 + MINUTES * 60 ))
echo "# window: $T0 .. $END ($(date -u -d "@$T0" +%FT%TZ), $MINUTES min, sample every $INTERVAL s)" >> "$RAW"
rowcounts start
log "window open: $MINUTES min, a sample every $INTERVAL s -> $RAW"
n=0
next=$T0
while :; do
    inside python3 /root/soak-sample.py "${EXAMPLES[@]}" >> "$RAW" 2>>"$WORK/sample.err" || echo "$(date +%s) sample-failed" >> "$RAW"
    n=$(( n + 1 ))
    now=$(date +%s)
    if (( n % 2 == 1 )); then
        failed=$(inside systemctl --failed --plain --no-legend | wc -l)
        log "sample $n, $(( (now - T0) / 60 ))/$MINUTES min, failed units: $failed"
    fi
    next=$(( next + INTERVAL ))
    (( next > END )) && break
    (( next > now )) && sleep $(( next - now ))
done
T1=$(date +%s)
echo "# window closed: $T1 ($(( T1 - T0 )) s, $n samples)" >> "$RAW"
rowcounts end

log "collecting: systemctl --failed, journal, health history, unit properties"
inside systemctl --failed --plain --no-legend --no-pager > "$WORK/failed.txt" || true
units=()
for e in "${EXAMPLES[@]}"; do units+=("$e-*"); done
inside journalctl -o json --since "@$T0" --until "@$T1" --no-pager -u "ivcrush-*" -u "v6-*" -u "thetagang-*" -u "databento-*" > "$WORK/journal.json" || true
for e in "${EXAMPLES[@]}"; do
    inside sqlite3 -readonly "/var/lib/tradectl/$e/state.db" \
        "SELECT '$e', status, count(*) FROM health_runs WHERE at >= datetime($T0, 'unixepoch') AND at < datetime($T1, 'unixepoch') GROUP BY status;" \
        >> "$WORK/health-db.txt" 2>>"$WORK/health-db.err" || echo "$e|error|$(tail -1 "$WORK/health-db.err")" >> "$WORK/health-db.txt"
done
inside sh -c 'for u in $(systemctl list-units --type=service --all --plain --no-legend "ivcrush-*" "v6-*" "thetagang-*" "databento-*" | cut -d" " -f1); do printf "%s " "$u"; systemctl show -p PartOf,BindsTo --value "$u" | tr "\n" " "; echo; done' > "$WORK/bindings.txt" || true

python3 - "$RAW" "$WORK" "$T0" "$T1" "$MINUTES" "$COMMAND" "$VERSION" "${EXAMPLES[@]}" > "$WORK/section.md" <<'PY'
import collections, json, re, statistics, sys
raw, work, t0, t1, minutes, command, version = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
projects = sys.argv[8:]
hours = (t1 - t0) / 3600

samples = collections.defaultdict(list)   # unit -> [(t, pid, nrestarts, state, rss)]
sizes = collections.defaultdict(list)     # project -> [(t, db, backups, archives)]
retention = collections.defaultdict(dict)
rows = collections.defaultdict(dict)      # project -> start/end -> table -> count
anon_samples = collections.defaultdict(list)  # unit -> [(t, RssAnon)]
for line in open(raw):
    m = re.match(r"#   (\S+): \s*(keep_[a-z]+)\s*=\s*(\d+)", line)
    if m:
        retention[m.group(1)][m.group(2)] = int(m.group(3))
    m = re.match(r"# rows (\S+) (start|end):(.*)", line)
    if m:
        rows[m.group(1)][m.group(2)] = dict(x.split("=", 1) for x in m.group(3).split())
    f = line.split()
    if len(f) > 2 and f[1] == "unit":
        kv = dict(x.split("=", 1) for x in f[3:])
        samples[f[2]].append((int(f[0]), kv["pid"], int(kv["nrestarts"] or 0), kv["state"], kv["type"],
                              None if kv["rss_kib"] == "-" else int(kv["rss_kib"])))
        if kv.get("rss_anon_kib", "-") != "-":
            anon_samples[f[2]].append((int(f[0]), int(kv["rss_anon_kib"])))
    elif len(f) > 2 and f[1] == "size":
        kv = dict(x.split("=", 1) for x in f[3:])
        sizes[f[2]].append((int(f[0]), int(kv["state_db"]), int(kv["backups"]), int(kv["archives"]),
                            int(kv.get("db_file", -1)), int(kv.get("wal_shm", -1))))

entries = []
for line in open(f"{work}/journal.json"):
    line = line.strip()
    if line.startswith("{"):
        try:
            entries.append(json.loads(line))
        except ValueError:
            pass
def text(e):
    m = e.get("MESSAGE", "")
    return m if isinstance(m, str) else bytes(m).decode("utf-8", "replace")

# Runs of oneshot units (systemd's job-done record of each start job; exit statuses).
runs = collections.defaultdict(lambda: collections.Counter())
exits = collections.defaultdict(list)
restart_helper_runs = []
failed_runs = []
for e in entries:
    unit = e.get("UNIT", "")
    if e.get("_PID") == "1" and e.get("JOB_TYPE") == "start" and e.get("JOB_RESULT"):
        runs[unit][e["JOB_RESULT"]] += 1
        if e["JOB_RESULT"] != "done" and unit.endswith("-health.service"):
            failed_runs.append((int(e["__REALTIME_TIMESTAMP"]) // 1_000_000, unit))
        if unit.endswith("-restart.service"):
            restart_helper_runs.append((int(e["__REALTIME_TIMESTAMP"]) // 1_000_000, unit))
    if e.get("_PID") == "1" and e.get("EXIT_STATUS") is not None and unit:
        exits[unit].append(f"{e.get('EXIT_CODE')}/{e.get('EXIT_STATUS')}")

# tradectl's own lines: the processes of <p>-{backup,health,monitor}.service.
own = {f"{p}-{r}.service" for p in projects for r in ("backup", "health", "monitor")}
prio_names = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
by_prio = collections.Counter()
by_unit_prio = collections.defaultdict(collections.Counter)
not_info = []
for e in entries:
    u = e.get("_SYSTEMD_UNIT", "")
    if u in own and e.get("_PID") != "1":
        p = int(e.get("PRIORITY", 6))
        by_prio[p] += 1
        by_unit_prio[u][p] += 1
        if p < 6:
            not_info.append(f"{u} [{prio_names[p]}] {text(e)}")

failed = [l for l in open(f"{work}/failed.txt").read().splitlines() if l.strip()]
health_db = [l.split("|") for l in open(f"{work}/health-db.txt").read().splitlines() if l.strip()] if __import__("os").path.exists(f"{work}/health-db.txt") else []
bindings = {}
for l in open(f"{work}/bindings.txt"):
    f = l.split()
    if f:
        bindings[f[0]] = set(f[1:])

def mib(k): return k / 1024
out = []
w = out.append
w(f"### Soak: {minutes} minutes, the four examples in system scope, compressed schedules\n")
w(f"Generated by `{command}`, window {__import__('time').strftime('%Y-%m-%dT%H:%MZ', __import__('time').gmtime(t0))}"
  f" for {t1 - t0} s; {version}; raw samples: `{raw}`.\n")
w("| check | expected | result |")
w("|---|---|---|")
w(f"| failed units at the end (`systemctl --failed`) | 0 | **{len(failed)}**{': ' + ', '.join(l.split()[0] for l in failed) if failed else ''} |")
hs = [f"{p}-health.service" for p in projects]
h_runs = sum(sum(runs[u].values()) for u in hs)
h_bad = sum(sum(v for k, v in runs[u].items() if k != "done") for u in hs)
w(f"| health runs not OK (journal: start jobs of `<p>-health.service` with JOB_RESULT ≠ done) | 0 | **{h_bad}** of {h_runs} |")
db_total = collections.Counter()
db_not_ok = 0
for row in health_db:
    if len(row) == 3 and row[2].isdigit():
        db_total[row[1]] += int(row[2])
        if row[1] != "ok":
            db_not_ok += int(row[2])
w(f"| health_runs rows with status ≠ ok in the window (health unit + monitor cycles) | 0 | **{db_not_ok}** of {sum(db_total.values())} ({', '.join(f'{k} {v}' for k, v in sorted(db_total.items()))}) |")
lines_h = {prio_names[p]: by_prio[p] / hours for p in sorted(by_prio)}
w(f"| tradectl's own journal lines per hour by priority (backup, health, monitor units) | info only | "
  f"**{', '.join(f'{k} {v:.0f}/h' for k, v in lines_h.items()) or 'none'}** |")
bounded_all = True
growth_cells = []
for p in projects:
    s = sizes.get(p)
    if not s:
        continue
    keep_last = retention[p].get("keep_last", 0)
    max_arch = max(x[3] for x in s)
    bounded = max_arch <= max(keep_last, 1) + 1  # the newest verified archive is protected
    bounded_all &= bounded
    split = f" (file {s[-1][4] / 1024:.0f} + WAL/SHM {s[-1][5] / 1024:.0f} KiB at the end)" if s[-1][4] >= 0 else ""
    growth_cells.append(f"{p}: DB {s[0][1] / 1024:.0f}→{s[-1][1] / 1024:.0f} KiB{split}, backups {s[0][2] / 1024:.0f}→{s[-1][2] / 1024:.0f} KiB, archives {s[0][3]}→{s[-1][3]} (max {max_arch}, keep_last {keep_last})")
w(f"| state DB and backup dir growth, start → end | bounded by retention | {'; '.join(growth_cells)} |")
row_cells = []
for p in projects:
    a, b = rows[p].get("start", {}), rows[p].get("end", {})
    grown = [f"{t} {a.get(t, '0')}→{b[t]}" for t in sorted(b) if b[t] != a.get(t, "0")]
    if grown:
        row_cells.append(f"{p}: " + ", ".join(grown))
w(f"| state DB rows that changed, start → end (health_runs ≤ history_keep, restart_baselines ≤ 100; backups follows the archives) | — | {'; '.join(row_cells) or 'none'} |")
rss_cells, rss_ok = [], True
for p in projects:
    u = f"{p}-monitor.service"
    s = [(t, r) for t, _, _, _, _, r in samples.get(u, []) if r is not None]
    first = [r for t, r in s if t < t0 + 300]
    last = [r for t, r in s if t >= t1 - 300]
    if first and last:
        d = mib(statistics.mean(last) - statistics.mean(first))
        rss_ok &= d < 2
        a = anon_samples.get(u, [])
        af, al = [r for t, r in a if t < t0 + 300], [r for t, r in a if t >= t1 - 300]
        anon = f", anonymous {mib(statistics.mean(al) - statistics.mean(af)):+.2f}" if af and al else ""
        rss_cells.append(f"{p} {mib(statistics.mean(first)):.1f}→{mib(statistics.mean(last)):.1f} MiB ({d:+.2f}{anon})")
w(f"| monitor VmRSS, mean of the first 5 min → the last 5 min | growth < 2 MiB | {'; '.join(rss_cells)} |")

# Restarts.
nrestarts = {u: s[-1][2] - s[0][2] for u, s in samples.items() if s}
nrestarts_end = {u: s[-1][2] for u, s in samples.items() if s}
changes = []
for u, s in samples.items():
    if not s or s[0][4] == "oneshot":
        continue
    for a, b in zip(s, s[1:]):
        if a[1] != b[1] and b[1] not in ("0", "") and a[1] not in ("0", ""):
            helper = [t for t, hu in restart_helper_runs if a[0] < t <= b[0] + 5
                      and (u == hu.replace("-restart.service", ".service")
                           or hu.replace("-restart.service", ".service") in bindings.get(u, set()))]
            changes.append((u, a[0], b[0], a[1], b[1], bool(helper)))
unexpected = [c for c in changes if not c[5]]
w(f"| unexpected restarts (NRestarts at the end; MainPID changes not explained by the restart helper) | 0 | "
  f"**{sum(nrestarts_end.values())}** NRestarts in total; **{len(unexpected)}** unexplained MainPID changes "
  f"({len(changes) - len(unexpected)} explained by {len(restart_helper_runs)} restart-helper runs) |")
w("")
w("Runs in the window (systemd's job record per start; `done` = exited 0):\n")
w("| unit | runs | result | exit statuses ≠ 0 |")
w("|---|---:|---|---|")
for u in sorted(runs):
    w(f"| `{u}` | {sum(runs[u].values())} | {', '.join(f'{k} {v}' for k, v in sorted(runs[u].items()))} | {', '.join(exits.get(u, [])) or '—'} |")
w("")
w("tradectl's own journal lines in the window, by unit and priority:\n")
w("| unit | " + " | ".join(prio_names[:7]) + " |")
w("|---|" + "---:|" * 7)
for u in sorted(own):
    c = by_unit_prio.get(u, collections.Counter())
    w(f"| `{u}` | " + " | ".join(str(c[p]) for p in range(7)) + " |")
bad_checks = collections.Counter()
for e in entries:
    if e.get("_SYSTEMD_UNIT", "") in {f"{p}-health.service" for p in projects} and e.get("_PID") != "1":
        m = re.match(r"(\S+)\s+(.*?)\s+(WARNING|CRITICAL|UNKNOWN)\s+(.*)", text(e))
        if m:
            summary = re.sub(r"\d[\d.:TZ-]*", "N", m.group(4))[:90]
            bad_checks[(e["_SYSTEMD_UNIT"], m.group(3), m.group(1), summary)] += 1
if failed_runs:
    w("\nFailed health runs (time from the window's start; restart-helper runs at "
      + (", ".join(f"+{t - t0} s" for t, _ in restart_helper_runs) or "none") + "):\n")
    for t, u in failed_runs:
        w(f"- `{u}` ended +{t - t0} s ({__import__('time').strftime('%H:%M:%S', __import__('time').gmtime(t))}Z)")
if bad_checks:
    w("\nChecks not OK in the health units' output (digits as N):\n")
    w("| unit | status | check | summary | times |")
    w("|---|---|---|---|---:|")
    for (u, st, ch, su), n in sorted(bad_checks.items(), key=lambda kv: -kv[1]):
        w(f"| `{u}` | {st} | {ch} | {su} | {n} |")
if not_info:
    w("\nLines above info (first 15):\n")
    w("```")
    for l in not_info[:15]:
        w(l[:300])
    w("```")
if failed:
    w("\n`systemctl --failed` at the end:\n\n```\n" + "\n".join(failed) + "\n```")
if changes:
    w("\nMainPID changes seen between samples:\n")
    for u, ta, tb, pa, pb, ok in changes:
        w(f"- `{u}` {pa} → {pb} between +{ta - t0} s and +{tb - t0} s: {'restart helper' if ok else '**unexplained**'}")
w("\nNRestarts at the end (non-zero only): " + (", ".join(f"`{u}` {n}" for u, n in sorted(nrestarts_end.items()) if n) or "none"))
print("\n".join(out))
PY

{ echo; echo "# ---- markdown section ----"; cat "$WORK/section.md"; } >> "$RAW"
cat "$WORK/section.md"
log "raw samples: $RAW"
