#!/usr/bin/env bash
# Cost curves: how tradectl's cost grows with its input, beside a peer tool where one exists.
#
#   bash bench/scale.sh
#
# Runs inside scripts/systemd-harness.sh (bench/lib.sh's bench_setup: a real user manager
# and journald) and measures, contenders alternated round by round:
#   backup   the demo project of bench/demo_project.sh with a DB_SIZES MiB database (WAL;
#            the smallest from bench/gen_db.py, each larger one the previous one grown in
#            SQL by bench/scale_lib.py grow-db, which is ~10× faster) and a one-line CSV: `tradectl backup --compression zstd`
#            vs `tar --zstd -cf` vs `restic backup` (fresh repository each round);
#            `tradectl backup verify ARCHIVE` vs `tar --zstd -xOf ARCHIVE > /dev/null` vs
#            `restic check --read-data`; `tradectl restore ARCHIVE --yes` vs
#            `tar --zstd -xf ARCHIVE -C EMPTY` vs `restic restore latest --target EMPTY`;
#            wall time and peak RSS (/usr/bin/time) of every run. Unit: MiB of database.
#   logs     a journal of JOURNAL_SIZES entries (bench/gen_journal.py, bench/journal.sh's
#            data, through systemd-journal-remote): `tradectl logs --count` vs
#            `journalctl -D DIR -u … -q | wc -l`, for journal.sh's filter (--priority err
#            --since 24h) and for every entry of the project's units. Unit: M entries.
#   monitor  `tradectl monitor` of a generated project of MONITOR_SIZES components
#            (bench/scale_lib.py: bench/fixtures/monitor's six kinds repeated, probes served
#            by one helper on ports 28765/28766, metrics on 29765, units sbench*-), beside
#            bench/python_monitor.py doing the same checks, both for MONITOR_SECONDS after
#            their first cycle: each cycle's duration, RSS, CPU per cycle. Unit: component.
#   deploy   `tradectl deploy --dry-run` of generated projects of DEPLOY_SIZES components
#            (hyperfine, DEPLOY_RUNS runs; peak RSS of one more run). No peer.
# Each curve's rows go to bench/results/scale-CURVE.csv; bench/scale_report.py turns them
# into bench/results/scale.md (with the linearity check: a curve whose cost per unit at its
# largest size is > 1.5× that at its smallest is flagged), bench/plot_scale.py into
# docs/img/scale-CURVE.png (matplotlib from PyPI in a venv under .cache/plot-venv).
#
# Knobs (environment): CURVES ("backup logs monitor deploy"), RUNS (3: rounds per size for
#   backup and logs), DB_SIZES ("50 200 800", MiB, ascending), JOURNAL_SIZES ("1000000 10000000"),
#   JOURNAL_BUILD_BUDGET (600: seconds; a journal size whose build, extrapolated linearly
#   from the previous size's, would take longer is skipped and the report says so),
#   LOGS_FULL (0; 1 also counts every entry of the 6 units, not only journal.sh's filter:
#   journalctl prints them all, ~100 s per M entries here), MONITOR_SIZES
#   ("6 24 96"), MONITOR_SECONDS (45), DEPLOY_SIZES ("4 32 128"), DEPLOY_RUNS (10),
#   TRADECTL_BIN (a prebuilt binary instead of .build-release/release/tradectl), KEEP=1,
#   RESULTS_DIR (bench/results), PLOTS_DIR (docs/img).
# Everything big (databases, archives, journals) lives in a temp dir removed on exit.
# The machine is shared: the report records the 1-minute load average of every run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inside" ]; then
    missing=()
    for tool in restic zstd sqlite3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    [ -x /lib/systemd/systemd-journal-remote ] || missing+=(systemd-journal-remote)
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi
source bench/lib.sh
bench_setup "$@"
source bench/demo_project.sh

