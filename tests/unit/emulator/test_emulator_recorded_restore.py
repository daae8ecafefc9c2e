# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's restore side held to real recorded sessions that are not in shared/ (issue 14).

Each test names its source: a session the Azure CLI or Azure PowerShell recorded against the live
service for its own tests, read in the public repositories:

- CLI-JOB-2022: Azure/azure-cli src/azure-cli/azure/cli/command_modules/backup/tests/latest/recordings/test_backup_job.yaml
  (May 2022, api-version 2022-02-01: backup, recovery point list / show, RestoreDisks, job list filters, job stop)
- CLI-RP-2026: .../recordings/test_backup_rp.yaml (July 2026, api-version 2025-02-01: recovery point list / show)
- PS-MANAGED-2022: Azure/azure-powershell src/RecoveryServices/RecoveryServices.Backup.Test/SessionRecords/
  Microsoft.Azure.Commands.RecoveryServices.Backup.Test.ScenarioTests.ItemTests/TestAzureManagedVMRestore.json
  (May 2022: AlternateLocation and OriginalLocation restores and their jobs to Completed)
- CLI-HELP: Azure/azure-cli src/azure-cli/azure/cli/command_modules/backup/custom_help.py (get_filter_string)
- Azure/azure-cli#28492, Azure/azure-powershell#28890 (issue threads quoting real answers)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from conftest import API

Q = {"api-version": API}
DOTNET_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)$")
SERVICE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")


@pytest.fixture(autouse=True)
def fast_restores(emu):
    emu.admin("POST", "config", {"restore_op_seconds": 0.2, "restore_job_seconds": 1.0, "compute_seconds": 0.3})


def _rg_id(emu, rg):
    return "/subscriptions/%s/resourceGroups/%s" % (emu.sub, rg)


def _protect(emu, vm="testRG/testVM", points=1, **extra):
    spec = {"vault": "testVault", "vm": vm, "policy": "DefaultPolicy", "state": "Protected", "recovery_points": points}
    spec.update(extra)
    emu.admin("POST", "seed", {"protected_items": [spec]})


def _points(emu, arm, **params):
    resp = arm.get(emu.item_url("testRG", "testVM") + "/recoveryPoints", params=dict(Q, **params))
    assert resp.status_code == 200, resp.text
    return resp.json()["value"]


def _body(emu, point, kind, **extra):
    props = {"objectType": "IaasVMRestoreRequest", "recoveryType": kind, "recoveryPointId": point["name"],
             "sourceResourceId": emu.vm_id("testRG", "testVM"), "region": "westus",
             "storageAccountId": _rg_id(emu, "restoreRG") + "/providers/Microsoft.Storage/storageAccounts/stagingwestus",
             "createNewCloudService": False, "originalStorageAccountOption": False}
    if kind == "AlternateLocation":
        vnet = _rg_id(emu, "restoreRG") + "/providers/Microsoft.Network/virtualNetworks/restoreVnet"
        props.update(targetResourceGroupId=_rg_id(emu, "restoreRG"), virtualNetworkId=vnet, subnetId=vnet + "/subnets/default",
                     targetVirtualMachineId=_rg_id(emu, "restoreRG") + "/providers/Microsoft.Compute/virtualMachines/restoredVM")
    props.update(extra)
    return {"properties": props}


def _start(emu, arm, point, body):
    resp = arm.post("%s/recoveryPoints/%s/restore" % (emu.item_url("testRG", "testVM"), point["name"]), params=Q, json=body)
    assert resp.status_code == 202, resp.text
    return resp


def _job(emu, arm, job_id):
    return arm.get(emu.vault_url() + "/backupJobs/" + job_id, params=Q).json()["properties"]


def _bag_time(text):
    """'5/13/2022 10:09:31 AM' -> '2022-05-13T10:09:31'."""
    month, day, year, hour, minute, second, half = DOTNET_TIME.match(text).groups()
    hour = int(hour) % 12 + (12 if half == "PM" else 0)
    return "%s-%02d-%02dT%02d:%s:%s" % (year, int(month), int(day), hour, minute, second)


