# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_backup_api against the real local HTTPS fake (conftest.py): paths, filters, bodies, LROs,
and the on-demand backup's lost-response handling."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import VmRef
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC

from support.fake_arm import DROP
VAULT = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/vrg/providers/Microsoft.RecoveryServices/vaults/v1"
ITEM = VAULT + "/backupFabrics/Azure/protectionContainers/IaasVMContainer%3Biaasvmcontainerv2%3Brg%3Bvm1/protectedItems/VM%3Biaasvmcontainerv2%3Brg%3Bvm1"
RAW_ITEM = VAULT + "/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg;vm1/protectedItems/VM;iaasvmcontainerv2;rg;vm1"
VM = VmRef("00000000-0000-0000-0000-000000000001", "rg", "vm1")
VM_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _filter(request):
    return parse_qs(urlsplit(request.target).query).get("$filter", [None])[0]


def _accepted(arm, path, op="op-1", job="job-1"):
    """A 202 whose operation succeeds at the first poll, naming ``job``."""
    status = path + "/operationsStatus/" + op
    arm.route_path("GET", status, (200, {"status": "Succeeded", "properties": {"objectType": "OperationStatusJobExtendedInfo", "jobId": job}}, {}))
    return (202, "", {"Azure-AsyncOperation": arm.url + status + "?api-version=2019-05-13", "Retry-After": "1"})


def test_paths_quote_user_segments(make_client):
    client = make_client()
    assert api.vault_path(client, "vrg", "v1") == VAULT
    assert api.item_path(VAULT, VM) == ITEM
    assert api.vault_path(client, "my(rg)", "v-1").endswith("/resourceGroups/my(rg)/providers/Microsoft.RecoveryServices/vaults/v-1")
    with pytest.raises(ValueError, match="invalid vault resource group name 'a/b'"):
        api.vault_path(client, "a/b", "v1")
    with pytest.raises(ValueError, match=r"invalid vault name 'v\?1'"):
        api.vault_path(client, "rg", "v?1")


def test_get_protected_item_404_is_none(make_client, arm):
    arm.route_path("GET", ITEM, (404, {"error": {"code": "BMSUserErrorItemNotFound", "message": "gone"}}, {}))
    assert api.get_protected_item(make_client(), VAULT, VM) is None


def test_get_policy_quotes_and_404_is_none(make_client, arm):
    arm.route_path("GET", VAULT + "/backupPolicies/My%20Policy", (404, {"error": {"code": "NotFound", "message": "no"}}, {}))
    assert api.get_policy(make_client(), VAULT, "My Policy") is None


def test_list_filters(make_client, arm):
    client = make_client()
    for path in ("/backupProtectableItems", "/backupProtectedItems", "/backupPolicies"):
        arm.route_path("GET", VAULT + path, (200, {"value": [{"name": "x"}]}, {}))
    assert api.list_protectable_items(client, VAULT) == [{"name": "x"}]
    api.list_protectable_items(client, VAULT, friendly_name="vm1")
    api.list_protected_items(client, VAULT, friendly_name="vm1", policy_name="P")
    api.list_policies(client, VAULT)
    assert [_filter(r) for r in arm.api_requests()] == [
        "backupManagementType eq 'AzureIaasVM'",
        "backupManagementType eq 'AzureIaasVM' and friendlyName eq 'vm1'",
        "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM' and friendlyName eq 'vm1' and policyName eq 'P'",
        "backupManagementType eq 'AzureIaasVM'",
    ]


def test_list_follows_pages(make_client, arm):
    arm.route_path("GET", VAULT + "/backupProtectedItems", (200, {"value": [{"name": "a"}], "nextLink": arm.url + VAULT + "/page2?$skiptoken=x"}, {}))
    arm.route_path("GET", VAULT + "/page2", (200, {"value": [{"name": "b"}]}, {}))
    assert [i["name"] for i in api.list_protected_items(make_client(), VAULT)] == ["a", "b"]


