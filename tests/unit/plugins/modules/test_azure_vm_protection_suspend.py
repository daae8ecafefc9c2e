# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_protection state=suspended: the decision, the PUT body, and the resend with the guard's
request when a resource guard refuses."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import DecisionError, decide, write_plan
from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_protection, azure_vm_protection_batch

from support.modules_http import ARGS, DROP, ENDPOINT, ITEM, VM_ARGS, item, run  # noqa: F401 pylint: disable=unused-import

GUARD = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/guardRG/providers/Microsoft.DataProtection/resourceGuards/g1"
DESIRED = {"state": "suspended", "policy_name": None, "disk_exclusion": None, "undelete": False}


def shape(state, soft_deleted=False):
    return {"protection_state": state, "policy_name": "DefaultPolicy", "soft_deleted": soft_deleted, "disk_exclusion": None,
            "friendly_name": "testVM", "deferred_delete_time": None}


@pytest.mark.parametrize("state", ["Protected", "IRPending", "ProtectionError"])
def test_an_active_item_is_suspended_keeping_its_policy(state):
    action, before, after = decide(shape(state), DESIRED)
    assert action == "suspend" and write_plan(action, "suspended") == ["suspend"]
    assert after == dict(before, protection_state="BackupsSuspended") and after["policy"] == "DefaultPolicy"


@pytest.mark.parametrize("current", [None, shape("BackupsSuspended"), shape("Protected", soft_deleted=True)])
def test_nothing_to_suspend(current):
    assert decide(current, DESIRED)[0] == "none"


def test_stopped_protection_is_not_suspended_silently():
    with pytest.raises(DecisionError, match="resume it with state=present"):
        decide(shape("ProtectionStopped"), DESIRED)


def test_present_resumes_a_suspended_item():
    action = decide(shape("BackupsSuspended"), {"state": "present", "policy_name": "DefaultPolicy", "disk_exclusion": None, "undelete": False})[0]
    assert action == "resume"


def test_suspend_is_resent_with_the_request_the_guard_proxy_lists(fake, capsys):  # noqa: F811
    listed = GUARD + "/stopProtectionWithRetainDataRequests/default"
    status = ITEM + "/operationsStatus/op-s"
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("BackupsSuspended")))
    fake.route("GET", r"/operationsStatus/op-s$", (200, {"status": "Succeeded", "properties": {"jobId": "job-s"}}))
    fake.route("PUT", r"/protectedItems/", (400, {"error": {"code": "BMSUserErrorResourceGuardOperationNotAuthorized", "message": "guarded"}}),
               (202, "", {"Azure-AsyncOperation": ENDPOINT + status}))
    fake.route("GET", r"/backupResourceGuardProxies$", (200, {"value": [{"name": "VaultProxy", "properties": {
        "resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": [{"defaultResourceRequest": listed}]}}]}))
    result = run(azure_vm_protection, dict(VM_ARGS, state="suspended"), capsys)
    assert result["changed"] and result["action"] == "suspend" and result["protected_item"]["protection_state"] == "BackupsSuspended", result
    puts = [r.body["properties"] for r in fake.arm if r.method == "PUT"]
    assert puts[0]["protectionState"] == "BackupsSuspended" and "policyId" not in puts[0] and "resourceGuardOperationRequests" not in puts[0]
    assert puts[1]["resourceGuardOperationRequests"] == [listed]


def test_a_refusal_without_a_guard_is_the_services_error(fake, capsys):  # noqa: F811
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("PUT", r"/protectedItems/", (400, {"error": {"code": "BMSUserErrorX", "message": "no"}}))
    fake.route("GET", r"/backupResourceGuardProxies$", (200, {"value": []}))
    result = run(azure_vm_protection, dict(VM_ARGS, state="suspended"), capsys)
    assert result["failed"] and "BMSUserErrorX" in result["msg"]
    assert len([r for r in fake.arm if r.method == "PUT"]) == 1


def test_delete_on_a_guarded_vault_unlocks_the_item_with_the_listed_request_then_deletes(fake, capsys):  # noqa: F811
    listed = GUARD + "/deleteProtectedItemRequests/default"
    fake.route("GET", r"/protectedItems/", (200, item()), (404, {"error": {"code": "BMSUserErrorItemNotFound", "message": "gone"}}))
    fake.route("DELETE", r"/protectedItems/", (400, {"error": {"code": "BMSUserErrorResourceGuardOperationNotAuthorized", "message": "unlock first"}}),
               (200, ""))
    fake.route("GET", r"/backupResourceGuardProxies$", (200, {"value": [{"name": "VaultProxy", "properties": {
        "resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": [{"defaultResourceRequest": listed}]}}]}))
    fake.route("POST", r"/backupResourceGuardProxies/VaultProxy/unlockDelete$", (200, {"unlockDeleteExpiryTime": "2030-01-01T00:00:00Z"}))
    result = run(azure_vm_protection, dict(VM_ARGS, state="absent"), capsys)
    assert result["changed"] and result["action"] == "delete", result
    assert [r.method for r in fake.arm if r.method != "GET"] == ["DELETE", "POST", "DELETE"]
    unlock = [r for r in fake.arm if r.method == "POST"][0]
    assert unlock.body == {"resourceGuardOperationRequests": [listed], "resourceToBeDeleted": ITEM}


