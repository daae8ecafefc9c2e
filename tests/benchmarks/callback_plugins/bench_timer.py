# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: record the wall time of every task result into a JSON file.

Enabled only by the benchmark (ANSIBLE_CALLBACKS_ENABLED=bench_timer, with
BENCH_TIMER_FILE naming the output file). One record per task and host:
``{"task": name, "action": module, "host": host, "status": ok|changed|failed|skipped,
"start": epoch seconds the task started, "end": epoch seconds of the result}``.
"""
# pylint: disable=protected-access,unused-argument  # the callback API hands out these private attributes

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Record per-task wall times for the azure_recovery.backup benchmark
description:
  - Writes one JSON record per task result to the file named by E(BENCH_TIMER_FILE).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._records = []
        self._task_start = {}
        self._playbook_start = time.time()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start[task._uuid] = time.time()

    def _record(self, result, status):
        task = result._task
        self._records.append({
            "task": task.get_name(),
            "action": task.action,
            "host": result._host.get_name(),
            "status": "changed" if status == "ok" and result._result.get("changed") else status,
            "start": self._task_start.get(task._uuid, self._playbook_start),
            "end": time.time(),
        })

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("BENCH_TIMER_FILE")
        if not path:
            return
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"playbook_start": self._playbook_start, "playbook_end": time.time(), "records": self._records}, handle)
