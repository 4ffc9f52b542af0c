#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tradectl_rollback
short_description: Roll a tradectl project back to the previous (or a named) release
version_added: 0.2.0
description:
  - Runs C(tradectl rollback --json) - C(current) switched to the previous successful
    release (or O(to)), services restarted, health verified.
  - Not idempotent without O(to); each run goes one release further back. Name the
    release with O(to) to make a rerun a no-op.
  - Check mode runs C(tradectl rollback --dry-run); diff mode shows the unit diffs;
    C(changed) is the plan's number of changes > 0.
options:
  to:
    description: The release to return to (C(--to)); unknown names fail with exit 65.
    type: str
  start:
    description: Start trading components even while the kill switch is engaged (C(--start)).
    type: bool
    default: false
  health_timeout:
    description: How long the health check waits, e.g. C(90s) (C(--health-timeout)).
    type: str
  lock_wait:
    description: Seconds to wait for another tradectl's project lock (C(--lock-wait)).
    type: int
    default: 0
  during_session:
    description: Allow the rollback during a market session (C(--during-session)).
    type: bool
    default: false
extends_documentation_fragment:
  - tradectl.ops.common
attributes:
  check_mode:
    support: full
    description: Runs the command with C(--dry-run).
  diff_mode:
    support: full
    description: The unified diffs of the files the plan changes (units, the installed config).
author:
  - tradectl maintainers (!UNKNOWN)  # no GitHub handle to name yet
'''

EXAMPLES = r'''
- name: Back to 1.9.2
  tradectl.ops.tradectl_rollback:
    config: /srv/tradectl/v6/tradectl.toml
    to: 1.9.2
'''

RETURN = r'''
changed:
  description: The plan had changes (C(changes) > 0).
  returned: always
  type: bool
changes:
  description: The number of actions that change something.
  returned: success
  type: int
plan:
  description: tradectl's JSON plan (C(command), C(changes), C(actions), C(notes)).
  returned: success
  type: dict
actions:
  description: The plan's actions that change something (C(type), C(target), C(change), C(note)).
  returned: success
  type: list
  elements: dict
notes:
  description: The plan's notes.
  returned: success
  type: list
  elements: str
dry_run:
  description: True in check mode (the command ran with C(--dry-run)).
  returned: success
  type: bool
cmd:
  description: The command line that ran.
  returned: always
  type: list
  elements: str
rc:
  description: tradectl's exit status.
  returned: always
  type: int
stderr:
  description: tradectl's standard error (pre-flight warnings; on failure its error lines).
  returned: always
  type: str
exit_meaning:
  description: What the exit status means (docs/cli.md).
  returned: failure
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tradectl.ops.plugins.module_utils.tradectl import COMMON_ARGS, run_plan


def main():
    argument_spec = dict(COMMON_ARGS)
    argument_spec.update(dict(
        to=dict(type='str'),
        start=dict(type='bool', default=False),
        health_timeout=dict(type='str'),
        lock_wait=dict(type='int', default=0),
        during_session=dict(type='bool', default=False),
    ))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    args = []
    if p['to']:
        args += ['--to', p['to']]
    if p['start']:
        args.append('--start')
    if p['health_timeout']:
        args += ['--health-timeout', p['health_timeout']]
    if p['lock_wait']:
        args += ['--lock-wait', str(p['lock_wait'])]
    if p['during_session']:
        args.append('--during-session')
    module.exit_json(**run_plan(module, 'rollback', args))


if __name__ == '__main__':
    main()
