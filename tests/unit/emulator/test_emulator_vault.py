# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulator behaviour: the vault resource, resource groups, vault config and storage config."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest

from vault_helpers import FAST, Q, done, error, get_vault, patch_vault, security

NEW_VAULT = {"location": "West US", "sku": {"name": "Standard"}, "properties": {"publicNetworkAccess": "Enabled"}}


def _rg_url(emu, rg):
    return "%s/subscriptions/%s/resourcegroups/%s" % (emu.endpoint, emu.sub, rg)


def test_create_vault_from_an_empty_resource_group(emu, arm):
    emu.admin("POST", "config", FAST)
    url = emu.vault_url("newVault", "newRG")
    err = error(arm.put(url, params=Q, json=NEW_VAULT), 404)
    assert err["code"] == "ResourceGroupNotFound"
    rg = arm.put(_rg_url(emu, "newRG"), params={"api-version": "2021-04-01"}, json={"location": "westus"})
    assert rg.status_code == 201 and rg.json()["properties"]["provisioningState"] == "Succeeded"
    assert arm.put(_rg_url(emu, "newRG"), params={"api-version": "2021-04-01"}, json={"location": "westus"}).status_code == 200
    created = arm.put(url, params=Q, json=NEW_VAULT)
    assert created.status_code == 201
    assert created.json()["properties"]["provisioningState"] == "Provisioning"
    assert "Location" not in created.headers and "/operationStatus/" in created.headers["Azure-AsyncOperation"]
    assert "&s=" in created.headers["Azure-AsyncOperation"]             # signed, as ARM writes it
    tampered = created.headers["Azure-AsyncOperation"].replace("&s=", "&s=x")
    assert error(arm.get(tampered), 403)["code"] == "AuthorizationFailed"
    assert arm.get(created.headers["Azure-AsyncOperation"].split("&t=")[0]).status_code == 200   # rebuilt, unsigned
    assert emu.wait_op(arm, created)["status"] == "Succeeded"
    vault = get_vault(emu, arm, "newVault", "newRG")
    props = vault["properties"]
    assert props["provisioningState"] == "Succeeded" and vault["location"] == "westus"
    assert props["securitySettings"]["softDeleteSettings"]["softDeleteState"] == "Enabled"
    assert props["securitySettings"]["softDeleteSettings"]["softDeleteRetentionPeriodInDays"] == 14
    assert props["backupStorageVersion"] == "Unassigned"
    assert vault["sku"] == {"name": "Standard"}                          # echoed as written (recordings)
    assert props["regionOfChoiceSettings"] == {"status": "Disabled"}
    assert props["securitySettings"]["sourceScanConfiguration"] == {"state": "Disabled"}
    policies = arm.get(url + "/backupPolicies", params=Q).json()["value"]
    assert [p["name"] for p in policies] == ["DefaultPolicy"]
    assert policies[0]["properties"]["schedulePolicy"]["scheduleRunFrequency"] == "Daily"
    assert policies[0]["properties"]["policyType"] == "V1"


def test_backup_calls_wait_for_the_vault_creation(emu, arm):
    emu.admin("POST", "config", {"vault_lro_seconds": 30})
    created = arm.put(emu.vault_url("slowVault"), params=Q, json=NEW_VAULT)
    assert created.status_code == 201
    policies = arm.get(emu.vault_url("slowVault") + "/backupPolicies", params=Q)
    assert error(policies, 409)["code"] == "BMSUserErrorVaultNotReady"
    assert get_vault(emu, arm, "slowVault")["properties"]["provisioningState"] == "Provisioning"


def test_create_applies_soft_delete_as_the_2026_cli_recording_shows(emu, arm):
    """test_vault_soft_delete_basic (az CLI 2.88, api 2026-05-01): AlwaysOn sent, AlwaysON read back; MUA Invalid in the 201."""
    emu.admin("POST", "config", FAST)
    body = dict(NEW_VAULT, properties={"securitySettings": {"softDeleteSettings": {
        "enhancedSecurityState": "AlwaysOn", "softDeleteState": "AlwaysOn", "softDeleteRetentionPeriodInDays": 14}}})
    created = arm.put(emu.vault_url("aoVault"), params=Q, json=body)
    assert created.status_code == 201
    security_201 = created.json()["properties"]["securitySettings"]
    assert security_201["softDeleteSettings"]["softDeleteState"] == "AlwaysON"
    assert security_201["softDeleteSettings"]["enhancedSecurityState"] == "AlwaysON"
    assert security_201["multiUserAuthorization"] == "Invalid"
    assert "backupStorageVersion" not in created.json()["properties"]
    emu.wait_op(arm, created)
    vault = get_vault(emu, arm, "aoVault")
    assert vault["properties"]["securitySettings"]["multiUserAuthorization"] == "Disabled"
    assert (vault["properties"]["secureScore"], vault["properties"]["bcdrSecurityLevel"]) == ("Adequate", "Good")
    config = arm.get(emu.vault_url("aoVault") + "/backupconfig/vaultconfig", params=Q).json()["properties"]
    assert config["softDeleteFeatureState"] == "AlwaysON" and config["isSoftDeleteFeatureStateEditable"] is False