CURVES=${CURVES:-"backup logs monitor deploy"}
RUNS=${RUNS:-3}
DB_SIZES=${DB_SIZES:-"50 200 800"}
JOURNAL_SIZES=${JOURNAL_SIZES:-"1000000 10000000"}
LOGS_FULL=${LOGS_FULL:-0}
JOURNAL_BUILD_BUDGET=${JOURNAL_BUILD_BUDGET:-600}
MONITOR_SIZES=${MONITOR_SIZES:-"6 24 96"}
MONITOR_SECONDS=${MONITOR_SECONDS:-45}
DEPLOY_SIZES=${DEPLOY_SIZES:-"4 32 128"}
DEPLOY_RUNS=${DEPLOY_RUNS:-10}
HTTP_PORT=28765 TCP_PORT=28766 METRICS_PORT=29765
lib="$(pwd)/bench/scale_lib.py"
results=${RESULTS_DIR:-"$(pwd)/bench/results"}   # where scale.md and the CSVs go
mkdir -p "$results"
# bench_setup points the V6 example at $work; each curve sets what it needs instead.
unset TRADECTL_PROJECT_ROOT TRADECTL_PROJECT_STATE_DIR TRADECTL_BACKUP_DIR TRADECTL_KILL_SWITCH_FILE
export TRADECTL_PROJECT_SCOPE=user

