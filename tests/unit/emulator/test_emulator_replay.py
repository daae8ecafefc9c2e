# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay the spec's examples (2016-12-01 and 2026-02-01) and the recorded PowerShell sessions
against the emulator: same status codes, same kinds of headers, bodies valid against bms.json."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import json
import os
import re
import time
from urllib.parse import urlsplit, parse_qs

import pytest

from bms_schema import BmsSchema
from conftest import API_DIR

# The contract material lies beside the checkout (../shared, as in CI) or at AZURE_BACKUP_API_DIR.
# Without it nothing would be replayed, so that is a failure, not a skip.
assert os.path.isdir(API_DIR), "shared azure-backup-api material not found at %s (set AZURE_BACKUP_API_DIR)" % API_DIR

BROKEN_EXAMPLE = os.path.join("2016-12-01", "AzureIaasVm", "BackupProtectableItems_List.json")
LITERAL_SEGMENTS = {"Subscriptions", "subscriptions", "resourceGroups", "providers", "Microsoft.RecoveryServices", "vaults",
                    "backupFabrics", "protectionContainers", "protectedItems", "operationResults", "operationsStatus",
                    "backupOperations", "backupOperationResults", "backupJobs"}
ASYNC_HEADERS = ("Location", "Azure-AsyncOperation", "Retry-After")


def _examples():
    root = os.path.join(API_DIR, "examples")
    return sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "*", "*", "*.json")))


@pytest.fixture(scope="module")
def schema():
    return BmsSchema(os.path.join(API_DIR, "bms.json"))


def load_example(rel):
    path = os.path.join(API_DIR, "examples", rel)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if rel == BROKEN_EXAMPLE:
        text = re.sub(r",(\s*[}\]])", r"\1", text)      # the upstream trailing comma, repaired for the replay
    return json.loads(text)


def test_broken_upstream_example_is_still_invalid():
    """2016-12-01 BackupProtectableItems_List.json is not valid JSON upstream; it is replayed repaired below."""
    with open(os.path.join(API_DIR, "examples", BROKEN_EXAMPLE), encoding="utf-8") as handle:
        text = handle.read()
    with pytest.raises(ValueError):
        json.loads(text)
    assert load_example(BROKEN_EXAMPLE)["responses"]["200"]["body"]["value"]


def _operation_id(rel, example):
    if "operationId" in example:
        return example["operationId"]
    name = os.path.basename(rel)[:-5]
    return {
        "BackupProtectableItems_List": "BackupProtectableItems_List", "ClassicCompute_ProtectedItem_Get": "ProtectedItems_Get",
        "Compute_ProtectedItem_Get": "ProtectedItems_Get", "ConfigureProtection": "ProtectedItems_CreateOrUpdate",
        "ProtectedItemOperationResults": "ProtectedItemOperationResults_Get",
        "ProtectedItemOperationStatus": "ProtectedItemOperationStatuses_Get", "ProtectionPolicies_Get": "ProtectionPolicies_Get",
        "StopProtection": "ProtectedItems_CreateOrUpdate", "ProtectionContainers_Get": "ProtectionContainers_Get",
        "ProtectedItem_Delete": "ProtectedItems_Delete", "ProtectedItem_Delete_OperationResult": "BackupOperationResults_Get",
        "ProtectedItem_Delete_OperationStatus": "BackupOperationStatuses_Get", "RefreshContainers": "ProtectionContainers_Refresh",
        "RefreshContainers_OperationResults": "ProtectionContainerRefreshOperationResults_Get", "TriggerBackup_Post": "Backups_Trigger",
    }[name]


def _seed_protected(emu, state="Protected"):
    emu.admin("POST", "seed", {"protected_items": [
        {"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy", "state": state},
        {"vault": "testVault", "vm": "classicRG/classicVM", "policy": "DefaultPolicy", "state": state}]})