# ---------------------------------------------------------------------- recovery points
def test_a_fresh_point_has_the_recorded_fields_and_no_more(emu, arm):
    """CLI-RP-2026 (recoverypoint list and show, a VM without a disk list, not zonal): exactly these properties.
    No recoveryPointDiskConfiguration (also CLI-JOB-2022 and Azure/azure-cli#28492: null for every point), no
    recoveryPointProperties (also CLI-JOB-2022, every spec example; Azure/azure-powershell#28890: the expiry is
    "mostly blank"), and createdWithPolicyType."""
    _protect(emu, points=0)
    item = emu.item_url("testRG", "testVM")
    job_id = emu.wait_op(arm, arm.post(item + "/backup", params=Q, json={"properties": {"objectType": "IaasVMBackupRequest"}}))[
        "properties"]["jobId"]
    assert emu.wait_job(arm, job_id)["properties"]["status"] == "Completed"
    [point] = _points(emu, arm)
    props = point["properties"]
    assert sorted(props) == sorted([
        "objectType", "recoveryPointType", "recoveryPointTime", "recoveryPointAdditionalInfo", "sourceVMStorageType",
        "isSourceVMEncrypted", "isInstantIlrSessionActive", "recoveryPointTierDetails", "isManagedVirtualMachine",
        "virtualMachineSize", "originalStorageAccountOption", "osType", "recoveryPointMoveReadinessInfo", "securityType",
        "isPrivateAccessEnabledOnAnyDisk", "createdWithPolicyType"])
    assert props["createdWithPolicyType"] == "V1" and props["recoveryPointAdditionalInfo"] == ""
    assert props["recoveryPointTierDetails"] == [{"type": "InstantRP", "status": "Valid"}, {"type": "HardenedRP", "status": "Valid"}]
    assert SERVICE_TIME.match(props["recoveryPointTime"])            # "2026-07-25T08:59:25.6678121Z"
    assert props["recoveryPointMoveReadinessInfo"] == {"ArchivedRP": {
        "isReadyForMove": False,
        "additionalInfo": "We're still determining if this Recovery Point can be moved.. Please check again after some time."}}
    assert point["name"].isdigit()                                   # "1264670702561749", "15298154608188"
    shown = arm.get(item + "/recoveryPoints/" + point["name"], params=Q).json()
    assert shown == point


def test_disk_configuration_only_with_a_disk_list(emu, arm):
    """The disk configuration a point carries comes with a disk inclusion / exclusion list (the Azure docs on selective
    disk backup); without one the recordings show none (see above)."""
    _protect(emu, points=1, disk_luns=[1], is_inclusion_list=True)
    [point] = _points(emu, arm)
    disks = point["properties"]["recoveryPointDiskConfiguration"]
    assert [d["lun"] for d in disks["includedDiskList"]] == [-1, 1] and [d["lun"] for d in disks["excludedDiskList"]] == [0]


def test_point_date_filter_in_the_cli_form(emu, arm):
    """CLI-HELP: the CLI writes the recovery point filter with its keys sorted (endDate first) and its times as
    '%Y-%m-%d %I:%M:%S %p'; the service answers newest first (RecoveryPoints_List example)."""
    _protect(emu, points=0)
    emu.admin("POST", "seed", {"recovery_points": [
        {"vault": "testVault", "vm": "testRG/testVM", "time": "2026-03-0%dT15:30:00Z" % day} for day in (1, 2, 3)]})
    flt = "endDate eq '2026-03-02 03:30:00 PM' and startDate eq '2026-03-01 03:30:00 PM'"
    assert [p["properties"]["recoveryPointTime"][:10] for p in _points(emu, arm, **{"$filter": flt})] == ["2026-03-02", "2026-03-01"]


# ---------------------------------------------------------------------- the restore POST and its Restore job
def test_restore_disks_post_operation_and_job(emu, arm):
    """CLI-JOB-2022: the POST answers 202, empty, Location / Azure-AsyncOperation on the item's operationResults /
    operationsStatus; the operation reads Succeeded with the job at once; the running RestoreDisks job has one task
    "Transfer data from vault", the propertyBag keys below (no "Target resource group" when none was asked) with the
    recovery point time to the second in the .NET form, internalPropertyBag.restoreLocationType, a progressPercentage;
    list entries (operation eq 'Restore', status eq 'InProgress') carry actionsInfo and no extendedInfo.
    PS-MANAGED-2022: the Location answers 204 once the operation succeeded."""
    _protect(emu)
    emu.admin("POST", "config", {"restore_job_seconds": 60.0})
    [point] = _points(emu, arm)
    resp = _start(emu, arm, point, _body(emu, point, "RestoreDisks"))
    assert not resp.content
    assert re.search(r"/protectedItems/VM;iaasvmcontainerv2;testRG;testVM/operationResults/[0-9a-f-]{36}\?", resp.headers["Location"])
    assert re.search(r"/protectedItems/VM;iaasvmcontainerv2;testRG;testVM/operationsStatus/[0-9a-f-]{36}\?",
                     resp.headers["Azure-AsyncOperation"])
    status = emu.wait_op(arm, resp)
    assert status["status"] == "Succeeded" and status["properties"]["objectType"] == "OperationStatusJobExtendedInfo"
    assert arm.get(resp.headers["Location"]).status_code == 204
    job_id = status["properties"]["jobId"]
    job = _job(emu, arm, job_id)
    assert job["status"] == "InProgress" and job["operation"] == "Restore" and "endTime" not in job
    ext = job["extendedInfo"]
    assert [t["taskId"] for t in ext["tasksList"]] == ["Transfer data from vault"]
    assert sorted(ext["propertyBag"]) == ["Job Type", "Recovery point time ", "Target Storage Account Name"]
    assert ext["propertyBag"]["Job Type"] == "Recover disks" and ext["propertyBag"]["Target Storage Account Name"] == "stagingwestus"
    assert _bag_time(ext["propertyBag"]["Recovery point time "]) == point["properties"]["recoveryPointTime"][:19]
    assert ext["internalPropertyBag"] == {"restoreLocationType": "RestoreDisks"}
    assert isinstance(ext["progressPercentage"], float)
    assert re.match(r"^PT(\d+H)?(\d+M)?$", ext["estimatedRemainingDuration"])     # whole minutes: "PT10M", "PT2M"
    flt = "operation eq 'Restore' and status eq 'InProgress'"
    [listed] = arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": flt})).json()["value"]
    assert listed["name"] == job_id and listed["properties"]["actionsInfo"] and "extendedInfo" not in listed["properties"]


