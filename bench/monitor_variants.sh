#!/usr/bin/env bash
# RSS of `tradectl monitor` under variants of its environment or binary, one after the other
# in one harness run: the "What was tried" table of docs/benchmarks.md (Monitor footprint).
# Deploys bench/fixtures/monitor (or MONITOR_CONFIG) like bench/monitor.sh, then for each
# variant restarts mbench-monitor.service, waits WAIT seconds (40) and prints VmRSS, the
# split, the binary's three segments from smaps (Size, Rss, VmFlags) and the largest mappings.
#
#   TRADECTL_BIN=/tmp/debx/usr/bin/tradectl VARIANTS="base madv base arena2" bash bench/monitor_variants.sh
#   TRADECTL_BIN=/tmp/debx/usr/bin/tradectl VARIANTS="base drop" WAIT=60 bash bench/monitor_variants.sh
#
# VARIANTS (default "base"; an environment variable, as the script re-runs itself inside
# scripts/systemd-harness.sh with no arguments):
#   base        as deployed
#   madv        madvise(MADV_RANDOM) on every read-only file mapping before the executable's
#               initializers run (an LD_PRELOAD shim built here with cc from /proc/self/maps)
#   arena2      MALLOC_ARENA_MAX=2
#   drop        20 s after the start (the first cycle long done), madvise(MADV_DONTNEED) on every
#               executable file mapping (an LD_PRELOAD shim with a thread): what stays resident
#               at the end is the text the steady-state cycles fault back in
#   cold        the binary evicted from the page cache (POSIX_FADV_DONTNEED) before the start
#   cold-madv   both
#   bin:PATH    PATH copied over the deployed binary (e.g. a relink with other flags); build
#               it from the sources of TRADECTL_BIN, as an older binary may refuse the state
#               database the deploy created
# The binary the unit runs is a copy of TRADECTL_BIN in the temp dir, so bin: can swap it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BENCH_BUILD=static bench_setup "$@"
read -r -a variants <<< "${VARIANTS:-base}"

config="${MONITOR_CONFIG:-$(pwd)/bench/fixtures/monitor/tradectl.toml}"
root="$work/opt/mbench"
export TRADECTL_PROJECT_ROOT="$root" TRADECTL_KILL_SWITCH_FILE="$root/shared/KILL"
unit=mbench-monitor.service
variants_cleanup() {
    systemctl --user unset-environment LD_PRELOAD MADV_ALL MALLOC_ARENA_MAX || true
    systemctl --user stop 'mbench-*' >/dev/null 2>&1 || true
    rm -f "$HOME"/.config/systemd/user/mbench-* "$HOME"/.config/systemd/user/*.wants/mbench-*
    bench_cleanup
}
trap variants_cleanup EXIT

mkdir -p "$work/bin"
cp "$bin" "$work/bin/tradectl"
bin="$work/bin/tradectl"
cat > "$work/madv.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
/* MADV_RANDOM on every read-only (or executable) file mapping of the process. */
__attribute__((constructor)) static void madvise_random(void) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096], perms[8], path[4000];
    unsigned long start, end, offset, inode;
    if (!maps) return;
    while (fgets(line, sizeof line, maps)) {
        path[0] = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %*s %lu %3999s", &start, &end, perms, &offset, &inode, path) < 5) continue;
        if (inode == 0 || path[0] != '/' || perms[1] == 'w') continue;
        madvise((void *)start, end - start, MADV_RANDOM);
    }
    fclose(maps);
}
C
cc -shared -fPIC -O2 -o "$work/madv.so" "$work/madv.c"
cat > "$work/drop.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
static void *dropper(void *arg) {
    sleep(20);
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096], perms[8], path[4000];
    unsigned long start, end, offset, inode;
    if (!maps) return 0;
    while (fgets(line, sizeof line, maps)) {
        path[0] = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %*s %lu %3999s", &start, &end, perms, &offset, &inode, path) < 5) continue;
        if (inode == 0 || path[0] != '/' || perms[2] != 'x' || perms[1] == 'w') continue;
        madvise((void *)start, end - start, MADV_DONTNEED);
    }
    fclose(maps);
    return 0;
}
__attribute__((constructor)) static void start_dropper(void) { pthread_t t; pthread_create(&t, 0, dropper, 0); pthread_detach(t); }
C
cc -shared -fPIC -O2 -pthread -o "$work/drop.so" "$work/drop.c"

"$bin" --config "$config" deploy -q
"$bin" --config "$config" backup -q

evict() {
    python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$bin"
}

for variant in "${variants[@]}"; do
    systemctl --user unset-environment LD_PRELOAD MALLOC_ARENA_MAX
    systemctl --user stop "$unit"
    case $variant in
    base) ;;
    madv) systemctl --user set-environment LD_PRELOAD="$work/madv.so" ;;
    drop) systemctl --user set-environment LD_PRELOAD="$work/drop.so" ;;
    arena2) systemctl --user set-environment MALLOC_ARENA_MAX=2 ;;
    cold) evict ;;
    cold-madv) evict; systemctl --user set-environment LD_PRELOAD="$work/madv.so" ;;
    bin:*) cp "${variant#bin:}" "$bin.new" && mv "$bin.new" "$bin" ;;
    *) echo "monitor_variants.sh: unknown variant $variant" >&2; exit 64 ;;
    esac
    systemctl --user start "$unit"
    sleep "${WAIT:-40}"
    pid=$(systemctl --user show -p MainPID --value "$unit")
    [ "$pid" -gt 0 ] || { echo "== $variant: the monitor is not running" >&2; exit 1; }
    echo "== $variant (pid $pid, ${WAIT:-40} s after the start)"
    grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|Threads):' "/proc/$pid/status" | tr -s ' \t' ' ' | tr '\n' ';'
    echo
    awk -v bin="$bin" '
        /^[0-9a-f]+-[0-9a-f]+ / { inside = ($6 == bin); if (inside) printf "  %s", $2; next }
        inside && /^(Size|Rss|Anonymous):/ { printf " %s %s kB", $1, $2 }
        inside && /^VmFlags:/ { sub(/^VmFlags: */, ""); print "  VmFlags: " $0 }
    ' "/proc/$pid/smaps"
    python3 - "$pid" <<'PY'
import os, sys
sizes, name = {}, "[anon]"
for line in open(f"/proc/{sys.argv[1]}/smaps"):
    head = line.split(None, 1)[0]
    if "-" in head and not head.endswith(":"):
        parts = line.split(None, 5)
        path = parts[5].strip() if len(parts) > 5 else ""
        name = (os.path.basename(path) if path.startswith("/") else path or "[anon]") + " " + parts[1]
    elif head == "Rss:":
        sizes[name] = sizes.get(name, 0) + int(line.split()[1])
top = sorted(sizes.items(), key=lambda kv: -kv[1])[:8]
print("  largest (MiB): " + ", ".join(f"{n} {k / 1024:.1f}" for n, k in top))
PY
done
