# -*- coding: utf-8 -*-
# The options every tradectl.ops module shares.

from __future__ import annotations


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  config:
    description:
      - The project's config file (C(tradectl --config)).
      - Without it (and without O(project)) tradectl finds the one installed config
        (C(/etc/tradectl/<project>.toml)).
    type: path
  project:
    description:
      - The installed project to act on (C(tradectl --project)); needed where several
        projects are installed and O(config) is not given.
    type: str
  executable:
    description:
      - The tradectl binary.
    type: path
    default: tradectl
  environment:
    description:
      - Extra environment for tradectl, e.g. C(TRADECTL_<SECTION>_<KEY>) config overrides.
    type: dict
    default: {}
notes:
  - tradectl runs with stdin a closed pipe, never a terminal, so it never waits for an
    answer; a session-gated command during a market session exits 75 unless
    C(during_session=true) (where the module has that option).
  - On failure the result carries tradectl's exit status as C(rc), its meaning as
    C(exit_meaning), and tradectl's error lines (from the one starting C(tradectl) C(error) on)
    as C(msg).
'''
