# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Behaviour of the emulator: discovery, protection life cycle, soft delete, errors, throttling,
faults, journal and concurrency, all over HTTPS with the emulator's CA."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re
import threading
import time
from urllib.parse import urlsplit, parse_qs

import pytest
import requests

from conftest import API

Q = {"api-version": API}


def _error(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == code, resp.text
    return resp.json()["error"]["message"]


# ---------------------------------------------------------------------- transport / ARM basics
def test_headers_and_client_request_id_echo(emu, arm):
    resp = arm.get(emu.vault_url(), params=Q, headers={"x-ms-client-request-id": "abc-123"})
    assert resp.status_code == 200
    assert resp.headers["x-ms-client-request-id"] == "abc-123"
    assert resp.headers["x-ms-request-id"] and resp.headers["x-ms-correlation-request-id"]
    assert int(resp.headers["x-ms-ratelimit-remaining-subscription-reads"]) > 0
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["location"] == "westus"
    assert body["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteState"] == "Enabled"
    conf = arm.get(emu.vault_url() + "/backupconfig/vaultconfig", params=Q).json()
    assert conf["properties"]["softDeleteFeatureState"] == "Enabled"
    other = arm.get(emu.vault_url("otherVault", "otherVaultRG") + "/backupconfig/vaultconfig", params=Q).json()
    assert other["properties"]["softDeleteFeatureState"] == "Disabled"


def test_unknown_vault_rg_and_api_version(emu, arm):
    resp = arm.get(emu.vault_url("nope"), params=Q)
    _error(resp, 404, "ResourceNotFound")
    assert resp.headers["x-ms-failure-cause"] == "gateway"
    _error(arm.get(emu.vault_url("testVault", "noSuchRG"), params=Q), 404, "ResourceGroupNotFound")
    msg = _error(arm.get(emu.vault_url(), params={"api-version": "2099-01-01"}), 400, "NoRegisteredProviderFound")
    assert "2026-02-01" in msg
    _error(arm.get(emu.vault_url(), params={"api-version": "banana"}), 400, "InvalidApiVersionParameter")
    _error(arm.get(emu.vault_url()), 400, "MissingApiVersionParameter")
    for version in ("2016-12-01", "2019-05-13", "2019-05-13-preview", "2024-04-30-preview"):
        assert arm.get(emu.vault_url() + "/backupPolicies", params={"api-version": version}).status_code == 200


def test_paths_case_insensitive_and_raw_semicolons(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM"}]})
    url = emu.item_url("testRG", "testVM").replace("/subscriptions/", "/Subscriptions/").replace("backupFabrics", "backupfabrics")
    assert arm.get(url, params=Q).status_code == 200
    raw = url.replace("%3B", ";").replace("IaasVMContainer", "iaasvmcontainer").replace("/VM;", "/vm;")
    body = arm.get(raw, params=Q).json()
    assert body["name"] == "VM;iaasvmcontainerv2;testrg;testvm"
    assert body["properties"]["containerName"] == "iaasvmcontainerv2;testrg;testvm"


def test_policies_and_filters(emu, arm):
    names = [p["name"] for p in arm.get(emu.vault_url() + "/backupPolicies", params=dict(
        Q, **{"$filter": "backupManagementType eq 'AzureIaasVM'"})).json()["value"]]
    assert names == ["DefaultPolicy", "EnhancedPolicy"]
    enhanced = arm.get(emu.vault_url() + "/backupPolicies/EnhancedPolicy", params=Q).json()
    assert enhanced["properties"]["policyType"] == "V2"
    _error(arm.get(emu.vault_url() + "/backupPolicies/nope", params=Q), 404, "BMSUserErrorPolicyNotFound")


# ---------------------------------------------------------------------- discovery
def test_refresh_discovers_same_region_vms(emu, arm):
    flt = dict(Q, **{"$filter": "backupManagementType eq 'AzureIaasVM'"})
    before = {e["properties"]["friendlyName"] for e in arm.get(emu.vault_url() + "/backupProtectableItems", params=flt).json()["value"]}
    assert before == {"testVM", "classicVM"}
    resp = arm.post(emu.vault_url() + "/backupFabrics/Azure/refreshContainers", params=Q)
    assert resp.status_code == 202 and not resp.content
    location = resp.headers["Location"]
    assert "/backupFabrics/Azure/operationResults/" in location and "Retry-After" in resp.headers
    first = arm.get(location)
    assert first.status_code == 202 and first.headers["Location"] == location
    time.sleep(0.4)
    assert arm.get(location).status_code == 204
    entries = arm.get(emu.vault_url() + "/backupProtectableItems", params=flt).json()["value"]
    found = {e["properties"]["friendlyName"] for e in entries}
    assert {"vm01", "vm02", "appVM1", "appVM2", "testSQL"} <= found and "eastVM" not in found
    entry = [e for e in entries if e["properties"]["friendlyName"] == "vm01"][0]
    assert entry["name"] == "iaasvmcontainerv2;testrg;vm01"
    assert "/backupFabrics/" not in entry["id"] and entry["id"].endswith("/protectableItems/vm;iaasvmcontainerv2;testrg;vm01")
    classic = [e for e in entries if e["properties"]["friendlyName"] == "classicVM"][0]
    assert classic["properties"]["protectableItemType"] == "Microsoft.ClassicCompute/virtualMachines"
    one = arm.get(emu.vault_url() + "/backupProtectableItems", params=dict(
        Q, **{"$filter": "backupManagementType eq 'AzureIaasVM' and friendlyName eq 'APPVM1' and status eq 'NotProtected'"}))
    assert [e["properties"]["friendlyName"] for e in one.json()["value"]] == ["appVM1"]


def test_protectable_items_paging(emu, arm):
    vms = [{"name": "fleet%03d" % i, "resource_group": "fleetRG", "location": "westus"} for i in range(450)]
    emu.admin("POST", "seed", {"vms": vms, "vaults": [{"name": "testVault", "resource_group": "testVaultRG",
                                                       "discovered": ["fleetRG/" + v["name"] for v in vms]}]})
    url, params, seen, pages = emu.vault_url() + "/backupProtectableItems", dict(Q), [], 0
    while url:
        body = arm.get(url, params=params).json()
        params = None
        pages += 1
        assert len(body["value"]) <= 200
        seen += [e["name"] for e in body["value"]]
        url = body.get("nextLink")
        if url:
            assert "$skipToken=" in url and url.startswith(emu.endpoint)
    assert pages == 3 and len(seen) == len(set(seen)) == 452


def test_enable_requires_discovery(emu, arm):
    resp = arm.put(emu.item_url("testRG", "vm01"), params=Q, json=emu.enable_body("testRG", "vm01"))
    _error(resp, 400, "BMSUserErrorInvalidConfigureProtectionRequest")


# ---------------------------------------------------------------------- protection life cycle
def test_enable_backup_job_lifecycle(emu, arm):
    url = emu.item_url("testRG", "testVM")
    resp = arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM"), headers={"x-ms-client-request-id": "enable-1"})
    assert resp.status_code == 202 and resp.content == b""
    assert int(resp.headers["Retry-After"]) == 1
    assert arm.get(url, params=Q).status_code == 404          # the item appears when the operation completes
    running = arm.get(resp.headers["Azure-AsyncOperation"]).json()
    assert running["status"] == "InProgress" and running["endTime"] == "0001-01-01T00:00:00" and "properties" not in running
    assert arm.get(resp.headers["Location"]).status_code == 202
    done = emu.wait_op(arm, resp)
    assert done["status"] == "Succeeded" and done["properties"]["objectType"] == "OperationStatusJobExtendedInfo"
    final = arm.get(resp.headers["Location"])
    assert final.status_code == 200 and final.json()["properties"]["protectionState"] == "IRPending"
    item = arm.get(url, params=Q).json()["properties"]
    assert item["lastBackupStatus"] == "" and item["lastBackupTime"] == "2001-01-01T00:00:00Z"
    config_job = arm.get(emu.vault_url() + "/backupJobs/" + done["properties"]["jobId"], params=Q).json()["properties"]
    assert config_job["operation"] == "ConfigureBackup" and config_job["status"] == "Completed"
    assert config_job["activityId"] == "enable-1" and "actionsInfo" not in config_job

    request = {"properties": {"objectType": "IaasVMBackupRequest", "recoveryPointExpiryTimeInUTC": "2099-01-01T00:00:00Z"}}
    resp = arm.post(url + "/backup", params=Q, json=request, headers={"x-ms-client-request-id": "backup-1"})
    assert resp.status_code == 202 and "/operationsStatus/" in resp.headers["Azure-AsyncOperation"]
    job_id = emu.wait_op(arm, resp)["properties"]["jobId"]
    job = arm.get(emu.vault_url() + "/backupJobs/" + job_id, params=Q).json()["properties"]
    assert job["status"] == "InProgress" and "endTime" not in job and job["activityId"] == "backup-1"
    assert job["extendedInfo"]["propertyBag"]["VM Name"] == "testVM"
    assert job["extendedInfo"]["propertyBag"]["Recovery Point Expiry Time in UTC"] == "1/1/2099 12:00:00 AM"
    assert job["duration"].startswith("PT")
    listed = arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": "operation eq 'Backup' and status eq 'InProgress'"}))
    entries = listed.json()["value"]
    assert [e["name"] for e in entries] == [job_id] and "extendedInfo" not in entries[0]["properties"]
    _error(arm.post(url + "/backup", params=Q, json={"properties": {"objectType": "IaasVMBackupRequest"}}),
           400, "UserErrorBackupOperationInProgress")
    final_job = emu.wait_job(arm, job_id)["properties"]
    assert final_job["status"] == "Completed" and "endTime" in final_job
    item = arm.get(url, params=Q).json()["properties"]
    assert item["protectionState"] == "Protected" and item["lastBackupStatus"] == "Completed"
    points = arm.get(url + "/recoveryPoints", params=Q).json()["value"]
    assert len(points) == 1


STOP_BODY = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "protectionState": "ProtectionStopped",
                            "policyId": ""}}


