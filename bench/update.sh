#!/usr/bin/env bash
# Measures health-gated updates of the V6 example under a real systemd user manager:
#   1. `tradectl update` to a release whose engine crashes on start: time until it has
#      rolled back and is healthy again (default timeouts);
#   2. `tradectl update` to a healthy release vs the raw `systemctl restart` of the same
#      services followed by waiting until they are active — what update adds.
# Usage: bash bench/update.sh   (results: bench/results/update.md)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_setup "$@"

source_version() { # name [crash]
    rm -rf "$work/src-$1"; cp -r examples/v6/app "$work/src-$1"; echo "$1" > "$work/src-$1/VERSION"
    if [ "${2:-}" = crash ]; then printf 'import sys\nprint("engine: cannot start", flush=True)\nsys.exit(1)\n' > "$work/src-$1/engine.py"; fi
    echo "$work/src-$1"
}
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

"$bin" --config "$config" deploy -q --version base
services="v6-trading.service v6-dashboard.service v6-position-sync.service"
rollback_times=(); update_times=(); restart_times=()
for run in 1 2 3; do
    crash=$(source_version "crash$run" crash)
    start=$(now)
    if "$bin" --config "$config" update -q --version "crash$run" --source "$crash" 2>/dev/null; then
        echo "the crashing update succeeded?" >&2; exit 1
    fi
    "$bin" --config "$config" health -q --check unit http
    rollback_times+=("$(since "$start")")

    good=$(source_version "good$run")
    start=$(now)
    "$bin" --config "$config" update -q --version "good$run" --source "$good"
    update_times+=("$(since "$start")")

    systemctl --user reset-failed $services
    start=$(now)
    systemctl --user restart $services
    until systemctl --user is-active --quiet $services; do sleep 0.1; done
    curl -fsS -o /dev/null http://127.0.0.1:8501/health
    restart_times+=("$(since "$start")")
done

rollback=$(printf '%s\n' "${rollback_times[@]}" | median)
update=$(printf '%s\n' "${update_times[@]}" | median)
restart=$(printf '%s\n' "${restart_times[@]}" | median)
mkdir -p bench/results
{
    echo "## update and rollback (\`bash bench/update.sh\`, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
    echo
    echo "| measurement | median of 3 (s) |"
    echo "|---|---|"
    echo "| \`tradectl update\` to a crashing release → rolled back and healthy (default timeouts; goal ≤ 60 s) | $rollback |"
    echo "| \`tradectl update\` to a healthy release (copy, build hook, switch, restart, health gate) | $update |"
    echo "| raw \`systemctl --user restart\` of the 3 services + wait active + one HTTP probe | $restart |"
    echo "| what update adds over the raw restart | $(awk -v a="$update" -v b="$restart" 'BEGIN { printf "%.2f", a - b }') |"
    echo
    echo "Runs: rollback ${rollback_times[*]}; update ${update_times[*]}; restart ${restart_times[*]}."
} | tee bench/results/update.md
