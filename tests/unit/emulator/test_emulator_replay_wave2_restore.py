# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay the wave-2 spec examples of the restore family (recovery points, restore, validate, job cancel)
against the emulator: declared status codes, the async headers' shape, bodies valid against bms.json.
The replay helpers and the bms.json validation are those of test_emulator_replay.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import json
import os
import re

import pytest

from conftest import API_DIR
from test_emulator_replay import checked_answers, schema  # noqa: F401 (schema is a fixture) pylint: disable=unused-import

WAVE2 = os.path.join(API_DIR, "examples-wave2", "2026-02-01")
# the operations this family builds; other wave-2 examples join the replay with their own handlers
OPERATIONS = ("RecoveryPoints_List", "RecoveryPoints_Get", "Restores_Trigger", "Operation_Validate", "ValidateOperation_Trigger",
              "ValidateOperationResults_Get", "ValidateOperationStatuses_Get", "JobCancellations_Trigger",
              "JobOperationResults_Get")
VM = ("testRG", "rpVM")


def _load(rel):
    with open(os.path.join(WAVE2, rel), encoding="utf-8") as handle:
        return json.load(handle)


def _examples():
    found = []
    for path in sorted(glob.glob(os.path.join(WAVE2, "*", "*.json"))):
        rel = os.path.relpath(path, WAVE2)
        if _load(rel).get("operationId") in OPERATIONS:
            found.append(rel)
    return found


def test_every_restore_family_example_is_replayed():
    """The contract (§11) lists 16 examples for these operations; none may silently drop out of the replay."""
    names = sorted(os.path.basename(rel) for rel in _examples())
    assert len(names) == 16, names
    assert "TriggerRestore_ResourceGuardEnabled.json" in names and "CancelJobOperationResult.json" in names


def example_guard(example):
    """The resource guard whose request an example's restore carries ('<guard id>/triggerRestoreRequests/default'), or None."""
    props = ((example["parameters"].get("parameters") or {}).get("properties") or {})
    requests = props.get("resourceGuardOperationRequests") or []
    return requests[0].rsplit("/", 2)[0] if requests else None


def _seed(emu, example):
    """rpVM (zonal, LUNs 0-1), protected in testVault, with the example's recovery points (times, types, tiers).
    An example whose restore carries a resource guard's request runs on a vault under that guard (MUA), which
    protects restores: the emulator refuses the request without it (test_emulator_restore_mua.py)."""
    vault = {"name": "testVault", "resource_group": "testVaultRG", "discovered": ["%s/%s" % VM]}
    guard = example_guard(example)
    if guard:
        emu.admin("POST", "seed", {"resource_guards": [{"id": guard}]})
        vault["resource_guard"] = guard
    emu.admin("POST", "seed", {
        "vms": [{"name": VM[1], "resource_group": VM[0], "location": "westus", "data_disk_luns": [0, 1], "zones": ["1"]}],
        "vaults": [vault],
        "protected_items": [{"vault": "testVault", "vm": "%s/%s" % VM, "recovery_points": 0}]})
    body = (example.get("responses", {}).get("200") or {}).get("body") or {}
    points = body.get("value") or ([body] if body.get("properties", {}).get("objectType") == "IaasVMRecoveryPoint" else [])
    seeds = [{"vault": "testVault", "vm": "%s/%s" % VM, "name": p["name"], "time": p["properties"]["recoveryPointTime"],
              "type": p["properties"]["recoveryPointType"],
              "tiers": {t["type"]: t["status"] for t in p["properties"]["recoveryPointTierDetails"]}} for p in points]
    if not seeds:
        params = example["parameters"]
        body = (params.get("parameters") or {}).get("properties", {})
        restore = body.get("restoreRequest", body)
        archived = restore.get("objectType") == "IaasVMRestoreWithRehydrationRequest"
        seeds = [{"vault": "testVault", "vm": "%s/%s" % VM, "name": str(params.get("recoveryPointId", "348916168024334")),
                  "tiers": {"ArchivedRP": "Valid"} if archived else {"InstantRP": "Valid", "HardenedRP": "Valid"}}]
    emu.admin("POST", "seed", {"recovery_points": seeds})
    return seeds


