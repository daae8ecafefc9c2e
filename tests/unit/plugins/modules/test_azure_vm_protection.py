# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_protection end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_backup_now, azure_vm_protection, azure_vm_protection_info

from support.modules_http import (
    ARGS, ENDPOINT, ITEM, ITEM_NAME, POLICY_ID, SUB, VAULT, VM_ARGS, VM_ID, accepted, enable_reads, item, item_while_running, protectable, run, running_job,
    warnings,
)


def test_protection_noop_costs_one_get_and_one_job_list(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item(policy="defaultPolicy")))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["changed"] is False and result["action"] == "none" and result["pending_operation"] is None
    # the item, and the vault's running jobs (a write still running on the item would not show in the item yet)
    assert [(r.method, r.path) for r in fake.arm] == [("GET", ITEM), ("GET", VAULT + "/backupJobs")]
    assert fake.arm[0].query["api-version"] == ["2026-02-01"]
    assert "status eq 'InProgress'" in fake.arm[1].query["$filter"][0]


def test_protection_enable(fake, capsys):
    enable_reads(fake)
    fake.route("PUT", r"/protectedItems/", accepted(fake, job="job-enable"))
    fake.route("GET", r"/protectedItems/%s$" % re.escape(ITEM_NAME), (404, {"error": {"code": "NotFound", "message": "no"}}),
               (200, item("IRPending")))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, diff=True)
    assert result["changed"] and result["action"] == "enable" and result["job_id"] == "job-enable"
    assert result["protected_item"]["protection_state"] == "IRPending"
    assert result["diff"] == {"before": {}, "after": {"policy": "DefaultPolicy", "protection_state": "Protected", "soft_deleted": False,
                                                      "disk_exclusion": None}}
    put = [r for r in fake.arm if r.method == "PUT"]
    assert len(put) == 1 and put[0].path == ITEM
    assert put[0].body == {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID,
                                          "policyId": POLICY_ID}}
    # the vault lists the VM as NotProtected: no backupStatus POST (it counts as a write), no vault GET
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.arm if r.method != "PUT" and "/operation" not in r.path] == [
        ("GET", ITEM_NAME), ("GET", "backupJobs"), ("GET", "DefaultPolicy"), ("GET", "backupProtectableItems"), ("GET", ITEM_NAME)]


@pytest.mark.parametrize("listed", ["Protected", "Protecting", None])
def test_protection_enable_asks_the_backup_status_unless_listed_not_protected(fake, capsys, listed):
    """A VM the vault lists in any other state (or not at all) gets the backupStatus check, before any write."""
    items = [] if listed is None else [dict(protectable(), properties=dict(protectable()["properties"], protectionState=listed))]
    enable_reads(fake, protectable_items=items)
    fake.route("POST", r"/refreshContainers$", accepted(fake))
    fake.route("PUT", r"/protectedItems/", accepted(fake, job="job-enable"))
    run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", discover=False), capsys)
    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.arm]
    assert ("POST", "backupStatus") in methods
    if ("PUT", ITEM_NAME) in methods:
        assert methods.index(("POST", "backupStatus")) < methods.index(("PUT", ITEM_NAME))


def test_protection_uses_the_operations_final_item_instead_of_reading_again(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    status = ITEM + "/operationsStatus/op-s"
    result_url = ITEM + "/operationResults/op-s"
    fake.route("GET", r"/operationsStatus/op-s$", (200, {"status": "Succeeded", "properties": {"jobId": "job-s"}}))
    fake.route("GET", r"/operationResults/op-s$", (200, item("ProtectionStopped", policy=None)))
    fake.route("PUT", r"/protectedItems/", (202, "", {"Azure-AsyncOperation": ENDPOINT + status, "Location": ENDPOINT + result_url}))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys)
    assert result["protected_item"]["protection_state"] == "ProtectionStopped" and result["job_id"] == "job-s"
    assert [r.path.rsplit("/", 1)[-1] for r in fake.arm] == [ITEM_NAME, "backupJobs", ITEM_NAME, "op-s", "op-s"]


def test_protection_enable_check_mode_writes_nothing(fake, capsys):
    enable_reads(fake)
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, check_mode=True)
    assert result["changed"] and result["action"] == "enable" and result["protected_item"] is None
    assert fake.writes() == []


