#!/usr/bin/env bash
# Restore benchmark: tradectl restore against restic restore and tar --zstd -x, same inputs.
#
#   bash bench/restore.sh
#
# Builds a deployed demo project under a temporary --root with a >= 200 MiB WAL SQLite
# database, ~20 MiB of CSV files and .env (the data set of bench/backup.sh), makes one
# `tradectl backup --compression zstd` archive and one restic repository of the same files,
# then restores, round by round with the contenders alternated (so a slow minute of a shared
# machine hits all of them), and prints the medians:
#   tradectl restore ARCHIVE --yes          (verify + stage in one read, swap, safety copy)
#   restic -r REPO restore latest --target EMPTY-DIR
#   tar --zstd -xf ARCHIVE -C EMPTY-DIR     (the same archive tradectl reads)
# tradectl also fsyncs what it staged before it swaps it in (crash consistency); restic and
# tar leave their writes in the page cache. Then one tradectl restore --verbose, each log
# line stamped as it arrives, gives the time of each plan action (where the time goes).
#
# Knobs (environment): RUNS (5), DB_MIB (200), CSV_MIB (20), KEEP=1 keeps the temp dir,
#   TRADECTL_BIN (a prebuilt binary instead of .build-release/release/tradectl).
# Installs restic, zstd, sqlite3 from Debian when missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${TRADECTL_BIN:-"$REPO/.build-release/release/tradectl"}
# shellcheck source=bench/demo_project.sh
source "$REPO/bench/demo_project.sh"
RUNS=${RUNS:-5}
DB_MIB=${DB_MIB:-200}
CSV_MIB=${CSV_MIB:-20}

log() { printf '==> %s\n' "$*" >&2; }

missing=()
command -v restic >/dev/null || missing+=(restic)
command -v zstd >/dev/null || missing+=(zstd)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x "$BIN" ]; then
    log "building the release binary (.build-release)"
    (cd "$REPO" && swift build -c release --product tradectl --scratch-path .build-release)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradectl-restore-bench.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the project and its data