def _drive(emu, arm, op_id, rel, example):
    """Run the scenario an example documents; return [(status, headers, body)] observed."""
    params = example["parameters"]
    query = {"api-version": "2026-02-01" if rel.startswith("2026") else "2016-12-01"}
    if "$filter" in params:
        query["$filter"] = params["$filter"]
    vault = emu.vault_url()
    classic = "Classic" in rel
    item = emu.item_url("classicRG", "classicVM", classic=True) if classic else emu.item_url("testRG", "testVM")
    seen = []

    def record(resp):
        body = resp.json() if resp.content else None
        seen.append((resp.status_code, resp.headers, body))
        return resp

    if op_id == "ProtectionContainers_Refresh":
        record(arm.post(vault + "/backupFabrics/Azure/refreshContainers", params=query))
    elif op_id == "ProtectionContainerRefreshOperationResults_Get":
        resp = arm.post(vault + "/backupFabrics/Azure/refreshContainers", params=query)
        record(arm.get(resp.headers["Location"]))
        time.sleep(0.5)
        record(arm.get(resp.headers["Location"]))
    elif op_id == "BackupProtectableItems_List":
        record(arm.get(vault + "/backupProtectableItems", params=query))
    elif op_id == "ProtectedItems_Get":
        _seed_protected(emu)
        record(arm.get(item, params=query))
    elif op_id == "ProtectedItems_CreateOrUpdate":
        if "StopProtection" in rel:
            _seed_protected(emu)
        body = example["parameters"]["parameters"]
        props = dict(body["properties"])
        props["sourceResourceId"] = emu.vm_id("testRG", "testVM")
        if "policyId" in props:
            props["policyId"] = emu.policy_id()
        record(arm.put(item, params=query, json={"properties": props}))
    elif op_id == "ProtectedItemOperationResults_Get":
        resp = arm.put(item, params=query, json=emu.enable_body("testRG", "testVM"))
        record(arm.get(resp.headers["Location"]))
        emu.wait_op(arm, resp)
        record(arm.get(resp.headers["Location"]))
    elif op_id == "ProtectedItemOperationStatuses_Get":
        resp = arm.put(item, params=query, json=emu.enable_body("testRG", "testVM"))
        record(arm.get(resp.headers["Azure-AsyncOperation"]))
        emu.wait_op(arm, resp)
        record(arm.get(resp.headers["Azure-AsyncOperation"]))
    elif op_id == "ProtectionPolicies_Get":
        record(arm.get(vault + "/backupPolicies/DefaultPolicy", params=query))
    elif op_id == "BackupPolicies_List":
        record(arm.get(vault + "/backupPolicies", params=query))
    elif op_id == "BackupProtectedItems_List":
        _seed_protected(emu)
        record(arm.get(vault + "/backupProtectedItems", params=query))
    elif op_id == "ProtectionContainers_Get":
        record(arm.get(vault + "/backupFabrics/Azure/protectionContainers/VMAppContainer;Compute;testRG;testSQL", params=query))
    elif op_id in ("ProtectedItems_Delete", "BackupOperationResults_Get", "BackupOperationStatuses_Get"):
        _seed_protected(emu)
        resp = arm.delete(item, params=query)
        if op_id == "ProtectedItems_Delete":
            record(resp)
        else:
            header = "Location" if op_id == "BackupOperationResults_Get" else "Azure-AsyncOperation"
            record(arm.get(resp.headers[header]))
            emu.wait_op(arm, resp)
            record(arm.get(resp.headers[header]))
    elif op_id == "Backups_Trigger":
        _seed_protected(emu)
        record(arm.post(item + "/backup", params=query, json=example["parameters"]["parameters"]))
    elif op_id == "JobDetails_Get":
        _seed_protected(emu)
        resp = arm.post(item + "/backup", params=query, json={"properties": {"objectType": "IaasVMBackupRequest"}})
        job_id = emu.wait_op(arm, resp)["properties"]["jobId"]
        record(arm.get(vault + "/backupJobs/" + job_id, params=query))
    elif op_id == "BackupJobs_List":
        emu.admin("POST", "seed", {"jobs": [
            {"vault": "testVault", "vm": "testRG/testVM", "operation": "Backup", "status": "InProgress",
             "start_time": "2017-08-03T05:31:07.014604Z"},
            {"vault": "testVault", "vm": "testRG/testVM", "operation": "ConfigureBackup", "status": "Completed",
             "start_time": "2017-08-03T05:30:32.4487085Z", "end_time": "2017-08-03T05:31:03.7553376Z"}]})
        record(arm.get(vault + "/backupJobs", params=query))
    else:
        raise AssertionError("no replay for %s" % op_id)
    return seen


