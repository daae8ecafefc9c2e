# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Result shapes (_results.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _results as naming


SUB = "00000000-0000-0000-0000-000000000000"
OTHER_SUB = "11111111-1111-1111-1111-111111111111"
VM_ID = "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB
NOW = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


# --------------------------------------------------------------------------- result shapes

def _item(**props):
    base = {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "friendlyName": "testVM",
        "virtualMachineId": VM_ID, "sourceResourceId": VM_ID, "protectionState": "Protected", "protectionStatus": "Healthy",
        "healthStatus": "Passed", "lastBackupStatus": "", "lastBackupTime": "2001-01-01T00:00:00Z",
        "policyId": "/subscriptions/%s/resourceGroups/v/providers/Microsoft.RecoveryServices/vaults/v/backupPolicies/DefaultPolicy" % SUB,
        "containerName": "iaasvmcontainerv2;testrg;testvm",
    }
    base.update(props)
    return {
        "id": "/subscriptions/%s/resourceGroups/v/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/protectionContainers/"
              "IaasVMContainer;iaasvmcontainerv2;testrg;testvm/protectedItems/VM;iaasvmcontainerv2;testrg;testvm" % SUB,
        "name": "VM;iaasvmcontainerv2;testrg;testvm",
        "properties": base,
    }


def test_protected_item_result():
    result = naming.protected_item_result(_item())
    assert result["container_name"] == "IaasVMContainer;iaasvmcontainerv2;testrg;testvm"
    assert result["protected_item_name"] == "VM;iaasvmcontainerv2;testrg;testvm"
    assert result["policy_name"] == "DefaultPolicy"
    assert result["resource_group"] == "testRG"
    assert result["last_backup_time"] is None and result["last_backup_status"] is None
    assert result["soft_deleted"] is False and result["deferred_delete_time"] is None
    assert result["disk_exclusion"] is None
    assert naming.protected_item_result(None) is None


def test_protected_item_result_soft_deleted_and_disks():
    result = naming.protected_item_result(_item(
        isScheduledForDeferredDelete=True, deferredDeleteTimeInUTC="2026-03-15T00:00:00Z", policyId="", protectionState="ProtectionStopped",
        extendedProperties={"diskExclusionProperties": {"diskLunList": [2, 0, 2], "isInclusionList": True}}))
    # deferredDeleteTimeInUTC is the time of the delete: the data is purged 14 days later (no retention given)
    assert result["soft_deleted"] and result["deleted_time"] == "2026-03-15T00:00:00Z"
    assert result["purge_time"] == result["deferred_delete_time"] == "2026-03-29T00:00:00Z"
    assert result["policy_id"] is None and result["policy_name"] is None
    assert result["disk_exclusion"] == {"lun_list": [0, 2], "is_inclusion_list": True}


@pytest.mark.parametrize("extended,expected", [
    (None, None), ({}, None), ({"diskExclusionProperties": None}, None),
    ({"diskExclusionProperties": {"diskLunList": [], "isInclusionList": False}}, None),
    ({"diskExclusionProperties": {"diskLunList": [1], "isInclusionList": False}}, {"lun_list": [1], "is_inclusion_list": False}),
])
def test_disk_exclusion_of(extended, expected):
    assert naming.disk_exclusion_of({"extendedProperties": extended}) == expected


def test_protectable_item_result_real_shape():
    item = {"name": "iaasvmcontainerv2;testrg;vm01", "properties": {
        "friendlyName": "vm01", "protectableItemType": "Microsoft.Compute/virtualMachines", "protectionState": "NotProtected",
        "virtualMachineId": VM_ID.replace("testVM", "vm01"), "resourceGroup": "testRG"}}
    result = naming.protectable_item_result(item)
    assert result == {
        "name": "iaasvmcontainerv2;testrg;vm01", "friendly_name": "vm01", "resource_group": "testRG",
        "vm_id": VM_ID.replace("testVM", "vm01"), "protection_state": "NotProtected",
        "container_name": "IaasVMContainer;iaasvmcontainerv2;testrg;vm01", "protected_item_name": "VM;iaasvmcontainerv2;testrg;vm01",
        "classic": False,
    }


def test_protectable_item_result_spec_example_classic():
    # the spec example's VM ID has an empty resource group; fall back to the item name
    item = {"name": "VM;iaasvmcontainer;iaasvm-rg;iaasvm-1", "properties": {
        "friendlyName": "iaasvm-1", "protectableItemType": "Microsoft.ClassicCompute/virtualMachines", "protectionState": "NotProtected",
        "virtualMachineId": "/subscriptions/%s/resourceGroups/providers/Microsoft.ClassicCompute/virtualMachines/iaasvm-1" % SUB}}
    result = naming.protectable_item_result(item)
    assert result["resource_group"] == "iaasvm-rg" and result["classic"]
    assert result["container_name"] == "IaasVMContainer;iaasvmcontainer;iaasvm-rg;iaasvm-1"


def test_job_result():
    job = {"id": "/x/backupJobs/j1", "name": "j1", "properties": {
        "status": "Failed", "operation": "Backup", "startTime": "2024-04-22T07:00:31Z", "duration": "PT1M",
        "entityFriendlyName": "testvm", "containerName": "iaasvmcontainerv2;testrg;testvm",
        "errorDetails": [{"errorCode": 400199, "errorTitle": "T", "errorString": "S", "recommendations": ["R"]}]}}
    result = naming.job_result(job)
    assert result["job_id"] == "j1" and result["end_time"] is None
    assert result["error_details"] == [{"error_code": 400199, "error_title": "T", "error_string": "S", "recommendations": ["R"]}]
    assert naming.job_result(None) is None


