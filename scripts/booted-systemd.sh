#!/usr/bin/env bash
# scripts/booted-systemd.sh — boot Debian 12 with systemd as PID 1 in a
# systemd-nspawn container, for tests that need the real system manager
# (system scope: User=, ProtectSystem=, SystemCallFilter=, journald, timers).
# Works without a host systemd (nspawn runs with --register=no --keep-unit).
# See docs/testing.md ("System scope under a booted systemd").
#
# Usage:
#   scripts/booted-systemd.sh rootfs
#       Ensure a pristine cached rootfs at $BOOTED_CACHE/rootfs (debootstrap
#       --variant=minbase bookworm, about 3 minutes the first time). Idempotent:
#       the stamp $BOOTED_CACHE/rootfs.stamp is written only after a complete
#       build, so an interrupted build is redone. Installs systemd-container and
#       debootstrap on the host with apt-get if they are missing.
#   scripts/booted-systemd.sh boot NAME
#       Copy the pristine rootfs to $BOOTED_CACHE/machines/NAME (fresh each
#       boot), boot it in the background, wait for `systemctl is-system-running
#       --wait` (running; degraded prints `systemctl --failed` and continues),
#       record the nspawn pid in machines/NAME.pid and the container's PID 1 in
#       machines/NAME.leader, print the leader pid. Extra nspawn options (binds)
#       come from $BOOTED_BINDS, e.g. BOOTED_BINDS="--bind-ro=/opt/swift".
#   scripts/booted-systemd.sh exec NAME -- CMD...
#       Run CMD inside (nsenter -t LEADER -a) as root with a clean environment
#       (PATH, HOME=/root, LANG=C.UTF-8). stdin is passed through, and so is the
#       exit status.
#   scripts/booted-systemd.sh path NAME
#       Print the host path of the container's root directory.
#   scripts/booted-systemd.sh stop NAME | stop --all
#       `systemctl poweroff` inside, wait up to 30 s for nspawn to exit, then
#       kill the (checked) nspawn pid if needed; remove the machine dir.
#
# Environment:
#   BOOTED_CACHE   cache dir (default: <repo>/.cache/booted-systemd)
#   BOOTED_BINDS   extra systemd-nspawn options for boot (word-split)
#   BOOTED_MIRROR  Debian mirror (default: http://deb.debian.org/debian)
#
# The container shares the host's network namespace: tests use loopback, and
# the ports an example listens on must be free on the host. For a network
# namespace of its own (loopback only, no port clash with the host or another
# container): BOOTED_BINDS="--private-network" (the suite and bench/soak.sh do).
#
# On these machines systemd in the container cannot signal a whole control group
# (the sandbox's cgroup v1 hierarchy answers EIO): `systemctl kill` needs
# --kill-who=main; `systemctl stop` works (systemd ignores the error).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${BOOTED_CACHE:-$REPO/.cache/booted-systemd}"
ROOTFS="$CACHE/rootfs"
STAMP="$CACHE/rootfs.stamp"
MACHINES="$CACHE/machines"
MIRROR="${BOOTED_MIRROR:-http://deb.debian.org/debian}"
# The notes' list, plus the Debian runtime libraries the tradectl .deb depends
# on (so `apt-get install ./tradectl_*.deb` or `dpkg -i` needs no network).
INCLUDE="systemd,systemd-sysv,dbus,python3,sqlite3,libsqlite3-0,libarchive13,libsystemd0,curl,ca-certificates,procps,libcurl4,libxml2,libc6,libstdc++6,libgcc-s1,zlib1g,tzdata"
CLEAN_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

die() { echo "booted-systemd: $*" >&2; exit 1; }
log() { echo "booted-systemd: $*" >&2; }

