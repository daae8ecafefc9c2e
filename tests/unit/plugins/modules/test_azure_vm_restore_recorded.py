# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_restore against answers shaped as the live service recorded them (issue 14; the sources are named in
tests/unit/emulator/test_emulator_recorded_restore.py): recovery points without recoveryPointDiskConfiguration or
recoveryPointProperties, and Restore jobs with the recorded propertyBag keys and value forms. HTTP faked at the
transport (``support.modules_http``, ``support.restore_http``)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._times import format_utc
from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_restore

from support.modules_http import SUB, VAULT, accepted, run
from ansible_collections.azure_recovery.backup.plugins.module_utils import _restore
from support.restore_http import DISKS_ARGS, NEW_VM_ARGS, ago, point, reads, restore_posts, restored_disk


def recorded_point(name="222"):
    """A point as recorded for a VM without a disk list (az CLI test_backup_rp.yaml, 2026): no disk configuration,
    no recoveryPointProperties."""
    body = point(name)
    for key in ("recoveryPointDiskConfiguration", "recoveryPointProperties", "zones"):
        body["properties"].pop(key)
    body["properties"].update(sourceVMStorageType="PremiumVMOnPartialPremiumStorage", createdWithPolicyType="V1")
    return body


def dotnet(text):
    """'2026-03-01T08:05:09Z' -> '3/1/2026 8:05:09 AM' (the bag's form: no leading zeros)."""
    date, clock = text.rstrip("Z").split("T")
    year, month, day = (int(x) for x in date.split("-"))
    hour, minute, second = (int(x) for x in clock.split(":"))
    return "%d/%d/%d %d:%02d:%02d %s" % (month, day, year, hour % 12 or 12, minute, second, "AM" if hour < 12 else "PM")


def recorded_job(name, rtype, bag, status="Completed"):
    """A Restore job as GET backupJobs/{id} answers (azure-powershell TestAzureManagedVMRestore.json, az CLI
    test_backup_job.yaml, 2022): actionsInfo [1] even when Completed, tasks without times."""
    props = {"jobType": "AzureIaaSVMJob", "actionsInfo": [1], "containerName": "iaasvmcontainerv2;testrg;testvm",
             "duration": "PT20M40.6325747S", "virtualMachineVersion": "Compute", "entityFriendlyName": "testvm",
             "backupManagementType": "AzureIaasVM", "operation": "Restore", "status": status,
             "startTime": format_utc(ago(minutes=30)), "activityId": "a",
             "extendedInfo": {"tasksList": [{"taskId": "Transfer data from vault", "duration": "PT0S", "status": "Completed",
                                             "taskExecutionDetails": "383 GBs / 383 GBs Transferred"}],
                              "propertyBag": bag, "internalPropertyBag": {"restoreLocationType": rtype},
                              "progressPercentage": 100.0, "estimatedRemainingDuration": "PT0S"}}
    if status != "InProgress":
        props["endTime"] = format_utc(ago(minutes=5))
    return {"id": VAULT + "/backupJobs/" + name, "name": name, "type": "Microsoft.RecoveryServices/vaults/backupJobs", "properties": props}


def _vm(luns):
    return {"id": "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB, "name": "testVM",
            "properties": {"storageProfile": {"osDisk": {"name": "os"}, "dataDisks": [{"lun": lun, "name": "d%d" % lun} for lun in luns]}}}


def test_disk_luns_of_a_point_without_disk_configuration_are_checked_against_the_vm(fake, capsys):
    """The point lists no disks (recorded shape): the VM's data disks, read through Compute, stand for them."""
    reads(fake, points=[recorded_point()])
    fake.route("GET", r"/virtualMachines/testVM$", (200, _vm([0, 1])))
    result = run(azure_vm_restore, dict(DISKS_ARGS, disk_luns=[1, 5]), capsys)
    assert result["failed"] and "disk_luns [5] are not in recovery point 222 of VM testRG/testVM (it has data disks at LUNs [0, 1])" in result["msg"]
    assert fake.writes() == []