@pytest.mark.parametrize("write", ["ConfigureBackup", "DisableBackup", "DeleteBackupData"])
def test_what_an_item_shows_while_its_operation_runs(emu, arm, write):
    """Issue 11 item 1: while an operation is in flight, what the contract and recordings say is observable and
    nothing more: the job list's InProgress entry (entityFriendlyName, operation, no endTime), 409
    BMSUserErrorObjectLocked on a second write, and the item GET still showing the state before the write."""
    if write != "ConfigureBackup":
        emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "recovery_points": 1}]})
    emu.admin("POST", "config", {"lro_seconds": 30})
    url = emu.item_url("testRG", "testVM")
    before = arm.get(url, params=Q)
    stop = {"properties": dict(STOP_BODY["properties"], sourceResourceId=emu.vm_id("testRG", "testVM"))}
    resp = {"ConfigureBackup": lambda: arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM")),
            "DisableBackup": lambda: arm.put(url, params=Q, json=stop),
            "DeleteBackupData": lambda: arm.delete(url, params=Q)}[write]()
    assert resp.status_code == 202

    jobs = arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": "status eq 'InProgress'"})).json()["value"]
    assert [(j["properties"]["operation"], j["properties"]["entityFriendlyName"]) for j in jobs] == [(write, "testvm")]
    entry = jobs[0]["properties"]
    assert "endTime" not in entry and "extendedInfo" not in entry and "actionsInfo" not in entry

    during = arm.get(url, params=Q)
    assert during.status_code == before.status_code                      # the old state until the operation completes
    if before.status_code == 200:
        assert during.json() == before.json()                             # same body: no in-flight marker the service lacks
    else:
        _error(during, 404, "BMSUserErrorItemNotFound")

    second_writes = [arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM", "EnhancedPolicy"))]
    if before.status_code == 200:
        second_writes += [arm.delete(url, params=Q),
                          arm.post(url + "/backup", params=Q, json={"properties": {"objectType": "IaasVMBackupRequest"}})]
    for second in second_writes:
        _error(second, 409, "BMSUserErrorObjectLocked")
    status = arm.get(resp.headers["Azure-AsyncOperation"]).json()
    assert status["status"] == "InProgress" and "properties" not in status  # the job id shows once it is done


def test_backup_request_validation(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM"}]})
    url = emu.item_url("testRG", "testVM") + "/backup"
    _error(arm.post(url, params=Q, json={"properties": {"objectType": "Nope"}}), 400, "BMSUserErrorInvalidInput")
    _error(arm.post(url, params=Q, json={"properties": {"objectType": "IaasVMBackupRequest",
                                                        "recoveryPointExpiryTimeInUTC": "2001-01-01T00:00:00Z"}}),
           400, "BMSUserErrorInvalidInput")
    _error(arm.post(url, params=Q, json={"properties": {"objectType": "IaasVMBackupRequest",
                                                        "recoveryPointExpiryTimeInUTC": "2999-01-01T00:00:00Z"}}),
           400, "BMSUserErrorInvalidInput")
    _error(arm.post(url, params=Q, data="{not json"), 400, "InvalidRequestContent")


def test_conflict_policy_change_stop_resume(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM"}]})
    url = emu.item_url("testRG", "testVM")
    resp = arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM", "EnhancedPolicy"))
    assert resp.status_code == 202
    _error(arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM")), 409, "BMSUserErrorObjectLocked")
    _error(arm.delete(url, params=Q), 409, "BMSUserErrorObjectLocked")
    assert arm.get(url, params=Q).json()["properties"]["policyName"] == "DefaultPolicy"   # visible when the op completes
    emu.wait_op(arm, resp)
    assert arm.get(url, params=Q).json()["properties"]["policyName"] == "EnhancedPolicy"
    stop = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "protectionState": "ProtectionStopped",
                           "sourceResourceId": emu.vm_id("testRG", "testVM"), "policyId": ""}}
    emu.wait_op(arm, arm.put(url, params=Q, json=stop))
    props = arm.get(url, params=Q).json()["properties"]
    assert props["protectionState"] == "ProtectionStopped" and props["policyId"] == ""
    _error(arm.post(url + "/backup", params=Q, json={"properties": {"objectType": "IaasVMBackupRequest"}}),
           400, "UserErrorBcmDatasourceNotPresent")
    emu.protect(arm, "testRG", "testVM")
    assert arm.get(url, params=Q).json()["properties"]["protectionState"] == "Protected"


def test_wrong_policy_and_bad_bodies(emu, arm):
    url = emu.item_url("testRG", "testVM")
    _error(arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM", "FileSharePolicy")),
           400, "BMSUserErrorInvalidPolicyForGivenProvider")
    _error(arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM", "NoSuchPolicy")), 400, "BMSUserErrorPolicyNotFound")
    body = emu.enable_body("testRG", "testVM")
    del body["properties"]["protectedItemType"]
    _error(arm.put(url, params=Q, json=body), 400, "BMSUserErrorInvalidInput")
    body = emu.enable_body("testRG", "testVM", sourceResourceId=emu.vm_id("testRG", "vm01"))
    _error(arm.put(url, params=Q, json=body), 400, "BMSUserErrorInvalidSourceResourceId")
    body = emu.enable_body("testRG", "testVM")
    body["properties"]["policyId"] = ""
    _error(arm.put(url, params=Q, json=body), 400, "BMSUserErrorNeedsPolicyId")


def test_disk_exclusion(emu, arm):
    url = emu.item_url("testRG", "testVM")
    bad = {"diskExclusionProperties": {"diskLunList": [0, 7], "isInclusionList": True}}
    _error(arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM", extendedProperties=bad)), 400, "BMSUserErrorInvalidDiskLun")
    good = {"diskExclusionProperties": {"diskLunList": [1], "isInclusionList": False}}
    emu.protect(arm, "testRG", "testVM", extendedProperties=good)
    props = arm.get(url, params=Q).json()["properties"]
    assert props["extendedProperties"]["diskExclusionProperties"] == {"diskLunList": [1], "isInclusionList": False}


def test_classic_vm(emu, arm):
    assert emu.protect(arm, "classicRG", "classicVM", classic=True)["status"] == "Succeeded"
    body = arm.get(emu.item_url("classicRG", "classicVM", classic=True), params=Q).json()
    assert body["name"] == "VM;iaasvmcontainer;classicrg;classicvm"
    assert body["properties"]["protectedItemType"] == "Microsoft.ClassicCompute/virtualMachines"


def test_vm_protected_by_other_vault_fails_in_operation(emu, arm):
    emu.protect(arm, "testRG", "testVM")
    emu.admin("POST", "seed", {"vaults": [{"name": "otherVault", "resource_group": "otherVaultRG",
                                           "discovered": ["testRG/testVM"]}]})
    resp = arm.put(emu.item_url("testRG", "testVM", "otherVault", "otherVaultRG"), params=Q,
                   json=emu.enable_body("testRG", "testVM", vault="otherVault", vault_rg="otherVaultRG"))
    assert resp.status_code == 202
    status = emu.wait_op(arm, resp)
    assert status["status"] == "Failed" and status["error"]["code"] == "BMSUserErrorVMAlreadyProtected"
    _error(arm.get(resp.headers["Location"]), 400, "BMSUserErrorVMAlreadyProtected")
    found = arm.post("%s/subscriptions/%s/providers/Microsoft.RecoveryServices/locations/westus/backupStatus" % (
        emu.endpoint, emu.sub), params=Q, json={"resourceType": "VM", "resourceId": emu.vm_id("testRG", "testVM")}).json()
    assert found["protectionStatus"] == "Protected" and found["vaultId"].endswith("/vaults/testVault")
    assert found["policyName"] == "DefaultPolicy" and found["containerName"] == "iaasvmcontainerv2;testrg;testvm"
    none = arm.post("%s/subscriptions/%s/providers/Microsoft.RecoveryServices/locations/westus/backupStatus" % (
        emu.endpoint, emu.sub), params=Q, json={"resourceType": "VM", "resourceId": emu.vm_id("appRG", "appVM1")}).json()
    assert none["protectionStatus"] == "NotProtected"


def test_protectable_list_of_a_second_vault(emu, arm):
    """REAL-BEHAVIOUR.md: "Protecting a VM in a second vault after stopping it in the first works; the VM
    shows as NotProtected among the second vault's protectable items". While the first vault protects it,
    the second does not list it as NotProtected (here: not at all, as the az CLI's "VM is already Protected
    with same or other Vault" hint for a VM missing from the list says). The modules skip the backupStatus
    check only for a VM listed as NotProtected, so this is what that rests on."""
    emu.protect(arm, "testRG", "testVM")
    emu.admin("POST", "seed", {"vaults": [{"name": "otherVault", "resource_group": "otherVaultRG", "discovered": ["testRG/testVM"]}]})
    flt = dict(Q, **{"$filter": "backupManagementType eq 'AzureIaasVM'"})
    other = emu.vault_url("otherVault", "otherVaultRG") + "/backupProtectableItems"

    def listed():
        return dict((e["properties"]["friendlyName"], e["properties"]["protectionState"]) for e in arm.get(other, params=flt).json()["value"])
    assert listed().get("testVM", "not listed") != "NotProtected"
    stop = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "protectionState": "ProtectionStopped",
                           "sourceResourceId": emu.vm_id("testRG", "testVM"), "policyId": ""}}
    emu.wait_op(arm, arm.put(emu.item_url("testRG", "testVM"), params=Q, json=stop))
    assert listed()["testVM"] == "NotProtected"


@pytest.mark.parametrize("policy", ["absent", "", None])
def test_stop_protection_with_policy_id_absent_empty_or_null(emu, arm, policy):
    """Issue 12 item 3: the spec's StopProtection examples (2016-12-01 and 2026-02-01) send no policyId, the
    recordings send ""; both are the contract, so both stop protection (not a leniency)."""
    emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "recovery_points": 1}]})
    props = {"protectedItemType": "Microsoft.Compute/virtualMachines", "protectionState": "ProtectionStopped",
             "sourceResourceId": emu.vm_id("testRG", "testVM")}
    if policy != "absent":
        props["policyId"] = policy
    status = emu.wait_op(arm, arm.put(emu.item_url("testRG", "testVM"), params=Q, json={"properties": props}))
    assert status["status"] == "Succeeded"
    item = arm.get(emu.item_url("testRG", "testVM"), params=Q).json()["properties"]
    assert item["protectionState"] == "ProtectionStopped" and item["policyId"] == ""
    job = arm.get(emu.vault_url() + "/backupJobs/" + status["properties"]["jobId"], params=Q).json()["properties"]
    assert job["operation"] == "DisableBackup"


