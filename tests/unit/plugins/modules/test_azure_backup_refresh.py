# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_backup_refresh end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.modules import azure_backup_refresh

from support.modules_http import ARGS, CONTAINER, ENDPOINT, VAULT, VM_ID, item, protectable, run


def refresh_routes(session):
    session.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/r1",
                                                             "Retry-After": "0"}))
    session.route("GET", r"/operationResults/r1$", (202, ""), (204, ""))


def test_refresh_known_vms_cost_one_get(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable(), protectable("vm01")]}))
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM", {"name": "vm01", "resource_group": "testrg"}]), capsys)
    assert result["changed"] is False and result["refreshed"] is False
    assert [r.method for r in fake.arm] == ["GET"]
    assert fake.arm[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM'"]


def test_refresh_protected_vm_counts_as_known(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [item()]}))
    result = run(azure_backup_refresh, dict(ARGS, vms=[VM_ID]), capsys)
    assert result["changed"] is False
    assert result["protectable_items"][0]["protection_state"] == "Protected"
    assert fake.arm[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM' and friendlyName eq 'testVM'"]


def test_refresh_discovers_missing_vm(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}), (200, {"value": [protectable()]}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": []}))
    refresh_routes(fake)
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM"]), capsys)
    assert result["changed"] and result["refreshed"]
    assert result["discovered"][0]["container_name"] == CONTAINER
    assert [m for m, _p in fake.writes()] == ["POST"]


def test_refresh_check_mode_does_not_post(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": []}))
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM"]), capsys, check_mode=True)
    assert result["changed"] and result["missing"] == ["testRG/testVM"]
    assert fake.writes() == []


def test_refresh_whole_vault_changed_only_with_new_vms(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable()]}), (200, {"value": [protectable(), protectable("vm01")]}),
               (200, {"value": [protectable(), protectable("vm01")]}))
    refresh_routes(fake)
    first = run(azure_backup_refresh, ARGS, capsys)
    assert first["changed"] and [d["friendly_name"] for d in first["discovered"]] == ["vm01"]
    refresh_routes(fake)
    second = run(azure_backup_refresh, ARGS, capsys)
    assert second["changed"] is False and second["refreshed"] and second["discovered"] == []


def test_refresh_still_unknown_fails(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": []}))
    refresh_routes(fake)
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM"]), capsys)
    assert result["failed"] and "does not see testRG/testVM even after refreshing" in result["msg"]
