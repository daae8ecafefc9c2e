# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore modules end to end through AnsibleModule and the real ArmClient, with HTTP faked at
the transport (FakeArm of test_modules_over_http): every request is recorded, so what is sent,
and that nothing is written before a refusal, is asserted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _restore
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, format_utc
from ansible_collections.azure_recovery.backup.plugins.modules import (
    azure_backup_job,
    azure_vm_recovery_point_info,
    azure_vm_restore,
    azure_vm_restore_batch,
    azure_vm_restore_cleanup,
)

from test_modules_over_http import (  # noqa: F401 pylint: disable=unused-import
    ARGS, DROP, ENDPOINT, ITEM, SUB, VAULT, VM_ARGS, VM_ID, accepted, fake, item, run, running_job, warnings,
)

OTHER_SUB = "11111111-1111-1111-1111-111111111111"
TAG = {"restore_drill": "d1"}
STORAGE = "/subscriptions/%s/resourceGroups/stagingRG/providers/Microsoft.Storage/storageAccounts/staging01" % SUB
VNET = "/subscriptions/%s/resourceGroups/netRG/providers/Microsoft.Network/virtualNetworks/isolated" % SUB
DISKS_ARGS = dict(VM_ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG")
NEW_VM_ARGS = dict(VM_ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG", restore_type="new_vm",
                   target_vm_name="testVM-drill", virtual_network=VNET, subnet="default")


def ago(**delta):
    return datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(**delta)


def point(name="111", when=None, tiers=(("InstantRP", "Valid"), ("HardenedRP", "Valid")), luns=(0, 1)):
    when = when or ago(hours=2)
    return {"id": ITEM + "/recoveryPoints/" + name, "name": name,
            "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints",
            "properties": {"objectType": "IaasVMRecoveryPoint", "recoveryPointType": "AppConsistent", "recoveryPointTime": format_utc(when),
                           "isSourceVMEncrypted": False, "isManagedVirtualMachine": True, "originalStorageAccountOption": False,
                           "virtualMachineSize": "Standard_D1", "zones": ["1"],
                           "recoveryPointTierDetails": [{"type": t, "status": s} for t, s in tiers],
                           "recoveryPointDiskConfiguration": {
                               "numberOfDisksIncludedInBackup": len(luns) + 1, "numberOfDisksAttachedToVm": len(luns) + 1,
                               "includedDiskList": [{"lun": -1, "name": "os"}] + [{"lun": lun, "name": "d%d" % lun} for lun in luns],
                               "excludedDiskList": [{"lun": 5, "name": "d5"}]},
                           "recoveryPointProperties": {"expiryTime": "2027-01-01T00:00:00Z", "ruleName": "DailyRule"}}}


def restore_job(name, status="Completed", rp=None, rtype="RestoreDisks", bag=None, activity="a", actions=None):
    rp = rp or point()
    when = rp["properties"]["recoveryPointTime"]
    shown = datetime.datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").strftime("%m/%d/%Y %I:%M:%S %p")
    props = {"status": status, "operation": "Restore", "startTime": format_utc(ago(minutes=30)), "entityFriendlyName": "testVM",
             "containerName": "iaasvmcontainerv2;testrg;testvm", "duration": "PT1M11.5S", "activityId": activity, "jobType": "AzureIaaSVMJob",
             "extendedInfo": {"propertyBag": dict({"Recovery point time": shown, "Target Storage Account Name": "staging01",
                                                   "Target resource group": "drillRG", "Config Blob Uri": "https://staging01/config.json",
                                                   "Template Blob Uri": "https://staging01/template.json"}, **(bag or {})),
                              "internalPropertyBag": {"restoreLocationType": rtype}}}
    if status != "InProgress":
        props["endTime"] = format_utc(ago(minutes=1))
    if actions is not None:
        props["actionsInfo"] = actions
    return {"id": VAULT + "/backupJobs/" + name, "name": name, "properties": props}


def reads(session, points=None, storage_region="westus", vnet_region="westus", jobs=()):
    session.route("GET", r"/backupJobs/([^/]+)$", lambda r: (200, restore_job(r.path.rsplit("/", 1)[-1], "InProgress")))
    session.route("GET", r"/protectedItems/[^/]+$", (200, item()))
    session.route("GET", r"/recoveryPoints$", (200, {"value": points if points is not None else [point("111", ago(days=2)), point("222")]}))
    session.route("GET", r"/recoveryPoints/(\d+)$", lambda r: (200, point(r.path.rsplit("/", 1)[-1])))
    session.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    session.route("GET", r"/storageAccounts/staging01$", (200, {"id": STORAGE, "location": storage_region}))
    network = {"id": VNET, "location": vnet_region, "properties": {"subnets": [{"name": "default"}]}}
    session.route("GET", r"/virtualNetworks/isolated$", (200, network))
    session.route("GET", r"/backupJobs$", (200, {"value": [dict(j, properties=dict(j["properties"], extendedInfo=None)) for j in jobs]}))
    for one in jobs:
        session.route("GET", r"/backupJobs/%s$" % one["name"], (200, one))
    session.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": []}))


def restore_posts(session):
    return [r for r in session.arm if r.method == "POST" and r.path.endswith("/restore")]


# --------------------------------------------------------------------------- recovery point info

def test_recovery_points_are_typed_newest_first_and_pages_followed(fake, capsys):
    fake.route("GET", r"/protectedItems/[^/]+$", (200, item()))
    fake.route("GET", r"/recoveryPoints$", (200, {"value": [point("111", ago(days=2))], "nextLink": ENDPOINT + ITEM + "/recoveryPoints?page=2"}),
               (200, {"value": [point("222", ago(hours=1), tiers=(("ArchivedRP", "Valid"),))]}))
    result = run(azure_vm_recovery_point_info, VM_ARGS, capsys)
    names = [p["name"] for p in result["recovery_points"]]
    assert names == ["222", "111"] and result["changed"] is False
    newest = result["recovery_points"][0]
    assert newest["tiers"] == [{"type": "ArchivedRP", "tier": "archive", "status": "Valid"}] and newest["usable_tiers"] == ["archive"]
    assert newest["disks"] == {"included_luns": [0, 1], "excluded_luns": [5], "number_included": 3, "number_attached": 3}
    assert newest["consistency_type"] == "AppConsistent" and newest["zones"] == ["1"] and newest["expiry_time"] == "2027-01-01T00:00:00Z"
    assert 3500 <= newest["age_seconds"] <= 3700
    assert len([r for r in fake.arm if r.path.endswith("/recoveryPoints")]) == 2


def test_recovery_point_window_is_sent_in_the_services_format(fake, capsys):
    fake.route("GET", r"/protectedItems/[^/]+$", (200, item()))
    points = [point("111", datetime.datetime(2026, 3, 2, 13, 5, tzinfo=UTC)), point("222", datetime.datetime(2026, 3, 3, 1, 0, tzinfo=UTC))]
    fake.route("GET", r"/recoveryPoints$", (200, {"value": points}))
    result = run(azure_vm_recovery_point_info, dict(VM_ARGS, start_time="2026-03-01", end_time="2026-03-02T23:00:00Z", latest=True), capsys)
    listed = [r for r in fake.arm if r.path.endswith("/recoveryPoints")][0]
    assert listed.query["$filter"] == ["startDate eq '2026-03-01 12:00:00 AM' and endDate eq '2026-03-02 11:00:00 PM'"]
    assert [p["name"] for p in result["recovery_points"]] == ["111"]


@pytest.mark.parametrize("extra,message", [
    ({"start_time": "yesterday"}, "invalid start_time"), ({"end_time": "2026-03-01T00:00:00+02:00"}, "not in UTC"),
    ({"start_time": "2026-03-01\n"}, "invalid start_time '2026-03-01\\n'"), ({"start_time": "2026-03-02", "end_time": "2026-03-01"}, "after start_time"),
])
def test_recovery_point_info_refuses_malformed_times_before_any_call(fake, capsys, extra, message):
    result = run(azure_vm_recovery_point_info, dict(VM_ARGS, **extra), capsys)
    assert result["failed"] and message in result["msg"]
    assert fake.arm == []


# --------------------------------------------------------------------------- restore

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


def restored_disk(tags=None):
    return {"id": "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testvm-osdisk-1" % SUB, "name": "testvm-osdisk-1",
            "tags": tags or {}, "properties": {"timeCreated": format_utc(ago(minutes=10))}}


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


OTHER_ITEM_RP = ITEM.replace("testvm", "othervm") + "/recoveryPoints/1"
OTHER_VAULT_RP = ITEM.replace("vaults/testVault", "vaults/otherVault") + "/recoveryPoints/1"


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


def test_restore_batch_checks_every_entry_first_and_restores_each(fake, capsys):
    result = run(azure_vm_restore_batch, dict(ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG",
                                              vms=[{"name": "testVM", "resource_group": "testRG"}, {"name": "bad name", "resource_group": "rg"}]),
                 capsys)
    assert result["failed"] and "1 of 2 entries of vms are not valid, nothing was sent" in result["msg"] and fake.arm == []


def test_restore_batch_one_vm(fake, capsys):
    reads(fake)
    fake.route("POST", r"/restore$", accepted(fake, job="job-b"))
    fake.route("GET", r"/backupJobs/job-b$", (200, restore_job("job-b")))
    disk = {"id": "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testvm-os" % SUB, "name": "testvm-os",
            "properties": {"timeCreated": format_utc(ago(minutes=10))}}
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": [disk]}))
    result = run(azure_vm_restore_batch, dict(ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG",
                                              vms=[{"name": "testVM", "resource_group": "testRG"}]), capsys)
    [row] = result["results"]
    assert row["vm"] == "testRG/testVM" and row["job_id"] == "job-b" and row["created"]["disk_ids"] == [disk["id"]]
    assert row["rto_seconds"] is not None and row["rto_seconds"] >= 0 and result["counts"]["changed"] == 1


# --------------------------------------------------------------------------- job cancel

JOB_ARGS = dict(ARGS, job_id="job-c")


def test_cancel_running_job_posts_once_and_waits_until_cancelled(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "InProgress", actions=["Cancellable"])),
               (200, restore_job("job-c", "Cancelling")), (200, restore_job("job-c", "Cancelled")))
    location = ENDPOINT + VAULT + "/backupJobs/job-c/operationResults/op-c?api-version=2017-07-01"
    fake.route("POST", r"/backupJobs/job-c/cancel$", (202, "", {"Location": location}))
    fake.route("GET", r"/backupJobs/job-c/operationResults/op-c$", (202, ""), (204, ""))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["changed"] and result["job"]["status"] == "Cancelled"
    assert fake.writes() == [("POST", VAULT + "/backupJobs/job-c/cancel")]