# ---------------------------------------------------------------------- delete and soft delete
def test_soft_delete_and_undelete(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "recovery_points": 2}]})
    url = emu.item_url("testRG", "testVM")
    resp = arm.delete(url, params=Q)
    assert resp.status_code == 202 and not resp.content
    assert "/vaults/testVault/backupOperationResults/" in resp.headers["Location"]
    assert "/vaults/testVault/backupOperations/" in resp.headers["Azure-AsyncOperation"]
    assert arm.get(resp.headers["Location"]).status_code == 202
    emu.wait_op(arm, resp)
    assert arm.get(resp.headers["Location"]).status_code == 204
    props = arm.get(url, params=Q).json()["properties"]
    assert props["isScheduledForDeferredDelete"] is True and props["protectionState"] == "ProtectionStopped"
    assert props["deferredDeleteTimeRemaining"].startswith("13.23:")
    _error(arm.put(url, params=Q, json=emu.enable_body("testRG", "testVM")), 400, "BMSUserErrorSoftDeletedItemReprotectNotAllowed")
    undelete = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "protectionState": "ProtectionStopped",
                               "sourceResourceId": emu.vm_id("testRG", "testVM"), "policyId": None, "isRehydrate": True}}
    status = emu.wait_op(arm, arm.put(url, params=Q, json=undelete))
    job = arm.get(emu.vault_url() + "/backupJobs/" + status["properties"]["jobId"], params=Q).json()["properties"]
    assert job["operation"] == "Undelete"
    props = arm.get(url, params=Q).json()["properties"]
    assert "isScheduledForDeferredDelete" not in props and props["protectionState"] == "ProtectionStopped"
    emu.protect(arm, "testRG", "testVM")
    assert arm.get(url, params=Q).json()["properties"]["protectionState"] == "Protected"


TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d\d):(\d\d):(\d\d)(?:\.(\d{7}))?$")


def _timespan_seconds(text):
    """Seconds in a .NET TimeSpan text ``[d.]hh:mm:ss[.fffffff]`` (the recorded deferredDeleteTimeRemaining)."""
    match = TIMESPAN.match(text)
    assert match, "not a .NET TimeSpan: %r" % text
    days, hours, minutes, secs, fraction = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(fraction or 0) / 1e7


def _utc(text):
    return datetime.datetime.strptime(text[:26] + "Z", "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


@pytest.mark.parametrize("retention_days", [14, 20])
def test_soft_delete_shapes_follow_the_recorded_trace(emu, arm, retention_days):
    """Issue 12 item 2, as the recorded az CLI soft delete shows it: deferredDeleteTimeInUTC is the moment of the
    delete; deferredDeleteTimeRemaining a .NET TimeSpan (``13.23:59:43.1234567``) counting down from the vault's
    soft-delete retention; isScheduledForDeferredDelete true."""
    emu.admin("POST", "seed", {
        "vaults": [{"name": "sdVault", "resource_group": "testVaultRG", "soft_delete_days": retention_days, "policies": [
            {"name": "DefaultPolicy"}]}],
        "protected_items": [{"vault": "sdVault", "vm": "testRG/vm02", "recovery_points": 1}]})
    url = emu.item_url("testRG", "vm02", vault="sdVault")
    before = time.time()
    emu.wait_op(arm, arm.delete(url, params=Q))
    after = time.time()
    props = arm.get(url, params=Q).json()["properties"]
    seen = time.time()
    assert props["isScheduledForDeferredDelete"] is True and props["protectionState"] == "ProtectionStopped"
    deleted = _utc(props["deferredDeleteTimeInUTC"])
    assert before - 1 <= deleted <= after + 1, (before, props["deferredDeleteTimeInUTC"], after)   # the delete, not the purge
    remaining = _timespan_seconds(props["deferredDeleteTimeRemaining"])
    assert props["deferredDeleteTimeRemaining"].startswith("%d.23:59:" % (retention_days - 1)), props["deferredDeleteTimeRemaining"]
    assert abs((deleted + retention_days * 86400 - seen) - remaining) < 5   # purge date = delete + retention
    assert props["softDeleteRetentionPeriod"] == retention_days


def test_soft_deleted_item_counts_down_and_is_purged_at_delete_plus_retention(emu, arm):
    now = time.time()

    def iso_ago(seconds):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - seconds))
    emu.admin("POST", "seed", {"protected_items": [
        {"vault": "testVault", "vm": "testRG/testVM", "state": "SoftDeleted", "deleted_time": iso_ago(14 * 86400 - 3600)},
        {"vault": "testVault", "vm": "testRG/vm01", "state": "SoftDeleted", "deleted_time": iso_ago(14 * 86400 + 60)}]})
    props = arm.get(emu.item_url("testRG", "testVM"), params=Q).json()["properties"]
    assert props["deferredDeleteTimeInUTC"].startswith(iso_ago(14 * 86400 - 3600)[:19])
    assert TIMESPAN.match(props["deferredDeleteTimeRemaining"]).group(1) is None    # under a day: no day part
    assert 3500 < _timespan_seconds(props["deferredDeleteTimeRemaining"]) <= 3600
    _error(arm.get(emu.item_url("testRG", "vm01"), params=Q), 404, "BMSUserErrorItemNotFound")   # past its purge


