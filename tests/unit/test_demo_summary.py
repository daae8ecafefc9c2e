# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""demo/print_summary.py renders a rule-mode posture report (kind: fleet) from the table the fleet_report filter built."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

from ansible_collections.azure_recovery.backup.plugins.filter.fleet_report import fleet_report

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "demo"))
from print_summary import render  # noqa: E402  pylint: disable=wrong-import-position,import-error


def _row(name, subscription, findings=(), action="none"):
    return {"vm_id": "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/%s" % (subscription, name),
            "vm_name": name, "label": "rg/" + name, "subscription_id": subscription, "resource_group": "rg", "location": "westus",
            "backup_state": "unprotected", "backup_vault": None, "desired_vault": "v1", "backup_policy": None, "desired_policy": "P",
            "action": action, "findings": list(findings), "rules": ["r"], "note": None, "purge_time": None, "last_backup_time": None,
            "protection_state": None}


def _report(*rows):
    scope = {"plan": [], "rows": list(rows), "totals": {"unprotected": 1}, "by_subscription": {}, "rules": [], "warnings_list": []}
    return fleet_report(scope, check_mode=True)


def test_fleet_report_one_subscription_no_column():
    text = render(_report(_row("idleVM", "s1", ["unprotected"], "enable"), _row("webVM", "s1")))
    lines = text.splitlines()
    assert lines[0].startswith("Azure Backup by rule, check mode: nothing was written")
    header = [line for line in lines if line.startswith("│ VM ")][0]
    assert "Subscription" not in header and "Outcome" in header
    assert len([line for line in lines if "rg/idleVM" in line]) == 1
    assert [line for line in lines if "rg/idleVM" in line][0].count("would change (enable)") == 1
    assert "2 VMs in scope" in text


def test_fleet_report_two_subscriptions_keep_column():
    text = render(_report(_row("a", "s1"), _row("b", "s2")))
    header = [line for line in text.splitlines() if line.startswith("│ VM ")][0]
    assert "Subscription" in header
    assert [line for line in text.splitlines() if "rg/b" in line][0].split("│")[2].strip() == "s2"