def test_secure_by_default_region_and_more_default_policies(emu, arm):
    emu.admin("POST", "config", dict(FAST, vault_default_soft_delete="AlwaysON",
                                     vault_default_policies=["DefaultPolicy", "EnhancedPolicy", "HourlyLogBackup"]))
    disabled = dict(NEW_VAULT, properties={"securitySettings": {"softDeleteSettings": {"softDeleteState": "Disabled"}}})
    assert error(arm.put(emu.vault_url("sbd"), params=Q, json=disabled))["code"] == "BMSUserErrorDisablingSoftDeleteStateNotAllowed"
    emu.wait_op(arm, arm.put(emu.vault_url("sbd"), params=Q, json=NEW_VAULT))
    assert security(emu, arm, "sbd")["softDeleteSettings"]["softDeleteState"] == "AlwaysON"
    policies = {p["name"]: p["properties"] for p in arm.get(emu.vault_url("sbd") + "/backupPolicies", params=Q).json()["value"]}
    assert sorted(policies) == ["DefaultPolicy", "EnhancedPolicy", "HourlyLogBackup"]
    assert policies["EnhancedPolicy"]["policyType"] == "V2" and policies["HourlyLogBackup"]["backupManagementType"] == "AzureWorkload"


def test_admin_refuses_unknown_vault_settings(emu):
    resp = emu.session(token=False).post(emu.endpoint + "/_emulator/config", json={"vault_default_policies": ["Nope"]})
    assert resp.status_code == 400 and "Nope" in resp.text
    assert emu.admin("GET", "config")["vault_default_policies"] == ["DefaultPolicy"]


@pytest.mark.parametrize("bad", [{"vault_create_mode": "eventually"}, {"policy_delete_status": 201}, {"vault_lro_seconds": [30, 5]},
                                 {"vault_default_soft_delete": "Disabled"}, {"policy_put_async": "sometimes"}])
def test_bad_vault_settings_are_refused_and_nothing_changes(emu, bad):
    resp = emu.session(token=False).post(emu.endpoint + "/_emulator/config", json=dict(bad, retry_after=7))
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "InvalidConfig" and list(bad)[0] in resp.text
    config = emu.admin("GET", "config")
    assert config["retry_after"] == 1 and config[list(bad)[0]] != list(bad.values())[0]


def test_vault_writes_follow_the_pace(emu, arm):
    """pace real: vault create / update / delete answer Retry-After 60 and run a duration drawn from vault_lro_seconds;
    the vault DELETE spends the deletes bucket (ARM counts by HTTP method)."""
    config = emu.admin("POST", "config", {"pace": "real", "seed": 3})
    assert config["vault_lro_seconds"] == [5.0, 30.0] and config["vault_create_mode"] == "async"
    created = arm.put(emu.vault_url("pacedVault"), params=Q, json=NEW_VAULT)
    assert created.status_code == 201 and created.headers["Retry-After"] == "60"
    patched = arm.patch(emu.vault_url(), params=Q, json={"tags": {"team": "a"}})
    assert patched.status_code == 202 and patched.headers["Retry-After"] == "60"
    running = [op["seconds"] for op in emu.admin("GET", "state")["operations"]["running"] if op["kind"] == "vault"]
    assert len(running) == 2 and all(5 <= s <= 30 for s in running) and running[0] != running[1]
    assert get_vault(emu, arm)["tags"] == {}                      # applied when the operation completes
    emu.admin("POST", "config", {"pace": "fast", "vault_lro_seconds": 0.2, "retry_after": 0})
    emu.wait_op(arm, arm.put(emu.vault_url("fastVault"), params=Q, json=NEW_VAULT))
    deleted = arm.delete(emu.vault_url("fastVault"), params=Q)
    assert deleted.status_code == 202 and deleted.headers["Retry-After"] == "0"
    assert int(deleted.headers["x-ms-ratelimit-remaining-subscription-deletes"]) == 1199
    assert emu.wait_op(arm, deleted)["status"] == "Succeeded"
    assert error(arm.get(emu.vault_url("fastVault"), params=Q), 404)["code"] == "ResourceNotFound"


