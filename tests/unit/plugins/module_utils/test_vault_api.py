# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_vault_api against the real local HTTPS fake (conftest.py): paths, api-versions, bodies, and which
answers mean what (a missing vault, a synchronous or an asynchronous write)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils import _vault_api as vapi

SUB = "00000000-0000-0000-0000-000000000001"
VAULT = "/subscriptions/%s/resourceGroups/vrg/providers/Microsoft.RecoveryServices/vaults/v1" % SUB
GUARD = "/subscriptions/%s/resourceGroups/grg/providers/Microsoft.DataProtection/resourceGuards/g1" % SUB


def test_get_vault_uses_the_vault_api_version_and_a_404_is_none(make_client, arm):
    arm.route_path("GET", VAULT, (404, {"error": {"code": "ResourceNotFound", "message": "no"}}, {}), (200, {"id": VAULT, "name": "v1"}, {}))
    client = make_client()
    assert vapi.get_vault(client, VAULT, "vrg/v1") is None
    assert vapi.get_vault(client, VAULT, "vrg/v1") == {"id": VAULT, "name": "v1"}
    assert [r.query["api-version"] for r in arm.api_requests()] == [[vapi.VAULT_API_VERSION]] * 2


def test_list_vaults_of_a_subscription_or_a_group(make_client, arm):
    arm.route_path("GET", "/subscriptions/%s/providers/Microsoft.RecoveryServices/vaults" % SUB, (200, {"value": [{"name": "a"}]}, {}))
    arm.route_path("GET", "/subscriptions/%s/resourceGroups/vrg/providers/Microsoft.RecoveryServices/vaults" % SUB, (200, {"value": [{"name": "b"}]}, {}))
    client = make_client()
    assert [v["name"] for v in vapi.list_vaults(client)] == ["a"]
    assert [v["name"] for v in vapi.list_vaults(client, "vrg")] == ["b"]


def test_list_policies_filters_to_vm_policies_unless_asked(make_client, arm):
    arm.route_path("GET", VAULT + "/backupPolicies", (200, {"value": [{"name": "DefaultPolicy"}]}, {}))
    client = make_client()
    vapi.list_policies(client, VAULT, "vrg/v1")
    vapi.list_policies(client, VAULT, "vrg/v1", vm_only=False)
    assert [r.query.get("$filter") for r in arm.api_requests()] == [["backupManagementType eq 'AzureIaasVM'"], None]


def test_put_guard_proxy_sends_the_guards_id(make_client, arm):
    arm.route_path("PUT", VAULT + "/backupResourceGuardProxies/VaultProxy", (200, {"name": "VaultProxy"}, {}))
    assert vapi.put_guard_proxy(make_client(), VAULT, GUARD, "vrg/v1") == {"name": "VaultProxy"}
    assert arm.api_requests()[-1].json() == {"properties": {"resourceGuardResourceId": GUARD}}


def test_unlock_delete_lists_the_requests_and_the_resource(make_client, arm):
    arm.route_path("POST", VAULT + "/backupResourceGuardProxies/VaultProxy/unlockDelete", (200, "", {}))
    assert vapi.unlock_delete_guard_proxy(make_client(), VAULT, "VaultProxy", [GUARD + "/deleteResourceGuardProxyRequests/default"], "vrg/v1",
                                          resource=VAULT) == {}
    assert arm.api_requests()[-1].json() == {"resourceGuardOperationRequests": [GUARD + "/deleteResourceGuardProxyRequests/default"],
                                             "resourceToBeDeleted": VAULT}


def test_delete_vault_synchronous_answer_is_not_waited_for(make_client, arm):
    arm.route_path("DELETE", VAULT, (200, "", {}))
    assert vapi.delete_vault(make_client(), VAULT, "vrg/v1") is None
    assert [r.method for r in arm.api_requests()] == ["DELETE"]


def test_delete_policy_follows_a_202_to_its_end(make_client, arm, fake_clock):
    path = VAULT + "/backupPolicies/P1"
    arm.route_path("DELETE", path, (202, "", {"Location": arm.url + path + "/operationResults/o1?api-version=2026-02-01"}))
    arm.route_path("GET", path + "/operationResults/o1", (202, "", {"Retry-After": "1"}), (204, "", {}))
    vapi.delete_policy(make_client(), VAULT, "P1", "deleting policy P1")
    assert [r.method for r in arm.api_requests()] == ["DELETE", "GET", "GET"] and fake_clock.slept
