# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the vault / policy / guard emulator tests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from conftest import API

Q = {"api-version": API}
FAST = {"vault_lro_seconds": 0.2}
GUARD = "/subscriptions/99999999-0000-0000-0000-000000000000/resourceGroups/guardRG/providers/Microsoft.DataProtection/" \
        "resourceGuards/teamGuard"

V1_DAILY = {
    "backupManagementType": "AzureIaasVM",
    "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                       "scheduleRunTimes": ["2024-01-01T02:00:00Z"]},
    "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                        "dailySchedule": {"retentionTimes": ["2024-01-01T02:00:00Z"],
                                          "retentionDuration": {"count": 30, "durationType": "Days"}}},
    "timeZone": "UTC",
}
V2_HOURLY = {
    "backupManagementType": "AzureIaasVM", "policyType": "V2", "instantRpRetentionRangeInDays": 7,
    "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": "Hourly",
                       "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": "2024-01-01T08:00:00Z",
                                          "scheduleWindowDuration": 16}},
    "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                        "dailySchedule": {"retentionTimes": ["2024-01-01T08:00:00Z"],
                                          "retentionDuration": {"count": 30, "durationType": "Days"}}},
    "timeZone": "India Standard Time",
}


def props(base, **changes):
    """A deep copy of a policy body's properties with dotted-path changes (``a.b.c=value``)."""
    out = copy.deepcopy(base)
    for path, value in changes.items():
        node = out
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[part]
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return out


def done(emu, arm, resp):
    """Wait for a 202's operation; return its status body."""
    assert resp.status_code == 202, resp.text
    return emu.wait_op(arm, resp)


def patch_vault(emu, arm, body, vault="testVault", rg="testVaultRG"):
    emu.admin("POST", "config", FAST)
    resp = arm.patch(emu.vault_url(vault, rg), params=Q, json=body)
    if resp.status_code == 202:
        assert done(emu, arm, resp)["status"] == "Succeeded"
    return resp


def get_vault(emu, arm, vault="testVault", rg="testVaultRG"):
    resp = arm.get(emu.vault_url(vault, rg), params=Q)
    assert resp.status_code == 200, resp.text
    return resp.json()


def security(emu, arm, vault="testVault"):
    return get_vault(emu, arm, vault)["properties"]["securitySettings"]


def error(resp, status=400):
    assert resp.status_code == status, resp.text
    return resp.json()["error"]
