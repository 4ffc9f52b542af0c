# Shared by the bench scripts that need a real user manager: builds the release binary
# (the dynamic .build-release, or with BENCH_BUILD=static the .deb's static build),
# re-runs the script inside scripts/systemd-harness.sh, and places the V6 example in user
# scope under a temp root (removed, with its units, on exit). Source it, then call
# `bench_setup "$@"`; it sets $bin, $config and $work.
bench_setup() {
    if [ "${1:-}" != "--inside" ]; then
        scripts/install-deps.sh
        command -v hyperfine >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
        if [ -z "${TRADECTL_BIN:-}" ] && [ "${BENCH_BUILD:-}" = static ]; then
            # What the .deb ships (scripts/build-release.sh), rebuilt when sources changed.
            scripts/build-release.sh --scratch-path .build-static >/dev/null
        elif [ -z "${TRADECTL_BIN:-}" ] && [ ! -x .build-release/release/tradectl ]; then
            swift build -c release --product tradectl --scratch-path .build-release >/dev/null
        fi
        exec scripts/systemd-harness.sh run -- "$0" --inside
    fi
    # TRADECTL_BIN: a prebuilt binary (e.g. the .deb's static one) instead of the release build;
    # BENCH_BUILD=static (set by bench/monitor.sh): the static build of scripts/build-release.sh.
    local default=.build-release/release/tradectl
    [ "${BENCH_BUILD:-}" = static ] && default=.build-static/release/tradectl
    bin="${TRADECTL_BIN:-$(pwd)/$default}"
    export TRADECTL_TEMPLATES_DIR="$(pwd)/templates"
    config="$(pwd)/examples/v6/tradectl.toml"
    work=$(mktemp -d /tmp/tradectl-bench.XXXXXX)
    export TRADECTL_PROJECT_SCOPE=user TRADECTL_PROJECT_ROOT="$work/opt/v6-trading" TRADECTL_PROJECT_STATE_DIR="$work/state" \
        TRADECTL_BACKUP_DIR="$work/backups" TRADECTL_KILL_SWITCH_FILE="$work/opt/v6-trading/shared/KILL"
    trap bench_cleanup EXIT
}

bench_cleanup() {
    systemctl --user stop 'v6-*' >/dev/null 2>&1 || true
    rm -f "$HOME"/.config/systemd/user/v6-* "$HOME"/.config/systemd/user/*.wants/v6-*
    systemctl --user daemon-reload || true
    rm -rf "$work"
}
