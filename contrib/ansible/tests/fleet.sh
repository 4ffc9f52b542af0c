#!/usr/bin/env bash
# contrib/ansible/tests/fleet.sh — the tradectl.ops collection against three real hosts:
# Debian 12 booted with systemd in systemd-nspawn containers (scripts/booted-systemd.sh),
# each in its own network namespace behind a veth pair (10.231.N.2, the host side
# 10.231.N.1), with openssh-server, driven by ansible-playbook over SSH with a key made
# here. No `connection: local` for the hosts.
#
#   1. site.yml: the package, the project (config, source, vault secrets), deploy 1.0.0 on all three
#   2. site.yml -e fleet_deploy=false: stage 2.0.0 (fleet-2's 2.0.0 crashes at start)
#   3. rolling_update --check --diff: the unit diffs shown, nothing changed on any host
#   4. rolling_update: fleet-1 on 2.0.0 and healthy; fleet-2 fails its health gate and is
#      rolled back to 1.0.0 by tradectl; the play stops before fleet-3 (still on 1.0.0);
#      run again on fleet-1, it changes nothing
#   5. fleet_status: status, health and releases of all three in one report
#   6. offsite_backup_check (a backup taken first; no off-site target here)
#   7. the vault's canary in no -vvv output, but in each host's env file
#
# Runs only with TRADECTL_SYSTEM_SUITE=1 (like the system-scope suite: it boots containers
# as root); otherwise it says so and exits 0. TRADECTL_DEB: the .deb (default the newest
# dist/tradectl_*.deb). FLEET_KEEP=1 leaves the machines running for a look.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COLLECTION="$(cd "$HERE/.." && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"

if [[ "${TRADECTL_SYSTEM_SUITE:-}" != "1" ]]; then
    echo "fleet: skipped: set TRADECTL_SYSTEM_SUITE=1 (boots three systemd-nspawn containers; docs/fleet.md)"
    exit 0
fi
[[ "$(id -u)" == 0 ]] || { echo "fleet: needs root (systemd-nspawn, veth)" >&2; exit 1; }

# shellcheck disable=SC2012  # newest by mtime, as scripts/test.sh picks it; names are ours
DEB="${TRADECTL_DEB:-$(ls -t "$REPO"/dist/tradectl_*.deb 2>/dev/null | head -1)}"
[[ -n "$DEB" && -f "$DEB" ]] || { echo "fleet: no .deb (scripts/package.sh, or TRADECTL_DEB)" >&2; exit 1; }
DEB="$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")"

# The system-scope suite's cache, whose pristine rootfs the fleet image starts from: kept
# before BOOTED_CACHE is pointed at the fleet's own machines below.
export SYSTEM_BOOTED_CACHE="${BOOTED_CACHE:-$REPO/.cache/booted-systemd}"
export BOOTED_CACHE="${FLEET_CACHE:-$REPO/.cache/fleet}"
export FLEET_CACHE="$BOOTED_CACHE"
export BOOTED_BINDS="--network-veth"
BOOTED="$REPO/scripts/booted-systemd.sh"
MACHINES=(fleet-1 fleet-2 fleet-3)
# One run at a time: a second waits until the first has stopped its machines.
mkdir -p "$BOOTED_CACHE"
exec 8>"$BOOTED_CACHE/fleet.lock"
flock 8
VENV="$("$HERE/venv.sh")"
"$HERE/fleet-rootfs.sh" >/dev/null

