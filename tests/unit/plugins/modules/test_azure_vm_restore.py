# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_restore end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.restore_http``; the ``fake`` fixture is in conftest.py): every request is
recorded, so what is sent, and that nothing is written before a refusal, is asserted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _restore
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import format_utc
from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_restore

from support.modules_http import DROP, ITEM, SUB, VAULT, VM_ARGS, VM_ID, accepted, item, run, warnings
from support.restore_http import (
    DISKS_ARGS, NEW_VM_ARGS, OTHER_ITEM_RP, OTHER_SUB, OTHER_VAULT_RP, STORAGE, TAG, VNET, ago, point, reads, restore_job, restore_posts, restored_disk,
    running_write,
)


def test_restore_disks_sends_one_request_waits_reads_and_tags(fake, capsys):
    reads(fake)
    fake.route("POST", r"/recoveryPoints/222/restore$", accepted(fake, job="job-r"))
    fake.route("GET", r"/backupJobs/job-r$", (200, restore_job("job-r", "InProgress")), (200, restore_job("job-r")))
    disk = {"id": "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testvm-osdisk-20260301" % SUB,
            "name": "testvm-osdisk-20260301", "tags": {"owner": "x"}, "properties": {"timeCreated": format_utc(ago(minutes=10))}}
    old = dict(disk, id=disk["id"] + "old", name="testvm-old", properties={"timeCreated": format_utc(ago(days=3))})
    fake.route("GET", r"/drillRG/providers/Microsoft.Compute/disks$", (200, {"value": [disk, old]}))
    fake.route("PATCH", r"/disks/testvm-osdisk-20260301$", (200, disk))
    result = run(azure_vm_restore, dict(DISKS_ARGS, tags={"restore_drill": "d1"}), capsys)
    assert result["changed"] and result["job_id"] == "job-r" and result["job"]["status"] == "Completed"
    assert result["recovery_point"]["name"] == "222" and 7000 <= result["recovery_point_age_seconds"] <= 7400
    assert result["job"]["duration_seconds"] == 71.5 and result["job"]["restore_location_type"] == "RestoreDisks"
    assert result["created"] == {"vm_id": None, "disk_ids": [disk["id"]], "nic_ids": [], "config_blob_uri": "https://staging01/config.json",
                                 "template_blob_uri": "https://staging01/template.json", "verified": True}
    [post] = restore_posts(fake)
    assert post.body == {"properties": {
        "objectType": "IaasVMRestoreRequest", "recoveryPointId": "222", "recoveryType": "RestoreDisks", "sourceResourceId": VM_ID,
        "storageAccountId": STORAGE, "region": "westus", "createNewCloudService": False, "originalStorageAccountOption": False,
        "encryptionDetails": {"encryptionEnabled": False}, "targetResourceGroupId": "/subscriptions/%s/resourceGroups/drillRG" % SUB}}
    [patch] = [r for r in fake.arm if r.method == "PATCH"]
    assert patch.body == {"tags": {"owner": "x", "restore_drill": "d1"}} and patch.query["api-version"] == ["2024-03-02"]
    assert [r.path for r in fake.arm if r.path.endswith("/storageAccounts/staging01")] and fake.writes()[0][0] == "POST"


