#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tradectl_update
short_description: Update a tradectl project, health-gated, rolled back by tradectl on failure
version_added: 0.2.0
description:
  - Runs C(tradectl update --json) - a new release, the switch, a restart and the health
    gate; when the new release is not healthy tradectl rolls the host back to the previous
    release itself and exits 1, and this module fails with that exit status and message.
  - Check mode runs C(tradectl update --dry-run); diff mode shows the unit (and other file)
    diffs of the plan; C(changed) is the plan's number of changes > 0.
options:
  version:
    description: The release name (C(--version)).
    type: str
  source:
    description:
      - The application source, a path or a git URL (C(--source)); default the config's
        C(releases.source). A path given here is also written into the installed config.
    type: str
  health_timeout:
    description: How long the health gate waits, e.g. C(90s) (C(--health-timeout)).
    type: str
  rollback:
    description: Roll back when the new release is not healthy (false passes C(--no-rollback)).
    type: bool
    default: true
  start:
    description: Start trading components even while the kill switch is engaged (C(--start)).
    type: bool
    default: false
  lock_wait:
    description: Seconds to wait for another tradectl's project lock (C(--lock-wait)).
    type: int
    default: 0
  during_session:
    description: Allow the update during a market session (C(--during-session)).
    type: bool
    default: false
  skip_preflight:
    description: Skip the pre-flight checks of C(tradectl doctor).
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
- name: Update to 2.0.0, one host at a time (the play has serial 1)
  tradectl.ops.tradectl_update:
    config: /srv/tradectl/v6/tradectl.toml
    version: 2.0.0
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
        version=dict(type='str'),
        source=dict(type='str'),
        health_timeout=dict(type='str'),
        rollback=dict(type='bool', default=True),
        start=dict(type='bool', default=False),
        lock_wait=dict(type='int', default=0),
        during_session=dict(type='bool', default=False),
        skip_preflight=dict(type='bool', default=False),
    ))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    args = []
    if p['version']:
        args += ['--version', p['version']]
    if p['source']:
        args += ['--source', p['source']]
    if p['health_timeout']:
        args += ['--health-timeout', p['health_timeout']]
    if not p['rollback']:
        args.append('--no-rollback')
    if p['start']:
        args.append('--start')
    if p['lock_wait']:
        args += ['--lock-wait', str(p['lock_wait'])]
    if p['during_session']:
        args.append('--during-session')
    if p['skip_preflight']:
        args.append('--skip-preflight')
    module.exit_json(**run_plan(module, 'update', args))


if __name__ == '__main__':
    main()
