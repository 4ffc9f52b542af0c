#!/usr/bin/env bash
# systemd-harness.sh — run a command against a real journald and a real
# systemd user manager, on machines that were not booted with systemd.
#
#   scripts/systemd-harness.sh run -- COMMAND...   run COMMAND inside, exit with its status
#   scripts/systemd-harness.sh shell               run $SHELL inside (manual poking)
#
# Environment given to COMMAND:
#   TRADECTL_HARNESS=host  a live systemd with a reachable user manager was found; nothing started
#   TRADECTL_HARNESS=1     we started a user manager: XDG_RUNTIME_DIR and HOME point at it,
#                          TRADECTL_HARNESS_BASE is its temp dir (manager.log, manager.pid,
#                          and journald.log/journald.pid when journald was started here)
#   (unset)                no manager could be started; integration tests should skip
#
# To make the machine look booted enough, it may create /run/systemd/system,
# /run/systemd/inaccessible/ (the nodes PID 1 makes for ProtectHome= & co.)
# and bind-mount /run onto itself (see start_harness for why).
#
# Cleanup (EXIT/INT/TERM/HUP) stops every user unit, kills only the processes
# this script started (by pid), and undoes exactly what it created: the /run
# bind mount, /run/systemd/{system,inaccessible,unit-root,systemd-units-load}
# when they were absent before (Debian's maintainer scripts look at
# /run/systemd/system), and the temp dir. A journald that was already running
# is reused and left alone. See /work/shared/notes/real-systemd.md.
set -euo pipefail

readonly SYSTEMD_BIN=${SYSTEMD_HARNESS_SYSTEMD:-/lib/systemd/systemd}
readonly JOURNALD_BIN=${SYSTEMD_HARNESS_JOURNALD:-/lib/systemd/systemd-journald}
readonly JOURNAL_SOCKET=/run/systemd/journal/socket
readonly RUN_SYSTEM_DIR=/run/systemd/system
readonly INACCESSIBLE_DIR=/run/systemd/inaccessible
readonly READY_TIMEOUT=15 # seconds

base=""
manager_pid=""
journald_pid=""
created_run_system=0
created_inaccessible=0
bound_run=0
# Left in /run/systemd by a manager running as root; removed if absent before.
manager_leftovers=(/run/systemd/unit-root /run/systemd/systemd-units-load)
remove_leftovers=()
cleaned=0
cmd_pid=""

log() { printf 'systemd-harness: %s\n' "$*" >&2; }

usage() {
    cat >&2 <<'EOF'
usage: systemd-harness.sh run -- COMMAND [ARG...]
       systemd-harness.sh shell
EOF
    exit 64
}

# Send TERM, wait up to 5 s, then KILL. Only ever called with pids we started.
stop_pid() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Run systemctl --user against our manager (not the caller's environment).
user_systemctl() {
    env -u XDG_CONFIG_HOME XDG_RUNTIME_DIR="$base/xdg" HOME="$base/home" \
        systemctl --user "$@"
}

# The cgroup directory (under the v2 or name=systemd hierarchy) that holds the
# manager's own init.scope and its slices, e.g. /sys/fs/cgroup/unified.
manager_cgroup_root() {
    local pid=$1 line path mnt
    for mnt in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
        [[ -d $mnt ]] || continue
        case $mnt in
        */systemd) line=$(grep '^[0-9]*:name=systemd:' "/proc/$pid/cgroup" 2>/dev/null) ;;
        *) line=$(grep '^0::' "/proc/$pid/cgroup" 2>/dev/null) ;;
        esac
        [[ -n $line ]] || continue
        path=${line#*:*:}
        path=${path%/init.scope}
        if [[ -d $mnt$path/app.slice || -d $mnt$path/init.scope ]]; then
            printf '%s\n' "$mnt${path%/}"
            return 0
        fi
    done
    return 0
}

# Safety net for a manager that had to be SIGKILLed: its services would
# outlive it. Kill whatever is still in the slices it created.
kill_leftovers() {
    local root=$1 pid
    [[ -n $root ]] || return 0
    for pid in $(cat "$root"/app.slice/cgroup.procs "$root"/app.slice/*/cgroup.procs \
        "$root"/session.slice/cgroup.procs "$root"/session.slice/*/cgroup.procs 2>/dev/null); do
        kill -KILL "$pid" 2>/dev/null || true
    done
}