def test_a_suspend_whose_answer_is_lost_is_found_as_its_disable_backup_job_not_sent_again(fake, capsys):  # noqa: F811
    puts = []

    def lost(request):
        puts.append(request)
        return DROP

    def jobs(request):
        # the job list is searched by operation: a suspend starts a DisableBackup job (as a stop does)
        wanted = "operation eq 'DisableBackup'" in request.query.get("$filter", [""])[0]
        started = [{"name": "job-s", "properties": {
            "operation": "DisableBackup", "status": "Completed", "entityFriendlyName": "testVM", "containerName": "iaasvmcontainerv2;testrg;testvm",
            "startTime": "2099-01-01T00:00:00Z", "activityId": puts[0].headers["x-ms-client-request-id"] if puts else ""}}]
        return (200, {"value": started if wanted and puts else []})
    fake.route("GET", r"/backupJobs$", jobs)
    fake.route("GET", r"/backupJobs/job-s$", (200, {"name": "job-s", "properties": {"operation": "DisableBackup", "status": "Completed"}}))
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("BackupsSuspended")))
    fake.route("PUT", r"/protectedItems/", lost)
    result = run(azure_vm_protection, dict(VM_ARGS, state="suspended"), capsys)
    assert result["changed"] and result["job_id"] == "job-s", result
    assert len(puts) == 1 and result["protected_item"]["protection_state"] == "BackupsSuspended"
    assert any("found its job job-s, not sent again" in line for line in result["retries"])


def test_batch_suspends_its_vms_and_a_stopped_one_fails_alone(fake, capsys):  # noqa: F811
    """state: suspended on the batch: the same decision as the one-VM module, per entry; an entry may override it."""
    def named(name, state):
        body = item(state)
        body["properties"].update(friendlyName=name, containerName="iaasvmcontainerv2;testrg;%s" % name)
        return body
    listed = []
    for name, state in (("vm00", "Protected"), ("vm01", "ProtectionStopped"), ("vm02", "BackupsSuspended")):
        fake.route("GET", r"/protectedItems/VM;iaasvmcontainerv2;testrg;%s$" % name, (200, named(name, state)))
        listed.append(dict(named(name, state), name="VM;iaasvmcontainerv2;testrg;%s" % name))
    # a batch reads the vault's protected items with one list (not one GET per VM)
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": listed}))
    fake.route("PUT", r"/protectedItems/", (202, ""))
    vms = [{"name": "vm00", "resource_group": "testRG"}, {"name": "vm01", "resource_group": "testRG"},
           {"name": "vm02", "resource_group": "testRG"}]
    result = run(azure_vm_protection_batch, dict(ARGS, state="suspended", wait=False, vms=vms), capsys)
    rows = result["results"]
    assert [row.get("action") for row in rows] == ["suspend", None, "none"], rows
    assert rows[1]["failed"] and "resume it with state=present" in rows[1]["msg"]
    assert result["counts"] == {"total": 3, "changed": 1, "unchanged": 1, "failed": 1}
    puts = [r for r in fake.arm if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].path.endswith(";vm00") and puts[0].body["properties"]["protectionState"] == "BackupsSuspended"
    assert "policyId" not in puts[0].body["properties"]


def test_a_batch_of_suspends_refused_by_the_guard_reads_the_proxy_once_for_the_vault(fake, capsys):  # noqa: F811
    """VaultReads.guard: every VM of the batch resends with the request of one read of the proxy."""
    listed = GUARD + "/stopProtectionWithRetainDataRequests/default"
    names = ["vm%02d" % number for number in range(4)]

    def protected(name):
        one = item()
        vm_id = one["properties"]["virtualMachineId"].replace("testVM", name)
        one["properties"] = dict(one["properties"], friendlyName=name, virtualMachineId=vm_id, sourceResourceId=vm_id,
                                 containerName="iaasvmcontainerv2;testrg;" + name)
        return dict(one, id=ITEM.replace("testvm", name), name="VM;iaasvmcontainerv2;testrg;" + name)
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [protected(name) for name in names]}))
    guarded = (400, {"error": {"code": "BMSUserErrorResourceGuardOperationNotAuthorized", "message": "guarded"}})
    fake.route("PUT", r"/protectedItems/", lambda r: guarded if "resourceGuardOperationRequests" not in r.body["properties"] else
               (202, "", {"Azure-AsyncOperation": ENDPOINT + ITEM + "/operationsStatus/op-s"}))
    fake.route("GET", r"/backupResourceGuardProxies$", (200, {"value": [{"name": "VaultProxy", "properties": {
        "resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": [{"defaultResourceRequest": listed}]}}]}))
    result = run(azure_vm_protection_batch, dict(ARGS, state="suspended", wait=False, concurrency=4,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in names]), capsys)
    assert result["counts"] == {"total": 4, "changed": 4, "unchanged": 0, "failed": 0}, result
    resent = [r.body["properties"]["resourceGuardOperationRequests"] for r in fake.arm
              if r.method == "PUT" and "resourceGuardOperationRequests" in r.body["properties"]]
    assert resent == [[listed]] * 4
    assert len([r for r in fake.arm if r.method == "GET" and r.path.endswith("/backupResourceGuardProxies")]) == 1
