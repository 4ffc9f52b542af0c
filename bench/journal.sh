#!/usr/bin/env bash
# Journal-reading benchmark: `tradectl logs` against journalctl on the same journal files.
#
#   bash bench/journal.sh
#
# Writes ENTRIES (1,000,000) synthetic entries across the 6 units of a project "bench",
# spread evenly over the last 7 days with mixed priorities, in the journal export format,
# and turns them into a journal file with systemd-journal-remote (no journald, no rate
# limit; see /work/shared/notes/real-systemd.md). Then measures the wall time of
#   tradectl logs --directory DIR --priority err --since 24h --count
#   journalctl -D DIR -u …(6 units) -p err --since -24h -q | wc -l
# and the same filters printing every entry (short-iso) to /dev/null, the four commands
# alternating round by round (medians of RUNS rounds after a warm-up round), and fails unless
# both tools count the same entries. Prints a markdown table and writes it to
# bench/results/journal.md.
#
# Knobs (environment): ENTRIES (1000000), RUNS (5), KEEP=1 keeps the temp dir,
#   TRADECTL_BIN (a prebuilt binary instead of .build-release/release/tradectl).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${TRADECTL_BIN:-"$REPO/.build-release/release/tradectl"}
ENTRIES=${ENTRIES:-1000000}
RUNS=${RUNS:-5}
REMOTE=/lib/systemd/systemd-journal-remote
OUT="$REPO/bench/results/journal.md"
COMPONENTS=(engine feed risk orders dashboard position-sync)

log() { printf '==> %s\n' "$*" >&2; }

if [ ! -x "$REMOTE" ]; then
    log "installing systemd-journal-remote"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq systemd-journal-remote >/dev/null
fi

# Another helper may build or use the same release dir; SwiftPM serialises builds on it.
# A binary from before `logs` existed is rebuilt.
if [ ! -x "$BIN" ] || ! "$BIN" logs --help >/dev/null 2>&1; then
    log "building the release binary (.build-release)"
    (cd "$REPO" && swift build -c release --product tradectl --scratch-path .build-release)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradectl-bench-journal.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] && log "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT

# ---------------------------------------------------------------- config and journal
mkdir -p "$WORK/app" "$WORK/journal"
{
    printf '[project]\nname = "bench"\nscope = "user"\n[releases]\nsource = "app"\n'
    for name in "${COMPONENTS[@]}"; do printf '[[components]]\nname = "%s"\nexec = "/bin/true"\n' "$name"; done
} >"$WORK/tradectl.toml"

log "writing $ENTRIES entries in export format"
start=$(date +%s%N)
python3 "$REPO/bench/gen_journal.py" "$ENTRIES" "${COMPONENTS[@]}" >"$WORK/entries.export"
log "systemd-journal-remote → $WORK/journal/remote.journal"
"$REMOTE" -o "$WORK/journal/remote.journal" - <"$WORK/entries.export" 2>/dev/null
build_seconds=$(( ($(date +%s%N) - start) / 1000000 ))
export_mib=$(( $(stat -c %s "$WORK/entries.export") / 1048576 ))
journal_mib=$(( $(du -sk "$WORK/journal" | cut -f1) / 1024 ))
rm -f "$WORK/entries.export"

DIR="$WORK/journal"
UNIT_ARGS=()
for name in "${COMPONENTS[@]}"; do UNIT_ARGS+=(-u "bench-$name.service"); done
OURS_COUNT=("$BIN" logs --config "$WORK/tradectl.toml" --directory "$DIR" --priority err --since 24h --count)
OURS_PRINT=("$BIN" logs --config "$WORK/tradectl.toml" --directory "$DIR" --priority err --since 24h)
THEIRS=(journalctl -D "$DIR" "${UNIT_ARGS[@]}" -p err --since -24h -q)

# ---------------------------------------------------------------- timing
# Wall time in µs of one run of "$1" (a shell snippet), output discarded.
time_us() {
    local t0
    t0=$(date +%s%N)
    bash -c "$1" >/dev/null
    echo $(( ($(date +%s%N) - t0) / 1000 ))
}

# Median in ms of a list of µs times.
median_ms() {
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { m = a[int((NR + 1) / 2)]; printf "%.1f", m / 1000 }'
}

