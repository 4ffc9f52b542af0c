#!/usr/bin/env bash
# contrib/ansible/tests/sanity.sh — the tradectl.ops collection's static checks:
# ansible-lint (production profile, contrib/ansible/.ansible-lint), ansible-test sanity and
# the unit tests of plugins/module_utils
# (in the venv of tests/venv.sh, its requirements from PyPI; --venv would fetch a pip
# bootstrap script from outside PyPI). Both need the collection at
# ansible_collections/tradectl/ops: a copy in a temporary directory outside this
# repository (inside it, ansible-test asks git for the files, and .cache/ is ignored).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
VENV="$("$HERE/venv.sh")"
export PATH="$VENV/bin:$PATH"
TOP="$(mktemp -d "${TMPDIR:-/tmp}/tradectl-ops-sanity.XXXXXX")"
trap 'rm -rf "$TOP"' EXIT
DEST="$TOP/ansible_collections/tradectl/ops"
mkdir -p "$DEST"
(cd "$HERE/.." && tar --exclude=tests/output --exclude=__pycache__ -cf - .) | (cd "$DEST" && tar -xf -)
cd "$DEST"
ansible-lint --nocolor
rm -rf .ansible    # ansible-lint's cache, not part of the collection
PY="$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
# ansible-test puts pip into each of its venvs with a bootstrap script it downloads from
# outside PyPI; a stand-in here does the same from PyPI: ensurepip, then pip install of
# what it is asked for. Its cache (and the venvs) live under .cache/ansible-test-home.
export HOME="$REPO/.cache/ansible-test-home"
PIP_VERSION="$(python3 -c 'import re,ansible_test._internal.python_requirements as r,inspect; print(re.search(r"pip=.([0-9.]+).", inspect.getsource(r)).group(1))')"
SHIM="$HOME/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py"
mkdir -p "$(dirname "$SHIM")"
cat > "$SHIM" <<'PY'
"""Stand-in for get-pip.py: ensurepip, then `pip install` of the requested packages (PyPI)."""
import ensurepip
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args))
PY
ansible-test sanity --local --requirements --python "$PY" --color no "$@"
# The modules' shared code (plain unittest: ansible-test units would want pytest and more).
(cd tests/unit/plugins/module_utils && PYTHONPATH="$TOP" "$VENV/bin/python" -m unittest -v test_tradectl)
echo "sanity: ansible-lint, ansible-test sanity and the unit tests passed"