def test_restore_new_vm_body_and_created_vm(fake, capsys):
    reads(fake)
    fake.route("POST", r"/restore$", accepted(fake, job="job-n"))
    fake.route("GET", r"/backupJobs/job-n$", (200, restore_job("job-n", rtype="AlternateLocation")))
    new_id = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/virtualMachines/testVM-drill" % SUB
    os_disk = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testVM-drill-os" % SUB
    nic = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Network/networkInterfaces/testvm-drill-nic-1" % SUB
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": new_id, "tags": {}, "properties": {
        "provisioningState": "Succeeded", "storageProfile": {"osDisk": {"managedDisk": {"id": os_disk}}, "dataDisks": []},
        "networkProfile": {"networkInterfaces": [{"id": nic}]}}}))
    fake.route("GET", r"/disks/testVM-drill-os$", (200, {"id": os_disk, "tags": None}))
    fake.route("GET", r"/networkInterfaces/testvm-drill-nic-1$", (200, {"id": nic, "tags": {}}))
    fake.route("PATCH", r"/", (200, {}))
    result = run(azure_vm_restore, dict(NEW_VM_ARGS, zone="1", managed_identity="system", disk_luns=[1], tags=TAG), capsys)
    assert result["created"]["vm_id"] == new_id and result["created"]["disk_ids"] == [os_disk] and result["created"]["verified"]
    assert result["created"]["nic_ids"] == [nic]
    assert sorted((r.path, r.query["api-version"][0]) for r in fake.arm if r.method == "PATCH") == sorted(
        [(new_id, "2024-07-01"), (os_disk, "2024-03-02"), (nic, "2024-05-01")])
    props = restore_posts(fake)[0].body["properties"]
    assert props["recoveryType"] == "AlternateLocation" and props["targetVirtualMachineId"] == new_id
    assert props["virtualNetworkId"] == VNET and props["subnetId"] == VNET + "/subnets/default"
    assert props["zones"] == ["1"] and props["identityInfo"] == {"isSystemAssignedIdentity": True} and props["restoreDiskLunList"] == [1]