def _assert_url_shape(ours, theirs, name, exact=True):
    """Same path shape as the example's URL. ``exact=False`` (wave-2 examples, which disagree among themselves on
    the case of ``subscriptions`` and on the api-version): literal segments compared case-insensitively, any api-version."""
    our_parts, their_parts = urlsplit(ours), urlsplit(theirs)
    our_segs, their_segs = our_parts.path.split("/"), their_parts.path.split("/")
    assert len(our_segs) == len(their_segs), (name, ours, theirs)
    for mine, example in zip(our_segs, their_segs):
        if example in LITERAL_SEGMENTS or (not exact and example.lower() in {s.lower() for s in LITERAL_SEGMENTS}):
            assert mine == example if exact else mine.lower() == example.lower(), (name, ours, theirs)
    if exact:
        assert parse_qs(our_parts.query)["api-version"] == parse_qs(their_parts.query)["api-version"], (name, ours)
    else:
        assert parse_qs(our_parts.query)["api-version"], (name, ours)


def checked_answers(schema, rel, op_id, observed, declared, exact=True):
    """Check each observed answer against the example: a declared status, the declared async headers (URL shapes),
    no body on 202 / 204, else a JSON body the spec's schema accepts. Yields (expected response, body) of those with a body."""
    assert observed
    for status, headers, body in observed:
        assert str(status) in declared, (rel, status, body)
        expected = declared[str(status)] or {}
        for name in ASYNC_HEADERS:
            if name in (expected.get("headers") or {}):
                assert name in headers, (rel, status, name)
                if name == "Retry-After":
                    assert int(headers[name]) >= 1
                else:
                    _assert_url_shape(headers[name], expected["headers"][name], name, exact=exact)
        if status in (202, 204):
            assert body is None, (rel, status, body)
            continue
        assert headers["Content-Type"].startswith("application/json")
        errors = schema.validate(body, schema.response_schema(op_id, status))
        assert not errors, (rel, errors)
        yield expected, body


@pytest.mark.parametrize("rel", _examples())
def test_replay_example(emu, arm, schema, rel):
    example = load_example(rel)
    op_id = _operation_id(rel, example)
    observed = _drive(emu, arm, op_id, rel, example)
    for expected, body in checked_answers(schema, rel, op_id, observed, example["responses"]):
        expected_body = expected.get("body")
        if isinstance(expected_body, dict) and "value" in expected_body:
            if op_id == "BackupJobs_List":
                assert len(body["value"]) == len(expected_body["value"]), (rel, body)
            kinds = {e["properties"].get("protectableItemType") or e["properties"].get("protectedItemType") for e in body["value"]}
            for entry in expected_body["value"]:
                wanted = entry["properties"].get("protectableItemType") or entry["properties"].get("protectedItemType")
                assert wanted is None or wanted in kinds, (rel, wanted, kinds)
        if isinstance(expected_body, dict) and op_id == "ProtectedItems_Get":
            assert body["properties"]["protectedItemType"] == expected_body["properties"]["protectedItemType"]
        if op_id == "ProtectedItemOperationStatuses_Get" and body["status"] == "Succeeded":
            assert body["properties"]["objectType"] == "OperationStatusJobExtendedInfo"


# ---------------------------------------------------------------------- recorded sessions
RECORDED_SUB = "38304e13-357e-405e-9e9a-220351dcce8c"
IGNORED_KEYS = {
    # Compute VM body parts the emulator does not model (no backup decision depends on them)
    "zones", "resources", "osProfile", "networkProfile", "diagnosticsProfile", "imageReference", "managedDisk",
    "writeAcceleratorEnabled", "deleteOption", "toBeDetached", "patchSettings",
    # vault body parts not modelled
    "restoreSettings",
}


def _recording(name):
    with open(os.path.join(API_DIR, "recordings", name), encoding="utf-8") as handle:
        entries = json.load(handle)["Entries"]

    def when(entry):
        routing = entry["ResponseHeaders"].get("x-ms-routing-request-id", [""])[0]
        return routing.split(":")[1] if ":" in routing else ""
    return sorted(entries, key=when)


