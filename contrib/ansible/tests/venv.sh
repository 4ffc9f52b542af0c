#!/usr/bin/env bash
# contrib/ansible/tests/venv.sh — ansible-core (and ansible-lint) from PyPI in a venv under
# .cache/ansible, like scripts/install-deps.sh does for moto. Idempotent; prints the venv.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VENV="${ANSIBLE_VENV:-$REPO/.cache/ansible}"
if [[ ! -x "$VENV/bin/ansible-playbook" || ! -x "$VENV/bin/ansible-lint" ]]; then
    echo "fleet: installing ansible-core and ansible-lint into $VENV" >&2
    /usr/bin/python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'ansible-core>=2.16,<2.20' 'ansible-lint' >&2
fi
echo "$VENV"