def test_restore_check_mode_validates_and_sends_no_restore(fake, capsys):
    reads(fake)
    fake.route("POST", r"/backupValidateOperation$", (200, {"validateOperationResponse": {"validationResults": [
        {"code": "UserErrorCoreCountSubscriptionQuotaReached", "message": "Core Count subscription quota has been reached.",
         "recommendations": ["Contact Azure support."]}]}}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys, check_mode=True)
    assert result["changed"] and result["job_id"] is None
    assert result["validation"][0]["code"] == "UserErrorCoreCountSubscriptionQuotaReached" and "quota has been reached" in result["msg"]
    assert fake.writes() == [("POST", VAULT + "/backupValidateOperation")]
    body = [r for r in fake.arm if r.method == "POST"][0].body
    assert body["id"] == ITEM + "/recoveryPoints/222" and body["properties"]["objectType"] == "ValidateIaasVMRestoreOperationRequest"
    assert body["properties"]["restoreRequest"]["recoveryType"] == "RestoreDisks" and result["restore_request"] == body["properties"]["restoreRequest"]
    assert any("found 1 problem" in text for text in warnings(result))


def test_restore_rerun_after_success_is_unchanged_with_the_earlier_job(fake, capsys):
    reads(fake, jobs=[restore_job("other", rtype="AlternateLocation"), restore_job("done")])
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": [restored_disk({"restore_drill": "d1"})]}))
    result = run(azure_vm_restore, dict(DISKS_ARGS, tags={"restore_drill": "d1"}), capsys)
    assert result["changed"] is False and result["job_id"] == "done" and "already ran" in result["msg"]
    assert result["created"]["disk_ids"] == [restored_disk()["id"]]
    assert fake.writes() == []


@pytest.mark.parametrize("disks", [[], [restored_disk({"restore_drill": "another-drill"})]])
def test_restore_earlier_success_whose_output_is_gone_or_another_drills_is_restored_again(fake, capsys, disks):
    reads(fake, jobs=[restore_job("done")])
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": disks}))
    fake.route("POST", r"/restore$", accepted(fake, job="job-again"))
    fake.route("GET", r"/backupJobs/job-again$", (200, restore_job("job-again")))
    fake.route("PATCH", r"/disks/", (200, {}))
    result = run(azure_vm_restore, dict(DISKS_ARGS, tags={"restore_drill": "d1"}), capsys)
    assert result["changed"] and result["job_id"] == "job-again" and len(restore_posts(fake)) == 1


def test_restore_rerun_while_running_follows_the_job(fake, capsys):
    reads(fake, jobs=[restore_job("running", "InProgress")])
    fake.route("GET", r"/backupJobs/running$", (200, restore_job("running", "InProgress")), (200, restore_job("running", "InProgress")),
               (200, restore_job("running")))
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": []}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result["changed"] is False and result["job_id"] == "running" and result["job"]["status"] == "Completed"
    assert fake.writes() == []


@pytest.mark.parametrize("bag", [{"Target Storage Account Name": "otheracct"}, {"Target resource group": "elsewhere"},
                                 {"Recovery point time": "01/01/2020 01:00:00 AM"}])
def test_restore_a_job_for_another_point_or_target_is_not_a_rerun(fake, capsys, bag):
    reads(fake, jobs=[restore_job("other", bag=bag), restore_job("failed-same", "Failed")])
    fake.route("POST", r"/restore$", accepted(fake, job="job-new"))
    result = run(azure_vm_restore, dict(DISKS_ARGS, wait=False), capsys)
    assert result["changed"] and result["job_id"] == "job-new" and len(restore_posts(fake)) == 1


def test_restore_lost_answer_is_found_by_activity_id_and_not_resent(fake, capsys):
    reads(fake)
    fake.route("POST", r"/restore$", DROP)

    def listing(request):
        posts = restore_posts(fake)
        if not posts:
            return (200, {"value": []})
        sent = posts[0].headers["x-ms-client-request-id"]
        return (200, {"value": [restore_job("someone-elses", "InProgress"), restore_job("mine", "InProgress", activity=sent.upper())]})
    fake.route("GET", r"/backupJobs$", listing)
    fake.route("GET", r"/backupJobs/mine$", (200, restore_job("mine", "InProgress")))
    fake.route("GET", r"/backupJobs/someone-elses$", (200, restore_job("someone-elses", "InProgress", bag={"Target resource group": "x"})))
    result = run(azure_vm_restore, dict(DISKS_ARGS, wait=False), capsys)
    assert result["changed"] and result["job_id"] == "mine"
    assert any("response to the restore request was lost" in text for text in warnings(result))
    assert len(restore_posts(fake)) == 1


def test_restore_lost_answer_without_its_job_fails_in_one_line_and_is_not_resent(fake, capsys):
    reads(fake)
    fake.route("POST", r"/restore$", DROP)
    result = run(azure_vm_restore, dict(DISKS_ARGS, wait=False), capsys)
    assert result["failed"] and result["error"]["code"] == "AmbiguousRestoreRequest" and "\n" not in result["msg"]
    assert result["msg"].startswith("starting a restore of VM testRG/testVM failed: AmbiguousRestoreRequest: the response to the restore "
                                    "request was lost (ReadTimeout: read timed out")
    assert "it was not sent again" in result["msg"] and len(restore_posts(fake)) == 1
    # the job list was looked at after each delay of LOST_REQUEST_CHECKS, for Restore jobs
    looks = [r for r in fake.arm if r.path.endswith("/backupJobs") and "operation eq 'Restore'" in r.query["$filter"][0]]
    assert len(looks) == 1 + len(_restore.LOST_REQUEST_CHECKS)  # the re-run check, then the looks


def test_restore_failed_job_fails_with_its_error(fake, capsys):
    reads(fake)
    fake.route("POST", r"/restore$", accepted(fake, job="job-f"))
    failed = restore_job("job-f", "Failed")
    failed["properties"]["errorDetails"] = [{"errorCode": 400390, "errorTitle": "UserErrorInsufficientMSIPermissions", "errorString": "no rights"}]
    fake.route("GET", r"/backupJobs/job-f$", (200, failed))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result["failed"] and result["job_id"] == "job-f" and result["msg"] == "restore job job-f of VM testRG/testVM ended Failed: 400390: no rights"


@pytest.mark.parametrize("extra,message", [
    ({"restore_type": "replace_disks"}, "set replace_existing=true"),
    ({"restore_type": "replace_disks", "replace_existing": "no"}, "set replace_existing=true"),
    ({"recovery_point": OTHER_ITEM_RP}, "is not a recovery point of VM testRG/testVM"),
    ({"recovery_point": OTHER_VAULT_RP}, "is not a recovery point of VM testRG/testVM"),
    ({"recovery_point": "12 34"}, "invalid recovery point"),
    ({"recovery_point": {"latest_before": "last tuesday"}}, "invalid recovery_point.latest_before"),
    ({"recovery_point": {"latest_before": "2026-03-01T00:00:00+01:00"}}, "not in UTC"),
    ({"recovery_point": {"before": "2026-03-01"}}, "exactly one key"),
    ({"target_resource_group": "/subscriptions/%s/resourceGroups/drillRG" % OTHER_SUB}, "not in the vault's subscription"),
    ({"target_resource_group": "drillRG\n"}, "control character"),
    ({"staging_storage_account": STORAGE.replace(SUB, OTHER_SUB)}, "not in the vault's subscription"),
    ({"staging_storage_account": STORAGE + "/"}, "invalid storage account ID"),
    ({"staging_storage_account": STORAGE + "\n"}, "control character"),
    ({"disk_luns": [True]}, "not a YAML boolean (yes/no/true/false), for disk_luns[0]"),
    ({"max_age": "a day"}, "invalid duration"),
    ({"zone": "4"}, "zone must be"),
    ({"rehydration_priority": "High", "rehydration_days": 5}, "rehydration_days must be 10 to 30"),
    ({"target_disk_network_access": "private"}, "needs disk_access"),
    ({"tags": {"restore_drill": "d1"}, "wait": False}, "need wait=true"),
    ({"tags": {"bad tag": "x"}}, "invalid tag name"),
    ({"virtual_network": VNET}, "only for restore_type=new_vm"),
    ({"vault_name": "testVault\n"}, "invalid vault name 'testVault\\n'"),
    ({"vault_resource_group": "testVaultRG\n"}, "invalid vault resource group name 'testVaultRG\\n'"),
    ({"vm_name": "testVM\n"}, "invalid VM name 'testVM\\n'"),
    ({"vm_resource_group": "testRG "}, "invalid resource group name 'testRG '"),
])
def test_restore_bad_input_is_refused_before_any_call(fake, capsys, extra, message):
    result = run(azure_vm_restore, dict(DISKS_ARGS, **extra), capsys)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert fake.arm == []


@pytest.mark.parametrize("extra,message", [
    ({"target_vm_name": "testVM", "target_resource_group": "testRG"}, "would have the source VM's name and resource group"),
    ({"target_vm_name": "TESTVM", "target_resource_group": "testrg"}, "would have the source VM's name and resource group"),
    ({"subnet": VNET.replace("isolated", "other") + "/subnets/default"}, "is not a subnet of virtual network"),
    ({"virtual_network": VNET.replace(SUB, OTHER_SUB)}, "not in the vault's subscription"),
    ({"target_vm_name": None}, "needs target_vm_name"),
])
def test_restore_new_vm_bad_input_is_refused_before_any_call(fake, capsys, extra, message):
    result = run(azure_vm_restore, dict(NEW_VM_ARGS, **extra), capsys)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert fake.arm == []


@pytest.mark.parametrize("args,routes,message", [
    (DISKS_ARGS, {"storage_region": "eastus"}, "storage account %s is in region eastus, not in the vault's region westus" % STORAGE),
    (NEW_VM_ARGS, {"vnet_region": "East US"}, "is in region East US, not in the vault's region westus"),
    (NEW_VM_ARGS, {"subnet": "nope"}, "has no subnet nope"),
    (dict(DISKS_ARGS, disk_luns=[1, 5]), {}, "disk_luns [5] are not in recovery point 222"),
    (dict(DISKS_ARGS, max_age="1h"), {}, "is older than max_age 1h: recovery point objective missed"),
    (dict(DISKS_ARGS, recovery_point="999"), {"missing_point": True}, "has no recovery point 999"),
    (dict(DISKS_ARGS, recovery_point={"latest_before": "2001-01-01"}), {}, "no recovery point at or before 2001-01-01T00:00:00Z"),
    (DISKS_ARGS, {"points": [point("333", tiers=(("ArchivedRP", "Valid"),))]}, "only in the archive tier: set rehydration_priority"),
])
def test_restore_refusals_after_reads_write_nothing(fake, capsys, args, routes, message):
    routes = dict(routes)
    subnet = routes.pop("subnet", None)
    missing = routes.pop("missing_point", False)
    reads(fake, **routes)
    if missing:
        fake.route("GET", r"/recoveryPoints/999$", (404, {"error": {"code": "BMSUserErrorRecoveryPointNotFound", "message": "not found"}}))
    result = run(azure_vm_restore, dict(args, subnet=subnet) if subnet else args, capsys)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert fake.writes() == []


def test_restore_latest_before_and_rehydration(fake, capsys):
    archived = point("333", ago(days=200), tiers=(("ArchivedRP", "Valid"),))
    reads(fake, points=[archived, point("444", ago(days=1))])
    fake.route("POST", r"/restore$", accepted(fake, job="job-a"))
    result = run(azure_vm_restore, dict(DISKS_ARGS, wait=False, recovery_point={"latest_before": format_utc(ago(days=100))},
                                        rehydration_priority="High", rehydration_days=20), capsys)
    assert result["recovery_point"]["name"] == "333"
    props = restore_posts(fake)[0].body["properties"]
    assert props["objectType"] == "IaasVMRestoreWithRehydrationRequest"
    assert props["recoveryPointRehydrationInfo"] == {"rehydrationPriority": "High", "rehydrationRetentionDuration": "P20D"}
    assert restore_posts(fake)[0].path.endswith("/recoveryPoints/333/restore")


def test_restore_replace_disks_with_opt_in(fake, capsys):
    reads(fake)
    fake.route("POST", r"/restore$", accepted(fake, job="job-o"))
    result = run(azure_vm_restore, dict(VM_ARGS, staging_storage_account=STORAGE, restore_type="replace_disks", replace_existing=True,
                                        recovery_point=ITEM + "/recoveryPoints/111", wait=False), capsys)
    props = restore_posts(fake)[0].body["properties"]
    assert result["changed"] and props["recoveryType"] == "OriginalLocation" and "targetResourceGroupId" not in props
    assert props["recoveryPointId"] == "111"


def test_restore_while_a_protection_change_runs_waits_for_it_first(fake, capsys):
    reads(fake)
    running_write(fake)
    fake.route("POST", r"/restore$", accepted(fake, job="job-r"))
    fake.route("GET", r"/backupJobs/job-r$", (200, restore_job("job-r")))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result["changed"] and result["job_id"] == "job-r", result
    assert any("waited for the running DisableBackup job job-run of VM testRG/testVM before restoring" in text for text in warnings(result))
    order = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.arm]
    # the job ended before the item was read again and before the restore went
    assert order.index(("GET", "job-run")) < order.index(("POST", "restore"))
    assert len([r for r in fake.arm if r.method == "GET" and "/protectedItems/" in r.path and r.path.endswith(ITEM.rsplit("/", 1)[-1])]) == 2