def test_list_jobs_filter_times(make_client, arm):
    arm.route_path("GET", VAULT + "/backupJobs", (200, {"value": []}, {}))
    api.list_jobs(make_client(), VAULT, status="InProgress", operation="Backup", start_time=NOW, end_time=NOW + datetime.timedelta(hours=13))
    assert _filter(arm.api_requests()[0]) == ("backupManagementType eq 'AzureIaasVM' and status eq 'InProgress' and operation eq 'Backup' and "
                                              "startTime eq '2026-03-01 12:00:00 PM' and endTime eq '2026-03-02 01:00:00 AM'")


def test_refresh_follows_location_to_204(make_client, arm):
    result_path = VAULT + "/backupFabrics/Azure/operationResults/op-9"
    location = {"Location": arm.url + result_path + "?api-version=2016-12-01", "Retry-After": "60"}
    arm.route_path("POST", VAULT + "/backupFabrics/Azure/refreshContainers", (202, "", location))
    arm.route_path("GET", result_path, (202, "", {"Location": arm.url + result_path + "?api-version=2016-12-01"}), (204, "", {}))
    api.refresh_containers(make_client(), VAULT)
    methods = [(r.method, r.path) for r in arm.api_requests()]
    assert methods == [("POST", VAULT + "/backupFabrics/Azure/refreshContainers"), ("GET", result_path), ("GET", result_path)]
    assert _filter(arm.api_requests()[0]) == "backupManagementType eq 'AzureIaasVM'"


def _refresh_ending(arm, op, status_body):
    status_path = VAULT + "/backupFabrics/Azure/operationsStatus/" + op
    return (202, "", {"Azure-AsyncOperation": arm.url + status_path + "?api-version=2019-05-13-preview", "Retry-After": "1"}), status_path, status_body


def test_refresh_waits_out_another_refresh_of_the_vault(make_client, arm, fake_clock):
    locked = {"status": "Failed", "error": {"code": "BMSUserErrorObjectLocked", "message": "Another operation is in progress on the item."}}
    first, first_status, first_body = _refresh_ending(arm, "op-1", locked)
    second, second_status, second_body = _refresh_ending(arm, "op-2", {"status": "Succeeded"})
    arm.route_path("POST", VAULT + "/backupFabrics/Azure/refreshContainers", first, second)
    arm.route_path("GET", first_status, (200, first_body, {}))
    arm.route_path("GET", second_status, (200, second_body, {}))
    client = make_client()
    result = api.refresh_containers(client, VAULT)
    assert result.status == "Succeeded"
    posts = [r for r in arm.api_requests() if r.method == "POST"]
    assert len(posts) == 2
    assert any("another refresh of the vault was running" in line for line in client.retries)
    assert api.REFRESH_LOCKED_WAIT in fake_clock.slept


def test_refresh_waits_for_another_refresh_only_within_the_task_deadline(make_client, arm, fake_clock):
    """The refresh's waits, its polls and its lock waits share the task's one deadline."""
    locked = {"status": "Failed", "error": {"code": "BMSUserErrorObjectLocked", "message": "Another operation is in progress on the item."}}
    first, status_path, body = _refresh_ending(arm, "op-1", locked)
    arm.route_path("POST", VAULT + "/backupFabrics/Azure/refreshContainers", first)
    arm.route_path("GET", status_path, (200, body, {}))
    client = make_client()
    client.set_deadline(8)  # poll (1 s), lock wait (5 s), poll (1 s): 1 s left, less than another lock wait
    with pytest.raises(ArmError) as caught:
        api.refresh_containers(client, VAULT)
    assert caught.value.code == "OperationTimeout" and "another refresh of the vault was running" in str(caught.value)
    assert sum(fake_clock.slept) <= 8 and len([r for r in arm.api_requests() if r.method == "POST"]) == 2