def test_synchronous_create_mode(emu, arm):
    emu.admin("POST", "config", {"vault_create_mode": "sync"})
    created = arm.put(emu.vault_url("syncVault"), params=Q, json=NEW_VAULT)
    assert created.status_code == 201 and "Azure-AsyncOperation" not in created.headers
    assert created.json()["properties"]["provisioningState"] == "Succeeded"
    assert arm.get(emu.vault_url("syncVault") + "/backupPolicies/DefaultPolicy", params=Q).status_code == 200


def test_older_api_versions_see_the_older_vault_shape(emu, arm):
    old = arm.get(emu.vault_url(), params={"api-version": "2021-03-01"}).json()["properties"]
    assert sorted(old) == ["privateEndpointStateForBackup", "privateEndpointStateForSiteRecovery", "provisioningState"]
    assert "securitySettings" in get_vault(emu, arm)["properties"]


def test_vault_name_and_location_azure_refuses(emu, arm):
    assert error(arm.put(emu.vault_url("9bad", "testVaultRG"), params=Q, json=NEW_VAULT))["code"] == "BMSUserErrorInvalidResourceName"
    body = dict(NEW_VAULT, location="Atlantis")
    assert error(arm.put(emu.vault_url("okName", "testVaultRG"), params=Q, json=body))["code"] == "LocationNotAvailableForResourceType"
    moved = dict(NEW_VAULT, location="eastus")
    assert error(arm.put(emu.vault_url(), params=Q, json=moved))["code"] == "InvalidResourceLocation"


def test_put_on_an_existing_vault_replaces_synchronously(emu, arm):
    resp = arm.put(emu.vault_url(), params=Q, json=dict(NEW_VAULT, tags={"env": "prod"}))
    assert resp.status_code == 200 and resp.json()["tags"] == {"env": "prod"}
    assert get_vault(emu, arm)["tags"] == {"env": "prod"}


def test_patch_merges_and_shows_only_once_the_operation_is_done(emu, arm):
    emu.admin("POST", "config", {"vault_lro_seconds": 1.0})
    body = {"tags": {"team": "a"}, "properties": {"monitoringSettings": {"azureMonitorAlertSettings": {"alertsForAllJobFailures": "Disabled"}}}}
    resp = arm.patch(emu.vault_url(), params=Q, json=body)
    assert resp.status_code == 202 and not resp.content
    assert {"Location", "Azure-AsyncOperation", "Retry-After"} <= set(resp.headers)
    before = get_vault(emu, arm)
    assert before["tags"] == {}
    assert done(emu, arm, resp)["status"] == "Succeeded"
    after = get_vault(emu, arm)
    assert after["tags"] == {"team": "a"}
    alerts = after["properties"]["monitoringSettings"]["azureMonitorAlertSettings"]
    assert alerts["alertsForAllJobFailures"] == "Disabled" and alerts["alertsForAllReplicationIssues"] == "Enabled"
    assert after["properties"]["publicNetworkAccess"] == "Enabled"


def test_soft_delete_patch_on_the_vault_is_answered_and_ignored(emu, arm):
    """azure-rest-api-specs #34218 / #34530: success, and nothing changes."""
    body = {"properties": {"securitySettings": {"softDeleteSettings": {"softDeleteState": "Disabled",
                                                                       "softDeleteRetentionPeriodInDays": 30}}}}
    assert patch_vault(emu, arm, body).status_code == 202
    soft = security(emu, arm)["softDeleteSettings"]
    assert soft["softDeleteState"] == "Enabled" and soft["softDeleteRetentionPeriodInDays"] == 14


def test_soft_delete_through_the_vault_api_when_applied_locks_out_vaultconfig(emu, arm):
    emu.admin("POST", "config", {"vault_soft_delete_writes": "applied"})
    patch_vault(emu, arm, {"properties": {"securitySettings": {"softDeleteSettings": {"softDeleteRetentionPeriodInDays": 30}}}})
    assert security(emu, arm)["softDeleteSettings"]["softDeleteRetentionPeriodInDays"] == 30
    resp = arm.patch(emu.vault_url() + "/backupconfig/vaultconfig", params=Q,
                     json={"properties": {"softDeleteFeatureState": "Enabled", "softDeleteRetentionPeriodInDays": 30}})
    assert error(resp)["code"] == "BMSUserErrorSoftDeleteUseVaultApi"


