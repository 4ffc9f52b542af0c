#!/usr/bin/env bash
# Regenerates the key tables of docs/configuration.md from the config schema
# (Sources/TradeKit/Config/DeploymentSchema.swift): every block between
# <!-- BEGIN GENERATED KEYS: <table> --> and <!-- END GENERATED KEYS: <table> -->.
# The prose around the tables is hand-written and left alone. ConfigSchemaDocTests fails
# while the committed page differs from what this writes.
#   scripts/gen-config-doc.sh          rewrite docs/configuration.md
#   scripts/gen-config-doc.sh --print  print the generated tables instead
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product tradectl 2>&1 | tail -n 1 >&2
binary="$(swift build --show-bin-path)/tradectl"
if [ "${1:-}" = "--print" ]; then
    exec "$binary" config schema --markdown
fi
"$binary" config schema --update docs/configuration.md
git diff --stat -- docs/configuration.md
