#!/usr/bin/env bash
# systemd-harness.sh — run a command against a real journald and a real
# systemd user manager, on machines that were not booted with systemd.
#
#   scripts/systemd-harness.sh run -- COMMAND...   run COMMAND inside, exit with its status
#   scripts/systemd-harness.sh shell               run $SHELL inside (manual poking)
#
# Environment given to COMMAND:
#   TRADECTL_HARNESS=host  a live systemd with a reachable user manager was found; nothing started
#   TRADECTL_HARNESS=1     we started a user manager: XDG_RUNTIME_DIR and HOME point at it;
#                          TRADECTL_HARNESS_BASE is its temp dir (manager.pid; manager.log
#                          gets only its stdio: the manager logs to the journal, as
#                          `systemd[PID]` with USER_UNIT= set, like a real user manager)
#   (unset)                no manager could be started; integration tests should skip
#
# Each run gets its own user manager, in its own cgroup subtree
# (/<hierarchy>/tradectl-harness-<pid>.slice), so runs can overlap. What a run
# shares with overlapping runs is set up once and torn down by the last one
# to leave (bookkeeping in /run/tradectl-harness, under a lock):
#   - journald, unless one already accepts on /run/systemd/journal/socket
#     (then it is reused and never stopped); /run/log/journal and
#     /run/systemd/journal are removed afterwards if they were absent before;
#   - /run/systemd/system, without which the manager refuses to start;
#   - /run/systemd/inaccessible/, the nodes PID 1 normally creates and a manager
#     running as root bind-mounts over paths hidden by ProtectHome= & co.;
#   - a bind mount of /run onto itself (see setup_shared for why).
# Only what the harness created is removed; processes are stopped by pid.
# Cleanup runs on EXIT/INT/TERM/HUP. See /work/shared/notes/real-systemd.md.
set -euo pipefail

readonly SYSTEMD_BIN=${SYSTEMD_HARNESS_SYSTEMD:-/lib/systemd/systemd}
readonly JOURNALD_BIN=${SYSTEMD_HARNESS_JOURNALD:-/lib/systemd/systemd-journald}
readonly JOURNAL_SOCKET=/run/systemd/journal/socket
readonly RUN_SYSTEM_DIR=/run/systemd/system
readonly INACCESSIBLE_DIR=/run/systemd/inaccessible
readonly STATE_DIR=/run/tradectl-harness
readonly LOCK_FILE=/run/lock/tradectl-harness.lock
readonly READY_TIMEOUT=15 # seconds
# Files a manager running as root leaves in /run/systemd.
readonly MANAGER_LEFTOVERS=(/run/systemd/unit-root /run/systemd/systemd-units-load)

base=""
manager_pid=""
cgroup_name=""
registered=0
cleaned=0
cmd_pid=""
start_error=""
lock_fd=""

log() { printf 'systemd-harness: %s\n' "$*" >&2; }

usage() {
    cat >&2 <<'EOF'
usage: systemd-harness.sh run -- COMMAND [ARG...]
       systemd-harness.sh shell
EOF
    exit 64
}

# The lock guards only the shared bookkeeping; it is never held while COMMAND
# runs, and its fd is closed again so no child inherits it.
lock() {
    mkdir -p "${LOCK_FILE%/*}"
    exec {lock_fd}>>"$LOCK_FILE"
    flock -w 60 "$lock_fd"
}
unlock() {
    [[ -n $lock_fd ]] || return 0
    exec {lock_fd}>&-
    lock_fd=""
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

journal_accepts() {
    [[ -S $JOURNAL_SOCKET ]] || return 1
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).connect(sys.argv[1])' \
            "$JOURNAL_SOCKET" 2>/dev/null
    else
        # Connects to /run/systemd/journal/stdout; fails when nobody listens.
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

# Kill whatever is in a cgroup subtree, then remove it from every hierarchy.
remove_cgroup_tree() {
    local name=$1 dir pid
    [[ -n $name ]] || return 0
    for dir in /sys/fs/cgroup/"$name" /sys/fs/cgroup/*/"$name"; do
        [[ -d $dir ]] || continue
        for pid in $(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    sleep 0.1
    for dir in /sys/fs/cgroup/"$name" /sys/fs/cgroup/*/"$name"; do
        [[ -d $dir ]] || continue
        find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
}

# What a run killed with SIGKILL left behind (recorded in its users/ entry):
# its manager, its services and its temp dir.
reap_stale_run() {
    local f=$1 mpid="" cg="" dir="" comm
    read -r mpid cg dir <"$f" 2>/dev/null || true
    if [[ -n $mpid ]]; then
        comm=$(cat "/proc/$mpid/comm" 2>/dev/null) || comm=""
        [[ $comm == systemd ]] && kill -KILL "$mpid" 2>/dev/null
    fi
    [[ $cg == tradectl-harness-*.slice ]] && remove_cgroup_tree "$cg"
    [[ $dir == /tmp/tradectl-harness.* ]] && rm -rf "$dir"
    rm -f "$f"
}

# Live runs registered in the state dir; stale entries (dead pids) reaped.
live_users() {
    local f pid n=0
    for f in "$STATE_DIR"/users/*; do
        [[ -e $f ]] || continue
        pid=${f##*/}
        if kill -0 "$pid" 2>/dev/null; then
            n=$((n + 1))
        else
            reap_stale_run "$f"
        fi
    done
    printf '%s\n' "$n"
}

