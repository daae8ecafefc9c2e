# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft's generated SDK (azure-mgmt-recoveryservicesbackup) drives the wave-2 backup surface of the
emulator: policies (create, read back through its discriminators, update of a policy in use, LRO delete),
vault and storage config, and the resource guard proxy with unlockDelete. An independent serialiser and
poller, so shapes and async headers the SDK cannot consume would fail here."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from azure.core.exceptions import HttpResponseError

from test_emulator_sdk import VAULT, VAULT_RG, client  # noqa: F401  pylint: disable=unused-import
from vault_helpers import GUARD, V1_DAILY, V2_HOURLY, props


def test_sdk_policy_create_read_update_delete(client, emu):  # noqa: F811  pylint: disable=redefined-outer-name
    created = client.protection_policies.create_or_update(VAULT, VAULT_RG, "hourly", {"properties": V2_HOURLY})
    assert created.name == "hourly"
    got = client.protection_policies.get(VAULT, VAULT_RG, "hourly")
    assert got.properties.policy_type == "V2"
    assert got.properties.schedule_policy.schedule_run_frequency == "Hourly"
    assert got.properties.schedule_policy.hourly_schedule.interval == 4
    assert got.properties.retention_policy.daily_schedule.retention_duration.count == 30
    assert got.properties.protected_items_count == 0

    client.protection_policies.create_or_update(VAULT, VAULT_RG, "daily", {"properties": V1_DAILY})
    emu.protect(emu.session(), "testRG", "testVM", policy="daily")
    longer = props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=60)
    client.protection_policies.create_or_update(VAULT, VAULT_RG, "daily", {"properties": longer})   # 202: re-applied to the item
    with pytest.raises(HttpResponseError) as refused:
        client.protection_policies.begin_delete(VAULT, VAULT_RG, "daily").result()
    assert refused.value.error.code == "BMSUserErrorPolicyInUse"

    client.protection_policies.begin_delete(VAULT, VAULT_RG, "hourly").result()      # 202 + operations/{op} polled to the end
    with pytest.raises(HttpResponseError) as missing:
        client.protection_policies.get(VAULT, VAULT_RG, "hourly")
    assert missing.value.status_code == 404


def test_sdk_vault_and_storage_config(client):  # noqa: F811  pylint: disable=redefined-outer-name
    config = client.backup_resource_vault_configs.update(
        VAULT, VAULT_RG, {"properties": {"softDeleteFeatureState": "Disabled", "enhancedSecurityState": "Enabled"}})
    assert config.properties.soft_delete_feature_state == "Disabled"
    assert client.backup_resource_vault_configs.get(VAULT, VAULT_RG).properties.soft_delete_feature_state == "Disabled"
    assert client.backup_resource_storage_configs_non_crr.patch(
        VAULT, VAULT_RG, {"properties": {"storageType": "LocallyRedundant"}}) is None                  # 204
    storage = client.backup_resource_storage_configs_non_crr.get(VAULT, VAULT_RG)
    assert storage.properties.storage_type == "LocallyRedundant" and storage.properties.storage_type_state == "Unlocked"


def test_sdk_resource_guard_proxy(client, emu):  # noqa: F811  pylint: disable=redefined-outer-name
    emu.admin("POST", "seed", {"resource_guards": [{"id": GUARD}]})
    proxy = client.resource_guard_proxy.put(VAULT, VAULT_RG, "VaultProxy", {"properties": {"resourceGuardResourceId": GUARD}})
    requests = {d.default_resource_request for d in proxy.properties.resource_guard_operation_details}
    assert GUARD + "/deleteResourceGuardProxyRequests/default" in requests
    unlocked = client.resource_guard_proxy.unlock_delete(
        VAULT, VAULT_RG, "VaultProxy", {"resourceGuardOperationRequests": [GUARD + "/deleteResourceGuardProxyRequests/default"]})
    assert unlocked.unlock_delete_expiry_time
    client.resource_guard_proxy.delete(VAULT, VAULT_RG, "VaultProxy")
    with pytest.raises(HttpResponseError):
        client.resource_guard_proxy.get(VAULT, VAULT_RG, "VaultProxy")