@pytest.mark.parametrize("props,expected", [
    ({"containerName": "iaasvmcontainerv2;testrg;testvm"}, True),
    ({"containerName": "IaasVMContainer;iaasvmcontainerv2;TESTRG;testvm"}, True),
    ({"containerName": "iaasvmcontainerv2;otherrg;testvm", "entityFriendlyName": "testvm"}, False),
    ({"entityFriendlyName": "TESTVM"}, True),
    ({"entityFriendlyName": "other"}, False),
])
def test_job_is_for(props, expected):
    assert naming.job_is_for({"properties": props}, "testVM", "IaasVMContainer;iaasvmcontainerv2;testrg;testvm") is expected


# A soft delete as the service shows it right after the DELETE (az CLI session, 2022): deferredDeleteTimeInUTC is the
# moment of the delete, deferredDeleteTimeRemaining a .NET TimeSpan counting down from the vault's retention.
DELETED_AT = datetime.datetime(2022, 6, 20, 9, 41, 5, tzinfo=datetime.timezone.utc)
RECORDED_SOFT_DELETE = {"protectionState": "ProtectionStopped", "isScheduledForDeferredDelete": True,
                        "deferredDeleteTimeInUTC": "2022-06-20T09:41:05.1234567Z", "deferredDeleteTimeRemaining": "13.23:59:43.1234567"}


def _recorded(**changes):
    """The recorded soft-deleted item, with ``changes`` to its properties."""
    props = dict(RECORDED_SOFT_DELETE)
    props.update(changes)
    return _item(**props)


def test_recorded_soft_delete_purges_fourteen_days_after_the_delete():
    now = DELETED_AT + datetime.timedelta(seconds=17)
    result = naming.protected_item_result(_item(**RECORDED_SOFT_DELETE), now=now)
    assert result["deleted_time"] == "2022-06-20T09:41:05Z"
    assert result["purge_time"] == "2022-07-04T09:41:05Z"
    assert result["purge_in_days"] == 13
    assert result["deferred_delete_time"] == result["purge_time"]


def test_soft_delete_retention_of_the_item_then_the_vault():
    now = DELETED_AT + datetime.timedelta(days=1)
    props = _recorded(deferredDeleteTimeRemaining=None)
    assert naming.protected_item_result(props, now=now, vault_retention_days=30)["purge_time"] == "2022-07-20T09:41:05Z"
    props["properties"]["softDeleteRetentionPeriodInDays"] = 20
    assert naming.protected_item_result(props, now=now, vault_retention_days=30)["purge_time"] == "2022-07-10T09:41:05Z"
    # the name the service answers with (recorded 2024: "softDeleteRetentionPeriod": 0 on an item not soft-deleted)
    del props["properties"]["softDeleteRetentionPeriodInDays"]
    props["properties"]["softDeleteRetentionPeriod"] = 21
    assert naming.protected_item_result(props, now=now)["purge_time"] == "2022-07-11T09:41:05Z"
    props["properties"]["softDeleteRetentionPeriod"] = 0
    assert naming.protected_item_result(props, now=now)["purge_time"] == "2022-07-04T09:41:05Z"


def test_soft_delete_remaining_time_wins_over_an_assumed_retention():
    # the vault keeps 28 days, which this read did not know: the service's own count says so
    now = DELETED_AT + datetime.timedelta(days=2)
    result = naming.protected_item_result(_recorded(deferredDeleteTimeRemaining="26.00:00:00"), now=now)
    assert result["purge_time"] == "2022-07-18T09:41:05Z" and result["purge_in_days"] == 26


def test_soft_delete_without_delete_time_uses_the_remaining_time():
    now = DELETED_AT
    result = naming.protected_item_result(_recorded(deferredDeleteTimeInUTC="0001-01-01T00:00:00Z", deferredDeleteTimeRemaining="5.12:00:00"), now=now)
    assert result["deleted_time"] is None and result["purge_time"] == "2022-06-25T21:41:05Z" and result["purge_in_days"] == 5


def test_not_soft_deleted_has_no_purge_dates():
    result = naming.protected_item_result(_item(protectionState="Protected", deferredDeleteTimeInUTC="2022-06-20T09:41:05Z"), now=DELETED_AT)
    assert (result["deleted_time"], result["purge_time"], result["purge_in_days"]) == (None, None, None)


@pytest.mark.parametrize("body", [[], "text", 3, {"properties": []}, {"properties": "x"}])
def test_a_body_that_is_not_an_item_is_an_error_not_absent(body):
    with pytest.raises(ValueError, match="not a resource"):
        naming.protected_item_result(body)


def _job(name, operation, entity="testVM", container="iaasvmcontainerv2;testrg;testvm", start="2026-03-01T10:00:00Z"):
    return {"id": "/x/backupJobs/" + name, "name": name,
            "properties": {"operation": operation, "status": "InProgress", "entityFriendlyName": entity,
                           "containerName": container, "startTime": start}}


def test_protection_change_of_the_item_ignores_backups_and_other_vms():
    jobs = [_job("b", "Backup"), _job("o", "DisableBackup", entity="otherVM", container="iaasvmcontainerv2;testrg;othervm"),
            _job("late", "ConfigureBackup", start="2026-03-01T10:05:00Z"), _job("d", "DisableBackup")]
    found = naming.protection_change_of(jobs, "testVM", "IaasVMContainer;iaasvmcontainerv2;testrg;testvm")
    assert found["name"] == "d"
    assert naming.pending_operation_result(found) == {"job_id": "d", "operation": "DisableBackup", "status": "InProgress",
                                                      "start_time": "2026-03-01T10:00:00Z"}
    assert naming.protection_change_of([_job("b", "Backup")], "testVM", "IaasVMContainer;iaasvmcontainerv2;testrg;testvm") is None
    assert naming.pending_operation_result(None) is None
