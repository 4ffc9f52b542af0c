#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tradectl_deploy
short_description: Deploy a tradectl project on this host (tradectl deploy)
version_added: 0.2.0
description:
  - Runs C(tradectl deploy --json) - a new release from the project's source, units
    written, services started and health-gated.
  - Check mode runs C(tradectl deploy --dry-run); diff mode shows the unit (and other file)
    diffs of the plan; C(changed) is the plan's number of changes > 0.
options:
  version:
    description: The release name (C(--version)); default tradectl's (date or commit).
    type: str
  source:
    description: The application source (C(--source)); default the config's C(releases.source).
    type: path
  no_start:
    description: Install, but start nothing (C(--no-start)).
    type: bool
    default: false
  health_timeout:
    description: How long the health gate waits, e.g. C(90s) (C(--health-timeout)).
    type: str
  lock_wait:
    description: Seconds to wait for another tradectl's project lock (C(--lock-wait)).
    type: int
    default: 0
  during_session:
    description: Allow a deploy that restarts a trading component during a market session.
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
- name: Deploy release 1.4.0 from the staged source
  tradectl.ops.tradectl_deploy:
    config: /srv/tradectl/v6/tradectl.toml
    version: 1.4.0
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
        source=dict(type='path'),
        no_start=dict(type='bool', default=False),
        health_timeout=dict(type='str'),
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
    if p['no_start']:
        args.append('--no-start')
    if p['health_timeout']:
        args += ['--health-timeout', p['health_timeout']]
    if p['lock_wait']:
        args += ['--lock-wait', str(p['lock_wait'])]
    if p['during_session']:
        args.append('--during-session')
    if p['skip_preflight']:
        args.append('--skip-preflight')
    module.exit_json(**run_plan(module, 'deploy', args))


if __name__ == '__main__':
    main()
