# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulator behaviour: resource guards and the guard proxy (MUA), and suspended backups."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from vault_helpers import GUARD, Q, V1_DAILY, done, error, patch_vault, props, security

PROXY = "/backupResourceGuardProxies/VaultProxy"


@pytest.fixture
def guarded(emu, arm):
    """testVault with DefaultPolicy-protected testVM and the resource guard GUARD (another subscription)."""
    emu.admin("POST", "seed", {"resource_guards": [{"id": GUARD}],
                               "protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"}]})
    resp = arm.put(emu.vault_url() + PROXY, params=Q, json={"properties": {"resourceGuardResourceId": GUARD}})
    assert resp.status_code == 200, resp.text
    return resp.json()


def _token(request_type):
    return "%s/%s/default" % (GUARD, request_type)


def test_proxy_lists_the_guard_requests_and_turns_mua_on(emu, arm, guarded):
    details = {d["defaultResourceRequest"] for d in guarded["properties"]["resourceGuardOperationDetails"]}
    assert _token("disableSoftDeleteRequests") in details and _token("deleteProtectedItemRequests") in details
    assert guarded["properties"]["resourceGuardResourceId"] == GUARD
    assert security(emu, arm)["multiUserAuthorization"] == "Enabled"
    listed = arm.get(emu.vault_url() + "/backupResourceGuardProxies", params=Q).json()["value"]
    assert [p["name"] for p in listed] == ["VaultProxy"]
    guard = arm.get(emu.endpoint + GUARD, params={"api-version": "2024-04-01"})
    assert guard.status_code == 200 and guard.json()["name"] == "teamGuard"
    assert error(arm.get(emu.endpoint + GUARD))["code"] == "MissingApiVersionParameter"


def test_excluded_operations_are_not_guarded(emu, arm):
    emu.admin("POST", "seed", {"resource_guards": [{"id": GUARD, "excluded_operations": ["disableSoftDeleteRequests"]}],
                               "vaults": [{"name": "testVault", "resource_group": "testVaultRG", "resource_guard": GUARD}]})
    body = arm.get(emu.vault_url() + PROXY, params=Q).json()
    assert _token("disableSoftDeleteRequests") not in {d["defaultResourceRequest"]
                                                       for d in body["properties"]["resourceGuardOperationDetails"]}
    resp = arm.patch(emu.vault_url() + "/backupconfig/vaultconfig", params=Q, json={"properties": {"softDeleteFeatureState": "Disabled"}})
    assert resp.status_code == 200


def test_disable_soft_delete_needs_the_guard_request(emu, arm, guarded):
    url = emu.vault_url() + "/backupconfig/vaultconfig"
    err = error(arm.patch(url, params=Q, json={"properties": {"softDeleteFeatureState": "Disabled"}}))
    assert "teamGuard" in err["message"] and "disableSoftDeleteRequests" in err["message"]
    wrong = [GUARD.replace("teamGuard", "otherGuard") + "/disableSoftDeleteRequests/default"]
    body = {"properties": {"softDeleteFeatureState": "Disabled", "resourceGuardOperationRequests": wrong}}
    assert "otherGuard" in error(arm.patch(url, params=Q, json=body))["message"]
    body["properties"]["resourceGuardOperationRequests"] = [_token("disableSoftDeleteRequests")]
    ok = arm.patch(url, params=Q, json=body)
    assert ok.status_code == 200 and ok.json()["properties"]["softDeleteFeatureState"] == "Disabled"


def test_enabling_soft_delete_needs_no_request(emu, arm, guarded):
    resp = arm.patch(emu.vault_url() + "/backupconfig/vaultconfig", params=Q, json={"properties": {"softDeleteRetentionPeriodInDays": 30}})
    assert resp.status_code == 200


def test_reducing_immutability_needs_the_guard_request(emu, arm, guarded):
    emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG", "immutability": "Unlocked"}]})
    off = {"properties": {"securitySettings": {"immutabilitySettings": {"state": "Disabled"}}}}
    assert "reduceImmutabilityStateRequests" in error(patch_vault(emu, arm, off))["message"]
    off["properties"]["resourceGuardOperationRequests"] = [_token("reduceImmutabilityStateRequests")]
    assert patch_vault(emu, arm, off).status_code == 202
    assert security(emu, arm)["immutabilitySettings"]["state"] == "Disabled"


def test_policy_retention_cut_needs_the_guard_request(emu, arm, guarded):
    url = emu.vault_url() + "/backupPolicies/p1"
    assert arm.put(url, params=Q, json={"properties": V1_DAILY}).status_code == 200
    shorter = props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=7)
    assert "updateProtectionPolicyRequests" in error(arm.put(url, params=Q, json={"properties": shorter}))["message"]
    shorter["resourceGuardOperationRequests"] = [_token("updateProtectionPolicyRequests")]
    assert arm.put(url, params=Q, json={"properties": shorter}).status_code == 200
    longer = props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=90)
    assert arm.put(url, params=Q, json={"properties": longer}).status_code == 200


def test_item_policy_change_and_stop_need_their_requests(emu, arm, guarded):
    assert arm.put(emu.vault_url() + "/backupPolicies/p1", params=Q, json={"properties": V1_DAILY}).status_code == 200
    item = emu.item_url("testRG", "testVM")
    change = emu.enable_body("testRG", "testVM", policy="p1")
    assert "updateProtectedItemRequests" in error(arm.put(item, params=Q, json=change))["message"]
    change["properties"]["resourceGuardOperationRequests"] = [_token("updateProtectedItemRequests")]
    done(emu, arm, arm.put(item, params=Q, json=change))
    stop = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": emu.vm_id("testRG", "testVM"),
                           "protectionState": "ProtectionStopped"}}
    assert "stopProtectionWithRetainDataRequests" in error(arm.put(item, params=Q, json=stop))["message"]
    stop["properties"]["resourceGuardOperationRequests"] = [_token("stopProtectionWithRetainDataRequests")]
    done(emu, arm, arm.put(item, params=Q, json=stop))


