# shellcheck shell=bash
# Sourced by bench/backup.sh and bench/restore.sh: the benchmarks' project, one definition.
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
