# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay the wave-2 spec examples of the vault RP, policies, vault / storage config and resource guard
proxies against the emulator: same status codes, the declared async headers with the example's URL shape,
bodies valid against bms.json (backup RP operations) and carrying what the example's body carries.

The vault RP's own spec (vaults openapi.json) is not in ../shared: vault bodies are checked against the
example bodies (keys and, for what the request set, values) instead of a schema."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import json
import os
import time
from urllib.parse import urlsplit

import pytest

from conftest import API_DIR
from test_emulator_replay import ASYNC_HEADERS, LITERAL_SEGMENTS, schema  # noqa: F401  pylint: disable=unused-import

WAVE2 = os.path.join(API_DIR, "examples-wave2")
BACKUP_SETS = ("AzureIaasVm/ProtectionPolicies_*.json", "AzureIaasVm/ProtectionPolicyOperation*.json", "AzureIaasVm/V2Policy/*.json",
               "Common/BackupResourceVaultConfigs_*.json", "Common/BackupStorageConfig_*.json", "ResourceGuardProxyCRUD/*.json")
VAULT_LITERALS = LITERAL_SEGMENTS | {"operationStatus", "operationResults", "backupPolicies", "operations"}
# Vault properties that appear only when set (private endpoints are not modelled).
# Tags are the caller's (the examples' differ from request to response). The PUT examples answer sku {RS0, Standard}
# for a request of {Standard}; the 2026 CLI recording (and the PATCH examples) show {"name": "Standard"}: the recording wins.
VAULT_OPTIONAL = {"privateEndpointConnections", "costManagementSettings", "sourceScanConfiguration", "identity", "tags", "sku"}
GUARD = "/subscriptions/c999d45b-944f-418c-a0d8-c3fcfd1802c8/resourceGroups/vaultguardRGNew/providers/Microsoft.DataProtection/" \
        "resourceGuards/VaultGuardTestNew"
FAST = {"vault_lro_seconds": 0.2}


def _examples():
    found = [os.path.relpath(p, WAVE2) for p in glob.glob(os.path.join(WAVE2, "vaults-2026-02-01", "*.json"))]
    for pattern in BACKUP_SETS:
        found += [os.path.relpath(p, WAVE2) for p in glob.glob(os.path.join(WAVE2, "2026-02-01", pattern))]
    return sorted(found)


def test_every_wave2_example_of_this_family_is_replayed():
    names = _examples()
    assert len([n for n in names if n.startswith("vaults-")]) == 21, names
    assert len(names) == 21 + 18, names


def _load(rel):
    with open(os.path.join(WAVE2, rel), encoding="utf-8") as handle:
        return json.load(handle)


def _shape(ours, theirs, where):
    our_segs = urlsplit(ours).path.split("/")
    their_segs = urlsplit(theirs).path.split("/")
    assert len(our_segs) == len(their_segs), (where, ours, theirs)
    for mine, example in zip(our_segs, their_segs):
        if example in VAULT_LITERALS:
            assert mine.lower() == example.lower(), (where, ours, theirs)
    assert "api-version=" in urlsplit(ours).query, ours