def test_hard_delete_without_soft_delete(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [{"vault": "otherVault", "vm": "appRG/appVM1", "recovery_points": 3}]})
    url = emu.item_url("appRG", "appVM1", "otherVault", "otherVaultRG")
    assert len(arm.get(url + "/recoveryPoints", params=Q).json()["value"]) == 3
    emu.wait_op(arm, arm.delete(url, params=Q))
    _error(arm.get(url, params=Q), 404, "BMSUserErrorItemNotFound")
    _error(arm.get(url + "/recoveryPoints", params=Q), 404, "BMSUserErrorItemNotFound")
    assert arm.delete(url, params=Q).status_code == 204


# ---------------------------------------------------------------------- the contract wins / async URLs
def _served_backup_versions(emu, arm):
    """The api-versions the emulator serves for backup calls, as its NoRegisteredProviderFound message lists them
    (a backup path: the vault resource itself also takes the vault RP's versions)."""
    msg = _error(arm.get(emu.vault_url() + "/backupPolicies", params={"api-version": "2099-01-01"}), 400, "NoRegisteredProviderFound")
    return msg.split("The supported api-versions are '")[1].rstrip("'.").split(", ")


def _status_and_result_urls(emu, op_id, job_id, vault="testVault", rg="testVaultRG", container=None, item=None):
    """Every documented operation-status / operation-result form for one operation, unsigned."""
    fabric = emu.vault_url(vault, rg) + "/backupFabrics/Azure"
    urls = {"vault status (BackupOperationStatuses_Get)": emu.vault_url(vault, rg) + "/backupOperations/" + op_id,
            "vault result (BackupOperationResults_Get)": emu.vault_url(vault, rg) + "/backupOperationResults/" + op_id,
            "fabric status": fabric + "/operationsStatus/" + op_id,
            "fabric result (ProtectionContainerRefreshOperationResults_Get)": fabric + "/operationResults/" + op_id,
            "job result (JobOperationResults_Get)": "%s/backupJobs/%s/operationResults/%s" % (emu.vault_url(vault, rg), job_id, op_id),
            "job result, rebuilt (backupJobs/Azure)": "%s/backupJobs/Azure/operationResults/%s" % (emu.vault_url(vault, rg), op_id),
            "job status": "%s/backupJobs/%s/operationsStatus/%s" % (emu.vault_url(vault, rg), job_id, op_id)}
    if item:
        urls["item status (ProtectedItemOperationStatuses_Get)"] = item + "/operationsStatus/" + op_id
        urls["item result (ProtectedItemOperationResults_Get)"] = item + "/operationResults/" + op_id
        urls["container result (ProtectionContainerOperationResults_Get)"] = "%s/protectionContainers/%s/operationResults/%s" % (
            fabric, container, op_id)
    return urls


def test_async_urls_follow_the_examples_signed(emu, arm):
    resp = arm.put(emu.item_url("testRG", "testVM", prefix="vm"), params=Q, json=emu.enable_body("testRG", "testVM"))
    for name in ("Location", "Azure-AsyncOperation"):
        parts = urlsplit(resp.headers[name])
        assert parts.path.startswith("/Subscriptions/"), resp.headers[name]
        assert ";" in parts.path and "/protectedItems/vm;iaasvmcontainerv2;testRG;testVM/" in parts.path
        query = parse_qs(parts.query)
        assert query["api-version"] == ["2016-12-01"] and {"t", "c", "s", "h"} <= set(query)
        assert arm.get(resp.headers[name]).status_code in (200, 202)   # followed verbatim