check_name() {
    [[ "${1:-}" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "bad machine name '${1:-}'"
}

# A pid is usable only when it is a positive integer of a live process.
live_pid() {
    local pid="$1"
    [[ "$pid" =~ ^[0-9]+$ ]] && (( pid > 1 )) && kill -0 "$pid" 2>/dev/null
}

# True when PID is alive and is a systemd-nspawn process.
is_nspawn() {
    local pid="$1"
    live_pid "$pid" || return 1
    local comm
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    [[ "$comm" == systemd-nspawn* ]]
}

cmd_rootfs() {
    if [[ -f "$STAMP" && -x "$ROOTFS/usr/lib/systemd/systemd" ]]; then
        echo "$ROOTFS"
        return 0
    fi
    local missing=()
    command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    if (( ${#missing[@]} )); then
        log "installing ${missing[*]} on the host"
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2 \
            || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2; }
    fi
    mkdir -p "$CACHE"
    # One builder at a time; a second caller waits and then finds the stamp.
    exec 9>"$CACHE/rootfs.lock"
    flock 9
    if [[ -f "$STAMP" && -x "$ROOTFS/usr/lib/systemd/systemd" ]]; then
        echo "$ROOTFS"
        return 0
    fi
    rm -f "$STAMP"
    rm -rf "$ROOTFS.tmp"
    log "debootstrap bookworm into $ROOTFS (about 3 minutes)"
    debootstrap --variant=minbase --include="$INCLUDE" bookworm "$ROOTFS.tmp" "$MIRROR" >&2
    echo ct > "$ROOTFS.tmp/etc/hostname"
    # No getty on the passive console, no waiting for a network that is the host's.
    rm -f "$ROOTFS.tmp/etc/systemd/system/getty.target.wants/"* 2>/dev/null || true
    # apt caches are not needed in a test machine.
    rm -rf "$ROOTFS.tmp/var/cache/apt/archives/"*.deb
    rm -rf "$ROOTFS"
    mv "$ROOTFS.tmp" "$ROOTFS"
    date -u +%FT%TZ > "$STAMP"
    log "rootfs ready"
    echo "$ROOTFS"
}

leader_of() {
    local name="$1" f="$MACHINES/$1.leader" pid
    [[ -f "$f" ]] || die "machine '$name' is not booted (no $f)"
    pid="$(cat "$f")"
    live_pid "$pid" || die "machine '$name': leader pid '$pid' is not running"
    echo "$pid"
}

cmd_boot() {
    local name="${1:-}"
    check_name "$name"
    [[ -f "$STAMP" ]] || die "no rootfs; run: $0 rootfs"
    mkdir -p "$MACHINES"
    local dir="$MACHINES/$name"
    if [[ -f "$MACHINES/$name.pid" ]] && is_nspawn "$(cat "$MACHINES/$name.pid")"; then
        die "machine '$name' is already running (stop it first)"
    fi
    rm -rf "$dir"
    cp -a "$ROOTFS" "$dir"
    echo "$name" > "$dir/etc/hostname"
    local binds=()
    # shellcheck disable=SC2206
    [[ -n "${BOOTED_BINDS:-}" ]] && binds=(${BOOTED_BINDS})
    local logf="$MACHINES/$name.log"
    # setsid: nspawn gets its own session, so nothing aimed at the caller's
    # process group reaches it, and it outlives this script. Every descriptor
    # above 2 is closed first: a container holding the caller's pipes would keep
    # `boot | tee`, or a test runner waiting for EOF, waiting for its lifetime.
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd="${fd##*/}"
            [[ "$fd" =~ ^[0-9]+$ ]] && (( fd > 2 )) && eval "exec $fd>&-" 2>/dev/null || true
        done
        exec setsid systemd-nspawn -q -D "$dir" -b --register=no --keep-unit \
            --console=passive --machine="$name" "${binds[@]}"
    ) </dev/null >"$logf" 2>&1 &
    local npid=$!
    echo "$npid" > "$MACHINES/$name.pid"
    # The container's PID 1 is nspawn's child (nspawn forks once, then the
    # payload execs systemd).
    local leader="" i
    for i in $(seq 1 200); do
        leader="$(ps -o pid= --ppid "$npid" 2>/dev/null | head -1 | tr -d ' ' || true)"
        if [[ -n "$leader" ]] && [[ "$(cat "/proc/$leader/comm" 2>/dev/null)" == systemd ]]; then
            break
        fi
        leader=""
        live_pid "$npid" || { cat "$logf" >&2; die "systemd-nspawn exited during boot"; }
        sleep 0.1
    done
    [[ -n "$leader" ]] || { cat "$logf" >&2; die "no systemd PID 1 under nspawn $npid"; }
    echo "$leader" > "$MACHINES/$name.leader"
    # Wait until the system manager has finished booting.
    local state=""
    for i in $(seq 1 60); do
        state="$(timeout 120 nsenter -t "$leader" -a "${CLEAN_ENV[@]}" systemctl is-system-running --wait 2>/dev/null || true)"
        case "$state" in
            running|degraded) break ;;
            *) live_pid "$npid" || { cat "$logf" >&2; die "systemd-nspawn exited during boot"; }
               sleep 0.5 ;;
        esac
    done
    case "$state" in
        running) ;;
        degraded)
            log "machine '$name' is degraded:"
            nsenter -t "$leader" -a "${CLEAN_ENV[@]}" systemctl --failed --no-pager >&2 || true ;;
        *) die "machine '$name' did not finish booting (state '$state')" ;;
    esac
    echo "$leader"
}