def _rewrite(emu, request):
    """The example's restore request with this emulator's IDs (VM, staging account, network, target group, region)."""
    props = dict(request)
    rg = "/subscriptions/%s/resourceGroups/restoreRG" % emu.sub
    props["sourceResourceId"] = emu.vm_id(*VM)
    props["region"] = "westus"
    staging = rg + "/providers/Microsoft.Storage/storageAccounts/stagingwestus"
    if "storageAccountId" in props:
        props["storageAccountId"] = staging
    if "identityBasedRestoreDetails" in props:
        props["identityBasedRestoreDetails"] = dict(props["identityBasedRestoreDetails"], targetStorageAccountId=staging)
    if "virtualNetworkId" in props:
        props["virtualNetworkId"] = rg + "/providers/Microsoft.Network/virtualNetworks/restoreVnet"
        props["subnetId"] = props["virtualNetworkId"] + "/subnets/default"
    if "targetResourceGroupId" in props:
        props["targetResourceGroupId"] = rg
    if "targetVirtualMachineId" in props:
        props["targetVirtualMachineId"] = rg + "/providers/Microsoft.Compute/virtualMachines/" + \
            props["targetVirtualMachineId"].rsplit("/", 1)[1]
    return props


def _drive(emu, arm, rel, example):
    op_id = example["operationId"]
    params = example["parameters"]
    query = {"api-version": params["api-version"]}
    vault = emu.vault_url()
    item = emu.item_url(*VM)
    seeds = _seed(emu, example)
    point = seeds[0]["name"]
    seen = []

    def record(resp):
        seen.append((resp.status_code, resp.headers, resp.json() if resp.content else None))
        return resp

    def restore():
        body = params.get("parameters") or {"properties": {
            "objectType": "IaasVMRestoreRequest", "recoveryType": "RestoreDisks", "recoveryPointId": point,
            "storageAccountId": "", "targetResourceGroupId": ""}}
        props = _rewrite(emu, body["properties"])
        return arm.post("%s/recoveryPoints/%s/restore" % (item, point), params=query, json={"properties": props})

    def validate_body():
        body = json.loads(json.dumps(params["parameters"]))
        body["properties"]["restoreRequest"] = _rewrite(emu, body["properties"]["restoreRequest"])
        return body

    if op_id == "RecoveryPoints_List":
        record(arm.get(item + "/recoveryPoints", params=query))
    elif op_id == "RecoveryPoints_Get":
        record(arm.get("%s/recoveryPoints/%s" % (item, params["recoveryPointId"]), params=query))
    elif op_id == "Restores_Trigger":
        record(restore())
    elif op_id == "Operation_Validate":
        record(arm.post(vault + "/backupValidateOperation", params=query, json=validate_body()))
    elif op_id == "ValidateOperation_Trigger":
        record(arm.post(vault + "/backupTriggerValidateOperation", params=query, json=validate_body()))
    elif op_id in ("ValidateOperationResults_Get", "ValidateOperationStatuses_Get"):
        request = _rewrite(emu, {"objectType": "IaasVMRestoreRequest", "recoveryType": "RestoreDisks", "recoveryPointId": point,
                                 "storageAccountId": "", "sourceResourceId": ""})
        resp = arm.post(vault + "/backupTriggerValidateOperation", params=query, json={"id": point, "properties": {
            "objectType": "ValidateIaasVMRestoreOperationRequest", "restoreRequest": request}})
        header = "Location" if op_id == "ValidateOperationResults_Get" else "Azure-AsyncOperation"
        record(arm.get(resp.headers[header]))
        emu.wait_op(arm, resp)
        record(arm.get(resp.headers[header]))
    elif op_id in ("JobCancellations_Trigger", "JobOperationResults_Get"):
        emu.admin("POST", "config", {"restore_job_seconds": 60.0})
        job_id = emu.wait_op(arm, restore())["properties"]["jobId"]
        resp = arm.post("%s/backupJobs/%s/cancel" % (vault, job_id), params=query)
        record(resp) if op_id == "JobCancellations_Trigger" else record(arm.get(resp.headers["Location"]))
    else:
        raise AssertionError("no replay for %s" % op_id)
    return seen