RUN="$BOOTED_CACHE/run"
rm -rf "$RUN"
mkdir -p "$RUN/collections/ansible_collections/tradectl" "$RUN/inventory/group_vars/tradectl" "$RUN/logs"
ln -s "$COLLECTION" "$RUN/collections/ansible_collections/tradectl/ops"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "fleet: ok: $*"; }
bad() { failed=$((failed + 1)); echo "fleet: FAILED: $*" >&2; }
check() { # check DESCRIPTION CMD...
    local what="$1"; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

cleanup() {
    [[ "${FLEET_KEEP:-}" == 1 ]] && { echo "fleet: machines left running (FLEET_KEEP=1)"; return; }
    for m in "${MACHINES[@]}"; do
        "$BOOTED" stop "$m" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT

# --- the hosts -------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C fleet-test -f "$RUN/id_ed25519"
for m in "${MACHINES[@]}"; do
    "$BOOTED" stop "$m" >/dev/null 2>&1 || true
done
i=0
for m in "${MACHINES[@]}"; do
    i=$((i + 1))
    "$BOOTED" boot "$m" >/dev/null
    dir="$("$BOOTED" path "$m")"
    ssh-keygen -A -f "$dir" >/dev/null            # host keys of this machine alone
    install -m 0600 "$RUN/id_ed25519.pub" "$dir/root/.ssh/authorized_keys"
    ip addr add "10.231.$i.1/24" dev "ve-$m"
    ip link set "ve-$m" up
    "$BOOTED" exec "$m" -- sh -c "ip addr add 10.231.$i.2/24 dev host0 && ip link set host0 up && systemctl start ssh"
done
SSH=(ssh -i "$RUN/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR)
for i in 1 2 3; do
    for _ in $(seq 1 50); do
        "${SSH[@]}" "root@10.231.$i.2" true 2>/dev/null && break
        sleep 0.2
    done
    check "ssh root@10.231.$i.2 (fleet-$i, its own network namespace)" \
        test "$("${SSH[@]}" "root@10.231.$i.2" hostname)" == "fleet-$i"
done

# --- controller side: ansible.cfg, inventory, vault, sources ---------------------------
CANARY="fleet-canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
cat > "$RUN/ansible.cfg" <<EOF
[defaults]
collections_path = $RUN/collections
inventory = $RUN/inventory/hosts.ini
forks = 3
stdout_callback = default
interpreter_python = /usr/bin/python3
retry_files_enabled = false
[ssh_connection]
pipelining = true
EOF
export ANSIBLE_CONFIG="$RUN/ansible.cfg"
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 PATH="$VENV/bin:$PATH"
cat > "$RUN/inventory/hosts.ini" <<EOF
[tradectl]
fleet-1 ansible_host=10.231.1.2
fleet-2 ansible_host=10.231.2.2 fleet_crash_version=2.0.0
fleet-3 ansible_host=10.231.3.2
EOF
cat > "$RUN/inventory/group_vars/tradectl/main.yml" <<EOF
ansible_user: root
ansible_ssh_private_key_file: $RUN/id_ed25519
ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
tradectl_project: fleet
tradectl_deb: $DEB
tradectl_config_template: $HERE/fleet/tradectl.toml.j2
tradectl_source_src: "$RUN/src/app-{{ tradectl_version }}{{ '-crash' if tradectl_version == (fleet_crash_version | default('')) else '' }}"
tradectl_env: "{{ vault_fleet_env }}"
EOF
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$RUN/vault-pass"
chmod 0600 "$RUN/vault-pass"
printf 'vault_fleet_env:\n  FLEET_API_KEY: %s\n' "$CANARY" > "$RUN/inventory/group_vars/tradectl/vault.yml"
ansible-vault encrypt --vault-password-file "$RUN/vault-pass" "$RUN/inventory/group_vars/tradectl/vault.yml" >/dev/null
check "the vault file is encrypted" bash -c "! grep -q '$CANARY' '$RUN/inventory/group_vars/tradectl/vault.yml'"
for v in 1.0.0 2.0.0; do
    mkdir -p "$RUN/src/app-$v"
    cp "$HERE/fleet/app/quoter.py" "$RUN/src/app-$v/"
    echo "$v" > "$RUN/src/app-$v/RELEASE"
done
cp -a "$RUN/src/app-2.0.0" "$RUN/src/app-2.0.0-crash"
touch "$RUN/src/app-2.0.0-crash/CRASH"

play() { # play LOGNAME ARGS... (always -vvv, always the vault): exit status of ansible-playbook
    local log="$RUN/logs/$1.log"; shift
    echo "fleet: ansible-playbook $* (log: $log)"
    # 8>&-: ssh's ControlPersist masters outlive the run and must not hold the run lock.
    (cd "$RUN" && ansible-playbook -vvv --vault-password-file "$RUN/vault-pass" "$@") >"$log" 2>&1 8>&-
}
on() { "$BOOTED" exec "$1" -- "${@:2}"; }
current() { on "$1" readlink /opt/fleet/current | xargs basename; }
served() { on "$1" python3 -c 'import json,urllib.request;print(json.load(urllib.request.urlopen("http://127.0.0.1:8080/health"))["release"])' 2>/dev/null || echo none; }
snapshot() { # what an update would change on a host
    on "$1" sh -c 'readlink /opt/fleet/current; ls /opt/fleet/releases; sha256sum /etc/systemd/system/fleet-* /etc/tradectl/fleet.toml; systemctl show -p MainPID,ActiveEnterTimestamp fleet-quoter.service' 2>&1
}
recap() { grep -A4 '^PLAY RECAP' "$RUN/logs/$1.log" || true; }

# --- 1. install and deploy 1.0.0 ------------------------------------------------------
if play site-1.0.0 "$HERE/fleet/site.yml" -e tradectl_version=1.0.0; then ok "site.yml deployed 1.0.0"; else bad "site.yml deployed 1.0.0"; recap site-1.0.0; tail -40 "$RUN/logs/site-1.0.0.log" >&2; exit 1; fi
for m in "${MACHINES[@]}"; do
    check "$m: 1.0.0 current and serving" test "$(current "$m")/$(served "$m")" == "1.0.0/1.0.0"
    check "$m: env file 0600, owned by fleet, holds the vault's value" \
        test "$(on "$m" stat -c '%a %U' /opt/fleet/shared/.env)/$(on "$m" grep -c "$CANARY" /opt/fleet/shared/.env)" == "600 fleet/1"
done

# --- 2. stage 2.0.0 (config, source) without applying ---------------------------------
check "site.yml staged 2.0.0 (fleet_deploy=false)" play stage-2.0.0 "$HERE/fleet/site.yml" -e tradectl_version=2.0.0 -e fleet_deploy=false

# --- 3. --check --diff: unit diffs, nothing changed -----------------------------------
declare -A before
for m in "${MACHINES[@]}"; do before[$m]="$(snapshot "$m")"; done
check "rolling_update --check --diff succeeded" play check-diff tradectl.ops.rolling_update -e tradectl_version=2.0.0 --check --diff
log="$RUN/logs/check-diff.log"
check "--check --diff showed fleet-quoter.service's unit diff" grep -q -- '+Environment=.*FLEET_RELEASE=2.0.0' "$log"
check "--check --diff showed the unit diff for all three hosts" test "$(grep -c -- '^+++ b/etc/systemd/system/fleet-quoter.service' "$log")" == 3
for m in "${MACHINES[@]}"; do
    check "$m: --check --diff changed nothing" test "$(snapshot "$m")" == "${before[$m]}"
done

# --- 4. the rolling update ------------------------------------------------------------
if play rolling-2.0.0 tradectl.ops.rolling_update -e tradectl_version=2.0.0; then
    bad "rolling_update failed at fleet-2 (it succeeded)"
else
    ok "rolling_update failed (fleet-2's health gate)"
fi
log="$RUN/logs/rolling-2.0.0.log"
recap rolling-2.0.0
check "fleet-1 updated to 2.0.0, serving 2.0.0" test "$(current fleet-1)/$(served fleet-1)" == "2.0.0/2.0.0"
check "fleet-2 rolled back by tradectl to 1.0.0, serving 1.0.0" test "$(current fleet-2)/$(served fleet-2)" == "1.0.0/1.0.0"
check "fleet-2's 2.0.0 recorded as rolled back" bash -c \
    "'$BOOTED' exec fleet-2 -- tradectl --project fleet releases --json | python3 -c 'import json,sys; r={x[\"version\"]: x[\"outcome\"] for x in json.load(sys.stdin)}; sys.exit(r.get(\"2.0.0\") != \"rolled back\")'"
check "the module's failure carries tradectl's message and exit status" bash -c \
    "grep -q 'was not healthy and was rolled back to 1.0.0' '$log' && grep -q '\"rc\": 1' '$log'"
check "fleet-3 untouched: 1.0.0, no 2.0.0 release" test "$(current fleet-3)/$(served fleet-3)/$(on fleet-3 ls /opt/fleet/releases | tr '\n' ' ')" == "1.0.0/1.0.0/1.0.0 "
check "the play never reached fleet-3 (no task result, no SSH connection)" bash -c \
    "! grep -Eq '^(ok|changed|fatal|skipping): \\[fleet-3\\]|<10\\.231\\.3\\.2>' '$log'"

# --- 4b. a rerun on the updated host changes nothing -----------------------------------
check "rolling_update again on fleet-1 (already on 2.0.0)" play rerun-fleet-1 tradectl.ops.rolling_update -e tradectl_version=2.0.0 --limit fleet-1
check "... reports no change (the plan had 0 changes)" grep -Eq '^fleet-1 +: ok=[0-9]+ +changed=0 ' "$RUN/logs/rerun-fleet-1.log"

# --- 5. the fleet report --------------------------------------------------------------
check "fleet_status gathered the facts" play status tradectl.ops.fleet_status -e tradectl_report_dir="$RUN"
check "the JSON report has all three hosts with their releases and health" python3 - "$RUN/fleet-report.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
want = {"fleet-1": "2.0.0", "fleet-2": "1.0.0", "fleet-3": "1.0.0"}
assert sorted(report) == sorted(want), sorted(report)
for host, release in want.items():
    facts = report[host]
    assert facts["current_release"] == release, (host, facts["current_release"])
    assert facts["status"]["project"] == "fleet", host
    assert facts["health"]["results"], host
    assert facts["health_status"] in ("healthy", "degraded") and facts["health_exit"] == facts["health"]["exit_code"], (host, facts["health_status"])
    assert any(r["current"] for r in facts["releases"]), host
assert [r["outcome"] for r in report["fleet-2"]["releases"] if r["version"] == "2.0.0"] == ["rolled back"]
EOF
echo "fleet: the text report:"
cat "$RUN/fleet-report.txt"

# --- 6. the nightly backup check ------------------------------------------------------
check "offsite_backup_check (a backup taken first, no off-site target)" \
    play backup tradectl.ops.offsite_backup_check -e tradectl_backup_take=true -e tradectl_backup_remote=false

# --- 7. secrets -----------------------------------------------------------------------
logs=("$RUN"/logs/*.log)
check "the vault's canary appears in no -vvv output (${#logs[@]} logs)" bash -c "! grep -rl '$CANARY' '$RUN/logs' '$RUN/fleet-report.json' '$RUN/fleet-report.txt'"
check "the -vvv logs are verbose (module arguments shown)" grep -q "ESTABLISH SSH CONNECTION" "$RUN/logs/site-1.0.0.log"

echo "fleet: $passed passed, $failed failed"
[[ "$failed" == 0 ]]
