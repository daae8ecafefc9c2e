# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Call the emulator's admin API from the controller, between the tasks of one playbook.

A lookup runs inside ansible-playbook (no module process), so the reliability tests can reset
the emulator, set its config and faults before each case of a batched playbook for a few
milliseconds instead of a task. Returns the controller's clock after the steps, so the test can
tell which requests (journal entries carry their start time) each case made.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: emulator_admin
short_description: Drive the test emulator's admin API (reliability tests only)
description:
  - Sends each step to C(<admin>/<name>) and returns the time (epoch seconds) after the last step
    and the last step's answer (e.g. C(GET state)).
options:
  _terms:
    description: Steps, each a dict with C(method), C(name) and optional C(body).
    type: list
    elements: dict
    required: true
  admin:
    description: The admin base URL, C(https://host:port/_emulator).
    type: str
    required: true
  ca_file:
    description: The emulator's CA file.
    type: str
    required: true
"""

import json
import time

from ansible.module_utils.urls import open_url
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        admin = self.get_option("admin").rstrip("/")
        ca_file = self.get_option("ca_file")
        steps = []
        for term in terms:
            steps.extend(term if isinstance(term, list) else [term])
        answer = None
        for step in steps:
            method = step.get("method", "POST")
            body = step.get("body")
            data = None if method == "GET" else json.dumps(body if body is not None else {})
            answer = json.loads(open_url("%s/%s" % (admin, step["name"]), method=method, data=data, ca_path=ca_file,
                                         headers={"Content-Type": "application/json"}, timeout=30).read() or "null")
        return [time.time(), answer]