@pytest.mark.parametrize("actions", [[1], ["Cancellable"]])
def test_cancel_check_mode_sends_nothing(fake, capsys, actions):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "InProgress", actions=actions)))
    result = run(azure_backup_job, JOB_ARGS, capsys, check_mode=True)
    assert result["changed"] and "would cancel" in result["msg"] and fake.writes() == []


@pytest.mark.parametrize("status", ["Completed", "Cancelled", "Failed"])
def test_cancel_of_an_ended_job_is_unchanged(fake, capsys, status):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", status)))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["changed"] is False and result["job"]["status"] == status and fake.writes() == []


def test_cancel_of_a_cancelling_job_follows_it(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "Cancelling")), (200, restore_job("job-c", "Cancelled")))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["changed"] is False and result["job"]["status"] == "Cancelled" and fake.writes() == []


def test_cancel_refuses_a_job_that_is_not_cancellable(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "InProgress", actions=[])))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["failed"] and "cannot be cancelled" in result["msg"] and fake.writes() == []


def test_cancel_refuses_a_job_of_another_vault(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (404, {"error": {"code": "BMSUserErrorJobNotFound", "message": "no such job"}}))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["failed"] and result["msg"] == "job job-c is not a job of vault testVaultRG/testVault" and fake.writes() == []