def test_every_documented_status_and_result_form_answers_unsigned_at_every_api_version(emu, arm):
    """Issue 12: the spec's operation-status / -result calls carry no signature (bms.json examples, the
    SDK's *OperationStatuses_Get), and PowerShell polls URLs it rebuilt itself (recording): all accepted."""
    emu.admin("POST", "config", {"lro_seconds": 30})
    item = emu.item_url("testRG", "testVM")
    resp = arm.put(item, params=Q, json=emu.enable_body("testRG", "testVM"))
    op_id = urlsplit(resp.headers["Location"]).path.split("/")[-1]
    status = arm.get(resp.headers["Azure-AsyncOperation"]).json()
    assert status["status"] == "InProgress"
    job_id = [j for j in arm.get(emu.vault_url() + "/backupJobs", params=Q).json()["value"]
              if j["properties"]["operation"] == "ConfigureBackup"][0]["name"]
    urls = _status_and_result_urls(emu, op_id, job_id, container="IaasVMContainer%3Biaasvmcontainerv2%3BtestRG%3BtestVM", item=item)
    versions = _served_backup_versions(emu, arm)
    assert "2019-05-13" in versions and "2016-12-01" in versions and len(versions) > 40
    for version in versions:
        for form, url in urls.items():
            got = arm.get(url, params={"api-version": version})
            if "status" in form:
                assert got.status_code == 200 and got.json()["id"] == op_id and got.json()["status"] == "InProgress", (form, version, got.text)
            else:
                assert got.status_code == 202 and got.headers["Location"].startswith(url), (form, version, got.text)
    # a second operation, run to its end: every form gives the outcome
    emu.admin("POST", "config", {"lro_seconds": 0.2})
    item = emu.item_url("classicRG", "classicVM", classic=True)
    resp = arm.put(item, params=Q, json=emu.enable_body("classicRG", "classicVM", classic=True))
    op_id = urlsplit(resp.headers["Location"]).path.split("/")[-1]
    job_id = emu.wait_op(arm, resp)["properties"]["jobId"]
    urls = _status_and_result_urls(emu, op_id, job_id, container="IaasVMContainer%3Biaasvmcontainer%3BclassicRG%3BclassicVM", item=item)
    done = {form: arm.get(url, params={"api-version": "2019-05-13"}) for form, url in urls.items()}
    enabled = done.pop("item result (ProtectedItemOperationResults_Get)")
    assert enabled.status_code == 200 and enabled.json()["properties"]["protectionState"] == "IRPending"
    for form, got in done.items():
        if "status" in form:
            assert got.json()["status"] == "Succeeded" and got.json()["properties"]["jobId"] == job_id, (form, got.text)
        else:
            assert got.status_code == 204, (form, got.text)


def test_a_signature_when_present_must_be_the_issued_one(emu, arm):
    resp = arm.put(emu.item_url("testRG", "testVM", prefix="vm"), params=Q, json=emu.enable_body("testRG", "testVM"))
    signed = resp.headers["Azure-AsyncOperation"]
    for tampered in (signed.replace("&s=", "&s=x"), re.sub(r"&t=\d+", "&t=1", signed), signed.split("&s=")[0]):
        _error(arm.get(tampered), 403, "AuthorizationFailed")
    assert arm.get(signed).status_code == 200
    # the strict mode a client test can switch on to prove it follows the URL verbatim
    emu.admin("POST", "config", {"require_async_signature": True})
    _error(arm.get(signed.split("&t=")[0]), 403, "AuthorizationFailed")
    assert arm.get(signed).status_code == 200


def test_operation_of_another_item_or_vault_is_not_found(emu, arm):
    resp = arm.put(emu.item_url("testRG", "testVM"), params=Q, json=emu.enable_body("testRG", "testVM"))
    op_id = urlsplit(resp.headers["Location"]).path.split("/")[-1]
    _error(arm.get(emu.item_url("testRG", "classicVM", classic=True) + "/operationsStatus/" + op_id, params=Q),
           404, "BMSUserErrorOperationNotFound")
    _error(arm.get(emu.vault_url("otherVault", "otherVaultRG") + "/backupOperations/" + op_id, params=Q),
           404, "BMSUserErrorOperationNotFound")
    _error(arm.get(emu.vault_url() + "/backupOperations/" + "0" * 8, params=Q), 404, "BMSUserErrorOperationNotFound")