def _contains(ours, theirs, where, values=True, skip=()):
    """Every key of the example's body is in ours (recursively); with values, leaves are equal too."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), (where, ours)
        for key, value in theirs.items():
            if key in skip or value is None:
                continue
            assert key in ours, (where, key, sorted(ours))
            _contains(ours[key], value, where + "." + key, values, skip)
    elif isinstance(theirs, list) and values:
        assert isinstance(ours, list) and len(ours) == len(theirs), (where, ours, theirs)
        for index, (mine, example) in enumerate(zip(ours, theirs)):
            _contains(mine, example, "%s[%d]" % (where, index), values, skip)
    elif values:
        assert ours == theirs, (where, ours, theirs)


def _vault_seed(name, **extra):
    spec = {"name": name, "resource_group": "testVaultRG", "location": "westus", "policies": [{"name": "DefaultPolicy"}]}
    spec.update(extra)
    return {"vaults": [spec]}


def _drive_vault(emu, arm, rel, example):
    """Vault RP examples: (status, headers, body) observed, plus the checks that need the request."""
    op_id = example["operationId"]
    params = example["parameters"]
    query = {"api-version": params["api-version"]}
    url = emu.vault_url(params["vaultName"], "testVaultRG")
    emu.admin("POST", "config", FAST)
    seen = []
    if op_id == "Vaults_CreateOrUpdate":
        first = arm.put(url, params=query, json=params["vault"])
        seen.append(first)
        emu.wait_op(arm, first)
        again = arm.put(url, params=query, json=params["vault"])
        seen.append(again)
        assert (first.status_code, again.status_code) == (201, 200), rel
        assert first.json()["properties"]["provisioningState"] == "Provisioning"
        assert again.json()["properties"]["provisioningState"] == "Succeeded"
        assert first.headers["Azure-AsyncOperation"].split("/operationStatus/")[1].split("?")[0].endswith("=")
        _contains(again.json()["properties"], {k: v for k, v in params["vault"]["properties"].items()
                                               if k != "resourceGuardOperationRequests"}, rel)
        if "identity" in params["vault"]:
            assert again.json()["identity"]["type"] == params["vault"]["identity"]["type"]
        return seen
    emu.admin("POST", "seed", _vault_seed(params["vaultName"]))
    if op_id == "Vaults_Update":
        resp = arm.patch(url, params=query, json=params["vault"])
        seen.append(resp)
        assert emu.wait_op(arm, resp)["status"] == "Succeeded"
        after = arm.get(url, params=query).json()
        wanted = json.loads(json.dumps(params["vault"]))
        for identity in (wanted.get("identity") or {}).get("userAssignedIdentities", {}).values():
            identity.clear()                       # the service fills principalId / clientId in
        _contains(after, wanted, rel)
    elif op_id == "Vaults_Get":
        seen.append(arm.get(url, params=query))
    elif op_id == "VaultExtendedInfo_Get":
        seen.append(arm.get(url + "/extendedInformation/vaultExtendedInfo", params=query))
    elif op_id == "Vaults_Delete":
        resp = arm.delete(url, params=query)
        seen.append(resp)
        assert emu.wait_op(arm, resp)["status"] == "Succeeded"
        assert arm.get(url, params=query).status_code == 404
    else:
        raise AssertionError("no replay for %s" % op_id)
    return seen


def _policy_props(example):
    return example["parameters"]["parameters"]["properties"]


def _drive_backup(emu, arm, rel, example):
    op_id = example["operationId"]
    params = example["parameters"]
    query = {"api-version": params["api-version"]}
    vault = emu.vault_url()
    seen = []
    if op_id == "ProtectionPolicies_CreateOrUpdate":
        url = vault + "/backupPolicies/" + params["policyName"]
        seen.append(arm.put(url, params=query, json=example["parameters"]["parameters"]))
        emu.admin("POST", "config", {"policy_put_async": "always"})
        resp = arm.put(url, params=query, json=example["parameters"]["parameters"])
        seen.append(resp)
        emu.wait_op(arm, resp)
        final = arm.get(resp.headers["Location"])
        assert final.status_code == 200
        _contains(final.json()["properties"], example["responses"]["200"]["body"]["properties"], rel)
    elif op_id == "ProtectionPolicies_Delete":
        for status in (202, 200, 204):
            emu.admin("POST", "config", {"policy_delete_status": status})
            url = vault + "/backupPolicies/" + params["policyName"]
            assert arm.put(url, params=query, json={"properties": _policy_props(
                _load("2026-02-01/AzureIaasVm/ProtectionPolicies_CreateOrUpdate_Simple.json"))}).status_code == 200
            resp = arm.delete(url, params=query)
            seen.append(resp)
            assert resp.status_code == status
            if status == 202:
                emu.wait_op(arm, resp)
            assert arm.get(url, params=query).status_code == 404
    elif op_id in ("ProtectionPolicyOperationResults_Get", "ProtectionPolicyOperationStatuses_Get"):
        simple = _policy_props(_load("2026-02-01/AzureIaasVm/ProtectionPolicies_CreateOrUpdate_Simple.json"))
        emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG",
                                               "policies": [{"name": params["policyName"], "properties": simple}]}],
                                   "protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "policy": params["policyName"]}]})
        changed = json.loads(json.dumps(simple))
        changed["instantRpRetentionRangeInDays"] = 3
        resp = arm.put(vault + "/backupPolicies/" + params["policyName"], params=query, json={"properties": changed})
        assert resp.status_code == 202
        emu.wait_op(arm, resp)
        header = "Location" if op_id == "ProtectionPolicyOperationResults_Get" else "Azure-AsyncOperation"
        final = arm.get(resp.headers[header])
        seen.append(final)
        if header == "Location":
            assert final.json()["properties"]["protectedItemsCount"] == 1
        else:
            assert final.json()["properties"]["objectType"] == "OperationStatusJobsExtendedInfo"
            assert len(final.json()["properties"]["jobIds"]) == 1
    elif op_id == "ProtectionPolicies_Get":
        body = example["responses"]["200"]["body"]
        emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG",
                                               "policies": [{"name": params["policyName"], "properties": body["properties"]}]}]})
        resp = arm.get(vault + "/backupPolicies/" + params["policyName"], params=query)
        seen.append(resp)
        _contains(resp.json()["properties"], body["properties"], rel)
    elif op_id == "BackupResourceVaultConfigs_Get":
        seen.append(arm.get(vault + "/backupconfig/vaultconfig", params=query))
    elif op_id in ("BackupResourceVaultConfigs_Update", "BackupResourceVaultConfigs_Put"):
        call = arm.patch if op_id.endswith("Update") else arm.put
        seen.append(call(vault + "/backupconfig/vaultconfig", params=query, json=params["parameters"]))
    elif op_id == "BackupResourceStorageConfigsNonCRR_Get":
        seen.append(arm.get(vault + "/backupstorageconfig/vaultstorageconfig", params=query))
    elif op_id in ("BackupResourceStorageConfigsNonCRR_Update", "BackupResourceStorageConfigsNonCRR_Patch"):
        call = arm.put if op_id.endswith("Update") else arm.patch
        seen.append(call(vault + "/backupstorageconfig/vaultstorageconfig", params=query, json=params["parameters"]))
        after = arm.get(vault + "/backupstorageconfig/vaultstorageconfig", params=query).json()
        assert after["properties"]["storageType"] == params["parameters"]["properties"]["storageType"]
    elif op_id.startswith("ResourceGuardProx"):
        name = params.get("resourceGuardProxyName", "swaggerExample")
        proxy_url = vault + "/backupResourceGuardProxies/" + name
        seed = {"resource_guards": [{"id": GUARD}]}
        if op_id != "ResourceGuardProxy_Put":
            seed["vaults"] = [{"name": "testVault", "resource_group": "testVaultRG", "resource_guard": GUARD,
                               "resource_guard_proxy": name}]
        emu.admin("POST", "seed", seed)
        if op_id == "ResourceGuardProxy_Put":
            seen.append(arm.put(proxy_url, params=query, json=params["parameters"]))
        elif op_id == "ResourceGuardProxy_Get":
            seen.append(arm.get(proxy_url, params=query))
        elif op_id == "ResourceGuardProxies_Get":
            seen.append(arm.get(vault + "/backupResourceGuardProxies", params=query))
        elif op_id == "ResourceGuardProxy_UnlockDelete":
            seen.append(arm.post(proxy_url + "/unlockDelete", params=query, json=params["parameters"]))
        elif op_id == "ResourceGuardProxy_Delete":
            unlock = arm.post(proxy_url + "/unlockDelete", params=query,
                              json={"resourceGuardOperationRequests": [GUARD + "/deleteResourceGuardProxyRequests/default"]})
            assert unlock.status_code == 200, unlock.text
            seen.append(arm.delete(proxy_url, params=query))
            seen.append(arm.delete(proxy_url, params=query))
            assert [r.status_code for r in seen] == [200, 204]
        else:
            raise AssertionError("no replay for %s" % op_id)
    else:
        raise AssertionError("no replay for %s" % op_id)
    return seen


@pytest.mark.parametrize("rel", _examples())
def test_replay_wave2_example(emu, arm, schema, rel):  # noqa: F811  pylint: disable=redefined-outer-name
    example = _load(rel)
    op_id = example["operationId"]
    vault_rp = rel.startswith("vaults-")
    observed = (_drive_vault if vault_rp else _drive_backup)(emu, arm, rel, example)
    declared = example["responses"]
    assert observed
    for resp in observed:
        status = resp.status_code
        body = resp.json() if resp.content else None
        assert str(status) in declared, (rel, status, body)
        expected = declared[str(status)] or {}
        for name in ASYNC_HEADERS:
            if name in (expected.get("headers") or {}):
                assert name in resp.headers, (rel, status, name)
                if name == "Retry-After":
                    assert int(resp.headers[name]) >= 1
                else:
                    _shape(resp.headers[name], expected["headers"][name], rel)
        if status in (202, 204) or (status == 200 and not expected.get("body") and op_id.endswith("_Delete")):
            assert body is None, (rel, status, body)
            continue
        assert resp.headers["Content-Type"].startswith("application/json")
        expected_body = expected.get("body")
        if vault_rp:
            _contains(body, expected_body, rel, values=False, skip=VAULT_OPTIONAL)
            continue
        errors = schema.validate(body, schema.response_schema(op_id, status))
        assert not errors, (rel, errors)
        if isinstance(expected_body, dict):
            skip = {"id", "lastUpdatedTime", "unlockDeleteExpiryTime", "startTime", "endTime", "name", "jobIds", "description",
                    "defaultResourceRequest", "resourceGuardOperationDetails", "storageTypeState", "storageModelType",
                    "storageType", "protectedItemsCount"}
            _contains(body, expected_body, rel, values=op_id.startswith("ProtectionPolic"), skip=skip)


def test_vault_async_urls_poll_to_completion(emu, arm):
    """The PATCH example's Location answers 202 while running, then the vault (200)."""
    emu.admin("POST", "config", {"vault_lro_seconds": 0.5})
    emu.admin("POST", "seed", _vault_seed("swaggerExample"))
    url = emu.vault_url("swaggerExample")
    resp = arm.patch(url, params={"api-version": "2026-02-01"}, json={"tags": {"PatchKey": "PatchKeyUpdated"}})
    assert resp.status_code == 202
    running = arm.get(resp.headers["Location"])
    assert running.status_code == 202 and running.headers["Location"] == resp.headers["Location"]
    deadline = time.time() + 10
    while arm.get(resp.headers["Azure-AsyncOperation"]).json()["status"] == "InProgress":
        assert time.time() < deadline
        time.sleep(0.1)
    done = arm.get(resp.headers["Location"])
    assert done.status_code == 200 and done.json()["tags"] == {"PatchKey": "PatchKeyUpdated"}
