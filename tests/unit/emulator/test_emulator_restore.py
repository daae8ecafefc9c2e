# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Behaviour of the emulator's restore side: recovery points, restore and its job, validate, cancel,
and the Compute / Storage / Network resources around a restore (CONTRACT-wave2.md §2-§3)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import threading
import time

import pytest

from conftest import API
from test_emulator_replay import schema  # noqa: F401 (the bms.json validator fixture) pylint: disable=unused-import

Q = {"api-version": API}
COMPUTE = {"api-version": "2024-07-01"}
DISKS = {"api-version": "2024-03-02"}
RG_API = {"api-version": "2021-04-01"}
NETWORK = {"api-version": "2024-05-01"}


@pytest.fixture(autouse=True)
def fast_restores(emu):
    """Restore operations and Compute deletes at test speed (the emu fixture has reset the config)."""
    emu.admin("POST", "config", {"restore_op_seconds": 0.2, "restore_job_seconds": 1.0, "compute_seconds": 0.3})


def _error(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == code, resp.text
    return resp.json()["error"]["message"]


def _protect(emu, vm="testRG/testVM", points=1, **extra):
    spec = {"vault": "testVault", "vm": vm, "policy": "DefaultPolicy", "state": "Protected", "recovery_points": points}
    spec.update(extra)
    emu.admin("POST", "seed", {"protected_items": [spec]})


def _points(emu, arm, rg="testRG", name="testVM", **params):
    resp = arm.get(emu.item_url(rg, name) + "/recoveryPoints", params=dict(Q, **params))
    assert resp.status_code == 200, resp.text
    return resp.json()


def _rg_id(emu, rg):
    return "/subscriptions/%s/resourceGroups/%s" % (emu.sub, rg)


def _staging(emu, name="stagingwestus", rg="restoreRG"):
    return "%s/providers/Microsoft.Storage/storageAccounts/%s" % (_rg_id(emu, rg), name)


def _vnet(emu, name="restoreVnet", rg="restoreRG"):
    return "%s/providers/Microsoft.Network/virtualNetworks/%s" % (_rg_id(emu, rg), name)


def _request(emu, point, kind="RestoreDisks", vm=("testRG", "testVM"), **extra):
    props = {"objectType": "IaasVMRestoreRequest", "recoveryType": kind, "recoveryPointId": point,
             "sourceResourceId": emu.vm_id(*vm), "region": "westus", "storageAccountId": _staging(emu),
             "createNewCloudService": False, "originalStorageAccountOption": False,
             "encryptionDetails": {"encryptionEnabled": False}}
    if kind == "RestoreDisks":
        props["targetResourceGroupId"] = _rg_id(emu, "restoreRG")
    if kind == "AlternateLocation":
        props.update(targetResourceGroupId=_rg_id(emu, "restoreRG"),
                     targetVirtualMachineId="%s/providers/Microsoft.Compute/virtualMachines/restoredVM" % _rg_id(emu, "restoreRG"),
                     virtualNetworkId=_vnet(emu), subnetId=_vnet(emu) + "/subnets/default")
    props.update(extra)
    return {"properties": props}


def _restore(emu, arm, point, body, rg="testRG", name="testVM"):
    return arm.post("%s/recoveryPoints/%s/restore" % (emu.item_url(rg, name), point), params=Q, json=body)


def _restore_job(emu, arm, point, body, **kw):
    resp = _restore(emu, arm, point, body, **kw)
    assert resp.status_code == 202, resp.text
    status = emu.wait_op(arm, resp)
    assert status["status"] == "Succeeded", status
    return status["properties"]["jobId"]


def _latest(emu, arm):
    return _points(emu, arm)["value"][0]["name"]


# ---------------------------------------------------------------------- recovery points
def test_backup_creates_a_full_iaasvm_recovery_point(emu, arm):
    emu.admin("POST", "seed", {"vms": [{"name": "zonalVM", "resource_group": "testRG", "location": "westus",
                                        "data_disk_luns": [0, 1, 2], "zones": ["2"], "os_type": "Windows", "encrypted": True}],
                               "protected_items": [{"vault": "testVault", "vm": "testRG/zonalVM", "state": "IRPending",
                                                    "recovery_points": 0, "disk_luns": [0, 2], "is_inclusion_list": True}]})
    assert _points(emu, arm, name="zonalVM") == {"value": []}
    item = emu.item_url("testRG", "zonalVM")
    job_id = emu.wait_op(arm, arm.post(item + "/backup", params=Q, json={"properties": {"objectType": "IaasVMBackupRequest"}}))[
        "properties"]["jobId"]
    assert emu.wait_job(arm, job_id)["properties"]["status"] == "Completed"
    [point] = _points(emu, arm, name="zonalVM")["value"]
    props = point["properties"]
    assert point["id"].endswith("/recoveryPoints/" + point["name"]) and point["name"].isdigit()
    assert point["type"].endswith("/protectedItems/recoveryPoints")
    assert props["objectType"] == "IaasVMRecoveryPoint"
    assert props["recoveryPointType"] == "AppConsistent"
    assert {t["type"]: t["status"] for t in props["recoveryPointTierDetails"]} == {"InstantRP": "Valid", "HardenedRP": "Valid"}
    assert props["zones"] == ["2"] and props["osType"] == "Windows" and props["isSourceVMEncrypted"] is True
    disks = props["recoveryPointDiskConfiguration"]
    assert [d["lun"] for d in disks["includedDiskList"]] == [-1, 0, 2]
    assert [d["lun"] for d in disks["excludedDiskList"]] == [1]
    assert disks["numberOfDisksAttachedToVm"] == 4 and disks["numberOfDisksIncludedInBackup"] == 3
    assert "recoveryPointProperties" not in props      # as in the recordings: see test_emulator_recorded_restore.py
    assert props["originalStorageAccountOption"] is False
    got = arm.get(item + "/recoveryPoints/" + point["name"], params=Q)
    assert got.status_code == 200 and got.json() == point
    _error(arm.get(item + "/recoveryPoints/123", params=Q), 404, "BMSUserErrorRecoveryPointNotFound")


def test_seeded_points_filter_tiers_and_paging(emu, arm):
    _protect(emu, points=0)
    seeds = [{"vault": "testVault", "vm": "testRG/testVM", "time": "2026-01-%02dT10:00:00Z" % day} for day in range(1, 11)]
    seeds.append({"vault": "testVault", "vm": "testRG/testVM", "time": "2025-06-01T10:00:00Z", "name": "11111111111111",
                  "tiers": {"ArchivedRP": "Valid"}, "type": "CrashConsistent", "rule_name": "MonthlyRule", "reports_properties": True})
    emu.admin("POST", "seed", {"recovery_points": seeds})
    body = _points(emu, arm)
    times = [p["properties"]["recoveryPointTime"] for p in body["value"]]
    assert len(times) == 11 and times == sorted(times, reverse=True)
    archived = body["value"][-1]["properties"]
    assert body["value"][-1]["name"] == "11111111111111"
    assert archived["recoveryPointTierDetails"] == [{"type": "ArchivedRP", "status": "Valid"}]
    assert archived["recoveryPointType"] == "CrashConsistent"
    assert archived["recoveryPointProperties"]["ruleName"] == "MonthlyRule"
    old = body["value"][0]["properties"]["recoveryPointTierDetails"]
    assert {"type": "InstantRP", "status": "Deleted"} in old          # older than the policy's instant-RP days
    # 12-hour AM/PM filter, both bounds inclusive
    flt = "startDate eq '2026-01-03 10:00:00 AM' and endDate eq '2026-01-05 10:00:00 AM'"
    days = [p["properties"]["recoveryPointTime"][:10] for p in _points(emu, arm, **{"$filter": flt})["value"]]
    assert days == ["2026-01-05", "2026-01-04", "2026-01-03"]
    flt = "startDate eq '2026-01-03 12:00:00 AM' and endDate eq '2026-01-03 09:59:59 AM'"
    assert _points(emu, arm, **{"$filter": flt})["value"] == []
    for bad in ("startDate eq '2026-01-03 10:00:00 AM'", "startDate eq 'soon' and endDate eq 'later'",
                "startDate eq '2026-01-05 10:00:00 AM' and endDate eq '2026-01-03 10:00:00 AM'", "foo eq 'x'"):
        _error(arm.get(emu.item_url("testRG", "testVM") + "/recoveryPoints", params=dict(Q, **{"$filter": bad})),
               400, "BMSUserErrorInvalidInput")


def test_expired_points_are_gone_and_soft_deleted_items_cannot_restore(emu, arm):
    _protect(emu, points=0)
    emu.admin("POST", "seed", {"recovery_points": [
        {"vault": "testVault", "vm": "testRG/testVM", "name": "10000000000001", "time": "2025-01-01T00:00:00Z",
         "expiry": "2025-02-01T00:00:00Z"},
        {"vault": "testVault", "vm": "testRG/testVM", "name": "10000000000002", "time": "2025-01-02T00:00:00Z",
         "reports_properties": True}]})
    assert [p["name"] for p in _points(emu, arm)["value"]] == ["10000000000002"]
    _error(arm.get(emu.item_url("testRG", "testVM") + "/recoveryPoints/10000000000001", params=Q), 404,
           "BMSUserErrorRecoveryPointNotFound")
    live = arm.get(emu.item_url("testRG", "testVM") + "/recoveryPoints/10000000000002", params=Q).json()
    assert live["properties"]["recoveryPointProperties"]["expiryTime"] > live["properties"]["recoveryPointTime"]
    _protect(emu, vm="testRG/vm01", state="SoftDeleted", points=1)
    [soft] = _points(emu, arm, name="vm01")["value"]
    assert soft["properties"]["recoveryPointProperties"]["isSoftDeleted"] is True
    point = soft["name"]
    msg = _error(_restore(emu, arm, point, _request(emu, point, vm=("testRG", "vm01")), name="vm01"), 400, "BMSUserErrorInvalidInput")
    assert "soft-deleted" in msg


def test_recovery_point_pages(emu, arm):
    _protect(emu, points=205)
    first = _points(emu, arm)
    assert len(first["value"]) == 200 and first["nextLink"]
    rest = arm.get(first["nextLink"]).json()
    assert len(rest["value"]) == 5 and "nextLink" not in rest
    names = {p["name"] for p in first["value"]} | {p["name"] for p in rest["value"]}
    assert len(names) == 205


def test_seed_rejects_bad_points(emu):
    _protect(emu)
    for spec in ({"vm": "testRG/vm01"}, {"vm": "testRG/testVM", "tiers": {"ColdRP": "Valid"}},
                 {"vm": "testRG/testVM", "disk_luns": [7]}, {"vm": "testRG/testVM", "type": "Magic"}):
        resp = emu.session(token=False).post(emu.endpoint + "/_emulator/seed",
                                             json={"recovery_points": [dict(spec, vault="testVault")]})
        assert resp.status_code == 400, (spec, resp.text)


# ---------------------------------------------------------------------- restore
def test_restore_disks_job_and_disks(emu, arm, schema):  # noqa: F811
    _protect(emu)
    assert "kpisHealths" not in arm.get(emu.item_url("testRG", "testVM"), params=Q).json()["properties"]
    point = _latest(emu, arm)
    resp = _restore(emu, arm, point, _request(emu, point))
    assert resp.status_code == 202 and not resp.content
    assert "/protectedItems/VM;iaasvmcontainerv2;testRG;testVM/operationResults/" in resp.headers["Location"]
    assert "/operationsStatus/" in resp.headers["Azure-AsyncOperation"]
    op_id = resp.headers["Azure-AsyncOperation"].split("/operationsStatus/")[1].split("?")[0]
    vault_status = arm.get(emu.vault_url() + "/backupOperations/" + op_id, params=Q).json()
    assert vault_status["status"] in ("InProgress", "Succeeded")
    job_id = emu.wait_op(arm, resp)["properties"]["jobId"]
    running_body = arm.get(emu.vault_url() + "/backupJobs/" + job_id, params=Q).json()
    running = running_body["properties"]
    assert running["operation"] == "Restore" and running["entityFriendlyName"] == "testvm"
    if running["status"] == "InProgress":
        assert running["actionsInfo"] == ["Cancellable"] and "endTime" not in running
        assert 0 <= running["extendedInfo"]["progressPercentage"] < 100
    done = emu.wait_job(arm, job_id)["properties"]
    assert done["status"] == "Completed" and done["endTime"] and done["actionsInfo"] == ["Cancellable"]   # kept, as recorded
    ext = done["extendedInfo"]
    assert ext["internalPropertyBag"] == {"restoreLocationType": "RestoreDisks"}
    assert ext["progressPercentage"] == 100
    assert [t["taskId"] for t in ext["tasksList"]] == ["Transfer data from vault"]
    assert ext["tasksList"][0]["status"] == "Completed"
    bag = ext["propertyBag"]
    # the keys `az backup job show` prints for a RestoreDisks job (Azure docs), "Recovery point time " included
    assert sorted(bag) == ["Config Blob Container Name", "Config Blob Name", "Config Blob Uri", "Job Type", "Recovery point time ",
                           "Target Storage Account Name", "Target resource group", "Template Blob Uri"]
    assert bag["Job Type"] == "Recover disks" and bag["Target Storage Account Name"] == "stagingwestus"
    assert re.match(r"^testVM-[0-9a-f]{32}$", bag["Config Blob Container Name"])
    assert bag["Config Blob Name"] == "config-testVM-%s.json" % job_id
    assert bag["Config Blob Uri"] == "https://stagingwestus.blob.core.windows.net/%s/%s" % (
        bag["Config Blob Container Name"], bag["Config Blob Name"])
    assert bag["Template Blob Uri"].endswith("/azuredeploy%s.json" % job_id) and bag["Target resource group"] == "restoreRG"
    assert re.match(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$", bag["Recovery point time "])
    disks = arm.get(emu.endpoint + _rg_id(emu, "restoreRG") + "/providers/Microsoft.Compute/disks", params=DISKS).json()["value"]
    assert sorted(d["id"] for d in disks) == [d["id"] for d in emu.admin("GET", "state")["resources"]["disks"]]
    names = sorted(d["name"] for d in disks)
    assert len(names) == 3 and names[0].startswith("testvm-datadisk-000-") and names[2].startswith("testvm-osdisk-")
    assert all(d["properties"]["diskState"] == "Unattached" and d["location"] == "westus" for d in disks)
    item = arm.get(emu.item_url("testRG", "testVM"), params=Q).json()
    for body, definition in ((item, "ProtectedItemResource"), (emu.wait_job(arm, job_id), "JobResource"),
                             (running_body, "JobResource")):
        assert not schema.validate(body, schema.definition(definition)), (definition, schema.validate(body, schema.definition(definition)))
    kpi = item["properties"]["kpisHealths"]["RestoreOperationStatusKPI"]
    assert kpi == {"resourceHealthStatus": "Healthy",
                   "resourceHealthDetails": [{"code": 0, "title": "Success", "message": "", "recommendations": []}]}
    listed = arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": "operation eq 'Restore'"})).json()["value"]
    assert [j["name"] for j in listed] == [job_id] and "extendedInfo" not in listed[0]["properties"]


def test_restore_only_some_disks(emu, arm):
    _protect(emu)
    point = _latest(emu, arm)
    job_id = _restore_job(emu, arm, point, _request(emu, point, restoreDiskLunList=[1]))
    assert emu.wait_job(arm, job_id)["properties"]["status"] == "Completed"
    disks = arm.get(emu.endpoint + _rg_id(emu, "restoreRG") + "/providers/Microsoft.Compute/disks", params=DISKS).json()["value"]
    assert sorted(d["name"].split("-")[1] for d in disks) == ["datadisk", "osdisk"]
    assert [d["name"] for d in disks if "datadisk-001" in d["name"]]


def test_restore_to_new_vm_then_tag_and_delete(emu, arm):
    _protect(emu)
    point = _latest(emu, arm)
    job_id = _restore_job(emu, arm, point, _request(emu, point, "AlternateLocation", zones=["1"]))
    job = emu.wait_job(arm, job_id)["properties"]
    assert job["status"] == "Completed"
    assert [t["taskId"] for t in job["extendedInfo"]["tasksList"]] == ["Transfer data from vault", "Create the restored virtual machine"]
    assert job["extendedInfo"]["propertyBag"]["Target VM Name"] == "restoredVM"
    assert job["extendedInfo"]["internalPropertyBag"]["restoreLocationType"] == "AlternateLocation"
    vm_url = emu.endpoint + _rg_id(emu, "restoreRG") + "/providers/Microsoft.Compute/virtualMachines/restoredVM"
    vm = arm.get(vm_url, params=COMPUTE).json()
    assert vm["location"] == "westus" and vm["zones"] == ["1"] and vm["tags"] == {}
    assert vm["properties"]["timeCreated"] >= job["startTime"][:19]
    os_disk = vm["properties"]["storageProfile"]["osDisk"]
    assert os_disk["name"].startswith("restoredvm-osdisk-")
    assert [d["lun"] for d in vm["properties"]["storageProfile"]["dataDisks"]] == [0, 1]
    listed = arm.get(emu.endpoint + _rg_id(emu, "restoreRG") + "/providers/Microsoft.Compute/virtualMachines", params=COMPUTE).json()
    assert [v["name"] for v in listed["value"]] == ["restoredVM"]
    # tags: PATCH {tags} on the VM, and the Microsoft.Resources/tags/default form
    tagged = arm.patch(vm_url, params=COMPUTE, json={"tags": {"drill": "d1"}})
    assert tagged.status_code == 200 and tagged.json()["tags"] == {"drill": "d1"}
    merged = arm.patch(vm_url + "/providers/Microsoft.Resources/tags/default", params=RG_API,
                       json={"operation": "Merge", "properties": {"tags": {"owner": "me"}}})
    assert merged.json()["properties"]["tags"] == {"drill": "d1", "owner": "me"}
    assert arm.get(vm_url, params=COMPUTE).json()["tags"] == {"drill": "d1", "owner": "me"}
    # the new VM has a network interface in the target group, on the requested subnet
    [nic_ref] = vm["properties"]["networkProfile"]["networkInterfaces"]
    nic_url = emu.endpoint + nic_ref["id"]
    nic = arm.get(nic_url, params=NETWORK).json()
    assert nic["id"].startswith(_rg_id(emu, "restoreRG") + "/providers/Microsoft.Network/networkInterfaces/restoredvm-nic-")
    assert nic["properties"]["virtualMachine"]["id"] == vm["id"]
    assert nic["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"] == _vnet(emu) + "/subnets/default"
    _error(arm.delete(nic_url, params=NETWORK), 400, "NicInUse")
    # an attached disk cannot be deleted; the VM's DELETE is asynchronous and leaves its disks and NIC detached
    disk_url = emu.endpoint + os_disk["managedDisk"]["id"]
    _error(arm.delete(disk_url, params=DISKS), 409, "OperationNotAllowed")
    gone = arm.delete(vm_url, params=COMPUTE)
    assert gone.status_code == 202 and "Azure-AsyncOperation" in gone.headers and "Location" in gone.headers
    assert arm.get(vm_url, params=COMPUTE).json()["properties"]["provisioningState"] == "Deleting"
    status = emu.wait_op(arm, gone)
    assert status["status"] == "Succeeded" and status["endTime"]
    _error(arm.get(vm_url, params=COMPUTE), 404, "ResourceNotFound")
    assert arm.get(gone.headers["Location"]).status_code == 200
    assert arm.delete(vm_url, params=COMPUTE).status_code == 204
    disk = arm.get(disk_url, params=DISKS).json()
    assert disk["properties"]["diskState"] == "Unattached" and "managedBy" not in disk
    assert "virtualMachine" not in arm.get(nic_url, params=NETWORK).json()["properties"]
    assert emu.admin("GET", "state")["resources"]["network_interfaces"] == [{"id": nic["id"], "tags": {}, "attached_to": None}]
    nic_gone = arm.delete(nic_url, params=NETWORK)
    assert nic_gone.status_code == 202 and "/providers/Microsoft.Network/locations/westus/operations/" in \
        nic_gone.headers["Azure-AsyncOperation"]
    assert emu.wait_op(arm, nic_gone)["status"] == "Succeeded"
    assert arm.get(nic_gone.headers["Location"]).status_code == 200
    _error(arm.get(nic_url, params=NETWORK), 404, "ResourceNotFound")
    assert arm.patch(disk_url, params=DISKS, json={"tags": {"drill": "d1"}}).json()["tags"] == {"drill": "d1"}
    deleting = arm.delete(disk_url, params=DISKS)
    assert deleting.status_code == 202
    assert "/DiskOperations/" in deleting.headers["Azure-AsyncOperation"]
    assert emu.wait_op(arm, deleting)["status"] == "Succeeded"
    _error(arm.get(disk_url, params=DISKS), 404, "ResourceNotFound")


def test_new_vm_name_taken_and_replace_disks(emu, arm):
    _protect(emu)
    point = _latest(emu, arm)
    taken = _request(emu, point, "AlternateLocation",
                     targetResourceGroupId=_rg_id(emu, "testRG"),
                     targetVirtualMachineId=emu.vm_id("testRG", "testVM"))
    _error(_restore(emu, arm, point, taken), 400, "UserErrorVmNameAlreadyExists")
    job_id = _restore_job(emu, arm, point, _request(emu, point, "OriginalLocation"))
    job = emu.wait_job(arm, job_id)["properties"]
    assert job["status"] == "Completed"
    assert job["extendedInfo"]["internalPropertyBag"]["restoreLocationType"] == "OriginalLocation"
    assert job["extendedInfo"]["propertyBag"]["Job Type"] == "Replace disks"
    vm = arm.get(emu.endpoint + emu.vm_id("testRG", "testVM"), params=COMPUTE).json()
    assert vm["properties"]["storageProfile"]["osDisk"]["name"].startswith("testvm-osdisk-")
    assert vm["properties"]["storageProfile"]["osDisk"]["managedDisk"]["id"].startswith(_rg_id(emu, "testRG"))


@pytest.mark.parametrize("change,status,code", [
    ({"objectType": "IaasVMRestoreRequestX"}, 400, "BMSUserErrorInvalidInput"),
    ({"recoveryType": "Somewhere"}, 400, "BMSUserErrorInvalidInput"),
    ({"recoveryPointId": "1"}, 400, "BMSUserErrorInvalidInput"),
    ({"sourceResourceId": "/subscriptions/x/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/vm01"},
     400, "BMSUserErrorInvalidSourceResourceId"),
    ({"region": "eastus"}, 400, "BMSUserErrorInvalidInput"),
    ({"storageAccountId": None}, 400, "BMSUserErrorInvalidInput"),
    ({"storageAccountId": "not-an-id"}, 400, "BMSUserErrorInvalidInput"),
    ({"restoreDiskLunList": [5]}, 400, "BMSUserErrorInvalidDiskLun"),
    ({"zones": ["4"]}, 400, "BMSUserErrorInvalidInput"),
    ({"originalStorageAccountOption": True}, 400, "BMSUserErrorInvalidInput"),
    ({"storageAccountId": "STAGING:nosuchaccount"}, 400, "UserErrorStorageAccountNotFound"),
    ({"storageAccountId": "STAGING:stagingeastus"}, 400, "UserErrorStorageAccountRegionMismatch"),
    ({"targetResourceGroupId": "RG:noSuchRG"}, 400, "UserErrorTargetResourceGroupNotFound"),
])
def test_restore_body_errors(emu, arm, change, status, code):
    _protect(emu)
    point = _latest(emu, arm)
    body = _request(emu, point)
    for key, value in change.items():
        if isinstance(value, str) and value.startswith("STAGING:"):
            value = _staging(emu, value[8:], "eastRG" if "east" in value else "restoreRG")
        elif isinstance(value, str) and value.startswith("RG:"):
            value = _rg_id(emu, value[3:])
        if value is None:
            body["properties"].pop(key)
        else:
            body["properties"][key] = value
    _error(_restore(emu, arm, point, body), status, code)
    assert not arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": "operation eq 'Restore'"})).json()["value"]


@pytest.mark.parametrize("change,code", [
    ({"virtualNetworkId": None}, "BMSUserErrorInvalidInput"),
    ({"virtualNetworkId": "VNET:nosuch"}, "UserErrorVirtualNetworkNotFound"),
    ({"virtualNetworkId": "VNET:eastVnet", "subnetId": "VNET:eastVnet/subnets/default"}, "UserErrorVirtualNetworkRegionMismatch"),
    ({"subnetId": "VNET:restoreVnet/subnets/nosuch"}, "UserErrorSubnetNotFound"),
])
def test_new_vm_network_errors(emu, arm, change, code):
    _protect(emu)
    point = _latest(emu, arm)
    body = _request(emu, point, "AlternateLocation")
    for key, value in change.items():
        if value is None:
            body["properties"].pop(key)
            continue
        name = value[5:]
        net_rg = "eastRG" if name.startswith("east") else "restoreRG"
        body["properties"][key] = "%s/providers/Microsoft.Network/virtualNetworks/%s" % (_rg_id(emu, net_rg), name)
    _error(_restore(emu, arm, point, body), 400, code)


def test_unknown_item_and_point(emu, arm):
    _protect(emu)
    point = _latest(emu, arm)
    _error(_restore(emu, arm, point, _request(emu, point, vm=("testRG", "vm01")), name="vm01"), 404, "BMSUserErrorItemNotFound")
    _error(_restore(emu, arm, "999", _request(emu, "999")), 404, "BMSUserErrorRecoveryPointNotFound")
    _error(_restore(emu, arm, point, None), 400, "BMSUserErrorInvalidInput")


def test_archived_point_needs_rehydration(emu, arm):
    _protect(emu, points=0)
    emu.admin("POST", "seed", {"recovery_points": [{"vault": "testVault", "vm": "testRG/testVM", "name": "42424242424242",
                                                    "time": "2025-01-01T01:00:00Z", "tiers": {"ArchivedRP": "Valid"}}]})
    point = "42424242424242"
    msg = _error(_restore(emu, arm, point, _request(emu, point)), 400, "BMSUserErrorInvalidInput")
    assert "archive" in msg
    rehydrate = {"objectType": "IaasVMRestoreWithRehydrationRequest",
                 "recoveryPointRehydrationInfo": {"rehydrationPriority": "Urgent", "rehydrationRetentionDuration": "P15D"}}
    _error(_restore(emu, arm, point, _request(emu, point, **rehydrate)), 400, "BMSUserErrorInvalidInput")
    rehydrate["recoveryPointRehydrationInfo"] = {"rehydrationPriority": "High", "rehydrationRetentionDuration": "P31D"}
    _error(_restore(emu, arm, point, _request(emu, point, **rehydrate)), 400, "BMSUserErrorInvalidInput")
    rehydrate["recoveryPointRehydrationInfo"] = {"rehydrationPriority": "High", "rehydrationRetentionDuration": "P7D"}
    job_id = _restore_job(emu, arm, point, _request(emu, point, **rehydrate))
    assert emu.wait_job(arm, job_id)["properties"]["status"] == "Completed"


def test_restore_while_an_operation_runs_is_locked(emu, arm):
    _protect(emu)
    emu.admin("POST", "config", {"restore_op_seconds": 5.0})
    point = _latest(emu, arm)
    assert _restore(emu, arm, point, _request(emu, point)).status_code == 202
    _error(_restore(emu, arm, point, _request(emu, point)), 409, "BMSUserErrorObjectLocked")
    _error(arm.post(emu.item_url("testRG", "testVM") + "/backup", params=Q,
                    json={"properties": {"objectType": "IaasVMBackupRequest"}}), 409, "BMSUserErrorObjectLocked")


def test_cancel_a_restore_job(emu, arm):
    _protect(emu)
    emu.admin("POST", "config", {"restore_job_seconds": 60.0})
    point = _latest(emu, arm)
    job_id = _restore_job(emu, arm, point, _request(emu, point, "AlternateLocation"))
    job_url = emu.vault_url() + "/backupJobs/" + job_id
    resp = arm.post(job_url + "/cancel", params=Q)
    assert resp.status_code == 202 and not resp.content
    assert "/backupJobs/%s/operationResults/" % job_id in resp.headers["Location"]
    assert "/backupJobs/%s/operationsStatus/" % job_id in resp.headers["Azure-AsyncOperation"]
    cancelling = arm.get(job_url, params=Q).json()["properties"]
    assert cancelling["status"] == "Cancelling" and cancelling["actionsInfo"] == ["Cancellable"]   # as the recorded Cancelling job
    assert {t["status"] for t in cancelling["extendedInfo"]["tasksList"]} <= {"Cancelling", "Cancelled"}
    assert arm.get(resp.headers["Location"]).status_code in (202, 204)
    done = emu.wait_job(arm, job_id)["properties"]
    assert done["status"] == "Cancelled" and done["endTime"]
    assert arm.get(resp.headers["Location"]).status_code == 204
    _error(arm.post(job_url + "/cancel", params=Q), 400, "BMSUserErrorJobNotCancellable")
    vm_url = emu.endpoint + _rg_id(emu, "restoreRG") + "/providers/Microsoft.Compute/virtualMachines/restoredVM"
    _error(arm.get(vm_url, params=COMPUTE), 404, "ResourceNotFound")


def test_restore_job_fails_when_its_target_appears(emu, arm):
    _protect(emu)
    emu.admin("POST", "config", {"restore_job_seconds": 3.0})
    point = _latest(emu, arm)
    job_id = _restore_job(emu, arm, point, _request(emu, point, "AlternateLocation"))
    emu.admin("POST", "seed", {"vms": [{"name": "restoredVM", "resource_group": "restoreRG", "location": "westus"}]})
    job = emu.wait_job(arm, job_id)["properties"]
    assert job["status"] == "Failed" and job["errorDetails"][0]["errorTitle"] == "UserErrorVmNameAlreadyExists"
    assert isinstance(job["errorDetails"][0]["errorCode"], int)
    assert job["extendedInfo"]["tasksList"][-1]["status"] == "Failed"
    kpi = arm.get(emu.item_url("testRG", "testVM"), params=Q).json()["properties"]["kpisHealths"]["RestoreOperationStatusKPI"]
    assert kpi["resourceHealthStatus"] == "TransientDegraded"
    assert kpi["resourceHealthDetails"][0]["title"] == "UserErrorVmNameAlreadyExists"


# ---------------------------------------------------------------------- validate
def _validate_body(emu, request):
    return {"id": "ignored", "properties": {"objectType": "ValidateIaasVMRestoreOperationRequest",
                                            "restoreRequest": request["properties"]}}


def test_validate_sync_and_async(emu, arm):
    _protect(emu)
    point = _latest(emu, arm)
    good = arm.post(emu.vault_url() + "/backupValidateOperation", params=Q, json=_validate_body(emu, _request(emu, point)))
    assert good.status_code == 200 and good.json() == {"validateOperationResponse": {"validationResults": []}}
    bad_request = _request(emu, point, "AlternateLocation", storageAccountId=_staging(emu, "stagingeastus", "eastRG"),
                           virtualNetworkId=_vnet(emu, "nosuch"), restoreDiskLunList=[9])
    bad = arm.post(emu.vault_url() + "/backupValidateOperation", params=Q, json=_validate_body(emu, bad_request)).json()
    codes = [r["code"] for r in bad["validateOperationResponse"]["validationResults"]]
    assert codes == ["BMSUserErrorInvalidDiskLun", "UserErrorStorageAccountRegionMismatch", "UserErrorVirtualNetworkNotFound"]
    assert all(r["message"] and r["recommendations"] for r in bad["validateOperationResponse"]["validationResults"])
    # the contract's flat form (objectType + restoreRequest at the top) is accepted too
    flat = {"objectType": "ValidateIaasVMRestoreOperationRequest", "restoreRequest": bad_request["properties"]}
    assert arm.post(emu.vault_url() + "/backupValidateOperation", params=Q, json=flat).json() == bad
    _error(arm.post(emu.vault_url() + "/backupValidateOperation", params=Q, json={"properties": {"objectType": "Other"}}),
           400, "BMSUserErrorInvalidInput")
    resp = arm.post(emu.vault_url() + "/backupTriggerValidateOperation", params=Q, json=_validate_body(emu, bad_request))
    assert resp.status_code == 202 and not resp.content
    assert "/backupValidateOperationResults/" in resp.headers["Location"]
    assert "/backupValidateOperationsStatuses/" in resp.headers["Azure-AsyncOperation"]
    first = arm.get(resp.headers["Location"])
    assert first.status_code == 202 and first.headers["Location"]
    status = emu.wait_op(arm, resp)
    assert status["status"] == "Succeeded"
    assert status["properties"]["objectType"] == "OperationStatusValidateOperationExtendedInfo"
    assert status["properties"]["validateOperationResponse"] == bad["validateOperationResponse"]
    result = arm.get(resp.headers["Location"])
    assert result.status_code == 200 and result.json() == bad
    # validation writes nothing
    assert not arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": "operation eq 'Restore'"})).json()["value"]


def test_validate_unknown_item(emu, arm):
    request = _request(emu, "1", vm=("testRG", "vm01"))
    body = arm.post(emu.vault_url() + "/backupValidateOperation", params=Q, json=_validate_body(emu, request)).json()
    assert [r["code"] for r in body["validateOperationResponse"]["validationResults"]] == ["BMSUserErrorItemNotFound"]


# ---------------------------------------------------------------------- storage, network, resource groups
def test_storage_accounts_and_networks(emu, arm):
    acct = arm.get(emu.endpoint + _staging(emu), params={"api-version": "2023-01-01"})
    assert acct.status_code == 200 and acct.json()["location"] == "westus" and acct.json()["kind"] == "StorageV2"
    missing = arm.get(emu.endpoint + _staging(emu, "nosuch"), params={"api-version": "2023-01-01"})
    _error(missing, 404, "ResourceNotFound")
    assert missing.headers["x-ms-failure-cause"] == "gateway"
    _error(arm.get(emu.endpoint + _staging(emu, rg="noSuchRG"), params={"api-version": "2023-01-01"}), 404, "ResourceGroupNotFound")
    net = arm.get(emu.endpoint + _vnet(emu), params={"api-version": "2024-01-01"}).json()
    assert net["location"] == "westus" and [s["name"] for s in net["properties"]["subnets"]] == ["default", "restore"]
    subnet = arm.get(emu.endpoint + _vnet(emu) + "/subnets/restore", params={"api-version": "2024-01-01"})
    assert subnet.status_code == 200 and subnet.json()["id"].endswith("/subnets/restore")
    _error(arm.get(emu.endpoint + _vnet(emu) + "/subnets/nope", params={"api-version": "2024-01-01"}), 404, "NotFound")
    _error(arm.get(emu.endpoint + _vnet(emu), params={"api-version": "1999-01-01"}), 400, "NoRegisteredProviderFound")
    emu.admin("POST", "seed", {"storage_accounts": [{"name": "newacct", "resource_group": "newRG", "location": "eastus"}],
                               "virtual_networks": [{"name": "net2", "resource_group": "newRG", "location": "eastus"}]})
    assert arm.get(emu.endpoint + _staging(emu, "newacct", "newRG"), params={"api-version": "2023-01-01"}).json()["location"] == "eastus"
    listed = arm.get(emu.endpoint + _rg_id(emu, "newRG") + "/providers/Microsoft.Network/virtualNetworks",
                     params={"api-version": "2024-01-01"}).json()
    assert [n["name"] for n in listed["value"]] == ["net2"]


def test_resource_group_lifecycle_removes_its_resources(emu, arm):
    url = emu.endpoint + _rg_id(emu, "drillRG")
    _error(arm.get(url, params=RG_API), 404, "ResourceGroupNotFound")
    _error(arm.put(url, params=RG_API, json={}), 400, "LocationRequired")
    created = arm.put(url, params=RG_API, json={"location": "westus", "tags": {"drill": "d1"}})
    assert created.status_code == 201 and created.json()["tags"] == {"drill": "d1"}
    assert arm.put(url, params=RG_API, json={"location": "westus", "tags": {"drill": "d1"}}).status_code == 200
    _error(arm.put(url, params=RG_API, json={"location": "eastus"}), 409, "InvalidResourceGroupLocation")
    _protect(emu)
    point = _latest(emu, arm)
    job_id = _restore_job(emu, arm, point, _request(emu, point, targetResourceGroupId=_rg_id(emu, "drillRG")))
    assert emu.wait_job(arm, job_id)["properties"]["status"] == "Completed"
    assert len(arm.get(url + "/providers/Microsoft.Compute/disks", params=DISKS).json()["value"]) == 3
    deleting = arm.delete(url, params=RG_API)
    assert deleting.status_code == 202 and "/operationresults/" in deleting.headers["Location"]
    assert arm.get(url, params=RG_API).json()["properties"]["provisioningState"] == "Deleting"
    deadline = time.time() + 10
    while True:
        polled = arm.get(deleting.headers["Location"])
        if polled.status_code != 202:
            break
        assert time.time() < deadline
        time.sleep(0.1)
    assert polled.status_code == 200
    _error(arm.get(url, params=RG_API), 404, "ResourceGroupNotFound")
    _error(arm.get(url + "/providers/Microsoft.Compute/disks", params=DISKS), 404, "ResourceGroupNotFound")
    state = emu.admin("GET", "state")
    assert state["vaults"]      # the vaults' groups are untouched
    _error(arm.delete(emu.endpoint + _rg_id(emu, "testVaultRG"), params=RG_API), 409, "ResourceGroupDeletionBlocked")


def test_resource_group_generic_list_shows_everything_it_holds(emu, arm):
    """GET .../resourceGroups/{rg}/resources: every kind the emulator keeps in the group, and only that group's."""
    url = emu.endpoint + _rg_id(emu, "restoreRG") + "/resources"
    listed = arm.get(url, params=RG_API)
    assert listed.status_code == 200, listed.text
    types = sorted((r["type"], r["name"]) for r in listed.json()["value"])
    assert ("Microsoft.Storage/storageAccounts", "stagingwestus") in types
    assert ("Microsoft.Network/virtualNetworks", "restoreVnet") in types
    assert all(r["id"].lower().startswith(_rg_id(emu, "restoreRG").lower() + "/providers/") for r in listed.json()["value"])
    vault_rg = arm.get(emu.endpoint + _rg_id(emu, "testVaultRG") + "/resources", params=RG_API).json()["value"]
    assert [r["type"] for r in vault_rg if r["name"] == "testVault"] == ["Microsoft.RecoveryServices/vaults"]
    vms = arm.get(emu.endpoint + _rg_id(emu, "testRG") + "/resources", params=RG_API).json()["value"]
    assert ("Microsoft.Compute/virtualMachines", "testVM") in [(r["type"], r["name"]) for r in vms]
    # a new VM restored into an empty group: the VM, its disks and its network interface, with the tags put on them
    empty = emu.endpoint + _rg_id(emu, "drillRG")
    arm.put(empty, params=RG_API, json={"location": "westus", "tags": {"drill": "d1"}})
    assert arm.get(empty + "/resources", params=RG_API).json() == {"value": []}
    _protect(emu)
    point = _latest(emu, arm)
    body = _request(emu, point, "AlternateLocation", targetResourceGroupId=_rg_id(emu, "drillRG"),
                    targetVirtualMachineId=_rg_id(emu, "drillRG") + "/providers/Microsoft.Compute/virtualMachines/vmDrill",
                    virtualNetworkId=_vnet(emu), subnetId=_vnet(emu) + "/subnets/restore")
    assert emu.wait_job(arm, _restore_job(emu, arm, point, body))["properties"]["status"] == "Completed"
    vm_url = empty + "/providers/Microsoft.Compute/virtualMachines/vmDrill"
    assert arm.patch(vm_url, params=COMPUTE, json={"tags": {"drill": "d1"}}).status_code == 200
    held = arm.get(empty + "/resources", params=RG_API).json()["value"]
    kinds = sorted(r["type"] for r in held)
    assert kinds.count("Microsoft.Compute/virtualMachines") == 1 and kinds.count("Microsoft.Network/networkInterfaces") == 1
    assert kinds.count("Microsoft.Compute/disks") >= 1
    assert [r.get("tags") for r in held if r["name"] == "vmDrill"] == [{"drill": "d1"}]
    _error(arm.get(emu.endpoint + _rg_id(emu, "noSuchRG") + "/resources", params=RG_API), 404, "ResourceGroupNotFound")
    _error(arm.get(url, params={"api-version": "1999-01-01"}), 400, "NoRegisteredProviderFound")


def test_many_restores_at_once(emu):
    """Ten VMs restored concurrently into one group: every restore gets its job, every job its own disks."""
    names = ["drill%02d" % i for i in range(10)]
    emu.admin("POST", "seed", {
        "vms": [{"name": n, "resource_group": "appRG", "location": "westus", "data_disk_luns": [0]} for n in names],
        "protected_items": [{"vault": "testVault", "vm": "appRG/" + n} for n in names]})
    results = {}

    def run(name):
        sess = emu.session()
        point = sess.get(emu.item_url("appRG", name) + "/recoveryPoints", params=Q).json()["value"][0]["name"]
        results[name] = _restore_job(emu, sess, point, _request(emu, point, vm=("appRG", name)), rg="appRG", name=name)

    threads = [threading.Thread(target=run, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    arm = emu.session()
    assert sorted(results) == names and len(set(results.values())) == 10
    assert {emu.wait_job(arm, job)["properties"]["status"] for job in results.values()} == {"Completed"}
    disks = arm.get(emu.endpoint + _rg_id(emu, "restoreRG") + "/providers/Microsoft.Compute/disks", params=DISKS).json()["value"]
    assert len(disks) == 20 and len({d["name"] for d in disks}) == 20
    assert {d["name"].split("-")[0] for d in disks} == set(names)