# ---------------------------------------------------------------------- jobs
def test_job_filters_and_date_forms(emu, arm):
    emu.admin("POST", "seed", {"jobs": [
        {"vault": "testVault", "vm": "testRG/testVM", "operation": "Backup", "status": "Completed",
         "start_time": "2024-04-21T10:00:00Z", "end_time": "2024-04-21T10:30:00Z"},
        {"vault": "testVault", "vm": "testRG/testVM", "operation": "Backup", "status": "Failed",
         "start_time": "2024-04-22T01:00:00Z", "end_time": "2024-04-22T02:00:00Z"},
        {"vault": "testVault", "vm": "testRG/testVM", "operation": "ConfigureBackup", "status": "Completed",
         "start_time": "2024-03-01T00:00:00Z", "end_time": "2024-03-01T00:00:10Z"}]})

    def names(flt):
        resp = arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": flt}))
        assert resp.status_code == 200, resp.text
        return [e["properties"]["status"] for e in resp.json()["value"]]
    assert names("startTime eq '2024-04-21 07:27:12 AM' and endTime eq '2024-04-22 07:27:12 AM'") == ["Failed", "Completed"]
    assert names("operation eq '' and startTime eq '2024-04-21T00:00:00Z' and endTime eq '2024-04-21T23:59:59Z'") == ["Completed"]
    assert names("startTime eq '2016-01-01 00:00:00 AM' and endTime eq '2030-11-29 00:00:00 AM' and operation eq 'Backup' "
                 "and backupManagementType eq 'AzureIaasVM' and status eq 'Failed'") == ["Failed"]
    assert len(names("backupManagementType eq 'AzureIaasVM'")) == 3
    _error(arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": "bogus eq 'x'"})), 400, "BMSUserErrorInvalidInput")
    _error(arm.get(emu.vault_url() + "/backupJobs/nope", params=Q), 404, "BMSUserErrorJobNotFound")


def test_protected_items_list_filters(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [
        {"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"},
        {"vault": "testVault", "vm": "classicRG/classicVM", "policy": "EnhancedPolicy"}]})
    base = emu.vault_url() + "/backupProtectedItems"

    def names(flt):
        return [e["properties"]["friendlyName"] for e in arm.get(base, params=dict(Q, **{"$filter": flt})).json()["value"]]
    assert names("backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'") == ["classicVM", "testVM"]
    assert names("backupManagementType eq 'AzureIaasVM' and policyName eq 'EnhancedPolicy'") == ["classicVM"]
    assert names("containerName eq 'iaasvmcontainerv2;testrg;testvm'") == ["testVM"]
    assert names("friendlyName eq 'testvm' and healthState eq 'Passed'") == ["testVM"]
    assert names("backupManagementType eq 'AzureStorage'") == []


# ---------------------------------------------------------------------- throttling, faults, journal
def test_write_budget_throttles(emu, arm):
    emu.admin("POST", "config", {"write_budget": 3, "write_window_seconds": 3600})
    statuses = [arm.post(emu.vault_url() + "/backupFabrics/Azure/refreshContainers", params=Q) for _attempt in range(4)]
    assert [r.status_code for r in statuses[:3]] == [202, 202, 202]
    assert [int(r.headers["x-ms-ratelimit-remaining-subscription-writes"]) for r in statuses[:3]] == [2, 1, 0]
    _error(statuses[3], 429, "SubscriptionRequestsThrottled")
    assert int(statuses[3].headers["Retry-After"]) >= 1
    assert arm.get(emu.vault_url(), params=Q).status_code == 200          # reads have their own budget


def test_deletes_have_their_own_bucket_and_header(emu, arm):
    """ARM's token buckets: DELETEs spend the deletes bucket and say so in x-ms-ratelimit-remaining-subscription-deletes."""
    emu.admin("POST", "config", {"delete_budget": 2, "delete_refill_per_second": 0.001, "write_budget": 5})
    deletes = [arm.delete(emu.item_url("testRG", name), params=Q) for name in ("vm01", "vm02", "appVM1")]
    assert [r.status_code for r in deletes[:2]] == [204, 204]                  # absent items: 204, still spend a token
    assert [int(r.headers["x-ms-ratelimit-remaining-subscription-deletes"]) for r in deletes[:2]] == [1, 0]
    assert "x-ms-ratelimit-remaining-subscription-writes" not in deletes[0].headers
    _error(deletes[2], 429, "SubscriptionRequestsThrottled")
    assert "Number of 'delete' requests" in deletes[2].json()["error"]["message"]
    put = arm.post(emu.vault_url() + "/backupFabrics/Azure/refreshContainers", params=Q)
    assert put.status_code == 202 and int(put.headers["x-ms-ratelimit-remaining-subscription-writes"]) == 4


def test_real_pace_is_one_setting(emu, arm):
    """Issue 12: pace real = Retry-After 60, operations of tens of seconds from a seeded range, ARM's buckets."""
    config = emu.admin("POST", "config", {"pace": "real", "seed": 7})
    assert config["pace"] == "real" and config["retry_after"] == 60 and config["lro_seconds"] == [15.0, 90.0]
    assert (config["read_budget"], config["read_refill_per_second"]) == (250, 25.0)
    assert (config["write_budget"], config["write_refill_per_second"]) == (200, 10.0)
    assert (config["delete_budget"], config["delete_refill_per_second"]) == (200, 10.0)
    read = arm.get(emu.vault_url(), params=Q)
    assert int(read.headers["x-ms-ratelimit-remaining-subscription-reads"]) == 249
    two_vms = (("testVM", "testRG", False), ("classicVM", "classicRG", True))
    writes = [arm.put(emu.item_url(rg, name, classic=classic), params=Q, json=emu.enable_body(rg, name, classic=classic))
              for name, rg, classic in two_vms]
    assert [w.status_code for w in writes] == [202, 202]
    assert [w.headers["Retry-After"] for w in writes] == ["60", "60"]
    assert int(writes[0].headers["x-ms-ratelimit-remaining-subscription-writes"]) == 199
    assert arm.get(writes[0].headers["Azure-AsyncOperation"]).json()["status"] == "InProgress"
    running = emu.admin("GET", "state")["operations"]["running"]
    drawn = sorted(op["seconds"] for op in running)
    assert len(drawn) == 2 and all(15 <= d <= 90 for d in drawn) and drawn[0] != drawn[1]

    # the same seed draws the same durations; the fast pace comes back with one setting
    emu.admin("POST", "reset")
    emu.admin("POST", "config", {"pace": "real", "seed": 7})
    for name, rg, classic in two_vms:
        arm.put(emu.item_url(rg, name, classic=classic), params=Q, json=emu.enable_body(rg, name, classic=classic))
    assert sorted(op["seconds"] for op in emu.admin("GET", "state")["operations"]["running"]) == drawn
    fast = emu.admin("POST", "config", {"pace": "fast"})
    assert fast["retry_after"] == 1 and fast["lro_seconds"] == 3.0 and fast["write_budget"] == 1200


