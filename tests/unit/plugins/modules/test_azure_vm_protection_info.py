# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_protection_info end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_protection_info

from support.modules_http import ARGS, VM_ID, item, protectable, run


def test_info_filters_and_unprotected(fake, capsys):
    other = item(policy="EnhancedPolicy")
    other["properties"].update(friendlyName="vm01", virtualMachineId=VM_ID.replace("testVM", "vm01"))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [item(), other]}))
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable(), protectable("vm02")]}))
    result = run(azure_vm_protection_info, dict(ARGS, policy="enhancedpolicy", include_unprotected=True), capsys, check_mode=True)
    assert [i["friendly_name"] for i in result["protected_items"]] == ["vm01"]
    # testVM is protected (with another policy), so it is not "unprotected"
    assert [i["friendly_name"] for i in result["unprotected_vms"]] == ["vm02"]
    # the protected list, the protectable list and the vault's running jobs (pending_operation of every entry)
    assert len(fake.arm) == 3 and fake.writes() == []
    assert all(i["pending_operation"] is None for i in result["protected_items"] + result["unprotected_vms"])


def test_info_by_name_uses_the_service_filter(fake, capsys):
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [item()]}))
    result = run(azure_vm_protection_info, dict(ARGS, vm_name="testVM", protection_state=["protected"], health_status=["Passed"]), capsys)
    assert len(result["protected_items"]) == 1
    listed = [r for r in fake.arm if r.path.endswith("/backupProtectedItems")]
    assert listed[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM' and itemType eq 'VM' and friendlyName eq 'testVM'"]