# Under the lock: create what is missing and record it as ours.
setup_shared() {
    mkdir -p "$STATE_DIR/users"
    live_users >/dev/null
    : >"$STATE_DIR/users/$$"
    registered=1

    if ! journal_accepts; then
        if [[ ! -x $JOURNALD_BIN ]]; then
            start_error="$JOURNALD_BIN not found"
            return 1
        fi
        # Sockets and a volatile journal that did not exist before are removed
        # by the last run: the next session starts with an empty journal.
        [[ -e /run/systemd/journal ]] || : >"$STATE_DIR/created-journal-sockets"
        [[ -e /run/log/journal ]] || : >"$STATE_DIR/created-run-log-journal"
        [[ -e /run/log ]] || : >"$STATE_DIR/created-run-log"
        # setsid: journald must outlive this run if another run still uses it,
        # and a Ctrl-C must not reach it.
        # The lock fd is closed for it, or journald would hold the lock forever.
        setsid "$JOURNALD_BIN" </dev/null >>"$STATE_DIR/journald.log" 2>&1 {lock_fd}>&- &
        local jpid=$! i
        printf '%s\n' "$jpid" >"$STATE_DIR/journald.pid"
        for ((i = 0; i < 50; i++)); do
            journal_accepts && break
            if ! kill -0 "$jpid" 2>/dev/null; then
                start_error="journald exited: $(tail -n 1 "$STATE_DIR/journald.log" 2>/dev/null)"
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
        : >"$STATE_DIR/created-run-system"
        mkdir -p "$RUN_SYSTEM_DIR"
    fi

    # In a unit's namespace a manager mounts a fresh tmpfs over /run when /run
    # is not a mount point (MountAPIVFS=, implied by ProtectKernelTunables= and
    # others), hiding the journal and systemd's sockets from sandboxed units.
    # Booted systems always have /run mounted; make it one here too.
    if ! mountpoint -q /run; then
        if ! mount --bind /run /run; then
            start_error="cannot bind-mount /run onto itself"
            return 1
        fi
        : >"$STATE_DIR/created-run-bind"
    fi

    local p
    for p in "${MANAGER_LEFTOVERS[@]}"; do
        if [[ ! -e $p && ! -e $STATE_DIR/created-leftovers ]]; then
            printf '%s\n' "$p" >>"$STATE_DIR/leftovers"
        fi
    done
    : >"$STATE_DIR/created-leftovers"

    if [[ ! -e $INACCESSIBLE_DIR ]]; then
        : >"$STATE_DIR/created-inaccessible"
        if ! make_inaccessible_nodes "$INACCESSIBLE_DIR"; then
            start_error="cannot create $INACCESSIBLE_DIR"
            return 1
        fi
    fi
}

# Under the lock: the last run to leave undoes what the harness created.
teardown_shared() {
    ((registered)) || return 0
    rm -f "$STATE_DIR/users/$$"
    registered=0
    [[ $(live_users) -eq 0 ]] || return 0

    local pid comm i
    if [[ -f $STATE_DIR/journald.pid ]]; then
        pid=$(<"$STATE_DIR/journald.pid")
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || comm=""
        if [[ $comm == systemd-journal* ]]; then
            kill -TERM "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    if [[ -e $STATE_DIR/created-journal-sockets ]]; then
        rm -rf /run/systemd/journal
    fi
    if [[ -e $STATE_DIR/created-run-log-journal ]]; then
        rm -rf /run/log/journal
    fi
    if [[ -e $STATE_DIR/created-run-log ]]; then
        rmdir /run/log 2>/dev/null || true
    fi
    if [[ -e $STATE_DIR/created-run-bind ]]; then
        umount /run 2>/dev/null || umount -l /run 2>/dev/null || true
    fi
    if [[ -f $STATE_DIR/leftovers ]]; then
        while IFS= read -r p; do
            [[ -n $p ]] && rm -rf "$p"
        done <"$STATE_DIR/leftovers"
    fi
    if [[ -e $STATE_DIR/created-inaccessible ]]; then
        rm -rf "$INACCESSIBLE_DIR"
    fi
    if [[ -e $STATE_DIR/created-run-system ]]; then
        rmdir "$RUN_SYSTEM_DIR" 2>/dev/null || rm -rf "$RUN_SYSTEM_DIR"
    fi
    rm -rf "$STATE_DIR"
}

