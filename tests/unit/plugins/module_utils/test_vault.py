# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vault settings: the service's shape -> the options' values, the plan (what cannot be done, what
cannot be undone), the request bodies, and the audit findings
(the resource guard's requests: test_guard.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _vault as v

SHARED = "/work/shared/azure-backup-api/examples-wave2"
GUARD = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/guardRG/providers/Microsoft.DataProtection/resourceGuards/g1"


def example(*path):
    with open(os.path.join(SHARED, *path)) as handle:
        return json.load(handle)


def params(**given):
    base = dict((name, None) for name in v.SETTINGS)
    base.update(soft_delete_retention_days=None, sku=None, allow_irreversible=False)
    base.update(given)
    return base


def current(**overrides):
    base = dict(v.NEW_VAULT, location="westus", sku="Standard", tags={}, identity={"type": "none", "user_assigned_identities": []},
                storage_redundancy="geo_redundant", job_failure_alerts=True, resource_guard="none")
    base.update(overrides)
    return base


def test_the_spec_vault_reads_as_option_values():
    vault = example("vaults-2026-02-01", "GETVault.json")["responses"]["200"]["body"]
    settings = v.vault_settings(vault)
    assert settings["storage_redundancy"] == "geo_redundant"
    assert settings["cross_region_restore"] is True
    assert settings["job_failure_alerts"] is True
    assert settings["immutability"] == "disabled"
    assert settings["identity"]["type"] == "system_assigned"
    assert settings["sku"] == "Standard"


def test_the_vault_config_is_the_authority_for_soft_delete():
    soft = {"softDeleteState": "Enabled", "softDeleteRetentionPeriodInDays": 14}
    vault = {"location": "West US", "properties": {"securitySettings": {"softDeleteSettings": soft}}}
    config = {"properties": {"softDeleteFeatureState": "AlwaysON", "softDeleteRetentionPeriodInDays": 30, "enhancedSecurityState": "Disabled"}}
    settings = v.vault_settings(vault, config)
    assert (settings["soft_delete"], settings["soft_delete_retention_days"], settings["enhanced_security"]) == ("always_on", 30, "disabled")
    assert settings["location"] == "westus"


def test_only_what_differs_is_changed_and_patched():
    plan = v.Plan(current(), v.desired_settings(params(soft_delete_retention_days=30, storage_redundancy="geo_redundant", job_failure_alerts=False)),
                  creating=False)
    assert plan.changes == ["soft_delete_retention_days", "job_failure_alerts"]
    assert plan.vault_config_settings() == ["soft_delete_retention_days"]
    top, props = v.vault_properties(plan.desired, plan.vault_patch_settings())
    assert top == {} and props == {"monitoringSettings": {"azureMonitorAlertSettings": {"alertsForAllJobFailures": "Disabled"}}}


@pytest.mark.parametrize("given, cur, words", [
    ({"immutability": "locked"}, {"immutability": "unlocked"}, "immutability locked"),
    ({"soft_delete": "always_on"}, {}, "soft_delete always_on"),
    ({"enhanced_security": "always_on"}, {}, "enhanced_security always_on"),
    ({"cross_subscription_restore": "permanently_disabled"}, {}, "permanently_disabled"),
    ({"cross_region_restore": True}, {}, "cross_region_restore enabled"),
])
def test_one_way_changes_are_listed(given, cur, words):
    plan = v.Plan(current(**cur), v.desired_settings(params(**given)), creating=False)
    assert not plan.refusals
    assert len(plan.irreversible) == 1 and words in plan.irreversible[0]


@pytest.mark.parametrize("given, cur, words", [
    ({"immutability": "disabled"}, {"immutability": "locked"}, "locked and can never be changed"),
    ({"immutability": "locked"}, {"immutability": "disabled"}, "unlocked first"),
    ({"soft_delete": "enabled"}, {"soft_delete": "always_on"}, "can never be turned off"),
    ({"cross_subscription_restore": "enabled"}, {"cross_subscription_restore": "permanently_disabled"}, "never be enabled again"),
    ({"cross_region_restore": False}, {"cross_region_restore": True}, "cannot be turned off"),
    ({"cross_region_restore": True}, {"storage_redundancy": "zone_redundant"}, "needs geo_redundant"),
    ({"location": "eastus"}, {}, "cannot move"),
])
def test_moves_the_service_refuses_are_refused(given, cur, words):
    plan = v.Plan(current(**cur), v.desired_settings(params(**given)), creating=False)
    assert any(words in line for line in plan.refusals), plan.refusals


def test_an_unchanged_one_way_setting_is_not_listed_again():
    plan = v.Plan(current(immutability="locked", soft_delete="always_on"), v.desired_settings(params(immutability="locked", soft_delete="always_on")),
                  creating=False)
    assert plan.changes == [] and plan.irreversible == [] and plan.refusals == []


@pytest.mark.parametrize("given, words", [
    ({"soft_delete_retention_days": 13}, "14 to 180"),
    ({"soft_delete_retention_days": 181}, "14 to 180"),
    ({"location": "west/us"}, "invalid location"),
    ({"location": "westus\n"}, "control character"),
    ({"resource_guard": ""}, "invalid resource_guard"),
    ({"resource_guard": GUARD + "/../x"}, "invalid resource_guard"),
    ({"resource_guard": GUARD + "\n"}, "control character"),
    ({"tags": {"a/b": "x"}}, "invalid tag name"),
    ({"tags": {"a": "x\ny"}}, "invalid value for tag"),
    ({"identity": {"type": "user_assigned", "user_assigned_identities": []}}, "needs"),
    ({"identity": {"type": "system_assigned", "user_assigned_identities": ["/x"]}}, "invalid user-assigned identity"),
    ({"cross_region_restore": True, "storage_redundancy": "zone_redundant"}, "needs storage_redundancy geo_redundant"),
])
def test_bad_input_is_refused(given, words):
    with pytest.raises(ValueError) as err:
        v.desired_settings(params(**given))
    assert words in str(err.value)


@pytest.mark.parametrize("name, group", [("ab\n", "rg"), ("1vault", "rg"), ("v", "rg"), ("vault", "rg/x"), ("vault", "rg\n")])
def test_vault_names_azure_would_refuse(name, group):
    client = type("C", (), {"subscription_id": "00000000-0000-0000-0000-000000000000"})()
    with pytest.raises(ValueError):
        v.vault_path(client, group, name)


def test_a_new_vault_body_carries_the_vault_level_settings_and_not_soft_delete():
    body = v.create_body(v.desired_settings(params(location="West Europe", storage_redundancy="zone_redundant", soft_delete="disabled",
                                                   immutability="unlocked", tags={"a": "b"})))
    assert body["location"] == "westeurope" and body["sku"] == {"name": "Standard"} and body["tags"] == {"a": "b"}
    assert body["properties"]["redundancySettings"] == {"standardTierStorageRedundancy": "ZoneRedundant"}
    assert body["properties"]["securitySettings"] == {"immutabilitySettings": {"state": "Unlocked"}}


def test_the_vault_config_patch_sends_the_three_together():
    assert v.vault_config_properties({"soft_delete": "disabled", "soft_delete_retention_days": 20}) == {
        "softDeleteFeatureState": "Disabled", "softDeleteRetentionPeriodInDays": 20, "enhancedSecurityState": "Enabled"}


def test_findings():
    vault = current(soft_delete="disabled", immutability="disabled", storage_redundancy="locally_redundant", job_failure_alerts=None,
                    resource_guard=None)
    policies = [{"name": "Short", "shortest_retention_days": 7}, {"name": "Long", "shortest_retention_days": 90}]
    found = v.findings(vault, policies, 30)
    assert [f["code"] for f in found] == ["soft_delete_off", "immutability_off", "locally_redundant_storage", "no_job_failure_alerts",
                                          "no_resource_guard", "short_retention"]
    assert "Short" in found[-1]["message"] and "7 days" in found[-1]["message"]
    assert v.findings(current(immutability="locked", resource_guard=GUARD), policies, 7) == []


def test_item_counts():
    items = [{"properties": {}}, {"properties": {"isScheduledForDeferredDelete": True}}, {"properties": {}}]
    assert v.item_counts(items) == {"protected": 2, "soft_deleted": 1}