@pytest.mark.parametrize("rel", _examples())
def test_replay_wave2_restore_example(emu, arm, schema, rel):  # noqa: F811  (the imported fixture)
    emu.admin("POST", "config", {"restore_op_seconds": 0.2, "restore_job_seconds": 1.0})
    example = _load(rel)
    op_id = example["operationId"]
    observed = _drive(emu, arm, rel, example)
    guard = example_guard(example)
    if guard:
        # replayed on a vault whose guard protects restores: the 202 below was earned with the example's request
        [proxy] = arm.get(emu.vault_url() + "/backupResourceGuardProxies", params={"api-version": example["parameters"]["api-version"]}).json()["value"]
        listed = [d["defaultResourceRequest"].lower() for d in proxy["properties"]["resourceGuardOperationDetails"]]
        assert example["parameters"]["parameters"]["properties"]["resourceGuardOperationRequests"][0].lower() in listed
    for expected, body in checked_answers(schema, rel, op_id, observed, example["responses"], exact=False):
        expected_body = expected.get("body")
        if op_id in ("RecoveryPoints_List", "RecoveryPoints_Get"):
            ours = body["value"] if op_id == "RecoveryPoints_List" else [body]
            theirs = expected_body["value"] if op_id == "RecoveryPoints_List" else [expected_body]
            by_name = {p["name"]: p for p in theirs}
            for mine in ours:
                example_point = by_name[mine["name"]]
                assert mine["type"] == example_point["type"]
                assert re.sub(r"\.\d+Z$", "", mine["properties"]["recoveryPointTime"]) == \
                    re.sub(r"\.\d+Z$", "", example_point["properties"]["recoveryPointTime"])
                for key in ("objectType", "recoveryPointType", "recoveryPointTierDetails"):
                    assert mine["properties"][key] == [
                        {"type": t["type"], "status": t["status"]} for t in example_point["properties"][key]
                    ] if key == "recoveryPointTierDetails" else example_point["properties"][key], (rel, key)
                assert mine["properties"]["zones"] == ["1"]
            assert len(ours) == len(theirs)
        if op_id in ("Operation_Validate", "ValidateOperationResults_Get"):
            assert body["validateOperationResponse"]["validationResults"] == [], (rel, body)
        if op_id == "ValidateOperationStatuses_Get" and body["status"] == "Succeeded":
            assert body["properties"]["objectType"] == "OperationStatusValidateOperationExtendedInfo"


def test_the_resource_guard_example_without_its_request_is_refused(emu, arm):
    """TriggerRestore_ResourceGuardEnabled.json's restore, on its guarded vault, minus resourceGuardOperationRequests:
    refused as the emulator refuses every critical operation without the guard's request; nothing starts."""
    example = _load(os.path.join("AzureIaasVm", "TriggerRestore_ResourceGuardEnabled.json"))
    point = _seed(emu, example)[0]["name"]
    props = _rewrite(emu, example["parameters"]["parameters"]["properties"])
    props.pop("resourceGuardOperationRequests")
    resp = arm.post("%s/recoveryPoints/%s/restore" % (emu.item_url(*VM), point), params={"api-version": example["parameters"]["api-version"]},
                    json={"properties": props})
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["code"] == "BMSUserErrorResourceGuardOperationNotAuthorized"
    assert "RG341" in error["message"] and "triggerRestoreRequests" in error["message"]
    jobs = arm.get(emu.vault_url() + "/backupJobs", params={"api-version": example["parameters"]["api-version"]}).json()["value"]
    assert [job for job in jobs if job["properties"]["operation"] == "Restore"] == []
