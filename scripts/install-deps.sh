#!/usr/bin/env bash
# Installs the system packages tradectl builds and tests against (Debian 12).
# Idempotent: only calls apt-get when something is missing.
set -euo pipefail

packages=(
    libsystemd-dev   # sd-journal, sd_notify (CSystemd)
    libarchive-dev   # archives (CArchive)
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
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 77; }
    sudo=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
