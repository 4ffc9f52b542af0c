#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tradectl_backup
short_description: Take, verify, push or list tradectl backups
version_added: 0.2.0
description:
  - O(action=create) runs C(tradectl backup --json) (one archive, then the off-site copies of
    C([backup.offsite]) and retention); check mode runs it with C(--dry-run).
  - O(action=verify) runs C(tradectl backup verify ARCHIVE --json) (every SHA-256 and every
    database's C(integrity_check)); with O(remote) the off-site copy is downloaded and
    decrypted first. A mismatch fails with exit 65. It changes no data (it records
    C(verified_at)), so it reports C(changed=false) and runs in check mode too.
  - O(action=push) runs C(tradectl backup push --json); a failed upload fails with exit 69.
  - O(action=list) runs C(tradectl backup list --json) (O(remote) adds C(--remote)) and
    reports the catalog, with the age of the newest archive in seconds.
options:
  action:
    description: What to do.
    type: str
    choices: [create, verify, push, list]
    default: create
  archive:
    description: The archive for O(action=verify) or O(action=push) (default C(latest) for verify, every unverified one for push).
    type: str
  remote:
    description: O(action=verify) and O(action=list) against the off-site copy (C(--remote)).
    type: bool
    default: false
  verify:
    description: O(action=create) verifies the new archive too (C(--verify)).
    type: bool
    default: false
  compression:
    description: O(action=create) compression (C(--compression)).
    type: str
    choices: [gzip, zstd]
  lock_wait:
    description: Seconds to wait for another tradectl's project lock (C(--lock-wait)).
    type: int
    default: 0
extends_documentation_fragment:
  - tradectl.ops.common
attributes:
  check_mode:
    support: full
    description: C(create) and C(push) run with C(--dry-run); C(verify) and C(list) only read.
  diff_mode:
    support: none
    description: Archives have no diff.
author:
  - tradectl maintainers (!UNKNOWN)  # no GitHub handle to name yet
'''

EXAMPLES = r'''
- name: Nightly backup, verified
  tradectl.ops.tradectl_backup:
    config: /srv/tradectl/v6/tradectl.toml
    verify: true

- name: The off-site copy of the newest archive decrypts and matches
  tradectl.ops.tradectl_backup:
    action: verify
    remote: true
'''

RETURN = r'''
changed:
  description: C(create) or C(push) changed something (in check mode, would have).
  returned: always
  type: bool
result:
  description: tradectl's JSON document (a dry run's plan; the created catalog entries; the verify report; the push operations; the catalog).
  returned: success
  type: raw
archives:
  description: For O(action=list), the catalog (newest last, as tradectl lists it).
  returned: when action is list
  type: list
  elements: dict
latest:
  description: For O(action=list), the newest catalog entry (or null).
  returned: when action is list
  type: dict
latest_age_seconds:
  description: For O(action=list), seconds since the newest archive was created (null without one).
  returned: when action is list
  type: float
ok:
  description: For O(action=verify), every check passed.
  returned: when action is verify
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
  description: tradectl's standard error.
  returned: always
  type: str
exit_meaning:
  description: What the exit status means (docs/cli.md).
  returned: failure
  type: str
'''

import datetime

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tradectl.ops.plugins.module_utils.tradectl import COMMON_ARGS, fail, parse_json, run


def _created(entry):
    value = (entry or {}).get('created') or (entry or {}).get('copy', {}).get('created')
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def main():
    argument_spec = dict(COMMON_ARGS)
    argument_spec.update(
        action=dict(type='str', choices=['create', 'verify', 'push', 'list'], default='create'),
        archive=dict(type='str'),
        remote=dict(type='bool', default=False),
        verify=dict(type='bool', default=False),
        compression=dict(type='str', choices=['gzip', 'zstd']),
        lock_wait=dict(type='int', default=0),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    action = p['action']
    lock = ['--lock-wait', str(p['lock_wait'])] if p['lock_wait'] else []
    if action == 'create':
        args = ['backup'] + lock
        if p['compression']:
            args += ['--compression', p['compression']]
        if p['verify']:
            args.append('--verify')
    elif action == 'push':
        args = ['backup', 'push'] + ([p['archive']] if p['archive'] else []) + lock
    elif action == 'verify':
        args = ['backup', 'verify', p['archive'] or 'latest'] + lock
        if p['remote']:
            args.append('--remote')
    else:
        args = ['backup', 'list'] + (['--remote'] if p['remote'] else [])
    if module.check_mode and action in ('create', 'push'):
        args.append('--dry-run')
    rc, out, err, cmd = run(module, args)
    if rc != 0:
        fail(module, rc, out, err, cmd)
    doc = parse_json(module, out, err, cmd)
    result = dict(changed=False, result=doc, cmd=cmd, rc=rc, stderr=err)
    if action == 'create':
        result['changed'] = bool(doc.get('changes')) if isinstance(doc, dict) else bool(doc)
    elif action == 'push':
        if isinstance(doc, dict):
            result['changed'] = bool(doc.get('changes'))
        else:
            result['changed'] = any(op.get('ok') for op in doc or [])
    elif action == 'verify':
        result['ok'] = bool((doc or {}).get('ok'))
    else:
        archives = doc or []
        dated = [(e, _created(e)) for e in archives]
        dated = [(e, c) for e, c in dated if c is not None]
        latest = max(dated, key=lambda pair: pair[1]) if dated else None
        now = datetime.datetime.now(datetime.timezone.utc)
        result.update(
            archives=archives,
            latest=latest[0] if latest else None,
            latest_age_seconds=(now - latest[1]).total_seconds() if latest else None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