ours_count=$("${OURS_COUNT[@]}")
theirs_count=$("${THEIRS[@]}" | wc -l)
ours_lines=$("${OURS_PRINT[@]}" | wc -l)
if [ "$ours_count" != "$theirs_count" ] || [ "$ours_lines" != "$theirs_count" ]; then
    log "MISMATCH: tradectl --count $ours_count, tradectl lines $ours_lines, journalctl $theirs_count"
    exit 1
fi
# The printed lines are journalctl's but for the name before [pid] (the unit, not
# SYSLOG_IDENTIFIER=python3): the same bytes once that name is blanked out in both.
blank_name() { sed -E 's/^([^ ]+ [^ ]+) [^ []+\[/\1 NAME[/'; }
if ! cmp -s <("${OURS_PRINT[@]}" | blank_name) <("${THEIRS[@]}" -o short-iso | blank_name); then
    log "MISMATCH: tradectl's lines differ from journalctl -o short-iso's (beyond the name)"
    exit 1
fi
log "both count $ours_count entries, same lines; timing ($RUNS rounds)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

q() { printf '%q ' "$@"; }
SNIPPETS=(
    "$(q "${OURS_COUNT[@]}")"
    "$(q "${THEIRS[@]}") | wc -l"
    "$(q "${OURS_PRINT[@]}") > /dev/null"
    "$(q "${THEIRS[@]}") -o short-iso > /dev/null"
)
# Contenders alternate within each round, so a burst of load from elsewhere on a shared
# machine falls on all of them rather than on whichever ran then; one warm-up round first.
for snippet in "${SNIPPETS[@]}"; do time_us "$snippet" >/dev/null; done
times=("" "" "" "")
for ((round = 0; round < RUNS; round++)); do
    for i in "${!SNIPPETS[@]}"; do times[i]+=" $(time_us "${SNIPPETS[i]}")"; done
done
# shellcheck disable=SC2086 # the lists are words on purpose
{
    t_ours_count=$(median_ms ${times[0]})
    t_theirs_count=$(median_ms ${times[1]})
    t_ours_print=$(median_ms ${times[2]})
    t_theirs_print=$(median_ms ${times[3]})
}
# A Swift runtime linked in (scripts/package.sh, the .deb's) or loaded from the toolchain.
if ldd "$BIN" 2>/dev/null | grep -q libswiftCore; then linkage="Swift runtime loaded dynamically"; else linkage="static Swift runtime, as the .deb ships it"; fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
report=$(cat <<EOF
# Journal reading: tradectl logs vs journalctl

$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(uname -r), $(journalctl --version | head -1), load $load_before before, $load_after after.
Journal: $ENTRIES entries across 6 units over 7 days, built with systemd-journal-remote in
${build_seconds} ms (export text ${export_mib} MiB, journal files ${journal_mib} MiB). Filter: the
project's units, priority ≤ err, last 24 h: **$ours_count entries, identical in both tools**
(the printed lines too, but for the name before \`[pid]\`: the unit, not \`python3\`).
Median wall time of $RUNS rounds after a warm-up round, the four commands alternating within
each round (page cache hot).

| what | tradectl logs | journalctl | ratio |
|---|---:|---:|---:|
| count (\`--count\` vs \`-q \| wc -l\`) | $t_ours_count ms | $t_theirs_count ms | $(awk -v a="$t_ours_count" -v b="$t_theirs_count" 'BEGIN { printf "%.2f×", a / b }') |
| print every entry (short-iso) to /dev/null | $t_ours_print ms | $t_theirs_print ms | $(awk -v a="$t_ours_print" -v b="$t_theirs_print" 'BEGIN { printf "%.2f×", a / b }') |

tradectl: \`tradectl logs --directory DIR --priority err --since 24h --count\` (9 unit matches:
the 6 components and tradectl's own backup/health/monitor services, which have no entries
here), binary \`${BIN#"$REPO/"}\` ($linkage); its time includes loading and validating tradectl.toml.
journalctl: \`$(q journalctl -D DIR "${UNIT_ARGS[@]}" -p err --since -24h -q)| wc -l\`.
EOF
)
mkdir -p "$(dirname "$OUT")"
printf '%s\n' "$report" >"$OUT"
printf '%s\n' "$report"
log "written to ${OUT#"$REPO/"}"
