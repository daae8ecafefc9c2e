# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_backup_vault and azure_backup_policy end to end through AnsibleModule and the real ArmClient,
with HTTP faked at the transport (the FakeArm of test_modules_over_http): call counts, bodies, and
what happens when the service answers a write with success and changes nothing."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _policy as pol
from ansible_collections.azure_recovery.backup.plugins.modules import azure_backup_policy, azure_backup_vault, azure_backup_vault_info

from test_modules_over_http import ARGS, ENDPOINT, VAULT, fake, run  # noqa: F401 (fake is a fixture)  pylint: disable=unused-import

GUARD = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/guardRG/providers/Microsoft.DataProtection/resourceGuards/g1"


@pytest.fixture
def arm(fake):  # noqa: F811
    """The FakeArm; its clients sleep through client.sleep, which the fixture makes instant (the one wait, no own sleep)."""
    return fake


def vault_body(**props):
    base = {"id": VAULT, "name": "testVault", "location": "westus", "sku": {"name": "RS0", "tier": "Standard"}, "tags": {},
            "properties": {"provisioningState": "Succeeded", "publicNetworkAccess": "Enabled",
                           "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Disabled"},
                           "securitySettings": {"softDeleteSettings": {"softDeleteState": "Enabled", "softDeleteRetentionPeriodInDays": 14,
                                                                       "enhancedSecurityState": "Enabled"},
                                                "immutabilitySettings": {"state": "Disabled"}, "multiUserAuthorization": "Disabled"},
                           "monitoringSettings": {"azureMonitorAlertSettings": {"alertsForAllJobFailures": "Enabled"}}}}
    base["properties"].update(props)
    return base


def config_body(state="Enabled", days=14):
    props = {"softDeleteFeatureState": state, "softDeleteRetentionPeriodInDays": days, "enhancedSecurityState": "Enabled"}
    return {"id": VAULT + "/backupconfig/vaultconfig", "properties": props}


def writes(session):
    return [(r.method, r.path[len(VAULT):]) for r in session.arm if r.method != "GET"]


# --------------------------------------------------------------------------- azure_backup_vault

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


def test_vault_info_findings(arm, capsys):
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("GET", r"/backupconfig/vaultconfig$", (200, config_body(state="Disabled")))
    arm.route("GET", r"/backupResourceGuardProxies$", (200, {"value": []}))
    arm.route("GET", r"/backupPolicies$", (200, {"value": [policy_rest(daily=7)]}))
    result = run(azure_backup_vault_info, dict(ARGS, min_retention_days=10), capsys)
    assert [f["code"] for f in result["findings"]] == ["soft_delete_off", "immutability_off", "no_resource_guard", "short_retention"]
    assert result["policies"][0]["retention"] == {"daily": 7}


# --------------------------------------------------------------------------- azure_backup_policy

def policy_rest(daily=30, count=2, name="DailyPolicy"):
    model = pol.model_from_options({"name": name, "schedule": {"frequency": "daily", "time": "23:00"}, "retention": {"daily": daily}})
    body = copy.deepcopy(pol.policy_body(model))
    body["properties"]["schedulePolicy"]["scheduleRunTimes"] = ["2019-03-01T23:00:00+00:00"]
    body["properties"]["retentionPolicy"]["dailySchedule"]["retentionTimes"] = ["2019-03-01T23:00:00+00:00"]
    body["properties"]["protectedItemsCount"] = count
    body.update(id=VAULT + "/backupPolicies/" + name, name=name)
    return body


POLICY_ARGS = dict(ARGS, name="DailyPolicy", schedule={"frequency": "daily", "time": "23:00"}, retention={"daily": 30})


def test_policy_unchanged_costs_one_get(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()))
    result = run(azure_backup_policy, POLICY_ARGS, capsys)
    assert result["changed"] is False and len(arm.arm) == 1


def test_policy_change_in_use_reports_the_items(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()), (200, policy_rest(daily=40)))
    arm.route("PUT", r"/backupPolicies/DailyPolicy$", (200, policy_rest(daily=40)))
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 40}), capsys, diff=True)
    assert result["changed"] and result["affected_items"] == 2 and "2 protected item(s)" in result["msg"]
    assert result["diff"]["before"]["retention"] == {"daily": 30} and result["diff"]["after"]["retention"] == {"daily": 40}
    put = [r for r in arm.arm if r.method == "PUT"][0]
    assert "resourceGuardOperationRequests" not in put.body["properties"]
    assert [r.method for r in arm.arm] == ["GET", "PUT"]


def test_policy_retention_cut_on_a_guarded_vault_sends_the_listed_request(arm, capsys):
    listed = GUARD + "/updateProtectionPolicyRequests/default"
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()))
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("GET", r"/backupResourceGuardProxies$", (200, {"value": [{"name": "VaultProxy", "properties": {
        "resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": [{"defaultResourceRequest": listed}]}}]}))
    arm.route("PUT", r"/backupPolicies/DailyPolicy$", (200, policy_rest(daily=10)))
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 10}), capsys)
    assert result["changed"] and result["retention_cuts"] == ["daily retention 30 -> 10"], result
    put = [r for r in arm.arm if r.method == "PUT"][0]
    assert put.body["properties"]["resourceGuardOperationRequests"] == [listed]


def test_policy_retention_cut_on_an_immutable_vault_is_refused_before_any_write(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()))
    arm.route("GET", r"/vaults/testVault$", (200, vault_body(securitySettings={"immutabilitySettings": {"state": "Locked"}})))
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 10}), capsys)
    assert result["failed"] and "immutable (locked)" in result["msg"] and "can never be cut" in result["msg"]
    assert writes(arm) == []


def test_policy_in_use_is_not_deleted(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest(count=3)))
    result = run(azure_backup_policy, dict(ARGS, name="DailyPolicy", state="absent"), capsys)
    assert result["failed"] and "used by 3 protected item(s)" in result["msg"] and writes(arm) == []


def test_policy_delete_follows_a_202(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest(count=0)))
    arm.route("DELETE", r"/backupPolicies/DailyPolicy$", (202, "", {"Location": ENDPOINT + VAULT + "/backupPolicies/DailyPolicy/operationResults/o1"}))
    arm.route("GET", r"/operationResults/o1$", (202, ""), (204, ""))
    result = run(azure_backup_policy, dict(ARGS, name="DailyPolicy", state="absent"), capsys)
    assert result["changed"] and writes(arm) == [("DELETE", "/backupPolicies/DailyPolicy")]
    assert [r.path.rsplit("/", 1)[-1] for r in arm.arm].count("o1") == 2


def test_policy_of_another_workload_is_refused(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, {"name": "DailyPolicy", "properties": {"backupManagementType": "AzureStorage"}}))
    result = run(azure_backup_policy, POLICY_ARGS, capsys)
    assert result["failed"] and "not one for Azure VMs" in result["msg"] and writes(arm) == []


def test_policy_bad_input_sends_nothing(arm, capsys):
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 3}), capsys)
    assert result["failed"] and arm.arm == []


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
