#!/usr/bin/env bash
# `tradectl status` vs `systemctl status` of the same units (V6 example, real user manager).
# `tradectl status` asks systemd over D-Bus in process; the third command is the same status
# through the `systemctl` fallback (TRADECTL_SERVICE_MANAGER=systemctl), for the difference.
# Usage: bash bench/status.sh   (results: bench/results/status.md; rebuild .build-release first
# if the sources changed: bench/lib.sh builds it only when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_setup "$@"

"$bin" --config "$config" deploy -q
"$bin" --config "$config" backup -q
"$bin" --config "$config" health -q || true
units="v6-trading.service v6-dashboard.service v6-position-sync.service v6-trading-restart.timer"
commands=(
    -n "tradectl status" "$bin --config $config status"
    -n "systemctl status" "systemctl --user --no-pager status $units"
    -n "tradectl status (systemctl fallback)" "env TRADECTL_SERVICE_MANAGER=systemctl $bin --config $config status"
)
hyperfine --warmup 3 --runs 20 --export-json "$work/status.json" "${commands[@]}" >/dev/null 2>&1 || \
hyperfine --warmup 3 --runs 20 --export-json "$work/status.json" -i "${commands[@]}" >/dev/null
python3 - "$work/status.json" <<'PY' | tee bench/results/status.md
import json, sys, datetime, os
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
t, s, f = runs["tradectl status"], runs["systemctl status"], runs["tradectl status (systemctl fallback)"]
print(f"## status (`bash bench/status.sh`, {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}, {os.cpu_count()} cores)\n")
print("| command | median (ms) | mean ± σ (ms) |")
print("|---|---:|---:|")
for name, r in (("`tradectl status` (release build, sd-bus)", t), ("`systemctl --user status` of the 4 units", s),
                ("`TRADECTL_SERVICE_MANAGER=systemctl tradectl status` (the fallback)", f)):
    print(f"| {name} | {r['median']*1000:.1f} | {r['mean']*1000:.1f} ± {r['stddev']*1000:.1f} |")
print(f"\nratio tradectl/systemctl: {t['median']/s['median']:.2f}× (target ≤ 1.0× and ≤ 100 ms)")
PY
