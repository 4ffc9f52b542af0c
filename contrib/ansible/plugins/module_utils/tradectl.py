# -*- coding: utf-8 -*-
# Shared code of the tradectl.ops modules: run `tradectl ... --json` without a terminal,
# read its one JSON document, and turn a failure into tradectl's own exit status and
# message (docs/cli.md, "Exit codes").

from __future__ import annotations

import json
import re

# The options every tradectl.ops module takes (the module's argument_spec adds its own).
COMMON_ARGS = dict(
    config=dict(type='path'),
    project=dict(type='str'),
    executable=dict(type='path', default='tradectl'),
    environment=dict(type='dict', default={}),
)

# The common options' documentation, repeated in each module's DOCUMENTATION (ansible-test
# wants every module's documentation complete on its own).
EXIT_MEANINGS = {
    0: 'success',
    1: 'the operation failed (build hook, health gate, systemctl)',
    2: 'unhealthy',
    3: 'unknown',
    64: 'usage error',
    65: 'invalid data (config, release conflict, template, archive)',
    69: 'systemd unavailable',
    75: 'locked (another tradectl holds the project lock) or refused during a market session',
    77: 'permission denied',
}

# One action line of the text plan: `~ update    file                   /etc/...  (note)`.
_ACTION_LINE = re.compile(r'^[+~\->] (\w+)\s+(\S+)\s+(.*?)(?:  \(.*\))?$')


def base_command(module):
    """tradectl with the global options the module was given."""
    cmd = [module.params['executable'] or 'tradectl']
    if module.params.get('config'):
        cmd += ['--config', module.params['config']]
    if module.params.get('project'):
        cmd += ['--project', module.params['project']]
    return cmd


def run(module, args, json_output=True):
    """Run tradectl ARGS; returns (rc, stdout, stderr, command).

    stdin is a closed pipe, never a terminal: tradectl's few questions (a session-gated
    command during a [market] session) are answered by its non-interactive rule (exit 75)
    instead of waiting. NO_COLOR keeps the text plan plain.
    """
    cmd = base_command(module) + list(args)
    if json_output:
        cmd.append('--json')
    env = {'NO_COLOR': '1', 'TERM': 'dumb'}
    env.update({str(k): str(v) for k, v in (module.params.get('environment') or {}).items()})
    rc, out, err = module.run_command(cmd, data='\n', binary_data=True, environ_update=env)
    return rc, out, err, cmd


def error_message(stderr, rc):
    """tradectl's own message: every failure ends with `tradectl: error: ...` (and maybe a
    hint line). Warnings before it (pre-flight) are left out of msg but stay in stderr."""
    lines = (stderr or '').splitlines()
    for i, line in enumerate(lines):
        if line.startswith('tradectl: error:'):
            return '\n'.join(lines[i:]).strip()
    text = (stderr or '').strip()
    if text:
        return text
    return 'tradectl exited %d (%s)' % (rc, EXIT_MEANINGS.get(rc, 'unknown exit status'))


def error_document(out):
    """The `{"error": {...}}` document tradectl prints on stdout when a command fails under
    --json (exit_status, exit_meaning, message, hint, config_issues), or None."""
    try:
        document = json.loads(out) if (out or '').strip() else None
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get('error'), dict):
        return document['error']
    return None


def fail(module, rc, out, err, cmd, **extra):
    document = error_document(out)
    if document and document.get('config_issues'):
        extra.setdefault('config_issues', document['config_issues'])
    module.fail_json(
        msg=error_message(err, rc), rc=rc, stdout=out, stderr=err, cmd=cmd,
        exit_meaning=EXIT_MEANINGS.get(rc, 'unknown exit status'), **extra)


def parse_json(module, out, err, cmd, rc=0):
    try:
        return json.loads(out) if out.strip() else None
    except ValueError as exc:
        module.fail_json(
            msg='tradectl printed no JSON document: %s' % exc, rc=rc, stdout=out, stderr=err, cmd=cmd)


def text_plan_diffs(text):
    """The unified diffs under the file actions of a text plan, keyed by target.

    `tradectl <cmd> --dry-run` (text) prints each changing file's diff indented by four
    spaces under its action line; secrets are already redacted by tradectl.
    """
    diffs = {}
    target = None
    for line in (text or '').splitlines():
        if line.startswith('    ') and target is not None:
            diffs[target].append(line[4:])
            continue
        match = _ACTION_LINE.match(line)
        if match:
            target = match.group(3).strip()
            diffs[target] = []
        else:
            target = None
    return dict((k, '\n'.join(v) + '\n') for k, v in diffs.items() if v)


def plan_diff(module, plan, dry_run_args):
    """Ansible's diff for a plan: one entry per changed file with a unit diff.

    The plan's JSON actions carry `diff` where this tradectl prints it there; an older one
    is asked once more for its text dry run, whose diffs are parsed.
    """
    actions = (plan or {}).get('actions') or []
    changed_files = [a for a in actions if a.get('type') == 'file' and a.get('change') != 'unchanged']
    if not changed_files:
        return []
    diffs = dict((a['target'], a['diff']) for a in changed_files if a.get('diff'))
    if not diffs:
        rc, out, err, cmd = run(module, dry_run_args, json_output=False)
        if rc != 0:
            fail(module, rc, out, err, cmd)
        diffs = text_plan_diffs(out)
    result = []
    for action in changed_files:
        text = diffs.get(action['target'])
        if text:
            result.append(dict(
                before_header=action['target'], after_header=action['target'], prepared=text))
        else:
            result.append(dict(
                before_header=action['target'], after_header=action['target'],
                prepared='%s %s (no diff shown: a new or removed file, or one holding secrets)\n'
                % (action.get('change'), action['target'])))
    return result


def plan_result(plan):
    """The fields every planning module returns."""
    plan = plan or {}
    changes = int(plan.get('changes') or 0)
    return dict(
        changed=changes > 0,
        changes=changes,
        plan=plan,
        actions=[a for a in plan.get('actions') or [] if a.get('change') != 'unchanged'],
        notes=plan.get('notes') or [],
    )


def run_plan(module, command, args):
    """deploy / update / rollback: check mode is --dry-run; `changed` is the plan's changes
    > 0; diff mode shows the unit diffs; a failure carries tradectl's rc and message."""
    dry_run_args = [command] + list(args) + ['--dry-run']
    diff = None
    if module.check_mode:
        rc, out, err, cmd = run(module, dry_run_args)
        if rc != 0:
            fail(module, rc, out, err, cmd)
        plan = parse_json(module, out, err, cmd)
        if module._diff:
            diff = plan_diff(module, plan, dry_run_args)
    else:
        if module._diff:
            # The diffs of what is about to change: a dry run first (applied, the plan
            # would show nothing left to change).
            rc, out, err, cmd = run(module, dry_run_args)
            if rc != 0:
                fail(module, rc, out, err, cmd)
            diff = plan_diff(module, parse_json(module, out, err, cmd), dry_run_args)
        rc, out, err, cmd = run(module, [command] + list(args))
        if rc != 0:
            fail(module, rc, out, err, cmd)
        plan = parse_json(module, out, err, cmd)
    result = plan_result(plan)
    result.update(cmd=cmd, rc=rc, stderr=err, dry_run=module.check_mode)
    if diff and result['changed']:
        result['diff'] = diff
    return result