P="$WORK/p"
SHARED="$P/root/opt/demo/shared"
deploy_demo_project "$BIN" "$P"
tc() { "$BIN" "$@" --config "$P/tradectl.toml" --root "$P/root"; }
log "creating the ${DB_MIB} MiB database and ${CSV_MIB} MiB of CSV files"
python3 "$REPO/bench/gen_db.py" "$SHARED/data/bench.db" "$DB_MIB" 1
python3 - "$SHARED/data/files" "$CSV_MIB" <<'PY'
import os, random, sys
out, mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(2)
for n in range(max(1, mib // 2)):
    with open(os.path.join(out, "fills-%02d.csv" % n), "w") as f:
        f.write("ts,symbol,side,price,qty,order_id\n")
        while f.tell() < 2 << 20:
            f.write("%.6f,%s,%s,%.4f,%d,%016x\n" % (rng.uniform(1.7e9, 1.8e9), rng.choice(["SPY", "QQQ", "AAPL"]),
                                                    rng.choice("BS"), rng.uniform(20, 900), rng.randint(1, 5000),
                                                    rng.getrandbits(64)))
PY
sqlite3 "$SHARED/data/bench.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
input_bytes=$(du -sb "$SHARED/.env" "$SHARED/data/bench.db" "$SHARED/data/files" | awk '{s += $1} END {print s}')

log "tradectl backup --compression zstd, restic backup of the same files"
tc backup --compression zstd --quiet >/dev/null
ARCHIVE=$(ls "$P"/root/var/backups/demo/demo-*.tar.zst | head -n1)
export RESTIC_PASSWORD=bench-not-a-secret RESTIC_REPOSITORY="$WORK/restic"
restic init --quiet >/dev/null
(cd "$SHARED" && restic backup --quiet .env data/bench.db data/files >/dev/null)

# ---------------------------------------------------------------- alternated rounds
: >"$WORK/times"
run() { # run NAME COMMAND...: appends "NAME seconds" (exits on failure)
    local name=$1 start end
    shift
    sync
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN { printf "%s %.3f\n", n, e - s }' >>"$WORK/times"
}
for round in $(seq "$RUNS"); do
    log "round $round of $RUNS"
    rm -rf "$WORK/out-restic" "$WORK/out-tar" && mkdir -p "$WORK/out-restic" "$WORK/out-tar"
    run tradectl tc restore "$ARCHIVE" --yes --quiet
    run restic restic restore latest --quiet --target "$WORK/out-restic"
    run tar tar --zstd -xf "$ARCHIVE" -C "$WORK/out-tar"
done
cmp "$WORK/out-tar/shared/data/files/fills-00.csv" "$WORK/out-restic/data/files/fills-00.csv"
[ "$(sqlite3 "$SHARED/data/bench.db" 'PRAGMA journal_mode')" = wal ] || { log "restored db is not WAL"; exit 1; }

# ---------------------------------------------------------------- where tradectl's time goes
log "one more tradectl restore, with each action's time"
start=$(date +%s.%N)
tc restore "$ARCHIVE" --yes --verbose 2>&1 >/dev/null | while IFS= read -r line; do
    echo "$(date +%s.%N) $line"
done >"$WORK/phases.log"
echo "$(date +%s.%N) exit" >>"$WORK/phases.log"

python3 - "$WORK/times" "$WORK/phases.log" "$input_bytes" "$(stat -c %s "$ARCHIVE")" "$RUNS" "$start" <<'PY'
import re, statistics, sys
times, phases, inputs, archive, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
start = float(sys.argv[6])
by = {}
for line in open(times):
    name, t = line.split()
    by.setdefault(name, []).append(float(t))
med = {k: statistics.median(v) for k, v in by.items()}
print("Inputs: %.1f MiB (database after `PRAGMA wal_checkpoint(TRUNCATE)` + CSVs + .env); archive %.1f MiB (zstd)."
      % (inputs / 1048576, archive / 1048576))
print("")
print("| restore | median s | all runs (s) | ratio to tradectl |")
print("|---|---:|---|---:|")
for key, label in (("tradectl", "`tradectl restore ARCHIVE --yes`"),
                   ("restic", "`restic restore latest --target DIR`"),
                   ("tar", "`tar --zstd -xf ARCHIVE -C DIR`")):
    print("| %s | %.2f | %s | %.2f |" % (label, med[key], " ".join("%.2f" % t for t in by[key]),
                                        med["tradectl"] / med[key]))
print("")
print("tradectl ≤ 2× restic: %s (%.2f×); ≤ 4× tar --zstd -x: %s (%.2f×). %s rounds, alternated; load average %s."
      % ("yes" if med["tradectl"] <= 2 * med["restic"] else "**no**", med["tradectl"] / med["restic"],
         "yes" if med["tradectl"] <= 4 * med["tar"] else "**no**", med["tradectl"] / med["tar"], runs,
         open("/proc/loadavg").read().split()[:3]))
print("")
# An action's "apply" line marks its start; a "restore: …" line marks the end of a step.
marks = [("process start, config, lock", start, "start")]
for line in open(phases):
    at, _, text = line.partition(" ")
    found = re.search(r"action\.type=([\w-]+)", text)
    step = re.search(r"restore: ([^\[]*?)\s*$", text)
    if " apply" in text and found:
        marks.append(("action " + found.group(1), float(at), "start"))
    elif step:
        marks.append((step.group(1), float(at), "end"))
    elif text.strip() == "exit":
        marks.append(("exit", float(at), "end"))
print("Where tradectl's time goes (one further run, `--verbose`, log lines stamped on arrival):")
print("")
print("| phase | s |")
print("|---|---:|")
for a, b in zip(marks, marks[1:]):
    if b[2] == "end" and b[0] != "exit":
        label = b[0]  # a step that just ended
    elif a[2] == "start":
        label = a[0]  # an action, up to the next
    else:
        label = "… then (plan, bookkeeping)"
    print("| %s | %.2f |" % (label, b[1] - a[1]))
print("| total | %.2f |" % (marks[-1][1] - start))
PY