@pytest.mark.parametrize("bad", [{"pace": "slow"}, {"lro_seconds": [90, 15]}, {"lro_seconds": [1, 2, 3]}, {"nope": 1},
                                 {"require_async_signature": "yes"}])
def test_bad_settings_are_refused(emu, bad):
    resp = emu.session(token=False).post("%s/_emulator/config" % emu.endpoint, json=bad)
    _error(resp, 400, "InvalidConfig")
    assert emu.admin("GET", "config")["pace"] == "fast"


def test_faults_status_drop_and_delay(emu, arm):
    emu.admin("POST", "faults", {"method": "GET", "path": "/backupPolicies$", "status": 503, "count": 1,
                                 "headers": {"Retry-After": "2"}, "body": {"error": {"code": "ServiceUnavailable", "message": "x"}}})
    first = arm.get(emu.vault_url() + "/backupPolicies", params=Q)
    assert first.status_code == 503 and first.headers["Retry-After"] == "2"
    assert arm.get(emu.vault_url() + "/backupPolicies", params=Q).status_code == 200
    emu.admin("POST", "faults", {"method": "PUT", "path": "protectedItems", "drop": "after", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        arm.put(emu.item_url("testRG", "testVM"), params=Q, json=emu.enable_body("testRG", "testVM"))
    state = emu.admin("GET", "state")
    vault = [v for v in state["vaults"] if v["name"] == "testVault"][0]
    assert any(i["busy"] for i in vault["items"]) or state["operations"]["in_progress"] == 1   # the write happened
    emu.admin("POST", "faults", {"method": "GET", "path": "/backupJobs$", "drop": "before", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        emu.session().get(emu.vault_url() + "/backupJobs", params=Q)
    emu.admin("POST", "faults", {"path": "/backupJobs$", "delay": 0.3, "count": 1})
    started = time.time()
    assert emu.session().get(emu.vault_url() + "/backupJobs", params=Q).status_code == 200
    assert time.time() - started >= 0.3
    emu.admin("DELETE", "faults")


def test_journal(emu, arm):
    emu.admin("DELETE", "journal")
    arm.get(emu.vault_url(), params=Q)
    emu.session(token=False).get(emu.vault_url(), params=Q)
    entries = emu.admin("GET", "journal")["entries"]
    assert [(e["method"], e["status"], e["token"]) for e in entries] == [("GET", 200, True), ("GET", 401, False)]
    assert entries[0]["path"].endswith("/vaults/testVault") and "api-version" in entries[0]["query"]
    later = emu.admin("GET", "journal?since=%d" % entries[0]["seq"])["entries"]
    assert [e["seq"] for e in later] == [entries[1]["seq"]]


def test_journal_marks_each_entry_read_write_or_poll(emu, arm):
    """Issue 13: the one place for "backupStatus is a POST that reads"; polls of an earlier write are marked."""
    emu.admin("DELETE", "journal")
    status_url = "%s/subscriptions/%s/providers/Microsoft.RecoveryServices/locations/westus/backupStatus" % (emu.endpoint, emu.sub)
    arm.post(status_url, params=Q, json={"resourceType": "VM", "resourceId": emu.vm_id("testRG", "testVM")})
    resp = arm.put(emu.item_url("testRG", "testVM"), params=Q, json=emu.enable_body("testRG", "testVM"))
    arm.get(resp.headers["Azure-AsyncOperation"])
    op_id = urlsplit(resp.headers["Location"]).path.split("/")[-1]
    arm.get(emu.vault_url() + "/backupOperations/" + op_id, params=Q)
    arm.get(emu.item_url("testRG", "testVM"), params=Q)
    emu.admin("POST", "faults", {"path": "/backupStatus$", "status": 500, "count": 1})
    arm.post(status_url, params=Q, json={"resourceType": "VM", "resourceId": emu.vm_id("testRG", "testVM")})
    arm.delete(emu.item_url("testRG", "classicVM", classic=True), params=Q)
    emu.get_token(fresh=True)
    entries = emu.admin("GET", "journal")["entries"]
    kinds = [(e["method"], e["kind"], e.get("signed")) for e in entries]
    assert kinds == [("POST", "read", None), ("PUT", "write", None), ("GET", "poll", True), ("GET", "poll", False),
                     ("GET", "read", None), ("POST", "read", None), ("DELETE", "write", None), ("POST", "identity", None)], kinds
    assert entries[5]["fault"] is True


# ---------------------------------------------------------------------- concurrency
def test_fifty_clients_protect_fifty_vms(emu):
    vms = [{"name": "par%02d" % i, "resource_group": "parRG", "location": "westus"} for i in range(50)]
    emu.admin("POST", "seed", {"vms": vms, "vaults": [{"name": "testVault", "resource_group": "testVaultRG",
                                                       "discovered": ["parRG/" + v["name"] for v in vms]}]})
    emu.get_token()
    results = {}

    def worker(name):
        sess = emu.session()
        results[name] = emu.protect(sess, "parRG", name)["status"]

    threads = [threading.Thread(target=worker, args=(v["name"],)) for v in vms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 50 and set(results.values()) == {"Succeeded"}
    listed = emu.session().get(emu.vault_url() + "/backupProtectedItems", params=Q).json()["value"]
    assert len([e for e in listed if e["properties"]["friendlyName"].startswith("par")]) == 50


def test_concurrent_writes_to_one_item_exactly_one_wins(emu):
    emu.admin("POST", "config", {"lro_seconds": 2.0})
    emu.get_token()
    codes = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker():
        sess = emu.session()
        barrier.wait()
        resp = sess.put(emu.item_url("testRG", "testVM"), params=Q, json=emu.enable_body("testRG", "testVM"))
        with lock:
            codes.append((resp.status_code, resp.json()["error"]["code"] if resp.content else None))

    threads = [threading.Thread(target=worker) for _index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes, key=str).count((202, None)) == 1
    assert codes.count((409, "BMSUserErrorObjectLocked")) == 19