def test_protection_elsewhere_fails_before_any_write(fake, capsys):
    other = "/subscriptions/%s/resourceGroups/otherVaultRG/providers/Microsoft.RecoveryServices/vaults/otherVault" % SUB
    # such a VM is not among this vault's protectable VMs: asked before any refresh (a write)
    enable_reads(fake, status={"protectionStatus": "Protected", "vaultId": other}, protectable_items=[])
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["failed"] and "already protected by vault otherVault" in result["msg"]
    assert fake.writes() == []


def test_protection_unknown_policy_lists_the_vaults_policies(fake, capsys):
    enable_reads(fake, policy=False)
    fake.route("GET", r"/backupPolicies/NoSuch$", (404, {"error": {"code": "NotFound", "message": "no"}}))
    fake.route("GET", r"/backupPolicies$", (200, {"value": [{"name": "EnhancedPolicy"}, {"name": "DefaultPolicy"}]}))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="NoSuch"), capsys)
    assert result["failed"]
    assert result["msg"] == "backup policy 'NoSuch' does not exist in vault testVaultRG/testVault (its VM policies: DefaultPolicy, EnhancedPolicy)"
    assert fake.writes() == []


@pytest.mark.parametrize("policy", ["", "  ", "a/../b"])
def test_protection_bad_policy_is_refused_before_any_call(fake, capsys, policy):
    result = run(azure_vm_protection, dict(VM_ARGS, policy=policy), capsys)
    assert result["failed"] and "policy" in result["msg"]
    assert fake.arm == []


def test_protection_discovers_an_unknown_vm_once(fake, capsys):
    enable_reads(fake, protectable_items=[])
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}), (200, {"value": [protectable()]}))
    fake.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/r1"}))
    fake.route("GET", r"/operationResults/r1$", (204, ""))
    fake.route("PUT", r"/protectedItems/", accepted(fake))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", wait=False), capsys)
    assert result["changed"] and result["discovered"]
    assert [m for m, _p in fake.writes()] == ["POST", "PUT"]
    protectable_calls = [r for r in fake.arm if r.path.endswith("/backupProtectableItems")]
    assert [r.query["$filter"] for r in protectable_calls] == [["backupManagementType eq 'AzureIaasVM' and friendlyName eq 'testVM'"]] * 2


def test_protection_check_mode_on_an_undiscovered_vm_warns_and_does_not_refresh(fake, capsys):
    enable_reads(fake, protectable_items=[])
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, check_mode=True)
    assert result["changed"] and result["discovered"]
    assert any("not discovered by the vault yet" in text for text in warnings(result))
    assert fake.writes() == []


def test_protection_undiscovered_with_discover_false(fake, capsys):
    enable_reads(fake, protectable_items=[protectable("testVM", "otherRG")])
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", discover=False), capsys)
    assert result["failed"] and "does not know VM testRG/testVM yet and discover=false" in result["msg"]
    assert fake.writes() == []


def test_protection_vm_still_unknown_after_refresh(fake, capsys):
    enable_reads(fake, protectable_items=[])
    fake.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/r1"}))
    fake.route("GET", r"/operationResults/r1$", (204, ""))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["failed"] and "even after refreshing" in result["msg"]
    assert [m for m, _p in fake.writes()] == ["POST"]


def test_protection_soft_deleted_needs_undelete(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item("ProtectionStopped", policy=None, soft_deleted=True)))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    # deferredDeleteTimeInUTC is the time of the delete; the purge is 14 days later
    assert result["failed"] and "soft-deleted (deleted at 2026-12-13T00:00:00Z, purged for good at 2026-12-27T00:00:00Z" in result["msg"]
    assert len(fake.arm) == 2


def test_protection_undelete_then_protect(fake, capsys):
    enable_reads(fake)
    fake.route("GET", r"/protectedItems/%s$" % re.escape(ITEM_NAME), (200, item("ProtectionStopped", policy=None, soft_deleted=True)),
               (200, item("IRPending")))
    fake.route("PUT", r"/protectedItems/", accepted(fake, op="op-u", job="job-u"), accepted(fake, op="op-p", job="job-p"))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", undelete=True), capsys)
    assert result["changed"] and result["action"] == "undelete" and result["job_id"] == "job-p"
    puts = [r.body["properties"] for r in fake.arm if r.method == "PUT"]
    assert puts[0] == {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID,
                       "protectionState": "ProtectionStopped", "policyId": None, "isRehydrate": True}
    assert puts[1]["policyId"] == POLICY_ID
    # the undelete finished before the protect was sent
    order = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.arm]
    assert order.index(("GET", "op-u")) < [i for i, o in enumerate(order) if o[0] == "PUT"][1]


