# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_backup_vault end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.vault_http``; the ``fake`` and ``arm`` fixtures are in conftest.py): call counts,
bodies, and what happens when the service answers a write with success and changes nothing."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.modules import azure_backup_vault

from support.modules_http import ARGS, ENDPOINT, VAULT, run
from support.vault_http import GUARD, config_body, vault_body, writes


def test_vault_create_is_a_put_followed_to_the_end_then_read_back(arm, capsys):
    status = VAULT + "/operationStatus/b3A=="
    arm.route("GET", r"/vaults/testVault$", (404, {"error": {"code": "ResourceNotFound", "message": "no"}}), (200, vault_body()))
    arm.route("PUT", r"/vaults/testVault$", (201, vault_body(provisioningState="Provisioning"), {"Azure-AsyncOperation": ENDPOINT + status}))
    arm.route("GET", r"/operationStatus/", (200, {"status": "InProgress"}), (200, {"status": "Succeeded"}))
    result = run(azure_backup_vault, dict(ARGS, location="westus", storage_redundancy="geo_redundant"), capsys)
    assert result["changed"] and result["vault"]["provisioning_state"] == "Succeeded", result
    assert writes(arm) == [("PUT", "")]
    put = [r for r in arm.arm if r.method == "PUT"][0]
    assert put.body["properties"] == {"redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant"}}
    assert [r.method for r in arm.arm] == ["GET", "PUT", "GET", "GET", "GET"]


def test_vault_unchanged_costs_reads_only(arm, capsys):
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("GET", r"/backupconfig/vaultconfig$", (200, config_body()))
    result = run(azure_backup_vault, dict(ARGS, soft_delete="enabled", soft_delete_retention_days=14, job_failure_alerts=True), capsys)
    assert result["changed"] is False and writes(arm) == []
    assert len(arm.arm) == 2


def test_vault_patch_answered_200_that_changes_nothing_fails_naming_the_setting(arm, capsys):
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("PATCH", r"/vaults/testVault$", (200, vault_body()))
    result = run(azure_backup_vault, dict(ARGS, job_failure_alerts=False, public_network_access="enabled"), capsys)
    assert result["failed"] and result["changed"]
    assert result["not_applied"] == ["job_failure_alerts"]
    assert "did not apply: job_failure_alerts (asked off, is on)" in result["msg"]
    patch = [r for r in arm.arm if r.method == "PATCH"][0]
    assert patch.body == {"properties": {"monitoringSettings": {"azureMonitorAlertSettings": {"alertsForAllJobFailures": "Disabled"}}}}


def test_soft_delete_goes_through_the_vault_config_and_is_read_back_from_both(arm, capsys):
    changed = vault_body()
    changed["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteRetentionPeriodInDays"] = 30
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()), (200, changed))
    arm.route("GET", r"/backupconfig/vaultconfig$", (200, config_body()), (200, config_body(days=30)))
    arm.route("PATCH", r"/backupconfig/vaultconfig$", (200, config_body(days=30)))
    result = run(azure_backup_vault, dict(ARGS, soft_delete_retention_days=30), capsys, diff=True)
    assert result["changed"] and not result.get("failed"), result
    assert writes(arm) == [("PATCH", "/backupconfig/vaultconfig")]
    assert [r for r in arm.arm if r.method == "PATCH"][0].body == {"properties": {
        "softDeleteFeatureState": "Enabled", "softDeleteRetentionPeriodInDays": 30, "enhancedSecurityState": "Enabled"}}
    assert result["diff"] == {"before": {"soft_delete_retention_days": 14}, "after": {"soft_delete_retention_days": 30}}


def test_soft_delete_off_on_a_guarded_vault_sends_the_proxys_request(arm, capsys):
    listed = GUARD.replace("guardRG", "otherRG") + "/disableSoftDeleteRequests/default"
    off = vault_body()
    off["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteState"] = "Disabled"
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()), (200, off))
    arm.route("GET", r"/backupconfig/vaultconfig$", (200, config_body()), (200, config_body(state="Disabled")))
    arm.route("GET", r"/backupResourceGuardProxies$", (200, {"value": [{"name": "VaultProxy", "properties": {
        "resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": [{"vaultCriticalOperation": "x", "defaultResourceRequest": listed}]}}]}))
    arm.route("PATCH", r"/backupconfig/vaultconfig$", (200, config_body(state="Disabled")))
    result = run(azure_backup_vault, dict(ARGS, soft_delete="disabled"), capsys)
    assert result["changed"] and not result.get("failed"), result
    patch = [r for r in arm.arm if r.method == "PATCH"][0]
    assert patch.body["properties"]["resourceGuardOperationRequests"] == [listed]