cleanup() {
    ((cleaned)) && return 0
    cleaned=1
    set +e
    local cgroup_root=""
    if [[ -n $manager_pid ]] && kill -0 "$manager_pid" 2>/dev/null; then
        cgroup_root=$(manager_cgroup_root "$manager_pid")
        # Not a bare '*': stop jobs for devices/mounts never finish here.
        timeout 20 env -u XDG_CONFIG_HOME XDG_RUNTIME_DIR="$base/xdg" HOME="$base/home" \
            systemctl --user stop '*.service' '*.timer' '*.socket' '*.path' '*.scope' >/dev/null 2>&1
    fi
    stop_pid "$manager_pid"
    kill_leftovers "$cgroup_root"
    stop_pid "$journald_pid"
    if ((bound_run)); then
        umount /run 2>/dev/null || umount -l /run
    fi
    if ((${#remove_leftovers[@]})); then
        rm -rf "${remove_leftovers[@]}"
    fi
    if ((created_inaccessible)); then
        rm -rf "$INACCESSIBLE_DIR"
    fi
    if ((created_run_system)); then
        rmdir "$RUN_SYSTEM_DIR" 2>/dev/null || rm -rf "$RUN_SYSTEM_DIR"
    fi
    if [[ -n $base && -d $base ]]; then
        rm -rf "$base"
    fi
    set -e
}

on_signal() {
    local sig=$1
    if [[ -n $cmd_pid ]]; then
        kill -s "$sig" "$cmd_pid" 2>/dev/null || true
    fi
    cleanup
    trap - "$sig" EXIT
    kill -s "$sig" $$
}

journal_accepts() {
    [[ -S $JOURNAL_SOCKET ]] || return 1
    # systemd-cat fails when /run/systemd/journal/stdout refuses connections;
    # python (if present) checks the datagram socket itself.
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$JOURNAL_SOCKET" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])
EOF
    else
        systemd-cat -t systemd-harness true 2>/dev/null
    fi
}

# Only needed to hide socket paths (InaccessiblePaths= on a socket); optional.
make_socket_node() {
    command -v python3 >/dev/null 2>&1 || return 1
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1" &&
        chmod 0000 "$1"
}

# Same nodes as systemd's make_inaccessible_nodes(): mode 0000, devices 0:0.
make_inaccessible_nodes() {
    local dir=$1
    mkdir -p "$dir" &&
        mkdir -m 0000 "$dir/dir" &&
        install -m 0000 /dev/null "$dir/reg" &&
        mkfifo -m 0000 "$dir/fifo" &&
        { make_socket_node "$dir/sock" || true; } &&
        mknod -m 0000 "$dir/chr" c 0 0 &&
        mknod -m 0000 "$dir/blk" b 0 0 &&
        chmod 0555 "$dir"
}

host_systemd_usable() {
    local state
    state=$(systemctl is-system-running 2>/dev/null) || true
    case $state in
    running | degraded | starting) ;;
    *) return 1 ;;
    esac
    systemctl --user show-environment >/dev/null 2>&1
}

# Start journald (if needed) and a user manager. Returns non-zero with the
# reason in $start_error when something cannot be started.
start_error=""
start_harness() {
    if [[ $(id -u) -ne 0 ]]; then
        start_error="not root (journald and /run/systemd/system need uid 0)"
        return 1
    fi
    if [[ ! -x $SYSTEMD_BIN ]]; then
        start_error="$SYSTEMD_BIN not found"
        return 1
    fi

    if ! base=$(mktemp -d /tmp/tradectl-harness.XXXX); then
        base=""
        start_error="cannot create a temp dir in /tmp"
        return 1
    fi
    if ! mkdir -m 0700 "$base/xdg" || ! mkdir "$base/home"; then
        start_error="cannot create $base/xdg or $base/home"
        return 1
    fi

    if ! journal_accepts; then
        if [[ ! -x $JOURNALD_BIN ]]; then
            start_error="$JOURNALD_BIN not found"
            return 1
        fi
        "$JOURNALD_BIN" </dev/null >"$base/journald.log" 2>&1 &
        journald_pid=$!
        printf '%s\n' "$journald_pid" >"$base/journald.pid"
        local i
        for ((i = 0; i < 50; i++)); do
            journal_accepts && break
            if ! kill -0 "$journald_pid" 2>/dev/null; then
                journald_pid=""
                start_error="journald exited: $(tail -n 1 "$base/journald.log" 2>/dev/null)"
                return 1
            fi
            sleep 0.1
        done
        if ! journal_accepts; then
            start_error="journald did not open $JOURNAL_SOCKET"
            return 1
        fi
    fi

    if [[ ! -d $RUN_SYSTEM_DIR ]]; then
        mkdir -p "$RUN_SYSTEM_DIR"
        created_run_system=1
    fi

    # A manager mounts a fresh tmpfs over /run in a unit's namespace when /run
    # is not a mount point (MountAPIVFS=, implied by ProtectKernelTunables= and
    # others), which would hide the journal and systemd sockets from sandboxed
    # units. Booted systems always have /run mounted; make it one here too.
    if ! mountpoint -q /run; then
        if ! mount --bind /run /run; then
            start_error="cannot bind-mount /run onto itself"
            return 1
        fi
        bound_run=1
    fi

    local p
    for p in "${manager_leftovers[@]}"; do
        [[ -e $p ]] || remove_leftovers+=("$p")
    done

    # PID 1 normally creates these; a manager running as root bind-mounts them
    # over hidden paths (ProtectHome=, ProtectKernelTunables=, InaccessiblePaths=…),
    # and without them such units fail with 226/NAMESPACE.
    if [[ ! -e $INACCESSIBLE_DIR ]]; then
        created_inaccessible=1
        if ! make_inaccessible_nodes "$INACCESSIBLE_DIR"; then
            start_error="cannot create $INACCESSIBLE_DIR"
            return 1
        fi
    fi

    env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_STATE_HOME -u XDG_CACHE_HOME \
        XDG_RUNTIME_DIR="$base/xdg" HOME="$base/home" \
        "$SYSTEMD_BIN" --user </dev/null >"$base/manager.log" 2>&1 &
    manager_pid=$!
    printf '%s\n' "$manager_pid" >"$base/manager.pid"

    local deadline=$((SECONDS + READY_TIMEOUT)) state
    while ((SECONDS < deadline)); do
        if ! kill -0 "$manager_pid" 2>/dev/null; then
            local rc=0 last
            wait "$manager_pid" || rc=$?
            manager_pid=""
            last=$(grep -v '^$' "$base/manager.log" | tail -n 1) || true
            start_error="systemd --user exited with status $rc${last:+ ($last)}"
            return 1
        fi
        state=$(user_systemctl is-system-running 2>/dev/null) || true
        case $state in
        running | degraded) return 0 ;;
        esac
        sleep 0.1
    done
    start_error="systemd --user not ready after ${READY_TIMEOUT}s (state: ${state:-unreachable})"
    return 1
}