def test_restore_during_a_running_enable_is_not_refused_as_not_protected(fake, capsys):
    reads(fake)
    running_write(fake, "ConfigureBackup")
    fake.route("GET", r"/protectedItems/[^/]+$", (404, {"error": {"code": "BMSUserErrorItemNotFound", "message": "no"}}), (200, item()))
    fake.route("POST", r"/restore$", accepted(fake, job="job-r"))
    fake.route("GET", r"/backupJobs/job-r$", (200, restore_job("job-r")))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result["changed"] and result["job_id"] == "job-r" and result["job"]["status"] == "Completed", result


def test_restore_with_wait_false_while_a_protection_change_runs_fails_naming_it(fake, capsys):
    reads(fake)
    running_write(fake)
    result = run(azure_vm_restore, dict(DISKS_ARGS, wait=False), capsys)
    assert result["failed"] and "DisableBackup job job-run of VM testRG/testVM is still running in the service" in result["msg"]
    assert "wait=true" in result["msg"] and "\n" not in result["msg"]
    assert fake.writes() == []


def test_restore_check_mode_warns_about_a_running_protection_change_without_waiting(fake, capsys):
    reads(fake)
    running_write(fake)
    fake.route("POST", r"/backupValidateOperation$", (200, {"validateOperationResponse": {"validationResults": []}}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys, check_mode=True)
    assert result["changed"] and "would restore" in result["msg"]
    assert any("DisableBackup job job-run of VM testRG/testVM is still running in the service" in text for text in warnings(result))
    assert not [r for r in fake.arm if r.path.endswith("/job-run")]
    assert fake.writes() == [("POST", VAULT + "/backupValidateOperation")]