# A cgroup subtree of our own in every hierarchy systemd tracks processes in
# (v2, and the v1 name=systemd one on hybrid hosts). The ".slice" suffix keeps
# journald's _SYSTEMD_UNIT= right for the services below it.
make_cgroup() {
    cgroup_name="tradectl-harness-$$.slice"
    local mnt type
    for mnt in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
        [[ -d $mnt ]] || continue
        type=$(stat -f -c %T "$mnt" 2>/dev/null) || continue
        case $mnt:$type in
        */unified:cgroup2fs | /sys/fs/cgroup:cgroup2fs | */systemd:cgroupfs) ;;
        *) continue ;;
        esac
        mkdir "$mnt/$cgroup_name" 2>/dev/null || true
    done
}


cleanup() {
    ((cleaned)) && return 0
    cleaned=1
    set +e
    if [[ -n $manager_pid ]] && kill -0 "$manager_pid" 2>/dev/null; then
        # Not a bare '*': stop jobs for devices/mounts never finish here.
        timeout 20 env -u XDG_CONFIG_HOME XDG_RUNTIME_DIR="$base/xdg" HOME="$base/home" \
            systemctl --user stop '*.service' '*.timer' '*.socket' '*.path' '*.scope' >/dev/null 2>&1
    fi
    stop_pid "$manager_pid"
    # Services of a manager that had to be SIGKILLed would outlive it.
    remove_cgroup_tree "$cgroup_name"
    if ((registered)); then
        lock || log "lock not acquired after 60s; cleaning up anyway"
        teardown_shared
        unlock
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

host_systemd_usable() {
    local state
    state=$(systemctl is-system-running 2>/dev/null) || true
    case $state in
    running | degraded | starting) ;;
    *) return 1 ;;
    esac
    systemctl --user show-environment >/dev/null 2>&1
}

# Start what is needed and a user manager of our own. Returns non-zero with
# the reason in $start_error.
start_harness() {
    if [[ $(id -u) -ne 0 ]]; then
        start_error="not root (journald, /run/systemd/system and cgroups need uid 0)"
        return 1
    fi
    if [[ ! -x $SYSTEMD_BIN ]]; then
        start_error="$SYSTEMD_BIN not found"
        return 1
    fi
    if ! command -v flock >/dev/null 2>&1; then
        start_error="flock (util-linux) not found"
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

    if ! lock; then
        unlock
        start_error="another harness holds $LOCK_FILE for over 60s"
        return 1
    fi
    local ok=0
    setup_shared && ok=1
    unlock
    ((ok)) || return 1

    make_cgroup
    local dir
    # The manager moves itself into our subtree before it starts, so the
    # services it forks never land in the host's (or another run's) cgroups.
    (
        for dir in /sys/fs/cgroup/"$cgroup_name" /sys/fs/cgroup/unified/"$cgroup_name" \
            /sys/fs/cgroup/systemd/"$cgroup_name"; do
            if [[ -d $dir ]]; then echo "$BASHPID" >"$dir/cgroup.procs" 2>/dev/null || true; fi
        done
        # setsid: a Ctrl-C meant for COMMAND or the shell must not reach it.
        exec setsid env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_STATE_HOME -u XDG_CACHE_HOME \
            XDG_RUNTIME_DIR="$base/xdg" HOME="$base/home" \
            "$SYSTEMD_BIN" --user --log-target=journal
    ) </dev/null >"$base/manager.log" 2>&1 &
    manager_pid=$!
    printf '%s\n' "$manager_pid" >"$base/manager.pid"
    # Lets a later run clean up after this one if it is killed with SIGKILL.
    printf '%s %s %s\n' "$manager_pid" "$cgroup_name" "$base" >"$STATE_DIR/users/$$"

    local deadline=$((SECONDS + READY_TIMEOUT)) state=""
    while ((SECONDS < deadline)); do
        if ! kill -0 "$manager_pid" 2>/dev/null; then
            local rc=0 last
            wait "$manager_pid" || rc=$?
            manager_pid=""
            last=$(grep -v '^$' "$base/manager.log" | tail -n 1) || true
            start_error="systemd --user exited with status $rc${last:+ ($last)}"
            return 1
        fi
        state=$(env -u XDG_CONFIG_HOME XDG_RUNTIME_DIR="$base/xdg" HOME="$base/home" \
            systemctl --user is-system-running 2>/dev/null) || true
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
    local status=0
    case $1 in
    run)
        shift
        [[ ${1:-} == -- ]] && shift
        (($# >= 1)) || usage
        run_inside run "$@" || status=$?
        ;;
    shell)
        (($# == 1)) || usage
        run_inside shell "${SHELL:-/bin/bash}" || status=$?
        ;;
    *) usage ;;
    esac
    exit "$status"
}

main "$@"
