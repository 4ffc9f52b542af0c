# -*- coding: utf-8 -*-
# Unit tests of the modules' shared code: the text plan's diffs, the JSON plan's diffs, the
# error message and `changed`. Runs under pytest (ansible-test units) or plain unittest:
#   PYTHONPATH=<dir holding ansible_collections> python -m unittest discover -s tests/unit

from __future__ import annotations

import unittest

from ansible_collections.tradectl.ops.plugins.module_utils import tradectl

TEXT_PLAN = """update: 8 changes planned
+ create    release                /opt/fleet/releases/2.0.0  (2 entries from /srv/tradectl/fleet/app)
~ update    file                   /etc/tradectl/fleet.toml
    --- a/etc/tradectl/fleet.toml
    +++ b/etc/tradectl/fleet.toml
    @@ -1,1 +1,1 @@
    -FLEET_RELEASE = "1.0.0"
    +FLEET_RELEASE = "2.0.0"
~ update    file                   /etc/systemd/system/fleet-quoter.service
    --- a/etc/systemd/system/fleet-quoter.service
    +++ b/etc/systemd/system/fleet-quoter.service
    @@ -9,1 +9,1 @@
    -Environment="FLEET_RELEASE=1.0.0"
    +Environment="FLEET_RELEASE=2.0.0"
~ update    symlink                /opt/fleet/current  (was 1.0.0)
> run       systemctl.restart      fleet-quoter.service fleet-monitor.service  (new release)
dry run: nothing was changed
"""

UNIT_DIFF = ('--- a/etc/systemd/system/fleet-quoter.service\n+++ b/etc/systemd/system/fleet-quoter.service\n'
             '@@ -9,1 +9,1 @@\n-Environment="FLEET_RELEASE=1.0.0"\n+Environment="FLEET_RELEASE=2.0.0"\n')


class FakeModule(object):
    """Just enough of AnsibleModule: params, and run_command that must not be called."""

    def __init__(self, text=None):
        self.params = dict(executable='tradectl', config='/srv/x.toml', project=None, environment={})
        self.text = text
        self.commands = []

    def run_command(self, cmd, **kwargs):
        self.commands.append((cmd, kwargs))
        if self.text is None:
            raise AssertionError('no second tradectl run expected')
        return 0, self.text, ''

    def fail_json(self, **kwargs):
        raise AssertionError('fail_json: %r' % (kwargs,))


class TextPlanDiffs(unittest.TestCase):
    def test_diffs_by_target(self):
        diffs = tradectl.text_plan_diffs(TEXT_PLAN)
        self.assertEqual(sorted(diffs), ['/etc/systemd/system/fleet-quoter.service', '/etc/tradectl/fleet.toml'])
        self.assertEqual(diffs['/etc/systemd/system/fleet-quoter.service'], UNIT_DIFF)

    def test_no_diffs(self):
        self.assertEqual(tradectl.text_plan_diffs('deploy: 0 changes planned\n'), {})


class PlanDiff(unittest.TestCase):
    def plan(self, with_diff):
        action = dict(type='file', target='/etc/systemd/system/fleet-quoter.service', change='update')
        if with_diff:
            action['diff'] = UNIT_DIFF
        return dict(command='update', changes=2, notes=[], actions=[
            action,
            dict(type='file', target='/etc/systemd/system/fleet-backup.timer', change='unchanged'),
            dict(type='systemctl.restart', target='fleet-quoter.service', change='run'),
        ])

    def test_json_diff_used_without_a_second_run(self):
        module = FakeModule(text=None)
        diff = tradectl.plan_diff(module, self.plan(True), ['update', '--dry-run'])
        self.assertEqual(diff, [dict(before_header='/etc/systemd/system/fleet-quoter.service',
                                     after_header='/etc/systemd/system/fleet-quoter.service', prepared=UNIT_DIFF)])
        self.assertEqual(module.commands, [])

    def test_text_dry_run_when_json_has_no_diff(self):
        module = FakeModule(text=TEXT_PLAN)
        diff = tradectl.plan_diff(module, self.plan(False), ['update', '--version', '2.0.0', '--dry-run'])
        self.assertEqual([d['prepared'] for d in diff], [UNIT_DIFF])
        cmd, kwargs = module.commands[0]
        self.assertEqual(cmd, ['tradectl', '--config', '/srv/x.toml', 'update', '--version', '2.0.0', '--dry-run'])
        self.assertNotIn('--json', cmd)
        self.assertEqual(kwargs['environ_update']['NO_COLOR'], '1')
        self.assertEqual(kwargs['data'], '\n')  # stdin a pipe, never a terminal


class Results(unittest.TestCase):
    def test_changed_is_changes_above_zero(self):
        self.assertTrue(tradectl.plan_result(dict(changes=3, actions=[]))['changed'])
        self.assertFalse(tradectl.plan_result(dict(changes=0, actions=[]))['changed'])

    def test_error_message_is_tradectls(self):
        stderr = ('tradectl: pre-flight warning: clock host: not synchronised\n'
                  'tradectl: error: update to 2.0.0 was not healthy and was rolled back to 1.0.0, which is healthy:\n'
                  'quoter did not become healthy\n')
        self.assertEqual(tradectl.error_message(stderr, 1),
                         'tradectl: error: update to 2.0.0 was not healthy and was rolled back to 1.0.0, '
                         'which is healthy:\nquoter did not become healthy')
        self.assertEqual(tradectl.error_message('', 75),
                         'tradectl exited 75 (%s)' % tradectl.EXIT_MEANINGS[75])


if __name__ == '__main__':
    unittest.main()
