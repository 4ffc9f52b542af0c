#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: unit tests, offline deploys,
# crash tests, and integration tests against a real systemd user manager and journald
# (started by scripts/systemd-harness.sh where the machine has none).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build --build-tests
if [ $# -gt 0 ]; then
    exec scripts/systemd-harness.sh run -- swift test --skip-build "$@"
fi
# Unit and CLI tests first, then the integration suites alone: they time real services,
# and sharing two cores with the rest of the suite would only make them slower.
swift test --skip-build --skip IntegrationTests
scripts/systemd-harness.sh run -- swift test --skip-build --filter IntegrationTests