def test_protection_stop_keeps_data(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("ProtectionStopped", policy=None)))
    fake.route("PUT", r"/protectedItems/", accepted(fake))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys, diff=True)
    assert result["changed"] and result["action"] == "stop"
    assert result["diff"]["after"]["protection_state"] == "ProtectionStopped" and result["diff"]["after"]["policy"] is None
    assert [r.body for r in fake.arm if r.method == "PUT"] == [{"properties": {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID, "protectionState": "ProtectionStopped",
        "policyId": ""}}]


def test_protection_delete_reports_soft_delete(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("ProtectionStopped", policy=None, soft_deleted=True)))
    fake.route("DELETE", r"/protectedItems/", (202, "", {"Location": ENDPOINT + VAULT + "/backupOperationResults/d1"}))
    fake.route("GET", r"/backupOperationResults/d1$", (202, ""), (204, ""))
    result = run(azure_vm_protection, dict(VM_ARGS, state="absent"), capsys)
    assert result["changed"] and result["action"] == "delete"
    assert result["protected_item"]["soft_deleted"] and result["protected_item"]["deleted_time"] == "2026-12-13T00:00:00Z"
    assert "purged for good at 2026-12-27T00:00:00Z" in result["msg"] and "undelete=true" in result["msg"]


def test_protection_absent_on_soft_deleted_changes_nothing(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item("ProtectionStopped", policy=None, soft_deleted=True)))
    result = run(azure_vm_protection, dict(VM_ARGS, state="absent"), capsys)
    assert result["changed"] is False and result["protected_item"]["soft_deleted"]
    assert result["protected_item"]["purge_time"] == "2026-12-27T00:00:00Z"
    assert len(fake.arm) == 2


def test_protection_disk_change_sends_the_selection(fake, capsys):
    fake.route("GET", r"/backupPolicies/DefaultPolicy$", (200, {"id": POLICY_ID, "name": "DefaultPolicy", "properties": {}}))
    fake.route("GET", r"/protectedItems/", (200, item(disks={"diskLunList": [1], "isInclusionList": False})))
    fake.route("PUT", r"/protectedItems/", accepted(fake))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["changed"] and result["action"] == "update"
    put = [r.body for r in fake.arm if r.method == "PUT"][0]
    assert put["properties"]["extendedProperties"] == {"diskExclusionProperties": {"diskLunList": [], "isInclusionList": False}}


def test_protection_failed_operation_is_one_line(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("PUT", r"/protectedItems/", accepted(fake, status="Failed"))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys)
    assert result["failed"] and result["msg"].startswith("stopping protection of VM testRG/testVM failed: UserErrorX: it broke")
    assert "\n" not in result["msg"]


@pytest.mark.parametrize("name,group", [("testVM;x/../other", "testRG"), ("testVM", "rg/../x"), ("a" * 65, "testRG"), ("vm?x", "testRG")])
def test_protection_names_that_could_address_another_resource_are_refused(fake, capsys, name, group):
    result = run(azure_vm_protection, dict(ARGS, vm_name=name, vm_resource_group=group, policy="DefaultPolicy"), capsys)
    assert result["failed"] and "invalid" in result["msg"]
    assert fake.arm == []


def test_protection_vm_in_other_subscription_refused(fake, capsys):
    args = dict(ARGS, vm_id=VM_ID.replace(SUB, "11111111-1111-1111-1111-111111111111"), policy="DefaultPolicy")
    result = run(azure_vm_protection, args, capsys)
    assert result["failed"] and "not in the vault's subscription" in result["msg"]
    assert fake.arm == []


# --------------------------------------------------------------------------- a write still running on the item (issue 11, item 1)