def test_irreversible_without_the_opt_in_writes_nothing_and_lists_them(arm, capsys):
    arm.route("GET", r"/vaults/testVault$", (200, vault_body(securitySettings={"immutabilitySettings": {"state": "Unlocked"}})))
    result = run(azure_backup_vault, dict(ARGS, immutability="locked", cross_subscription_restore="permanently_disabled"), capsys)
    assert result["failed"] and writes(arm) == []
    assert "immutability locked" in result["msg"] and "cross_subscription_restore permanently_disabled" in result["msg"]
    assert "allow_irreversible=true" in result["msg"]
    check = run(azure_backup_vault, dict(ARGS, immutability="locked"), capsys, check_mode=True)
    assert check["changed"] and len(check["irreversible"]) == 1 and writes(arm) == []


def test_redundancy_change_with_items_is_refused_with_the_count(arm, capsys):
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("GET", r"/backupProtectedItems$", (200, {"value": [{"properties": {}}, {"properties": {"isScheduledForDeferredDelete": True}}]}))
    result = run(azure_backup_vault, dict(ARGS, storage_redundancy="locally_redundant"), capsys)
    assert result["failed"] and "holds 1 protected and 1 soft-deleted" in result["msg"] and writes(arm) == []


def test_absent_refuses_a_vault_with_items(arm, capsys):
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("GET", r"/backupProtectedItems$", (200, {"value": [{"properties": {"isScheduledForDeferredDelete": True}}]}))
    result = run(azure_backup_vault, dict(ARGS, state="absent"), capsys)
    assert result["failed"] and "0 protected and 1 soft-deleted" in result["msg"] and writes(arm) == []


def test_soft_delete_last_set_through_the_vault_api_goes_there_again(arm, capsys):
    changed = vault_body()
    changed["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteRetentionPeriodInDays"] = 60
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()), (200, changed))
    arm.route("GET", r"/backupconfig/vaultconfig$", (200, config_body()), (200, config_body(days=60)))
    arm.route("PATCH", r"/backupconfig/vaultconfig$", (400, {"error": {"code": "BMSUserErrorSoftDeleteUseVaultApi", "message": "use the vault API"}}))
    arm.route("PATCH", r"/vaults/testVault$", (200, changed))
    result = run(azure_backup_vault, dict(ARGS, soft_delete_retention_days=60), capsys)
    assert result["changed"] and not result.get("failed"), result
    assert writes(arm) == [("PATCH", "/backupconfig/vaultconfig"), ("PATCH", "")]
    assert [r for r in arm.arm if r.method == "PATCH"][1].body == {"properties": {"securitySettings": {"softDeleteSettings": {
        "softDeleteState": "Enabled", "softDeleteRetentionPeriodInDays": 60, "enhancedSecurityState": "Enabled"}}}}


@pytest.mark.parametrize("made, patched", [(config_body(), True), (config_body(days=30), False)])
def test_vault_create_writes_the_vault_config_only_where_the_new_vault_differs(arm, capsys, made, patched):
    created = vault_body()
    created["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteRetentionPeriodInDays"] = 30
    arm.route("GET", r"/vaults/testVault$", (404, {"error": {"code": "ResourceNotFound", "message": "no"}}), (200, created))
    arm.route("PUT", r"/vaults/testVault$", (201, vault_body(provisioningState="Succeeded")))
    arm.route("GET", r"/backupconfig/vaultconfig$", (200, made), (200, config_body(days=30)))
    arm.route("PATCH", r"/backupconfig/vaultconfig$", (200, config_body(days=30)))
    result = run(azure_backup_vault, dict(ARGS, location="westus", soft_delete_retention_days=30), capsys)
    assert result["changed"] and not result.get("failed"), result
    assert writes(arm) == [("PUT", "")] + ([("PATCH", "/backupconfig/vaultconfig")] if patched else [])
    assert "securitySettings" not in [r for r in arm.arm if r.method == "PUT"][0].body["properties"]
