# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_restore's waits against the real local HTTPS fake (conftest.py) with the fake clock: every wait of a
restore, a job cancel and a cleanup draws from the client's one deadline for the task (wait_timeout)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _restore
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, format_utc

SUB = "00000000-0000-0000-0000-000000000001"
VAULT = "/subscriptions/%s/resourceGroups/vrg/providers/Microsoft.RecoveryServices/vaults/v1" % SUB
ITEM = VAULT + "/backupFabrics/Azure/protectionContainers/IaasVMContainer%3Biaasvmcontainerv2%3Brg%3Bvm1/protectedItems/VM%3Biaasvmcontainerv2%3Brg%3Bvm1"
STORAGE = "/subscriptions/%s/resourceGroups/srg/providers/Microsoft.Storage/storageAccounts/staging01" % SUB
DISK = "/subscriptions/%s/resourceGroups/drill/providers/Microsoft.Compute/disks/vm1-os" % SUB
PARAMS = dict(vault_name="v1", vault_resource_group="vrg", vm_name="vm1", vm_resource_group="rg", vm_id=None, staging_storage_account=STORAGE,
              target_resource_group="drill", restore_type="disks", recovery_point="latest", wait=True, wait_timeout=60)


def _job(name, status="InProgress", operation="Restore"):
    return {"id": VAULT + "/backupJobs/" + name, "name": name,
            "properties": {"status": status, "operation": operation, "entityFriendlyName": "vm1", "containerName": "iaasvmcontainerv2;rg;vm1",
                           "startTime": "2026-03-01T10:00:00Z", "actionsInfo": ["Cancellable"]}}


def _restore_reads(arm):
    point = {"id": ITEM + "/recoveryPoints/rp1", "name": "rp1", "properties": {
        "recoveryPointTime": format_utc(datetime.datetime.now(UTC) - datetime.timedelta(hours=1)),
        "recoveryPointTierDetails": [{"type": "HardenedRP", "status": "Valid"}]}}
    arm.route_path("GET", ITEM, (200, {"id": ITEM, "properties": {"protectionState": "Protected"}}, {}))
    arm.route_path("GET", VAULT + "/backupJobs", (200, {"value": []}, {}))
    arm.route_path("GET", ITEM + "/recoveryPoints", (200, {"value": [point]}, {}))
    arm.route_path("GET", VAULT, (200, {"id": VAULT, "location": "westus"}, {}))
    arm.route_path("GET", STORAGE, (200, {"id": STORAGE, "location": "westus"}, {}))
    status = ITEM + "/operationsStatus/op-1"
    arm.route_path("GET", status, (200, {"status": "Succeeded", "properties": {"objectType": "OperationStatusJobExtendedInfo", "jobId": "job-r"}}, {}))
    arm.route_path("POST", ITEM + "/recoveryPoints/rp1/restore", (202, "", {"Azure-AsyncOperation": arm.url + status, "Retry-After": "1"}))


def test_a_restores_waits_end_at_the_tasks_deadline(make_client, arm, fake_clock):
    """The restore's operation poll and its job wait together take the task's 60 s, not 60 s each."""
    _restore_reads(arm)
    arm.route_path("GET", VAULT + "/backupJobs/job-r", (200, _job("job-r"), {}))
    client = make_client()
    client.set_deadline(60)
    with pytest.raises(ArmError) as caught:
        _restore.restore(client, dict(PARAMS))
    assert caught.value.code == "OperationTimeout" and "job-r" in str(caught.value) and "job status InProgress" in str(caught.value)
    assert fake_clock.slept[0] == 1.0  # the operation's Retry-After, drawn from the same deadline
    assert sum(fake_clock.slept) == 60
    assert len([r for r in arm.api_requests() if r.method == "POST"]) == 1


def test_a_cancel_and_its_job_wait_share_the_tasks_deadline(make_client, arm, fake_clock):
    job = VAULT + "/backupJobs/job-c"
    arm.route_path("GET", job, (200, _job("job-c"), {}), (200, _job("job-c", "Cancelling"), {}))
    arm.route_path("POST", job + "/cancel", (202, "", {"Location": arm.url + job + "/operationResults/op-c", "Retry-After": "5"}))
    arm.route_path("GET", job + "/operationResults/op-c", (202, "", {"Retry-After": "5"}), (204, "", {}))
    client = make_client()
    client.set_deadline(30)
    with pytest.raises(ArmError) as caught:
        _restore.cancel_job(client, dict(vault_name="v1", vault_resource_group="vrg", job_id="job-c", wait=True, wait_timeout=30))
    assert caught.value.code == "OperationTimeout" and "job status Cancelling" in str(caught.value)
    # the one poll schedule: 2 s (Retry-After 5 is the longest wait), then the job's waits, all within the 30 s
    assert fake_clock.slept[:2] == [2.0, 2.0] and sum(fake_clock.slept) == pytest.approx(30)


def test_a_cleanups_deletions_are_waited_for_within_the_tasks_deadline(make_client, arm, fake_clock):
    arm.route_path("GET", DISK, (200, {"id": DISK, "tags": {"drill": "d1"}}, {}))
    status = "/subscriptions/%s/providers/Microsoft.Compute/locations/westus/operations/op-d" % SUB
    arm.route_path("DELETE", DISK, (202, "", {"Azure-AsyncOperation": arm.url + status}))
    arm.route_path("GET", status, (200, {"status": "InProgress"}, {}))
    client = make_client()
    client.set_deadline(20)
    with pytest.raises(ArmError) as caught:
        _restore.cleanup(client, dict(resource_ids=[DISK], tag={"drill": "d1"}, wait_timeout=20))
    assert caught.value.code == "OperationTimeout" and "deleting managed disk" in str(caught.value)
    assert sum(fake_clock.slept) == 20


@pytest.mark.parametrize("text,seconds", [("PT1M11.74S", 71.74), ("P1DT2H", 93600), ("PT0S", 0), ("", None), ("P", None), ("1h", None)])
def test_iso_duration_seconds(text, seconds):
    assert _restore.iso_duration_seconds(text) == seconds


def test_the_disks_of_a_group_that_does_not_exist_are_none(make_client, arm):
    """A drill's group deleted by its cleanup (or not created yet, in check mode): an earlier restore into it left nothing."""
    path = "/subscriptions/%s/resourceGroups/drill/providers/Microsoft.Compute/disks" % SUB
    arm.route_path("GET", path, (404, {"error": {"code": "ResourceGroupNotFound", "message": "Resource group 'drill' could not be found."}}))
    assert _restore.list_disks(make_client(), SUB, "drill") == []
    arm.route_path("GET", path, (403, {"error": {"code": "AuthorizationFailed", "message": "no access"}}))
    with pytest.raises(ArmError) as caught:
        _restore.list_disks(make_client(), SUB, "drill")
    assert caught.value.code == "AuthorizationFailed"