def test_rerun_during_a_running_stop_follows_its_job_and_sends_nothing(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys)
    assert result["changed"] is False and result["action"] == "none"
    assert result["protected_item"]["protection_state"] == "ProtectionStopped"
    assert result["pending_operation"] == {"job_id": "job-run", "operation": "DisableBackup", "status": "Completed",
                                           "start_time": "2026-03-01T10:00:00Z"}
    assert result["msg"].startswith("waited for the running DisableBackup job job-run (Completed); ")
    assert not [r for r in fake.arm if r.method != "GET"]


def test_present_while_a_stop_runs_waits_then_resumes(fake, capsys):
    enable_reads(fake)
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("ProtectionStopped", policy=None)), (200, item()))
    fake.route("PUT", r"/protectedItems/", accepted(fake, job="job-resume"))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    # the item read first said Protected: without the job list, "already as asked" (and stopped 25 s later)
    assert result["changed"] and result["action"] == "resume" and result["job_id"] == "job-resume", result
    assert [r.method for r in fake.arm].count("PUT") == 1
    job_reads = [r.path.rsplit("/", 1)[-1] for r in fake.arm if "/backupJobs" in r.path]
    assert job_reads[0] == "backupJobs" and job_reads.count("backupJobs") == 1 and "job-run" in job_reads


def test_check_mode_reports_the_running_operation_without_waiting(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, check_mode=True)
    assert result["pending_operation"]["job_id"] == "job-run" and result["pending_operation"]["status"] == "InProgress"
    assert "DisableBackup job job-run still running" in result["msg"]
    assert any("still running in the service" in warning for warning in warnings(result))
    assert not [r for r in fake.arm if r.path.endswith("/job-run")]  # never waits
    assert not [r for r in fake.arm if r.method != "GET"]


def test_wait_false_with_a_running_write_fails_naming_the_job(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None), operation="ConfigureBackup")
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped", wait=False), capsys)
    assert result["failed"] and "ConfigureBackup job job-run of VM testRG/testVM is still running" in result["msg"]
    assert "\n" not in result["msg"] and not [r for r in fake.arm if r.method != "GET"]


def test_a_running_enable_is_not_taken_for_not_protected(fake, capsys):
    """While an enable runs, the item GET is 404: state=absent must not say 'not protected; nothing to do'."""
    fake.route("GET", r"/backupJobs$", (200, {"value": [running_job("job-en", "ConfigureBackup")]}))
    fake.route("GET", r"/backupJobs/job-en$", (200, running_job("job-en", "ConfigureBackup", status="Completed")))
    fake.route("GET", r"/protectedItems/", (404, {"error": {"code": "NotFound", "message": "no"}}), (200, item()))
    fake.route("DELETE", r"/protectedItems/", (202, "", {"Location": ENDPOINT + VAULT + "/backupOperationResults/d1"}))
    fake.route("GET", r"/backupOperationResults/d1$", (204, ""))
    result = run(azure_vm_protection, dict(VM_ARGS, state="absent", wait=True), capsys)
    assert result["changed"] and result["action"] == "delete"
    assert [r.method for r in fake.arm].count("DELETE") == 1


def test_backup_now_waits_for_a_running_stop_and_then_refuses(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_backup_now, dict(VM_ARGS, wait=True), capsys)
    assert result["failed"] and "protection of VM testRG/testVM is stopped" in result["msg"]
    assert not [r for r in fake.arm if r.method == "POST"]
    assert [r for r in fake.arm if r.path.endswith("/backupJobs/job-run")]


def test_backup_now_check_mode_warns_about_a_running_protection_change(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_backup_now, dict(VM_ARGS, wait=True), capsys, check_mode=True)
    assert any("DisableBackup job job-run" in warning for warning in warnings(result))
    assert not [r for r in fake.arm if r.path.endswith("/job-run") or r.method == "POST"]


def test_info_says_which_items_have_a_write_running(fake, capsys):
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [dict(item(), id=ITEM, name=ITEM_NAME)]}))
    fake.route("GET", r"/backupJobs$", (200, {"value": [running_job("job-stop", "DisableBackup"), running_job("job-b", "Backup")]}))
    result = run(azure_vm_protection_info, dict(ARGS), capsys)
    assert result["protected_items"][0]["protection_state"] == "Protected"
    assert result["protected_items"][0]["pending_operation"] == {"job_id": "job-stop", "operation": "DisableBackup", "status": "InProgress",
                                                                 "start_time": "2026-03-01T10:00:00Z"}
    assert fake.writes() == []
