# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_scope against the local HTTPS fake (the estate of ``support.estate``): rules, plans, conflicts,
unmatched VMs, wrong vaults, refusals before any write, job-slice cells."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _scope

from support.estate import NOW, S1, S2, estate_routes, item, items_path, vault_id, vm_id


def policy_routes(arm, sub, rg, vault_name, *names, **kwargs):
    properties = {"backupManagementType": "AzureIaasVM"}
    if kwargs.get("policy_type"):
        properties["policyType"] = kwargs["policy_type"]
    for name in names:
        arm.route_path("GET", vault_id(sub, rg, vault_name) + "/backupPolicies/" + name,
                       (200, {"id": vault_id(sub, rg, vault_name) + "/backupPolicies/" + name, "name": name, "properties": properties}, {}))


GOLD = {"name": "gold", "tags": {"backup": "gold"}, "policy": "EnhancedPolicy", "vaults": [{"name": "va", "resource_group": "vrg"}]}


def test_rules_plan_and_findings(make_client, arm):
    estate_routes(arm)
    policy_routes(arm, S1, "vrg", "va", "EnhancedPolicy", "DefaultPolicy")
    rules = [GOLD, {"name": "web", "names": ["web*"], "policy": "DefaultPolicy", "vaults": [{"name": "va", "resource_group": "vrg"}]}]
    result = _scope.resolve(make_client(), rules, [S1], now=NOW)
    rows = dict((r["vm_name"], r) for r in result["rows"])
    # web1 matches both rules with different policies: a conflict, never planned; db1 gold -> enable in va
    assert rows["web1"]["findings"] == ["conflict"] and rows["web1"]["action"] == "none"
    assert rows["db1"]["action"] == "enable" and rows["db1"]["desired_policy"] == "EnhancedPolicy"
    assert rows["web2"]["action"] == "enable" and rows["web2"]["desired_policy"] == "DefaultPolicy"
    # matches no rule: reported, never planned; S2 is not in scope, so app1 is not a row
    assert rows["old1"]["findings"] == ["stale", "unmatched"] and "app1" not in rows
    assert result["plan"] == [{"vault_name": "va", "vault_resource_group": "vrg", "subscription_id": S1, "location": "westus",
                               "vms": [{"id": vm_id(S1, "rg", "db1"), "policy": "EnhancedPolicy"},
                                       {"id": vm_id(S1, "rg", "web2"), "policy": "DefaultPolicy"}]}]
    assert result["totals"]["conflict"] == 1 and result["totals"]["to_change"] == 2 and result["totals"]["vms"] == 7
    assert result["by_subscription"][S1]["vb"]["soft_deleted"] == 1


def test_rules_wrong_vault_stopped_and_undelete(make_client, arm):
    estate_routes(arm)
    policy_routes(arm, S1, "vrg", "vb", "DefaultPolicy")
    rules = [{"name": "all", "policy": "DefaultPolicy", "undelete": True, "vaults": [{"name": "vb", "resource_group": "vrg"}]}]
    rows = dict((r["vm_name"], r) for r in _scope.resolve(make_client(), rules, [S1], now=NOW)["rows"])
    assert "wrong_vault" in rows["stop1"]["findings"] and rows["stop1"]["action"] == "none"   # stopped in va, the rule wants vb
    assert rows["gone1"]["action"] == "undelete"                                              # soft-deleted in vb itself
    assert rows["web1"]["action"] == "none" and "wrong_vault" in rows["web1"]["findings"]     # protected by va


@pytest.mark.parametrize("target_type, refused", [(None, True), ("V1", True), ("V2", False)])
def test_enhanced_to_standard_is_a_finding_never_a_change(make_client, arm, target_type, refused):
    # web1 is on the enhanced (V2) policy Enhanced1, old1 on the standard Old1; the rule wants Target, standard (V1, or no
    # policyType) or enhanced (V2). Azure never moves an item from V2 to V1, and azure_vm_protection refuses it before its write.
    estate_routes(arm)
    arm.route_path("GET", items_path(S1, "vrg", "va"), (200, {"value": [
        item(S1, "vrg", "va", "rg", "web1", policy="Enhanced1", policy_type="V2"),
        item(S1, "vrg", "va", "rg", "old1", policy="Old1", policy_type="V1")]}, {}))
    policy_routes(arm, S1, "vrg", "va", "Target", policy_type=target_type)
    rules = [{"name": "web", "names": ["web1", "old1"], "policy": "Target", "vaults": [{"name": "va", "resource_group": "vrg"}]}]
    result = _scope.resolve(make_client(), rules, [S1], now=NOW)
    rows = dict((r["vm_name"], r) for r in result["rows"])
    planned = [entry["id"] for group in result["plan"] for entry in group["vms"]]
    assert rows["old1"]["action"] == "update" and vm_id(S1, "rg", "old1") in planned
    assert rows["web1"]["backup_policy_type"] == "V2"
    if refused:
        assert rows["web1"]["action"] == "none" and vm_id(S1, "rg", "web1") not in planned
        assert rows["web1"]["findings"] == ["wrong_policy", "policy_change_refused"]
        assert "enhanced policy Enhanced1" in rows["web1"]["note"] and "stop its protection and protect it again" in rows["web1"]["note"]
        assert result["totals"]["policy_change_refused"] == 1 and result["totals"]["to_change"] == 1
    else:
        assert rows["web1"]["action"] == "update" and vm_id(S1, "rg", "web1") in planned
        assert rows["web1"]["findings"] == ["wrong_policy"] and result["totals"]["policy_change_refused"] == 0
        assert result["totals"]["to_change"] == 2
    assert not [r for r in arm.api_requests() if r.method in ("PUT", "DELETE", "PATCH")]