def test_refresh_other_failures_are_not_retried(make_client, arm):
    failed = {"status": "Failed", "error": {"code": "BMSUserErrorContainerNotFound", "message": "no"}}
    first, status_path, body = _refresh_ending(arm, "op-1", failed)
    arm.route_path("POST", VAULT + "/backupFabrics/Azure/refreshContainers", first)
    arm.route_path("GET", status_path, (200, body, {}))
    with pytest.raises(ArmError) as err:
        api.refresh_containers(make_client(), VAULT)
    assert err.value.code == "BMSUserErrorContainerNotFound"
    assert len([r for r in arm.api_requests() if r.method == "POST"]) == 1


def test_refresh_without_wait_only_posts(make_client, arm):
    arm.route_path("POST", VAULT + "/backupFabrics/Azure/refreshContainers", (202, "", {"Location": arm.url + VAULT + "/x"}))
    assert api.refresh_containers(make_client(), VAULT, wait=False) is None
    assert len(arm.api_requests()) == 1


def test_backup_status_is_a_retried_post(make_client, arm):
    path = "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.RecoveryServices/locations/westus/backupStatus"
    arm.route_path("POST", path, (503, "", {"Retry-After": "0"}), (200, {"protectionStatus": "NotProtected"}, {}))
    assert api.backup_status(make_client(), "westus", VM_ID) == {"protectionStatus": "NotProtected"}
    assert [r.json() for r in arm.api_requests()] == [{"resourceType": "VM", "resourceId": VM_ID}] * 2


def test_bodies():
    disks = {"lun_list": [0, 2], "is_inclusion_list": True}
    assert api.protect_body(VM, VM_ID, "/p/DefaultPolicy", None) == {"properties": {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID, "policyId": "/p/DefaultPolicy"}}
    assert api.protect_body(VM, VM_ID, "/p", disks)["properties"]["extendedProperties"] == {
        "diskExclusionProperties": {"diskLunList": [0, 2], "isInclusionList": True}}
    assert api.protect_body(VM, VM_ID, "/p", None, reset_disks=True)["properties"]["extendedProperties"] == {
        "diskExclusionProperties": {"diskLunList": [], "isInclusionList": False}}
    assert api.stop_body(VM, VM_ID)["properties"] == {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID,
                                                      "protectionState": "ProtectionStopped", "policyId": ""}
    classic = VmRef("00000000-0000-0000-0000-000000000001", "rg", "vm1", classic=True)
    assert api.undelete_body(classic, VM_ID)["properties"] == {
        "protectedItemType": "Microsoft.ClassicCompute/virtualMachines", "sourceResourceId": VM_ID,
        "protectionState": "ProtectionStopped", "policyId": None, "isRehydrate": True}


def test_put_follows_operation_to_job(make_client, arm):
    arm.route_path("PUT", ITEM, _accepted(arm, RAW_ITEM, job="job-7"))
    result = api.put_protected_item(make_client(), VAULT, VM, {"properties": {}}, "enabling")
    assert result.job_id == "job-7"


def test_put_is_resent_after_a_dropped_connection_when_no_job_shows_it_happened(make_client, arm, fake_clock):
    arm.route_path("PUT", ITEM, DROP, _accepted(arm, RAW_ITEM))
    arm.route_path("GET", VAULT + "/backupJobs", (200, {"value": [_job("someone-else", activity="x")]}, {}))
    assert api.put_protected_item(make_client(), VAULT, VM, {"properties": {}}, "enabling").job_id == "job-1"
    assert [r.method for r in arm.api_requests()].count("PUT") == 2
    # the job list was read (for ConfigureBackup jobs) after each check delay before sending again
    lists = [r for r in arm.api_requests() if r.method == "GET" and urlsplit(r.target).path.endswith("/backupJobs")]
    assert len(lists) == len(api.LOST_WRITE_CHECKS)
    assert "operation eq 'ConfigureBackup'" in _filter(lists[0])


