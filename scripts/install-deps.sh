#!/usr/bin/env bash
# Installs the system packages tradectl builds and tests against (Debian 12).
# Idempotent: only calls apt-get when something is missing.
set -euo pipefail

packages=(
    libsystemd-dev   # sd-journal, sd_notify (CSystemd)
    libarchive-dev   # archives (CArchive)
    libzstd-dev      # zstd archives with bounded worker memory (CZstd)
    libcurl4-openssl-dev  # SMTP for the email notifier (CCurl)
    libsqlite3-dev   # SQLite through GRDB
    sqlite3          # tests look into databases with the sqlite3 CLI
    pkg-config       # system-library targets find their flags with it
    systemd          # systemctl, systemd-analyze, journald, the user manager
    python3          # the example trading systems
    util-linux       # flock(1), used by the lock tests
    curl             # the demo asks the dashboard for /health
    systemd-journal-remote  # builds journal files offline for the logs tests and bench/journal.sh
    logrotate        # deploy writes a logrotate config; tests check it with logrotate -d
    python3-aiosmtpd # the email notifier tests send to a real SMTP server on loopback
    openssl          # ... with STARTTLS on a self-signed certificate made by `openssl req`
    prometheus       # promtool: the metrics test checks /metrics with `promtool check metrics`
    rclone           # off-site copies (backup.offsite): upload, crypt, check
    openssh-server   # the off-site tests' SFTP server (an sshd on a loopback port)
    openssh-client   # ssh-keygen for its host and client keys
    python3-venv     # the off-site tests' S3 server (moto) lives in a venv under .cache/
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

# The S3 server of the off-site tests: moto from PyPI (Debian has no package), in a venv
# under .cache/ unless the python3 on PATH already has it.
install_moto() {
    python3 -c 'import moto.server' 2>/dev/null && command -v moto_server >/dev/null && return 0
    local root venv
    root="$(cd "$(dirname "$0")/.." && pwd)"
    venv="$root/.cache/moto"
    [ -x "$venv/bin/moto_server" ] && return 0
    echo "install-deps: installing moto[server] into $venv" >&2
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'moto[server]'
}

if [ ${#missing[@]} -eq 0 ]; then
    install_moto
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 77; }
    sudo=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
install_moto