@pytest.mark.parametrize("job_id", ["../x", "job-c\n", "", "a b"])
def test_cancel_refuses_malformed_ids_before_any_call(fake, capsys, job_id):
    result = run(azure_backup_job, dict(ARGS, job_id=job_id), capsys)
    assert result["failed"] and fake.arm == []


# --------------------------------------------------------------------------- cleanup

DISK_ID = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testvm-os" % SUB
NEW_VM_ID = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/virtualMachines/testVM-drill" % SUB
NIC_ID = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Network/networkInterfaces/nic1" % SUB
AUTH_ARGS = dict((key, value) for key, value in ARGS.items() if not key.startswith("vault_"))


def test_cleanup_deletes_tagged_vms_first_then_nics_then_disks(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (200, {"id": DISK_ID, "tags": {"restore_drill": "d1"}}))
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": NEW_VM_ID, "tags": {"Restore_Drill": "d1"}}))
    fake.route("GET", r"/networkInterfaces/nic1$", (200, {"id": NIC_ID, "tags": TAG}))
    fake.route("DELETE", r"/providers/", (200, ""))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID, NIC_ID, NEW_VM_ID], tag=TAG), capsys)
    assert result["changed"] and result["deleted"] == [NEW_VM_ID, NIC_ID, DISK_ID]
    assert [path for method, path in fake.writes()] == [NEW_VM_ID, NIC_ID, DISK_ID]