@pytest.mark.parametrize("body,operation", [
    ({"properties": {}}, "ConfigureBackup"),
    ({"properties": {"protectionState": "ProtectionStopped"}}, "DisableBackup"),
    ({"properties": {"protectionState": "ProtectionStopped", "isRehydrate": True}}, "Undelete"),
    (None, "DeleteBackupData"),
])
def test_write_whose_response_was_lost_is_not_resent_when_its_job_exists(make_client, arm, fake_clock, body, operation):
    """The job's activityId is the lost request's x-ms-client-request-id: found, it is followed, never re-sent."""
    method = "DELETE" if body is None else "PUT"
    sent_ids = []
    arm.route_path(method, ITEM, lambda recorded: sent_ids.append(recorded.headers["x-ms-client-request-id"]) or DROP)
    ours = dict(_job("ours", activity="?"), properties=dict(_job("ours")["properties"], operation=operation))

    def jobs(recorded):
        ours["properties"]["activityId"] = sent_ids[0]
        return (200, {"value": [_job("other", activity="x"), ours]}, {})
    arm.route_path("GET", VAULT + "/backupJobs", jobs)
    done = dict(ours, properties=dict(ours["properties"], status="Completed"))
    arm.route_path("GET", VAULT + "/backupJobs/ours", (200, ours, {}), (200, done, {}))
    client = make_client()
    if body is None:
        result = api.delete_protected_item(client, VAULT, VM, "deleting")
    else:
        result = api.put_protected_item(client, VAULT, VM, body, "writing")
    assert result.job_id == "ours"
    assert [r.method for r in arm.api_requests()].count(method) == 1
    assert "operation eq '%s'" % operation in _filter([r for r in arm.api_requests() if r.method == "GET"][0])
    assert any("not sent again" in line for line in client.retries)


def test_write_whose_job_failed_after_a_lost_response_fails_with_the_job_error(make_client, arm, fake_clock):
    sent_ids = []
    arm.route_path("PUT", ITEM, lambda recorded: sent_ids.append(recorded.headers["x-ms-client-request-id"]) or DROP)
    failed = _job("ours", status="Failed")
    failed["properties"].update(operation="ConfigureBackup", errorDetails=[{"errorCode": 400136, "errorString": "VM not found"}])
    arm.route_path("GET", VAULT + "/backupJobs",
                   lambda recorded: (200, {"value": [dict(failed, properties=dict(failed["properties"], activityId=sent_ids[0]))]}, {}))
    arm.route_path("GET", VAULT + "/backupJobs/ours", (200, failed, {}))
    with pytest.raises(ArmError) as caught:
        api.put_protected_item(make_client(), VAULT, VM, {"properties": {}}, "enabling")
    assert caught.value.code == "400136" and "VM not found" in str(caught.value)
    assert [r.method for r in arm.api_requests()].count("PUT") == 1


def test_put_without_wait_does_not_poll(make_client, arm):
    arm.route_path("PUT", ITEM, _accepted(arm, RAW_ITEM))
    assert api.put_protected_item(make_client(), VAULT, VM, {"properties": {}}, "enabling", wait=False) is None
    assert len(arm.api_requests()) == 1


def test_delete_404_means_already_gone(make_client, arm):
    arm.route_path("DELETE", ITEM, (404, {"error": {"code": "NotFound", "message": "gone"}}, {}))
    assert api.delete_protected_item(make_client(), VAULT, VM, "deleting") is None


def _job(name, status="InProgress", container="iaasvmcontainerv2;rg;vm1", activity="a-1", start="2026-03-01T11:59:00Z"):
    return {"name": name, "properties": {"status": status, "operation": "Backup", "containerName": container, "entityFriendlyName": "vm1",
                                         "activityId": activity, "startTime": start}}