def test_item_delete_needs_an_unlock_for_that_item(emu, arm, guarded):
    item = emu.item_url("testRG", "testVM")
    assert "unlockDelete" in error(arm.delete(item, params=Q))["message"]
    item_id = emu.vault_path() + "/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;testRG;testVM/" \
                                 "protectedItems/VM;iaasvmcontainerv2;testRG;testVM"
    unlock_url = emu.vault_url() + PROXY + "/unlockDelete"
    assert error(arm.post(unlock_url, params=Q, json={"resourceGuardOperationRequests": [_token("deleteProtectedItemRequests")]}))
    other = arm.post(unlock_url, params=Q, json={"resourceGuardOperationRequests": [_token("deleteProtectedItemRequests")],
                                                 "resourceToBeDeleted": item_id.replace("testVM", "vm01")})
    assert other.status_code == 200
    assert error(arm.delete(item, params=Q))
    unlock = arm.post(unlock_url, params=Q, json={"resourceGuardOperationRequests": [_token("deleteProtectedItemRequests")],
                                                  "resourceToBeDeleted": item_id})
    assert unlock.status_code == 200 and unlock.json()["unlockDeleteExpiryTime"]
    assert done(emu, arm, arm.delete(item, params=Q))["status"] == "Succeeded"


def test_unlock_expiry_is_enforced(emu, arm, guarded):
    emu.admin("POST", "config", {"unlock_delete_seconds": 0})
    arm.post(emu.vault_url() + PROXY + "/unlockDelete", params=Q,
             json={"resourceGuardOperationRequests": [_token("deleteResourceGuardProxyRequests")]})
    assert "expired" in error(arm.delete(emu.vault_url() + PROXY, params=Q))["message"]


def test_proxy_delete_needs_its_unlock(emu, arm, guarded):
    assert "deleteResourceGuardProxyRequests" in error(arm.delete(emu.vault_url() + PROXY, params=Q))["message"]
    resp = arm.post(emu.vault_url() + PROXY + "/unlockDelete", params=Q,
                    json={"resourceGuardOperationRequests": [_token("deleteResourceGuardProxyRequests")]})
    assert resp.status_code == 200
    assert arm.delete(emu.vault_url() + PROXY, params=Q).status_code == 200
    assert security(emu, arm)["multiUserAuthorization"] == "Disabled"
    assert arm.get(emu.vault_url() + "/backupResourceGuardProxies", params=Q).json() == {"value": []}


def test_proxy_needs_a_known_guard_and_is_unique(emu, arm, guarded):
    other = GUARD.replace("teamGuard", "ghost")
    assert error(arm.put(emu.vault_url() + "/backupResourceGuardProxies/Second", params=Q,
                         json={"properties": {"resourceGuardResourceId": GUARD}}))["code"] == "BMSUserErrorResourceGuardProxyAlreadyExists"
    assert error(arm.put(emu.vault_url() + PROXY, params=Q,
                         json={"properties": {"resourceGuardResourceId": other}}))["code"] == "BMSUserErrorResourceGuardNotFound"


# ---------------------------------------------------------------------- suspend (CONTRACT-wave2 §9)
def _suspend_body(emu):
    return {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": emu.vm_id("testRG", "testVM"),
                           "protectionState": "BackupsSuspended"}}


def test_suspend_then_resume(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"}]})
    item = emu.item_url("testRG", "testVM")
    status = done(emu, arm, arm.put(item, params=Q, json=_suspend_body(emu)))
    job = emu.wait_job(arm, status["properties"]["jobId"])
    assert job["properties"]["operation"] == "DisableBackup"
    got = arm.get(item, params=Q).json()["properties"]
    assert got["protectionState"] == "BackupsSuspended" and got["policyName"] == "DefaultPolicy"
    assert got["lastRecoveryPoint"]
    count = arm.get(emu.vault_url() + "/backupPolicies/DefaultPolicy", params=Q).json()["properties"]["protectedItemsCount"]
    assert count == 1
    backup = arm.post(item + "/backup", params=Q, json={"properties": {"objectType": "IaasVMBackupRequest"}})
    assert error(backup)["code"] == "UserErrorBcmDatasourceNotPresent"
    done(emu, arm, arm.put(item, params=Q, json=emu.enable_body("testRG", "testVM")))
    assert arm.get(item, params=Q).json()["properties"]["protectionState"] == "Protected"


def test_suspend_with_a_policy_or_of_an_unprotected_vm_is_refused(emu, arm):
    item = emu.item_url("testRG", "testVM")
    assert error(arm.put(item, params=Q, json=_suspend_body(emu)), 404)
    body = _suspend_body(emu)
    body["properties"]["policyId"] = emu.policy_id()
    assert error(arm.put(item, params=Q, json=body))["code"] == "BMSUserErrorInvalidInput"


def test_immutable_vault_suspends_but_refuses_delete_with_data(emu, arm):
    emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG", "immutability": "Locked"}],
                               "protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"}]})
    item = emu.item_url("testRG", "testVM")
    err = error(arm.delete(item, params=Q))
    assert "aka.ms/AB-ImmutableVaults-States" in err["message"]
    assert done(emu, arm, arm.put(item, params=Q, json=_suspend_body(emu)))["status"] == "Succeeded"