def test_cleanup_refuses_untagged_resources_and_deletes_nothing(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (200, {"id": DISK_ID, "tags": {"restore_drill": "d1"}}))
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": NEW_VM_ID, "tags": {"restore_drill": "another-drill"}}))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID, NEW_VM_ID], tag=TAG), capsys)
    assert result["failed"] and "refusing to delete 1 resource(s) without the tag restore_drill=d1" in result["msg"] and NEW_VM_ID in result["msg"]
    assert fake.writes() == []


def test_cleanup_check_mode_and_gone_resources(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (404, {"error": {"code": "ResourceNotFound", "message": "gone"}}))
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": NEW_VM_ID, "tags": TAG}))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID, NEW_VM_ID], tag=TAG), capsys, check_mode=True)
    assert result["changed"] and result["deleted"] == [NEW_VM_ID] and fake.writes() == []


@pytest.mark.parametrize("ids,tag,message", [
    ([STORAGE], TAG, "neither a VM, a managed disk nor a network interface"),
    ([DISK_ID.replace(SUB, OTHER_SUB)], TAG, "not in the vault's subscription"),
    ([DISK_ID], {"a": "1", "b": "2"}, "exactly one tag"),
    ([DISK_ID], {"restore_drill": ""}, "invalid value"),
    ([DISK_ID + "\n"], TAG, "control character"),
])
def test_cleanup_refuses_bad_input_before_any_call(fake, capsys, ids, tag, message):
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=ids, tag=tag), capsys)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert fake.arm == []


# --------------------------------------------------------------------------- pure helpers

@pytest.mark.parametrize("text,seconds", [("PT1M11.74S", 71.74), ("P1DT2H", 93600), ("PT0S", 0), ("", None), ("P", None), ("1h", None)])
def test_iso_duration_seconds(text, seconds):
    assert _restore.iso_duration_seconds(text) == seconds


def test_cleanup_reports_a_failed_deletion(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (200, {"id": DISK_ID, "tags": TAG}))
    status = ENDPOINT + "/subscriptions/%s/providers/Microsoft.Compute/locations/westus/operations/op-d" % SUB
    fake.route("DELETE", r"/disks/testvm-os$", (202, "", {"Azure-AsyncOperation": status}))
    fake.route("GET", r"/operations/op-d$", (200, {"status": "Failed", "error": {"code": "OperationNotAllowed", "message": "disk is attached"}}))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID], tag=TAG), capsys)
    assert result["failed"] and "OperationNotAllowed" in result["msg"] and "disk is attached" in result["msg"]


def test_restore_batch_reads_the_vault_staging_account_and_job_list_once(fake, capsys):
    reads(fake)
    fake.route("GET", r"/protectedItems/[^/]+$", lambda r: (200, item()))
    fake.route("POST", r"/restore$", accepted(fake, job="job-x"))
    result = run(azure_vm_restore_batch, dict(ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG", wait=False, concurrency=2,
                                              vms=[{"name": "testVM", "resource_group": "testRG"}, {"name": "vm2", "resource_group": "testRG"}]),
                 capsys)
    assert result["counts"] == {"total": 2, "changed": 2, "unchanged": 0, "failed": 0}
    paths = [r.path for r in fake.arm if r.method == "GET"]
    assert len([p for p in paths if p.endswith("/vaults/testVault")]) == 1
    assert len([p for p in paths if p.endswith("/storageAccounts/staging01")]) == 1
    job_lists = [r.query["$filter"][0] for r in fake.arm if r.method == "GET" and r.path.endswith("/backupJobs")]
    assert len(job_lists) == 2  # one for the whole batch each: the running writes, the earlier restores
    assert len([f for f in job_lists if "status eq 'InProgress'" in f]) == 1 and len([f for f in job_lists if "operation eq 'Restore'" in f]) == 1
    assert len(restore_posts(fake)) == 2


# --------------------------------------------------------------------------- a write still running on the item

def running_write(session, operation="DisableBackup"):
    """The vault's running jobs hold ``operation`` on testVM (job-run, ending at its second read); no earlier restores."""
    def listing(request):
        running = "status eq 'InProgress'" in request.query["$filter"][0]
        return (200, {"value": [running_job("job-run", operation), running_job("other", "Backup")] if running else []})
    session.route("GET", r"/backupJobs$", listing)
    session.route("GET", r"/backupJobs/job-run$", (200, running_job("job-run", operation)),
                  (200, running_job("job-run", operation, status="Completed")))


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