cmd_exec() {
    local name="${1:-}"
    check_name "$name"
    shift
    [[ "${1:-}" == "--" ]] && shift
    (( $# )) || die "exec: no command"
    local leader
    leader="$(leader_of "$name")"
    exec nsenter -t "$leader" -a "${CLEAN_ENV[@]}" "$@"
}

cmd_path() {
    local name="${1:-}"
    check_name "$name"
    [[ -d "$MACHINES/$name" ]] || die "no machine '$name'"
    echo "$MACHINES/$name"
}

stop_one() {
    local name="$1" npid="" leader=""
    [[ -f "$MACHINES/$name.pid" ]] && npid="$(cat "$MACHINES/$name.pid")"
    [[ -f "$MACHINES/$name.leader" ]] && leader="$(cat "$MACHINES/$name.leader")"
    if is_nspawn "$npid"; then
        if live_pid "$leader"; then
            timeout 10 nsenter -t "$leader" -a "${CLEAN_ENV[@]}" systemctl poweroff >/dev/null 2>&1 || true
        fi
        local i
        for i in $(seq 1 60); do
            is_nspawn "$npid" || break
            sleep 0.5
        done
        if is_nspawn "$npid"; then
            log "machine '$name': nspawn $npid still running after 30 s; killing it"
            kill -TERM "$npid" 2>/dev/null || true
            sleep 2
            if is_nspawn "$npid"; then kill -KILL "$npid" 2>/dev/null || true; fi
            sleep 0.5
        fi
    fi
    rm -rf "${MACHINES:?}/$name"
    rm -f "$MACHINES/$name.pid" "$MACHINES/$name.leader" "$MACHINES/$name.log"
}

cmd_stop() {
    local name="${1:-}"
    if [[ "$name" == "--all" ]]; then
        [[ -d "$MACHINES" ]] || return 0
        local f
        for f in "$MACHINES"/*.pid "$MACHINES"/*/; do
            [[ -e "$f" ]] || continue
            local n
            n="$(basename "${f%.pid}")"
            n="${n%/}"
            [[ -e "$MACHINES/$n" || -e "$MACHINES/$n.pid" ]] && stop_one "$n"
        done
        return 0
    fi
    check_name "$name"
    stop_one "$name"
}

main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        rootfs) cmd_rootfs ;;
        boot) cmd_boot "$@" ;;
        exec) cmd_exec "$@" ;;
        path) cmd_path "$@" ;;
        stop) cmd_stop "$@" ;;
        -h|--help|help|"") awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
        *) die "unknown command '$cmd' (rootfs, boot, exec, path, stop)" ;;
    esac
}

main "$@"