# run_inside MODE COMMAND...: MODE "run" or "shell".
run_inside() {
    local mode=$1
    shift
    if host_systemd_usable; then
        export TRADECTL_HARNESS=host
        unset TRADECTL_HARNESS_BASE
        "$@"
        return
    fi
    # Nested use (e.g. `run` from inside `shell`): reuse the manager we are in.
    if [[ ${TRADECTL_HARNESS:-} == 1 && -n ${TRADECTL_HARNESS_BASE:-} ]] &&
        systemctl --user show-environment >/dev/null 2>&1; then
        "$@"
        return
    fi

    trap cleanup EXIT
    trap 'on_signal INT' INT
    trap 'on_signal TERM' TERM
    trap 'on_signal HUP' HUP

    if start_harness; then
        export XDG_RUNTIME_DIR="$base/xdg" HOME="$base/home"
        export TRADECTL_HARNESS=1 TRADECTL_HARNESS_BASE="$base"
        unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME
    else
        log "cannot start a user manager: $start_error; integration tests will be skipped"
        cleanup
        unset TRADECTL_HARNESS TRADECTL_HARNESS_BASE
    fi

    local status=0
    if [[ $mode == shell ]]; then
        # Ctrl-C belongs to the interactive shell, not to us.
        trap ':' INT
        "$@" || status=$?
        return "$status"
    fi
    # Not exec: cleanup must run after COMMAND. Run it in the background (with
    # our stdin, which bash would otherwise replace by /dev/null) and wait, so
    # a TERM sent to us is handled at once: forwarded to COMMAND, then cleanup.
    "$@" 0<&0 &
    cmd_pid=$!
    wait "$cmd_pid" || status=$?
    cmd_pid=""
    return "$status"
}

main() {
    (($# >= 1)) || usage
    case $1 in
    run)
        shift
        [[ ${1:-} == -- ]] && shift
        (($# >= 1)) || usage
        local status=0
        run_inside run "$@" || status=$?
        exit "$status"
        ;;
    shell)
        (($# == 1)) || usage
        local status=0
        run_inside shell "${SHELL:-/bin/bash}" || status=$?
        exit "$status"
        ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
}

main "$@"