log() { printf '==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
want() { [[ " $CURVES " == *" $1 "* ]]; }
header="curve,size,tool,op,run,seconds,peak_rss_kib,load1"
meta() { # meta CURVE KEY VALUE: one line of bench/results/scale-CURVE.meta
    printf '%s=%s\n' "$2" "$3" >>"$results/scale-$1.meta"
}
start_curve() {
    printf '%s\n' "$header" >"$results/scale-$1.csv"
    : >"$results/scale-$1.meta"
    meta "$1" date "$(date -u +%Y-%m-%dT%H:%MZ)"
    meta "$1" load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
    meta "$1" tradectl "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+changes') ${TRADECTL_BIN:+($TRADECTL_BIN)}"
}
end_curve() { meta "$1" load_end "$(cut -d' ' -f1-3 /proc/loadavg)"; }
m() { python3 "$lib" measure "$@"; }   # m CSV CURVE SIZE TOOL OP RUN -- COMMAND…

helper_pid=""
scale_cleanup() {
    if [ -n "$helper_pid" ] && [ "$helper_pid" -gt 0 ] && kill -0 "$helper_pid" 2>/dev/null; then
        kill "$helper_pid" 2>/dev/null || true
        wait "$helper_pid" 2>/dev/null || true
    fi
    systemctl --user stop 'sbench*' >/dev/null 2>&1 || true
    rm -f "$HOME"/.config/systemd/user/sbench* "$HOME"/.config/systemd/user/*.wants/sbench*
    if [ "${KEEP:-0}" = 1 ]; then log "kept $work"; work=$(mktemp -d); fi
    bench_cleanup
}
trap scale_cleanup EXIT

# ------------------------------------------------------------------ backup / verify / restore
backup_curve() {
    local csv="$results/scale-backup.csv" size P SHARED BK archive r prev_db=""
    start_curve backup
    meta backup runs "$RUNS"
    meta backup tools "$(tar --version | head -n1); zstd $(zstd --version | grep -o 'v[0-9.]*' | head -n1); $(restic version | cut -d' ' -f1-2)"
    export RESTIC_PASSWORD=bench-not-a-secret
    for size in $DB_SIZES; do
        P="$work/backup-$size"
        SHARED="$P/root/opt/demo/shared"
        BK="$P/root/var/backups/demo"
        deploy_demo_project "$bin" "$P"
        tc() { "$bin" "$@" --config "$P/tradectl.toml" --root "$P/root"; }
        echo "ts,symbol,side,price,qty" >"$SHARED/data/files/fills.csv"
        if [ -z "$prev_db" ]; then
            log "backup curve: creating the $size MiB database (bench/gen_db.py)"
            python3 bench/gen_db.py "$SHARED/data/bench.db" "$size" 1
        else
            log "backup curve: growing the previous database to $size MiB (scale_lib.py grow-db)"
            python3 "$lib" grow-db "$prev_db" "$SHARED/data/bench.db" "$size"
        fi
        cp "$SHARED/data/bench.db" "$work/prev.db"
        prev_db="$work/prev.db"
        meta backup "db_bytes_$size" "$(stat -c %s "$SHARED/data/bench.db")"
        cat "$SHARED/data/bench.db" >/dev/null   # page cache warm for every contender alike
        log "backup curve: $size MiB, $RUNS rounds of backup (tradectl, tar, restic)"
        for r in $(seq "$RUNS"); do
            find "$BK" -mindepth 1 -maxdepth 1 -name 'demo-*' -delete
            rm -f "$work/t.tar.zst"
            rm -rf "$work/restic" && restic -r "$work/restic" init --quiet >/dev/null
            sync
            m "$csv" backup "$size" tradectl backup "$r" -- \
                "$bin" backup --compression zstd --quiet --config "$P/tradectl.toml" --root "$P/root"
            sync
            m "$csv" backup "$size" tar backup "$r" -- tar --zstd -cf "$work/t.tar.zst" -C "$SHARED" .env data/bench.db data/files
            sync
            m "$csv" backup "$size" restic backup "$r" -- bash -c "cd $SHARED && exec restic -r $work/restic backup --quiet .env data/bench.db data/files"
        done
        archive=$(ls "$BK"/demo-*.tar.zst | head -n1)
        mv "$archive" "$work/ref.tar.zst"
        archive="$work/ref.tar.zst"
        meta backup "archive_bytes_$size" "$(stat -c %s "$archive")"
        log "backup curve: $size MiB, $RUNS rounds of verify and restore"
        for r in $(seq "$RUNS"); do
            m "$csv" backup "$size" tradectl verify "$r" -- \
                "$bin" backup verify "$archive" --quiet --config "$P/tradectl.toml" --root "$P/root"
            m "$csv" backup "$size" tar verify "$r" -- bash -c "tar --zstd -xOf $archive > /dev/null"
            m "$csv" backup "$size" restic verify "$r" -- restic -r "$work/restic" check --read-data --quiet
        done
        for r in $(seq "$RUNS"); do
            rm -rf "$work/out-tar" "$work/out-restic" && mkdir -p "$work/out-tar" "$work/out-restic"
            sync
            m "$csv" backup "$size" tradectl restore "$r" -- \
                "$bin" restore "$archive" --yes --quiet --config "$P/tradectl.toml" --root "$P/root"
            sync
            m "$csv" backup "$size" restic restore "$r" -- restic -r "$work/restic" restore latest --quiet --target "$work/out-restic"
            sync
            m "$csv" backup "$size" tar restore "$r" -- tar --zstd -xf "$archive" -C "$work/out-tar"
        done
        # The archive holds the snapshot in journal_mode=delete and restore puts WAL back, so the
        # header differs (bytes 18-19); the rows must not.
        q="SELECT count(*), sum(qty), max(ts) FROM ticks"
        [ "$(sqlite3 "$SHARED/data/bench.db" "$q")" = "$(sqlite3 "$work/out-tar/shared/data/bench.db" "$q")" ] ||
            log "warning: the restored database's rows differ from the archive's"
        rm -rf "$P" "$work/restic" "$work/out-tar" "$work/out-restic" "$work/t.tar.zst" "$archive"
    done
    end_curve backup
}

# ------------------------------------------------------------------ logs --count
logs_curve() {
    local csv="$results/scale-logs.csv" entries dir r full ours theirs start
    local components=(engine feed risk orders dashboard position-sync) unit_args=()
    start_curve logs
    meta logs runs "$RUNS"
    meta logs tools "$(journalctl --version | head -n1)"
    mkdir -p "$work/logs/app"
    {
        printf '[project]\nname = "bench"\nscope = "user"\n[releases]\nsource = "app"\n'
        for name in "${components[@]}"; do printf '[[components]]\nname = "%s"\nexec = "/bin/true"\n' "$name"; done
    } >"$work/logs/tradectl.toml"
    for name in "${components[@]}"; do unit_args+=(-u "bench-$name.service"); done
    local prev_entries="" prev_seconds="" predicted
    for entries in $JOURNAL_SIZES; do
        if [ -n "$prev_entries" ]; then
            predicted=$((prev_seconds * entries / prev_entries))
            if [ "$predicted" -gt "$JOURNAL_BUILD_BUDGET" ]; then
                log "logs curve: skipping $entries entries (build predicted ${predicted}s > JOURNAL_BUILD_BUDGET ${JOURNAL_BUILD_BUDGET}s)"
                meta logs "skipped_$entries" "building it was predicted to take ${predicted} s (${prev_entries} entries took ${prev_seconds} s), over JOURNAL_BUILD_BUDGET=${JOURNAL_BUILD_BUDGET} s"
                continue
            fi
        fi
        dir="$work/logs/journal-$entries"
        mkdir -p "$dir"
        log "logs curve: building a journal of $entries entries (df: $(df -h --output=avail "$work" | tail -n1 | tr -d ' ') free)"
        start=$(date +%s)
        python3 bench/gen_journal.py "$entries" "${components[@]}" |
            /lib/systemd/systemd-journal-remote -o "$dir/remote.journal" - 2>/dev/null
        prev_entries=$entries prev_seconds=$(($(date +%s) - start))
        meta logs "build_seconds_$entries" "$prev_seconds"
        meta logs "journal_mib_$entries" "$(($(du -sk "$dir" | cut -f1) / 1024))"
        for full in 0 1; do
            [ "$full" = 0 ] || [ "$LOGS_FULL" = 1 ] || continue
            local filter=() jfilter=() op=err24h
            if [ "$full" = 0 ]; then filter=(--priority err --since 24h) jfilter=(-p err --since -24h); else op=all; fi
            ours=$("$bin" logs --config "$work/logs/tradectl.toml" --directory "$dir" "${filter[@]}" --count)
            theirs=$(journalctl -D "$dir" "${unit_args[@]}" "${jfilter[@]}" -q | wc -l)
            meta logs "count_${op}_$entries" "$ours"
            [ "$ours" = "$theirs" ] || meta logs "count_journalctl_${op}_$entries" "$theirs"
            # --since 24h is relative to each command's start: on a 10 M journal (an entry every
            # 60 ms) the second or two between the two commands can move an entry across the edge.
            if [ "$op" != err24h ] && [ "$ours" != "$theirs" ] ||
                [ $((ours > theirs ? ours - theirs : theirs - ours)) -gt $((theirs / 1000 + 1)) ]; then
                log "MISMATCH ($op, $entries entries): tradectl --count $ours, journalctl $theirs"
                exit 1
            fi
            log "logs curve: $entries entries, $op: both count $ours; $RUNS rounds"
            for r in $(seq "$RUNS"); do
                m "$csv" logs "$entries" tradectl "$op" "$r" -- \
                    "$bin" logs --config "$work/logs/tradectl.toml" --directory "$dir" "${filter[@]}" --count
                m "$csv" logs "$entries" journalctl "$op" "$r" -- \
                    bash -c "$(printf '%q ' journalctl -D "$dir" "${unit_args[@]}" "${jfilter[@]}" -q) | wc -l"
            done
        done
        rm -rf "$dir"
    done
    end_curve logs
}

# ------------------------------------------------------------------ monitor cycle and RSS
monitor_curve() {
    local csv="$results/scale-monitor.csv" n name dir root port
    for port in $HTTP_PORT $TCP_PORT $METRICS_PORT; do
        if python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)' "$port" 2>/dev/null; then
            log "127.0.0.1:$port is in use (another bench/scale.sh?); the monitor curve needs it"
            exit 1
        fi
    done
    start_curve monitor
    meta monitor tools "python $(python3 --version 2>&1 | cut -d' ' -f2) (bench/python_monitor.py)"
    for n in $MONITOR_SIZES; do
        name="sbench$n"
        dir="$work/monitor-$n"
        root="$work/opt/$name"
        python3 "$lib" config "$n" "$dir" "$name" $HTTP_PORT $TCP_PORT $METRICS_PORT
        export TRADECTL_PROJECT_ROOT="$root" TRADECTL_PROJECT_STATE_DIR="$work/state-$name" \
            TRADECTL_BACKUP_DIR="$work/backups-$name" TRADECTL_KILL_SWITCH_FILE="$root/shared/KILL"
        mkdir -p "$TRADECTL_BACKUP_DIR"
        python3 "$lib" serve "$root/shared" "$n" $HTTP_PORT $TCP_PORT &
        helper_pid=$!
        sleep 1
        log "monitor curve: deploying $n components"
        "$bin" --config "$dir/tradectl.toml" deploy -q --skip-preflight   # its port check would see the helper
        "$bin" --config "$dir/tradectl.toml" backup -q
        "$bin" --config "$dir/tradectl.toml" backup verify latest -q >/dev/null
        mapfile -t pyargs < <(python3 "$lib" python-monitor-args "$n" "$dir" "$name" "$root/shared" "$TRADECTL_BACKUP_DIR" $HTTP_PORT $TCP_PORT)
        systemd-run --user --quiet --unit "$name-pymonitor" -p Restart=no -E XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
            /usr/bin/python3 "$(pwd)/bench/python_monitor.py" "${pyargs[@]}"
        log "monitor curve: $n components, sampling both monitors for ${MONITOR_SECONDS}s"
        python3 "$lib" monitor-sample "$n" "$MONITOR_SECONDS" "$name-monitor.service" "$name-pymonitor.service" \
            "http://127.0.0.1:$METRICS_PORT/metrics" "$csv"
        meta monitor "warnings_$n" "$(journalctl -u "$name-monitor.service" -p warning -o cat -q | wc -l)"
        meta monitor "first_warning_$n" "$(journalctl -u "$name-monitor.service" -p warning -o cat -q | head -n1 | cut -c1-200)"
        systemctl --user stop "$name-*" >/dev/null 2>&1 || true
        rm -f "$HOME"/.config/systemd/user/"$name"-* "$HOME"/.config/systemd/user/*.wants/"$name"-*
        systemctl --user daemon-reload
        if [ "$helper_pid" -gt 0 ]; then kill "$helper_pid" 2>/dev/null || true; wait "$helper_pid" 2>/dev/null || true; fi
        helper_pid=""
    done
    unset TRADECTL_PROJECT_ROOT TRADECTL_PROJECT_STATE_DIR TRADECTL_BACKUP_DIR TRADECTL_KILL_SWITCH_FILE
    end_curve monitor
}

# ------------------------------------------------------------------ deploy --dry-run
deploy_curve() {
    local csv="$results/scale-deploy.csv" n name dir
    start_curve deploy
    meta deploy tools "$(hyperfine --version)"
    for n in $DEPLOY_SIZES; do
        name="sdeploy$n"
        dir="$work/deploy-$n"
        python3 "$lib" config "$n" "$dir" "$name" $HTTP_PORT $TCP_PORT $METRICS_PORT
        local envs=(env TRADECTL_PROJECT_ROOT="$work/opt/$name" TRADECTL_PROJECT_STATE_DIR="$work/state-$name"
            TRADECTL_BACKUP_DIR="$work/backups-$name" TRADECTL_KILL_SWITCH_FILE="$work/opt/$name/shared/KILL")
        "${envs[@]}" "$bin" --config "$dir/tradectl.toml" deploy --dry-run >"$work/dry-run-$n.txt" 2>"$work/dry-run-$n.err"
        log "deploy curve: $n components, hyperfine ($DEPLOY_RUNS runs)"
        hyperfine --warmup 2 --runs "$DEPLOY_RUNS" --style none --export-json "$work/deploy-$n.json" \
            "$(printf '%q ' "${envs[@]}" "$bin" --config "$dir/tradectl.toml" deploy --dry-run) > /dev/null" >/dev/null
        python3 - "$work/deploy-$n.json" "$csv" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
load1 = open("/proc/loadavg").read().split()[0]
with open(sys.argv[2], "a") as f:
    for i, t in enumerate(r["times"], 1):
        f.write(f"deploy,{sys.argv[3]},tradectl,dry-run,{i},{t:.4f},,{load1}\n")
PY
        m "$csv" deploy "$n" tradectl dry-run-rss 1 -- "${envs[@]}" "$bin" --config "$dir/tradectl.toml" deploy --dry-run
        meta deploy "plan_lines_$n" "$(wc -l <"$work/dry-run-$n.txt")"
    done
    end_curve deploy
}

log "curves: $CURVES; load average $(cut -d' ' -f1-3 /proc/loadavg)"
want deploy && deploy_curve
want monitor && monitor_curve
want logs && logs_curve
want backup && backup_curve

python3 bench/scale_report.py "$results" >"$results/scale.md"
if [ ! -x .cache/plot-venv/bin/python ] || ! .cache/plot-venv/bin/python -c 'import matplotlib' 2>/dev/null; then
    log "installing matplotlib into .cache/plot-venv (PyPI)"
    python3 -m venv .cache/plot-venv
    .cache/plot-venv/bin/pip install --quiet matplotlib
fi
.cache/plot-venv/bin/python bench/plot_scale.py "$results" "${PLOTS_DIR:-docs/img}"
cat "$results/scale.md"
log "written: $results/scale.md, $results/scale-*.csv, ${PLOTS_DIR:-docs/img}/scale-*.png"