@pytest.mark.parametrize("rules, message", [
    ([dict(GOLD, vaults=[{"name": "va", "resource_group": "vrg", "location": "eastus"}])], "vault va is in westus, not in eastus"),
    ([dict(GOLD, vaults=[{"name": "nope", "resource_group": "vrg"}])], "vault vrg/nope does not exist"),
    ([dict(GOLD, locations=["northeurope"], tags=None, vaults=[{"name": "va", "resource_group": "vrg"}])], "matches no VM"),
    ([dict(GOLD, tags=None, subscriptions=[S1, S2])], "no vault for VM rg2/app1"),
    ([dict(GOLD, policy="Missing")], "backup policy 'Missing' does not exist in vault va"),
])
def test_rules_refused_or_warned(make_client, arm, rules, message):
    estate_routes(arm)
    policy_routes(arm, S1, "vrg", "va", "EnhancedPolicy")
    arm.route_path("GET", vault_id(S1, "vrg", "va") + "/backupPolicies/Missing", (404, {"error": {"code": "BMSUserErrorPolicyNotFound", "message": "no"}}, {}))
    arm.route_path("GET", vault_id(S1, "vrg", "va") + "/backupPolicies", (200, {"value": [{"name": "EnhancedPolicy"}]}, {}))
    if message == "matches no VM":
        result = _scope.resolve(make_client(), rules, [S1], now=NOW)
        assert result["warnings"] == ["rule gold matches no VM (check its subscriptions, resource groups, locations, tags and names)"]
        assert result["plan"] == []
        return
    with pytest.raises(_scope.RuleError, match=re.escape(message)):
        _scope.resolve(make_client(), rules, [S1], now=NOW)
    assert not [r for r in arm.api_requests() if r.method in ("PUT", "DELETE", "PATCH")]


def test_check_rules_names_every_problem():
    with pytest.raises(_scope.RuleError) as caught:
        _scope.check_rules([{"name": "a", "policy": "P", "vaults": [{"name": "v", "resource_group": "rg"}], "tagz": {}},
                            {"name": "b", "tags": "backup=gold", "policy": "P", "vaults": [{"name": "v", "resource_group": "rg"}]},
                            {"name": "c", "policy": "P", "vaults": []},
                            {"name": "d", "policy": "P", "exclude": ["just-a-name"], "vaults": [{"name": "v", "resource_group": "rg"}]},
                            "not a rule"], [S1])
    problems = caught.value.problems
    assert len(problems) == 5
    assert "unknown key(s) tagz" in problems[0] and "must be a dictionary" in problems[1] and "vaults must list" in problems[2]
    assert "not a VM" in problems[3] and "rule 5 is not a dictionary" in problems[4]


def test_cells_limit_the_scope(make_client, arm):
    estate_routes(arm)
    policy_routes(arm, S2, "vrg2", "veast", "EnhancedPolicy")
    rules = [dict(GOLD, tags=None, vaults=[{"name": "va", "resource_group": "vrg", "subscription_id": S1},
                                           {"name": "veast", "resource_group": "vrg2", "subscription_id": S2}])]
    result = _scope.resolve(make_client(), rules, cells=[{"subscription_id": S2, "location": "eastus"}], now=NOW)
    assert [r["vm_name"] for r in result["rows"]] == ["app1"]
    assert result["plan"][0]["subscription_id"] == S2 and result["plan"][0]["vault_name"] == "veast"
    # only the slice's subscription is read
    assert not [r for r in arm.api_requests() if "/subscriptions/%s/" % S1 in r.path]
