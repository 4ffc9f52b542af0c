#!/usr/bin/env bash
# Sets everything up and shows the real lifecycle on the bundled V6 example:
#   config check → deploy --dry-run → deploy → the running units → backup → verify → status →
#   health → re-deploy (nothing to do) → the monitor's status and metrics → a runbook
#   rehearsal → an engine killed: the alert and its recovery at the desk's receiver → halt
#   (the engine finishes its pending orders) → status → resume → audit.
# On a machine booted with systemd it uses your own user manager (systemctl --user);
# where none runs it starts a private one with scripts/systemd-harness.sh, and says so.
# Units and files are removed at the end unless you pass --keep.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inside" ]; then
    scripts/install-deps.sh
    echo "==> building tradectl"
    swift build --product tradectl 2>&1 | tail -n 1
    exec scripts/systemd-harness.sh run -- "$0" --inside "$@"
fi
shift
keep=0
[ "${1:-}" = "--keep" ] && keep=1

bin="$(pwd)/.build/debug/tradectl"
config="$(pwd)/examples/v6/tradectl.toml"
demo=$(mktemp -d "${TMPDIR:-/tmp}/tradectl-demo.XXXXXX")
# The example is written for system scope under /opt; the demo runs it in user scope
# under a temporary root, through the documented TRADECTL_<SECTION>_<KEY> overrides.
export TRADECTL_PROJECT_SCOPE=user TRADECTL_PROJECT_ROOT="$demo/opt/v6-trading" TRADECTL_PROJECT_STATE_DIR="$demo/state" \
    TRADECTL_BACKUP_DIR="$demo/backups" TRADECTL_KILL_SWITCH_FILE="$demo/opt/v6-trading/shared/KILL"
# A monitor cycle every 2 s instead of 15 s, so the demo's incident is seen within seconds.
export TRADECTL_MONITOR_INTERVAL=2s TRADECTL_MONITOR_WATCHDOG=30s
# The example trades US equities ([market]); the demo plays an evening after the close, so its
# update and rollback are not held back by the session gate at whatever hour it is run
# (docs/market-hours.md). TRADECTL_NOW moves only market-hours decisions, nothing else.
export TRADECTL_NOW="${TRADECTL_NOW:-2026-12-07T23:00:00Z}"


cleanup() {
    # Only the receiver this script started, by its pid.
    [ -n "${receiver_pid:-}" ] && [ "$receiver_pid" -gt 1 ] && kill "$receiver_pid" 2>/dev/null || true
    [ $keep -eq 1 ] && { echo "==> kept: units in ~/.config/systemd/user/v6-*, files in $demo"; return; }
    echo "==> cleaning up the demo's units and files"
    units=$(cd "$HOME/.config/systemd/user" 2>/dev/null && ls v6-* 2>/dev/null || true)
    if [ -n "$units" ]; then
        systemctl --user stop $units >/dev/null 2>&1 || true
        for unit in $units; do
            rm -f "$HOME/.config/systemd/user/$unit" "$HOME/.config/systemd/user/"*.wants/"$unit"
        done
        systemctl --user daemon-reload || true
    fi
    # The config deploy installed for the units (user scope), unless it was there before the demo.
    [ $had_installed -eq 1 ] || rm -f "${XDG_CONFIG_HOME:-$HOME/.config}/tradectl/v6.toml" "${XDG_CONFIG_HOME:-$HOME/.config}/tradectl/v6.env"
    rm -rf "$demo"
}
had_installed=0
[ -e "${XDG_CONFIG_HOME:-$HOME/.config}/tradectl/v6.toml" ] && had_installed=1
trap cleanup EXIT

# The desk's alert receiver: the example's shared/.env points receiver "desk" at it.
alerts_log="$demo/alerts.log"
: >"$alerts_log"
python3 scripts/alert-receiver.py 9099 "$alerts_log" &
receiver_pid=$!

case "${TRADECTL_HARNESS:-}" in
    host) echo "==> using your own systemd user manager (systemctl --user)" ;;
    1) echo "==> this machine was not booted with systemd: using a private journald + systemd user manager (scripts/systemd-harness.sh)" ;;
    *) echo "==> no systemd user manager could be started; the demo needs one" >&2; exit 69 ;;
esac

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$bin" --config "$config" config check
step "$bin" --config "$config" deploy --dry-run
step "$bin" --config "$config" deploy
step systemctl --user --no-pager list-units 'v6-*'
step systemctl --user --no-pager list-timers 'v6-*'
step curl -fsS http://127.0.0.1:8501/health
echo
step "$bin" --config "$config" backup
step "$bin" --config "$config" backup verify latest
step "$bin" --config "$config" status
step "$bin" --config "$config" health || true
step "$bin" --config "$config" deploy
echo
echo "==> the monitor deploy started: its STATUS= line, and its Prometheus endpoint"
step systemctl --user show -p StatusText v6-monitor.service
step sh -c "curl -fsS http://127.0.0.1:9765/metrics | grep -E '^tradectl_(component_up|health_status|monitor_cycles_total)'"
step "$bin" --config "$config" runbook run morning-checklist --dry-run

echo "==> alerts reach the desk: a test alert, then the engine killed (systemd restarts it after 10 s)"
step "$bin" --config "$config" monitor test-alert
step systemctl --user kill --signal=SIGKILL v6-trading.service
for _ in $(seq 1 60); do
    grep -q 'RECOVERED .* unit/trading' "$alerts_log" && break
    sleep 1
done
step cat "$alerts_log"
step "$bin" --config "$config" alerts list
echo
echo "==> an emergency stop: the kill switch is set and the engine finishes its pending orders first"
step "$bin" --config "$config" halt --reason "demo: emergency stop"
step journalctl --no-pager -n 4 -o short _SYSTEMD_UNIT=v6-trading.service
step "$bin" --config "$config" status
step "$bin" --config "$config" resume
step "$bin" --config "$config" audit