def test_running_backup_jobs_of_one_vm_newest_first(make_client, arm):
    arm.route_path("GET", VAULT + "/backupJobs", (200, {"value": [
        _job("old", start="2026-03-01T10:00:00Z"), _job("other", container="iaasvmcontainerv2;rg;vm2"), _job("new")]}, {}))
    assert [j["name"] for j in api.running_backup_jobs(make_client(), VAULT, VM)] == ["new", "old"]
    assert _filter(arm.api_requests()[0]) == "backupManagementType eq 'AzureIaasVM' and status eq 'InProgress' and operation eq 'Backup'"


def test_trigger_backup_body_and_job(make_client, arm):
    arm.route_path("POST", ITEM + "/backup", _accepted(arm, RAW_ITEM, job="job-b"))
    job_id, lost = api.trigger_backup(make_client(), VAULT, VM, NOW + datetime.timedelta(days=30), now=NOW)
    assert (job_id, lost) == ("job-b", False)
    assert arm.api_requests()[0].json() == {"properties": {"objectType": "IaasVMBackupRequest", "recoveryPointExpiryTimeInUTC": "2026-03-31T12:00:00Z"}}


def test_trigger_backup_lost_response_finds_the_job_and_never_resends(make_client, arm, fake_clock):
    client = make_client()
    # The job's activityId is the request's x-ms-client-request-id: the fake echoes it.
    sent_ids = []
    arm.route_path("POST", ITEM + "/backup", lambda recorded: sent_ids.append(recorded.headers["x-ms-client-request-id"]) or DROP)
    arm.route_path("GET", VAULT + "/backupJobs", (200, {"value": []}, {}),
                   lambda recorded: (200, {"value": [_job("someone-else", activity="x"), _job("ours", activity=sent_ids[0])]}, {}))
    job_id, lost = api.trigger_backup(client, VAULT, VM, NOW + datetime.timedelta(days=1), now=NOW)
    assert (job_id, lost) == ("ours", True)
    assert [r.method for r in arm.api_requests()].count("POST") == 1
    # the job list was asked for backups that started since shortly before the request
    assert "startTime eq '2026-03-01 11:58:00 AM'" in _filter(arm.api_requests()[1])


def test_trigger_backup_lost_response_without_job_fails_without_resending(make_client, arm, fake_clock):
    arm.route_path("POST", ITEM + "/backup", DROP)
    arm.route_path("GET", VAULT + "/backupJobs", (200, {"value": []}, {}))
    with pytest.raises(ArmError) as caught:
        api.trigger_backup(make_client(), VAULT, VM, NOW + datetime.timedelta(days=1), now=NOW)
    assert caught.value.code == "AmbiguousBackupRequest"
    assert "it was not sent again" in str(caught.value)
    assert [r.method for r in arm.api_requests()].count("POST") == 1
    assert [r.method for r in arm.api_requests()].count("GET") == len(api.AMBIGUOUS_CHECKS)


def test_wait_for_job_until_it_ends(make_client, arm, fake_clock):
    arm.route_path("GET", VAULT + "/backupJobs/job-1", (200, _job("job-1"), {}), (200, _job("job-1"), {}), (200, _job("job-1", "Completed"), {}))
    job = api.wait_for_job(make_client(), VAULT, "job-1")
    assert job["properties"]["status"] == "Completed"
    assert fake_clock.slept == [2.0, 2.0]


def test_wait_for_job_timeout(make_client, arm, fake_clock):
    arm.route_path("GET", VAULT + "/backupJobs/job-1", (200, _job("job-1"), {}))
    with pytest.raises(ArmError) as caught:
        client = make_client()
        client.set_deadline(10)
        api.wait_for_job(client, VAULT, "job-1")
    assert caught.value.code == "OperationTimeout"
    assert "did not finish within 10s (wait_timeout); last saw job status InProgress" in str(caught.value)
    assert sum(fake_clock.slept) == 10
