#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tradectl_facts
short_description: tradectl's status, health and releases of a host as facts
version_added: 0.2.0
description:
  - Runs C(tradectl status --json), C(tradectl health --json) and C(tradectl releases --json)
    and returns them as the fact C(tradectl) (C(tradectl.status), C(tradectl.health),
    C(tradectl.releases), plus C(tradectl.current_release), C(tradectl.health_status) and
    C(tradectl.health_exit)).
  - C(health) exits 0 healthy, 1 degraded, 2 unhealthy, 3 unknown; all four are facts, not
    failures (a report wants the unhealthy hosts too). Any other exit status fails.
  - Reads only; runs the same in check mode.
options:
  checks:
    description: Only these health checks (C(health --check NAME)).
    type: list
    elements: str
    default: []
  fail_on_unhealthy:
    description: Fail when C(health) exits 2 (unhealthy) or 3 (unknown).
    type: bool
    default: false
extends_documentation_fragment:
  - tradectl.ops.common
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Reads only.
  facts:
    support: full
    description: Returns C(ansible_facts.tradectl).
author:
  - tradectl maintainers (!UNKNOWN)  # no GitHub handle to name yet
'''

EXAMPLES = r'''
- name: Gather tradectl facts
  tradectl.ops.tradectl_facts:
    config: /srv/tradectl/v6/tradectl.toml

- name: Show the current release
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ ansible_facts.tradectl.current_release }} ({{ ansible_facts.tradectl.health_status }})"
'''

RETURN = r'''
ansible_facts:
  description: C(tradectl) with C(status), C(health), C(releases), C(current_release), C(health_status), C(health_exit).
  returned: success
  type: dict
  contains:
    tradectl:
      description: The host's tradectl facts.
      returned: success
      type: dict
cmd:
  description: The last command line that ran.
  returned: always
  type: list
  elements: str
rc:
  description: The exit status of the command that failed.
  returned: failure
  type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tradectl.ops.plugins.module_utils.tradectl import COMMON_ARGS, fail, parse_json, run

HEALTH_EXIT = {0: 'healthy', 1: 'degraded', 2: 'unhealthy', 3: 'unknown'}


def main():
    argument_spec = dict(COMMON_ARGS)
    argument_spec.update(
        checks=dict(type='list', elements='str', default=[]),
        fail_on_unhealthy=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    facts = {}

    rc, out, err, cmd = run(module, ['status'])
    if rc != 0:
        fail(module, rc, out, err, cmd)
    facts['status'] = parse_json(module, out, err, cmd)

    health_args = ['health']
    for check in module.params['checks']:
        health_args += ['--check', check]
    rc, out, err, cmd = run(module, health_args)
    if rc not in HEALTH_EXIT:
        fail(module, rc, out, err, cmd)
    facts['health'] = parse_json(module, out, err, cmd, rc)
    facts['health_exit'] = rc
    facts['health_status'] = HEALTH_EXIT[rc]

    rc, out, err, cmd = run(module, ['releases'])
    if rc != 0:
        fail(module, rc, out, err, cmd)
    facts['releases'] = parse_json(module, out, err, cmd) or []
    current = [r for r in facts['releases'] if r.get('current')]
    facts['current_release'] = current[0].get('version') if current else None

    if module.params['fail_on_unhealthy'] and facts['health_exit'] >= 2:
        module.fail_json(
            msg='tradectl health: %s' % facts['health_status'], rc=facts['health_exit'],
            ansible_facts=dict(tradectl=facts), cmd=cmd)
    module.exit_json(changed=False, ansible_facts=dict(tradectl=facts), cmd=cmd)


if __name__ == '__main__':
    main()
