# shellcheck shell=bash
# Sourced by bench/backup.sh, bench/restore.sh and bench/scale.sh: the benchmarks' project, one definition.
# write_demo_project DIR: DIR/src (engine.py and a .env) and DIR/tradectl.toml, a user-scope
# project `demo` backing up data/bench.db, .env and data/files (deploy it with --root).
write_demo_project() {
    local dir=$1
    mkdir -p "$dir/src"
    echo "print('engine')" >"$dir/src/engine.py"
    (umask 077 && echo "API_KEY=bench-not-a-secret" >"$dir/src/.env")
    cat >"$dir/tradectl.toml" <<'TOML'
[project]
name = "demo"
environment = "paper"
root = "/opt/demo"
scope = "user"
state_dir = "/var/lib/tradectl/demo"

[releases]
source = "src"
shared = ["data/", ".env"]

[[components]]
name = "engine"
exec = "/usr/bin/python3 engine.py"
env_file = ".env"
stop_timeout = "30s"
trades = true

[backup]
dir = "/var/backups/demo"
databases = ["data/bench.db"]
paths = [".env", "data/files"]
TOML
}

# deploy_demo_project BIN DIR: write_demo_project DIR, deploy it with BIN under DIR/root, and
# make shared/data/files for the generators.
deploy_demo_project() {
    local bin=$1 dir=$2
    write_demo_project "$dir"
    "$bin" deploy --config "$dir/tradectl.toml" --root "$dir/root" --quiet >/dev/null
    mkdir -p "$dir/root/opt/demo/shared/data/files"
}
