#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: unit tests, offline deploys,
# crash tests, integration tests against a real systemd user manager and journald
# (started by scripts/systemd-harness.sh where the machine has none), and the
# system-scope suite against the .deb under a booted systemd (scripts/booted-systemd.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build --build-tests
# The code is kept in the project's swift-format style (.swift-format, applied with
# `swift-format format --in-place --recursive Sources Tests Package.swift`).
swift-format lint --strict --recursive Sources Tests Package.swift
if [ $# -gt 0 ]; then
    exec scripts/systemd-harness.sh run -- swift test --skip-build "$@"
fi
# Unit and CLI tests first, then the integration suites alone: they time real services,
# and sharing two cores with the rest of the suite would only make them slower.
swift test --skip-build --skip IntegrationTests --skip SystemScopeTests
scripts/systemd-harness.sh run -- swift test --skip-build --filter IntegrationTests

# Last, the system-scope suite (docs/testing.md): the .deb installed and the four examples
# deployed as root under a booted systemd (PID 1 in a systemd-nspawn container of Debian 12,
# scripts/booted-systemd.sh; the first run debootstraps its rootfs into .cache/, ~3 min).
if [ ! -f scripts/package.sh ]; then
    echo "test.sh: scripts/package.sh is missing, so there is no .deb for the system-scope suite" >&2
    exit 1
fi
bash scripts/package.sh
deb=$(ls -t dist/tradectl_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "test.sh: scripts/package.sh left no dist/tradectl_*.deb" >&2; exit 1; }
scripts/booted-systemd.sh rootfs >/dev/null
# XCTest only: the suite has no swift-testing tests, whose empty "0 tests" run would be the
# last closing line of the whole CI output.
TRADECTL_SYSTEM_SUITE=1 TRADECTL_DEB="$deb" swift test --skip-build --disable-swift-testing --filter SystemScopeTests

# Then the tradectl.ops Ansible collection against three such hosts, each in its own network
# namespace with openssh-server, driven by ansible-playbook over SSH (docs/fleet.md); the same
# rule as the suite above (TRADECTL_SYSTEM_SUITE=1, root). Its last line: "fleet: N passed, N failed".
TRADECTL_SYSTEM_SUITE=1 TRADECTL_DEB="$deb" bash contrib/ansible/tests/fleet.sh
