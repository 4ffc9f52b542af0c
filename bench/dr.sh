#!/usr/bin/env bash
# Disaster-recovery time (RTO) of the V6 example with a ~200 MiB database, under a real
# systemd user manager, from an S3 server on loopback (moto) through rclone crypt:
#   tradectl recover --from-offsite   an empty root → fetched, decrypted, verified, restored,
#                                     deployed, every service active and its probes passing
#   by hand: rclone copy + tar xzf    the same archive fetched and unpacked, nothing checked,
#                                     nothing installed or started (the floor)
# Each tradectl run starts from nothing: units, root, state and installed config removed.
#
#   bash bench/dr.sh        (results: bench/results/dr.md)
#
# Knobs (environment): RUNS (3), DB_MIB (200).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DB_MIB=${DB_MIB:-200}

source bench/lib.sh
bench_setup "$@"

log() { printf '==> %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# ---------------------------------------------------------------- the S3 server (moto)
moto_bin=$(command -v moto_server || echo "$(pwd)/.cache/moto/bin/moto_server")
[ -x "$moto_bin" ] || { echo "dr.sh: moto_server missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$moto_bin" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
disown "$moto_pid" # killed by pid at exit; no job-control notice
stop_moto() { [ -n "${moto_pid:-}" ] && [ "$moto_pid" -gt 1 ] && kill -9 "$moto_pid" 2>/dev/null || true; }
trap 'stop_moto; bench_cleanup' EXIT
for _ in $(seq 100); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && break
    sleep 0.1
done

# ---------------------------------------------------------------- the config: V6 + an off-site target
config="$work/tradectl.toml"
# The first scheduled restart a day out (restart_after_boot), so it cannot land inside a run.
sed -e "s|^source = \"app\"|source = \"$(pwd)/examples/v6/app\"|" \
    -e 's|^restart_after_boot = "5min"|restart_after_boot = "1d"|' examples/v6/tradectl.toml >"$config"
cat >>"$config" <<EOF

[backup.offsite]
type = "s3"
endpoint = "http://127.0.0.1:$port"
region = "us-east-1"
bucket = "bench"
path = "v6"
access_key_env = "BENCH_S3_KEY"
secret_key_env = "BENCH_S3_SECRET"
crypt_password_env = "BENCH_CRYPT_PASSWORD"
crypt_salt_env = "BENCH_CRYPT_SALT"
EOF
export BENCH_S3_KEY=testing BENCH_S3_SECRET=testing BENCH_CRYPT_PASSWORD=bench-crypt-password BENCH_CRYPT_SALT=bench-salt
# Earlier runs' tracebacks in the journal must not fail the health gate.
export TRADECTL_HEALTH_ERRORS_WARN_PER_HOUR=100000 TRADECTL_HEALTH_ERRORS_CRIT_PER_HOUR=100001
tc() { "$bin" --config "$config" "$@"; }

host() { # point the project at a new, empty root
    export TRADECTL_PROJECT_ROOT="$work/$1/opt/v6" TRADECTL_PROJECT_STATE_DIR="$work/$1/state" \
        TRADECTL_BACKUP_DIR="$work/$1/backups" TRADECTL_KILL_SWITCH_FILE="$work/$1/opt/v6/shared/KILL"
}
lose_host() { # units, root, state, local backups and installed config gone
    systemctl --user stop 'v6-*' >/dev/null 2>&1 || true
    rm -f "$HOME"/.config/systemd/user/v6-* "$HOME"/.config/systemd/user/*.wants/v6-*
    systemctl --user daemon-reload
    systemctl --user reset-failed >/dev/null 2>&1 || true
    rm -f "${XDG_CONFIG_HOME:-$HOME/.config}"/tradectl/v6.toml "${XDG_CONFIG_HOME:-$HOME/.config}"/tradectl/v6.env
    rm -rf "$work/$1"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# ---------------------------------------------------------------- the host that is lost
log "deploying V6 with a ${DB_MIB} MiB database and backing it up off-site"
host lost
tc deploy -q
python3 bench/gen_db.py "$TRADECTL_PROJECT_ROOT/shared/data/v6.db" "$DB_MIB" 1
tc backup -q --verify
db_bytes=$(stat -c %s "$TRADECTL_PROJECT_ROOT/shared/data/v6.db")
archive=$(ls "$TRADECTL_BACKUP_DIR")
archive_bytes=$(stat -c %s "$TRADECTL_BACKUP_DIR/$archive")
lose_host lost

# ---------------------------------------------------------------- tradectl recover
recover_times=(); fetch=(); restore=(); deploy=()
for run in $(seq "$RUNS"); do
    log "recover run $run/$RUNS"
    host "new$run"
    start=$(now)
    tc recover --from-offsite --no-halt --json >"$work/recover$run.json"
    recover_times+=("$(since "$start")")
    tc health -q --check unit http heartbeat sqlite
    restored=$(stat -c %s "$TRADECTL_PROJECT_ROOT/shared/data/v6.db")
    [ "$restored" -ge "$db_bytes" ] || { echo "dr.sh: restored database is smaller than the backup's" >&2; exit 1; }
    phase() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f" % next(p["seconds"] for p in d["phases"] if p["name"]==sys.argv[2]))' "$work/recover$run.json" "$1"; }
    fetch+=("$(phase fetch)"); restore+=("$(phase restore)"); deploy+=("$(phase deploy)")
    lose_host "new$run"
done

# ---------------------------------------------------------------- by hand: rclone copy + tar xzf
obscure() { printf '%s' "$1" | rclone obscure -; }
export RCLONE_CONFIG_BSTORE_TYPE=s3 RCLONE_CONFIG_BSTORE_PROVIDER=Other RCLONE_CONFIG_BSTORE_ACCESS_KEY_ID=testing \
    RCLONE_CONFIG_BSTORE_SECRET_ACCESS_KEY=testing RCLONE_CONFIG_BSTORE_ENDPOINT="http://127.0.0.1:$port" \
    RCLONE_CONFIG_BSTORE_REGION=us-east-1 RCLONE_CONFIG_BCRYPT_TYPE=crypt RCLONE_CONFIG_BCRYPT_REMOTE=bstore:bench/v6 \
    RCLONE_CONFIG_BCRYPT_FILENAME_ENCRYPTION=standard RCLONE_CONFIG_BCRYPT_DIRECTORY_NAME_ENCRYPTION=true \
    RCLONE_CONFIG_BCRYPT_PASSWORD="$(obscure "$BENCH_CRYPT_PASSWORD")" RCLONE_CONFIG_BCRYPT_PASSWORD2="$(obscure "$BENCH_CRYPT_SALT")"
hand_times=()
for run in $(seq "$RUNS"); do
    log "rclone copy + tar xzf run $run/$RUNS"
    rm -rf "$work/hand" && mkdir -p "$work/hand/x"
    start=$(now)
    env -u AWS_CA_BUNDLE rclone --config /dev/null copy "bcrypt:$archive" "$work/hand"
    tar xzf "$work/hand/$archive" -C "$work/hand/x"
    hand_times+=("$(since "$start")")
    [ -f "$work/hand/x/shared/data/v6.db" ] || { echo "dr.sh: the archive did not unpack" >&2; exit 1; }
done
rm -rf "$work/hand"

# ---------------------------------------------------------------- report
m() { printf '%s\n' "$@" | median; }
mkdir -p bench/results
cat >bench/results/dr.md <<EOF
# Disaster recovery (bench/dr.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)

V6 example, database $((db_bytes / 1048576)) MiB, archive $archive ($((archive_bytes / 1048576)) MiB, gzip),
S3 server on loopback (moto) through rclone crypt. Median of $RUNS runs; each tradectl run from an empty root.
Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg).

| path | seconds (median) | runs |
|---|---:|---|
| \`tradectl recover --from-offsite\` (fetch → verify → restore → deploy → healthy) | $(m "${recover_times[@]}") | ${recover_times[*]} |
| … of which fetch (download + decrypt) | $(m "${fetch[@]}") | ${fetch[*]} |
| … of which restore (verify every checksum and \`integrity_check\`, stage, swap) | $(m "${restore[@]}") | ${restore[*]} |
| … of which deploy (release, units, start, health gate) | $(m "${deploy[@]}") | ${deploy[*]} |
| by hand: \`rclone copy\` + \`tar xzf\` (nothing verified, installed or started) | $(m "${hand_times[@]}") | ${hand_times[*]} |
EOF
cat bench/results/dr.md