def test_vaultconfig_and_vault_show_the_same_soft_delete_state(emu, arm):
    resp = arm.patch(emu.vault_url() + "/backupconfig/vaultconfig", params=Q,
                     json={"properties": {"softDeleteFeatureState": "Disabled", "enhancedSecurityState": "Enabled"}})
    assert resp.status_code == 200 and resp.json()["properties"]["softDeleteFeatureState"] == "Disabled"
    assert security(emu, arm)["softDeleteSettings"]["softDeleteState"] == "Disabled"
    assert arm.get(emu.vault_url() + "/backupconfig/vaultconfig", params=Q).json()["properties"]["softDeleteFeatureState"] == "Disabled"


def test_ignored_settings_switch_drops_chosen_settings_silently(emu, arm):
    emu.admin("POST", "config", {"vault_ignored_settings": ["properties.redundancySettings.standardTierStorageRedundancy", "tags"]})
    body = {"tags": {"a": "b"}, "properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"},
                                               "publicNetworkAccess": "Disabled"}}
    assert patch_vault(emu, arm, body).status_code == 202
    vault = get_vault(emu, arm)
    assert vault["tags"] == {}
    assert vault["properties"]["redundancySettings"]["standardTierStorageRedundancy"] == "GeoRedundant"
    assert vault["properties"]["publicNetworkAccess"] == "Disabled"


@pytest.mark.parametrize("start, wanted, ok", [
    ("Disabled", "Unlocked", True), ("Unlocked", "Disabled", True), ("Unlocked", "Locked", True),
    ("Disabled", "Locked", False), ("Locked", "Unlocked", False), ("Locked", "Disabled", False)])
def test_immutability_moves(emu, arm, start, wanted, ok):
    emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG", "immutability": start}]})
    resp = patch_vault(emu, arm, {"properties": {"securitySettings": {"immutabilitySettings": {"state": wanted}}}})
    if ok:
        assert security(emu, arm)["immutabilitySettings"]["state"] == wanted
    else:
        err = error(resp)
        assert "aka.ms/AB-ImmutableVaults-States" in err["message"]
        assert security(emu, arm)["immutabilitySettings"]["state"] == start


def test_always_on_soft_delete_cannot_be_turned_off(emu, arm):
    config = emu.vault_url() + "/backupconfig/vaultconfig"
    on = arm.put(config, params=Q, json={"properties": {"softDeleteFeatureState": "AlwaysON", "enhancedSecurityState": "Enabled"}})
    assert on.status_code == 200 and on.json()["properties"]["isSoftDeleteFeatureStateEditable"] is False
    for state in ("Enabled", "Disabled"):
        resp = arm.patch(config, params=Q, json={"properties": {"softDeleteFeatureState": state}})
        assert error(resp)["code"] == "BMSUserErrorDisablingSoftDeleteStateNotAllowed"
    assert security(emu, arm)["softDeleteSettings"]["softDeleteState"] == "AlwaysON"