def test_new_vm_job_as_recorded(emu, arm):
    """PS-MANAGED-2022, AlternateLocation: tasks "Transfer data from vault" then "Create the restored virtual machine";
    propertyBag "Original VM Name", "Target VM Name", "Target VNet Name" as "Group {vnet resource group} {vnet}",
    "Target Storage Account Name", "Recovery point time ", "Target resource group"."""
    _protect(emu)
    emu.admin("POST", "config", {"restore_job_seconds": 60.0})
    [point] = _points(emu, arm)
    job_id = emu.wait_op(arm, _start(emu, arm, point, _body(emu, point, "AlternateLocation")))["properties"]["jobId"]
    ext = _job(emu, arm, job_id)["extendedInfo"]
    assert [t["taskId"] for t in ext["tasksList"]] == ["Transfer data from vault", "Create the restored virtual machine"]
    bag = ext["propertyBag"]
    assert sorted(bag) == ["Job Type", "Original VM Name", "Recovery point time ", "Target Storage Account Name", "Target VM Name",
                           "Target VNet Name", "Target resource group"]
    assert bag["Job Type"] == "Recover VM to an alternate location"
    assert (bag["Original VM Name"], bag["Target VM Name"], bag["Target resource group"]) == ("testVM", "restoredVM", "restoreRG")
    assert bag["Target VNet Name"] == "Group restoreRG restoreVnet"


def test_replace_disks_job_to_completed_as_recorded(emu, arm):
    """PS-MANAGED-2022, OriginalLocation: tasks "Transfer data from vault" ("383 GBs / 383 GBs Transferred") then
    "Update the virtual machine"; the propertyBag names the source VM and its group as the target; Completed with
    progressPercentage 100, estimatedRemainingDuration "PT0S" and actionsInfo still listed."""
    _protect(emu)
    [point] = _points(emu, arm)
    job_id = emu.wait_op(arm, _start(emu, arm, point, _body(emu, point, "OriginalLocation")))["properties"]["jobId"]
    job = emu.wait_job(arm, job_id)["properties"]
    assert job["status"] == "Completed" and job["endTime"] and job["actionsInfo"]
    ext = job["extendedInfo"]
    assert [(t["taskId"], t["status"]) for t in ext["tasksList"]] == [
        ("Transfer data from vault", "Completed"), ("Update the virtual machine", "Completed")]
    assert re.match(r"^(\d+) GBs / \1 GBs Transferred$", ext["tasksList"][0]["taskExecutionDetails"])
    assert ext["propertyBag"]["Job Type"] == "Replace disks"
    assert (ext["propertyBag"]["Target VM Name"], ext["propertyBag"]["Target resource group"]) == ("testVM", "testRG")
    assert ext["progressPercentage"] == 100.0 and ext["estimatedRemainingDuration"] == "PT0S"


# ---------------------------------------------------------------------- cancel
def test_cancel_of_a_restore_as_recorded(emu, arm):
    """CLI-JOB-2022 (`backup job stop` of a running restore): 202, empty, Azure-AsyncOperation on
    backupJobs/{job}/operationsStatus/{op} at api-version 2019-05-13-preview and Location on
    backupJobs/{job}/operationResults/{op} at the request's; afterwards the item's RestoreOperationStatusKPI is
    TransientDegraded with 400158 UserErrorJobSuccessfullyCancelled "Job is cancelled."."""
    _protect(emu)
    emu.admin("POST", "config", {"restore_job_seconds": 60.0})
    [point] = _points(emu, arm)
    job_id = emu.wait_op(arm, _start(emu, arm, point, _body(emu, point, "RestoreDisks")))["properties"]["jobId"]
    resp = arm.post(emu.vault_url() + "/backupJobs/%s/cancel" % job_id, params=Q)
    assert resp.status_code == 202 and not resp.content
    assert re.search(r"/backupJobs/%s/operationsStatus/[0-9a-f-]{36}\?api-version=2019-05-13-preview" % job_id,
                     resp.headers["Azure-AsyncOperation"])
    assert re.search(r"/backupJobs/%s/operationResults/[0-9a-f-]{36}\?api-version=%s" % (job_id, API), resp.headers["Location"])
    assert _job(emu, arm, job_id)["status"] == "Cancelling"
    assert emu.wait_job(arm, job_id)["properties"]["status"] == "Cancelled"
    item = arm.get(emu.item_url("testRG", "testVM"), params=Q).json()["properties"]
    assert item["kpisHealths"]["RestoreOperationStatusKPI"] == {
        "resourceHealthStatus": "TransientDegraded",
        "resourceHealthDetails": [{"code": 400158, "title": "UserErrorJobSuccessfullyCancelled", "message": "Job is cancelled.",
                                   "recommendations": []}]}