def _seed_recorded(emu, entries):
    jobs = []
    for entry in entries:
        if entry["RequestMethod"] == "GET" and "/backupJobs?" in entry["RequestUri"]:
            for job in json.loads(entry["ResponseBody"])["value"]:
                props = job["properties"]
                spec = {"vault": "hiaga-adhoc-vault", "id": job["name"], "operation": props["operation"],
                        "status": props["status"], "start_time": props["startTime"], "activity_id": props["activityId"],
                        "vm": "hiagarg/" + props["entityFriendlyName"], "error_details": props.get("errorDetails", [])}
                if props.get("endTime"):
                    spec["end_time"] = props["endTime"]
                jobs.append(spec)
    emu.admin("POST", "seed", {
        "resource_groups": ["hiagarg"],
        "vms": [{"name": "hiaga-adhoc-vm", "resource_group": "hiagarg", "location": "centraluseuap", "data_disk_luns": [0]},
                {"name": "hiaganewVM3", "resource_group": "hiagarg", "location": "centraluseuap", "data_disk_luns": [0]}],
        "vaults": [{"name": "hiaga-adhoc-vault", "resource_group": "hiagarg", "location": "centraluseuap", "soft_delete": False,
                    "policies": [{"name": "DefaultPolicy", "workload": "AzureIaasVM"}]}],
        "protected_items": [{"vault": "hiaga-adhoc-vault", "vm": "hiagarg/hiaga-adhoc-vm"},
                            {"vault": "hiaga-adhoc-vault", "vm": "hiagarg/hiaganewVM3"}],
        "jobs": jobs,
    })


def _assert_keys(ours, recorded, where):
    if isinstance(recorded, dict):
        assert isinstance(ours, dict), where
        missing = set(recorded) - set(ours) - IGNORED_KEYS
        assert not missing, (where, sorted(missing))
        for key in ("properties", "storageProfile", "securitySettings", "softDeleteSettings", "extendedInfo"):
            if key in recorded and key in ours:
                _assert_keys(ours[key], recorded[key], where + "." + key)


@pytest.mark.parametrize("name", ["TestAzureVMCancelJob.json", "TestAzureVMGetJobsTimeFilter.json"])
def test_replay_recording(emu, arm, name):
    entries = _recording(name)
    _seed_recorded(emu, entries)
    emu.admin("POST", "config", {"job_seconds": 60, "backup_op_seconds": 0.05})
    ids = {RECORDED_SUB: emu.sub}
    for entry in entries:
        uri = entry["RequestUri"]
        for old, new in ids.items():
            uri = uri.replace(old, new)
        headers = {"x-ms-client-request-id": entry["RequestHeaders"]["x-ms-client-request-id"][0]}
        body = entry.get("RequestBody") or None
        if body and "recoveryPointExpiryTimeInUTC" in body:
            # the recorded expiry (request time + 30 days) is in the past now: keep the offset, not the date
            future = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(time.time() + 30 * 86400))
            body = re.sub(r'"recoveryPointExpiryTimeInUTC": "[^"]+"', '"recoveryPointExpiryTimeInUTC": "%s"' % future, body)
        if body:
            headers["Content-Type"] = "application/json; charset=utf-8"
        time.sleep(0.1)
        resp = arm.request(entry["RequestMethod"], emu.endpoint + uri, data=body, headers=headers)
        assert resp.status_code == entry["StatusCode"], (entry["RequestMethod"], uri, resp.text)
        assert resp.headers["x-ms-client-request-id"] == headers["x-ms-client-request-id"]
        for name_ in ("x-ms-request-id", "x-ms-correlation-request-id"):
            assert name_ in resp.headers
        recorded_headers = entry["ResponseHeaders"]
        for name_ in ASYNC_HEADERS:
            if name_ in recorded_headers:
                assert name_ in resp.headers, (uri, name_)
        if entry["ResponseBody"]:
            recorded = json.loads(entry["ResponseBody"])
            ours = resp.json()
            _assert_keys(ours, recorded, uri)
            if isinstance(recorded, dict) and "value" in recorded:
                assert len(ours["value"]) == len(recorded["value"]), uri
            if isinstance(recorded, dict) and "status" in recorded:
                assert ours["status"] == recorded["status"], uri
            if isinstance(recorded, dict) and "status" in recorded.get("properties", {}):
                assert ours["properties"]["status"] == recorded["properties"]["status"], uri
        else:
            assert not resp.content, uri
        if "Azure-AsyncOperation" in resp.headers:
            recorded_op = urlsplit(recorded_headers["Azure-AsyncOperation"][0]).path.split("/")[-1]
            ids[recorded_op] = urlsplit(resp.headers["Azure-AsyncOperation"]).path.split("/")[-1]
        if resp.content and isinstance(resp.json(), dict) and "jobId" in resp.json().get("properties", {}):
            ids[json.loads(entry["ResponseBody"])["properties"]["jobId"]] = resp.json()["properties"]["jobId"]
