# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write every task result, as Ansible hands it to callbacks, to a JSON-lines file.

The reliability tests (tests/integration/test_reliability*.py) run many one-task cases in one
ansible-playbook process and read each case's result from this file. ansible-core has no json
stdout callback any more; this one runs beside the default stdout callback.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: reliability_record
type: aggregate
short_description: Record task results as JSON lines for the reliability tests
description:
  - Appends one JSON object per task result to the file named by E(RELIABILITY_RESULTS).
requirements:
  - enabled in callbacks_enabled
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "reliability_record"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status, result, **extra):
        path = os.environ.get("RELIABILITY_RESULTS")
        if not path:
            return
        entry = {"task": result.task_name or result._task.get_name(), "host": result._host.get_name(), "status": status,
                 "result": result._result}
        entry.update(extra)
        with open(path, "a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result, ignore_errors=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)