def test_soft_delete_cannot_be_disabled_while_items_are_soft_deleted(emu, arm):
    emu.admin("POST", "seed", {"protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "state": "SoftDeleted"}]})
    resp = arm.patch(emu.vault_url() + "/backupconfig/vaultconfig", params=Q, json={"properties": {"softDeleteFeatureState": "Disabled"}})
    err = error(resp)
    assert err["code"] == "BMSUserErrorDisablingSoftDeleteStateNotAllowed" and "1 item" in err["message"]


@pytest.mark.parametrize("days", [13, 181, "30"])
def test_soft_delete_retention_range(emu, arm, days):
    resp = arm.patch(emu.vault_url() + "/backupconfig/vaultconfig", params=Q, json={"properties": {"softDeleteRetentionPeriodInDays": days}})
    assert error(resp)["code"] == "BMSUserErrorInvalidInput"


def test_cross_subscription_restore_permanently_disabled_is_one_way(emu, arm):
    def csr(state):
        return {"properties": {"restoreSettings": {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": state}}}}
    patch_vault(emu, arm, csr("PermanentlyDisabled"))
    assert error(patch_vault(emu, arm, csr("Enabled")))["code"] == "BMSUserErrorCrossSubscriptionRestoreStateChangeNotAllowed"
    restore = get_vault(emu, arm)["properties"]["restoreSettings"]["crossSubscriptionRestoreSettings"]
    assert restore["crossSubscriptionRestoreState"] == "PermanentlyDisabled"


def test_redundancy_changes_only_before_protection_and_storage_config_agrees(emu, arm):
    storage = emu.vault_url() + "/backupstorageconfig/vaultstorageconfig"
    assert arm.get(storage, params=Q).json()["properties"]["storageTypeState"] == "Unlocked"
    patch_vault(emu, arm, {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"}}})
    assert arm.get(storage, params=Q).json()["properties"]["storageType"] == "LocallyRedundant"
    emu.protect(arm, "testRG", "testVM")
    assert arm.get(storage, params=Q).json()["properties"]["storageTypeState"] == "Locked"
    resp = patch_vault(emu, arm, {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant"}}})
    err = error(resp)
    assert err["code"] == "BMSUserErrorStorageTypeChangeNotAllowed" and "1 item" in err["message"]
    assert error(arm.patch(storage, params=Q, json={"properties": {"storageType": "GeoRedundant"}}))["code"] == \
        "BMSUserErrorStorageTypeChangeNotAllowed"


def test_cross_region_restore_needs_geo_redundancy_and_is_one_way(emu, arm):
    storage = emu.vault_url() + "/backupstorageconfig/vaultstorageconfig"
    patch_vault(emu, arm, {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "ZoneRedundant"}}})
    resp = patch_vault(emu, arm, {"properties": {"redundancySettings": {"crossRegionRestore": "Enabled"}}})
    assert error(resp)["code"] == "BMSUserErrorCrossRegionRestoreZRSVaultNotPossible"
    patch_vault(emu, arm, {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant"}}})
    assert arm.patch(storage, params=Q, json={"properties": {"crossRegionRestoreFlag": True}}).status_code == 204
    assert get_vault(emu, arm)["properties"]["redundancySettings"]["crossRegionRestore"] == "Enabled"
    resp = patch_vault(emu, arm, {"properties": {"redundancySettings": {"crossRegionRestore": "Disabled"}}})
    assert error(resp)["code"] == "BMSUserErrorCrossRegionRestoreDisableNotAllowed"


def test_delete_refused_while_items_remain_then_allowed(emu, arm):
    emu.admin("POST", "config", FAST)
    emu.admin("POST", "seed", {"vaults": [{"name": "v2", "resource_group": "testVaultRG", "policies": [{"name": "DefaultPolicy"}],
                                           "discovered": ["testRG/vm01"]}],
                               "protected_items": [{"vault": "v2", "vm": "testRG/vm01", "state": "SoftDeleted"}]})
    err = error(arm.delete(emu.vault_url("v2"), params=Q))
    assert err["code"] == "ServiceResourceNotEmptyWithContainerDetails" and "vm01" in err["message"]
    emu.admin("POST", "seed", {"vaults": [{"name": "v3", "resource_group": "testVaultRG"}]})
    resp = arm.delete(emu.vault_url("v3"), params=Q)
    assert done(emu, arm, resp)["status"] == "Succeeded"
    assert arm.get(resp.headers["Location"]).status_code == 204
    assert error(arm.get(emu.vault_url("v3"), params=Q), 404)["code"] == "ResourceNotFound"


def test_vault_lists_page_with_next_link(emu, arm):
    emu.admin("POST", "config", {"vault_list_page_size": 1})
    emu.admin("POST", "seed", {"vaults": [{"name": "third", "resource_group": "otherVaultRG"}]})
    url = "%s/subscriptions/%s/providers/Microsoft.RecoveryServices/vaults" % (emu.endpoint, emu.sub)
    names = []
    page = arm.get(url, params=Q).json()
    while True:
        names += [v["name"] for v in page["value"]]
        if not page.get("nextLink"):
            break
        page = arm.get(page["nextLink"]).json()
    assert sorted(names) == ["otherVault", "testVault", "third"]
    rg_url = "%s/subscriptions/%s/resourceGroups/otherVaultRG/providers/Microsoft.RecoveryServices/vaults" % (emu.endpoint, emu.sub)
    first = arm.get(rg_url, params=Q).json()
    assert len(first["value"]) == 1 and first["nextLink"]
    assert error(arm.get(rg_url.replace("otherVaultRG", "noRG"), params=Q), 404)["code"] == "ResourceGroupNotFound"


def test_operation_status_outlives_the_deleted_vault(emu, arm):
    emu.admin("POST", "config", {"vault_lro_seconds": 0.2})
    emu.admin("POST", "seed", {"vaults": [{"name": "gone", "resource_group": "testVaultRG"}]})
    resp = arm.delete(emu.vault_url("gone"), params=Q)
    time.sleep(0.4)
    status = arm.get(resp.headers["Azure-AsyncOperation"])
    assert status.status_code == 200 and status.json()["status"] == "Succeeded"
    assert sorted(status.json()) == ["id", "name", "status"]          # as the 2026 CLI recording shows