def test_a_recorded_point_reads_as_unknown_expiry_and_disks():
    typed = _restore.recovery_point_result(recorded_point())
    assert typed["expiry_time"] is None and typed["rule_name"] is None and typed["soft_deleted"] is False
    assert typed["disks"] == {"included_luns": [], "excluded_luns": [], "number_included": None, "number_attached": None}


@pytest.mark.parametrize("vm", [(200, _vm([0, 1])), (404, {"error": {"code": "ResourceNotFound", "message": "gone"}})])
def test_disk_luns_on_the_vm_or_of_a_vm_that_is_gone_are_sent(fake, capsys, vm):
    reads(fake, points=[recorded_point()])
    fake.route("GET", r"/virtualMachines/testVM$", vm)
    fake.route("POST", r"/restore$", accepted(fake, job="job-l"))
    result = run(azure_vm_restore, dict(DISKS_ARGS, disk_luns=[1], wait=False), capsys)
    assert result["changed"] and restore_posts(fake)[0].body["properties"]["restoreDiskLunList"] == [1]


def test_rerun_recognised_from_a_recorded_new_vm_job(fake, capsys):
    """The AlternateLocation job's bag as recorded: Original VM Name, Target VM Name, Target VNet Name
    ("Group {rg} {vnet}"), Target Storage Account Name, "Recovery point time " (trailing space), Target resource group."""
    rp = recorded_point()
    bag = {"Job Type": "Recover VM to an alternate location", "Original VM Name": "testVM", "Target VM Name": "testVM-drill",
           "Target VNet Name": "Group isolatedRG isolated", "Target Storage Account Name": "staging01",
           "Recovery point time ": dotnet(rp["properties"]["recoveryPointTime"]), "Target resource group": "drillRG"}
    reads(fake, points=[rp], jobs=[recorded_job("done", "AlternateLocation", bag)])
    new_id = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/virtualMachines/testVM-drill" % SUB
    os_disk = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testVM-drill-os" % SUB
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": new_id, "tags": {}, "properties": {
        "provisioningState": "Succeeded", "storageProfile": {"osDisk": {"managedDisk": {"id": os_disk}}, "dataDisks": []},
        "networkProfile": {"networkInterfaces": []}}}))
    fake.route("GET", r"/disks/testVM-drill-os$", (200, {"id": os_disk, "tags": {}}))
    result = run(azure_vm_restore, NEW_VM_ARGS, capsys)
    assert result["changed"] is False and result["job_id"] == "done" and "already ran" in result["msg"], result.get("msg")
    assert result["job"]["restore_location_type"] == "AlternateLocation" and result["created"]["vm_id"] == new_id
    assert fake.writes() == []


@pytest.mark.parametrize("target_vm", ["vmName", None])
def test_rerun_recognised_from_a_recorded_restore_disks_job(fake, capsys, target_vm):
    """A RestoreDisks job as recorded (the 2022 CLI session shows "Target VM Name": "vmName" on it, the Azure docs'
    example none): matched on the staging account, the target group and the point's time to the second."""
    rp = recorded_point()
    bag = {"Job Type": "Recover disks", "Target Storage Account Name": "staging01", "Target resource group": "drillRG",
           "Recovery point time ": dotnet(rp["properties"]["recoveryPointTime"]),
           "Config Blob Uri": "https://staging01.blob.core.windows.net/testvm-1/config-testvm-done.json"}
    if target_vm:
        bag["Target VM Name"] = target_vm
    reads(fake, points=[rp], jobs=[recorded_job("done", "RestoreDisks", bag)])
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": [restored_disk()]}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result.get("changed") is False and result.get("job_id") == "done", result
    assert result["created"]["config_blob_uri"] == bag["Config Blob Uri"] and fake.writes() == []
