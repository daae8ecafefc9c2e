# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_fleet.read_estate and _scope.resolve against the local HTTPS fake: pages, one item list per vault, the join,
the backup states and groups, backupStatus only where a vault could not be read, bad scopes; rules: plans,
conflicts, unmatched VMs, wrong vaults, refusals before any write, job-slice cells."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _fleet, _scope
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC

S1 = "11111111-aaaa-4000-8000-000000000001"
S2 = "22222222-aaaa-4000-8000-000000000002"
NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def vm_id(sub, rg, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s" % (sub, rg, name)


def vault_id(sub, rg, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (sub, rg, name)


def vm(sub, rg, name, location="westus", tags=None):
    body = {"id": vm_id(sub, rg, name), "name": name, "location": location, "properties": {"vmId": "guid-" + name}}
    if tags:
        body["tags"] = tags
    return body


def vault(sub, rg, name, location="westus", days=14):
    return {"id": vault_id(sub, rg, name), "name": name, "location": location,
            "properties": {"securitySettings": {"softDeleteSettings": {"softDeleteRetentionPeriodInDays": days}}}}


def item(sub, vault_rg, vault_name, rg, name, state="Protected", policy="DefaultPolicy", last="2026-03-01T06:00:00Z", status="Completed",
         deleted=None):
    props = {"friendlyName": name, "virtualMachineId": vm_id(sub, rg, name), "sourceResourceId": vm_id(sub, rg, name),
             "protectionState": state, "healthStatus": "Passed", "lastBackupStatus": status, "lastBackupTime": last,
             "lastRecoveryPoint": last if status == "Completed" else "2026-03-01T02:00:00Z",
             "policyId": vault_id(sub, vault_rg, vault_name) + "/backupPolicies/" + policy if policy else "",
             "policyName": policy}
    if deleted:
        props.update({"isScheduledForDeferredDelete": True, "deferredDeleteTimeInUTC": deleted, "policyId": "", "policyName": None})
    return {"id": vault_id(sub, vault_rg, vault_name) + "/backupFabrics/Azure/protectionContainers/x/protectedItems/VM;" + name,
            "name": "VM;" + name, "properties": props}


def vms_path(sub):
    return "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % sub


def vaults_path(sub):
    return "/subscriptions/%s/providers/Microsoft.RecoveryServices/vaults" % sub


def items_path(sub, rg, name):
    return vault_id(sub, rg, name) + "/backupProtectedItems"


def estate_routes(arm):
    # subscription 1: two pages of VMs, two vaults in westus (one sees web1 too), one eastus vault
    page2 = arm.url + vms_path(S1) + "?api-version=2024-07-01&%24skiptoken=p2"
    arm.route("GET", vms_path(S1), lambda req: (200, {"value": [vm(S1, "rg", "web2", tags={"backup": "silver"})]}, {})
              if "skiptoken" in req.target else
              (200, {"value": [vm(S1, "rg", "web1", tags={"Backup": "gold"}), vm(S1, "rg", "db1", tags={"backup": "gold"}),
                               vm(S1, "rg", "old1"), vm(S1, "rg", "gone1"), vm(S1, "rg", "fail1"), vm(S1, "rg", "stop1")],
                     "nextLink": page2}, {}))
    arm.route("GET", vaults_path(S1), (200, {"value": [vault(S1, "vrg", "va"), vault(S1, "vrg", "vb", days=10),
                                                       vault(S1, "vrg", "vnorth", location="northeurope")]}, {}))
    arm.route("GET", items_path(S1, "vrg", "va"), (200, {"value": [
        item(S1, "vrg", "va", "rg", "web1"),
        item(S1, "vrg", "va", "rg", "old1", last="2026-02-20T06:00:00Z"),
        item(S1, "vrg", "va", "rg", "fail1", status="Failed", last="2026-03-01T10:00:00Z"),
        item(S1, "vrg", "va", "rg", "stop1", state="ProtectionStopped", policy=None)]}, {}))
    arm.route("GET", items_path(S1, "vrg", "vb"), (200, {"value": [
        item(S1, "vrg", "vb", "rg", "web1", state="ProtectionStopped", policy=None, deleted="2026-02-25T00:00:00Z"),
        item(S1, "vrg", "vb", "rg", "gone1", state="ProtectionStopped", policy=None, deleted="2026-02-25T00:00:00Z")]}, {}))
    # subscription 2: one VM in eastus, one vault in eastus with nothing protected
    arm.route("GET", vms_path(S2), (200, {"value": [vm(S2, "rg2", "app1", location="East US")]}, {}))
    arm.route("GET", vaults_path(S2), (200, {"value": [vault(S2, "vrg2", "veast", location="eastus")]}, {}))
    arm.route("GET", items_path(S2, "vrg2", "veast"), (200, {"value": []}, {}))


def by_name(estate):
    return dict((r["vm_name"], r) for r in estate.vms)


def test_estate_join_states_and_reads(make_client, arm):
    estate_routes(arm)
    estate = _fleet.read_estate(make_client(), [S1, S2], now=NOW)
    vms = by_name(estate)
    assert sorted(vms) == ["app1", "db1", "fail1", "gone1", "old1", "stop1", "web1", "web2"]
    # web1: active protection in va wins over the soft-deleted item in vb; one record, the other vault named
    assert vms["web1"]["backup_state"] == "protected" and vms["web1"]["backup_vault"] == "va"
    assert vms["web1"]["other_vaults"] == [vault_id(S1, "vrg", "vb")]
    assert vms["web1"]["vm_tags"] == {"Backup": "gold"} and vms["web1"]["vm_uuid"] == "guid-web1"
    assert vms["old1"]["backup_stale"] is True and vms["web1"]["backup_stale"] is False
    assert vms["fail1"]["backup_failed"] is True and vms["fail1"]["backup_stale"] is False   # last recovery point 10h old
    assert vms["stop1"]["backup_state"] == "stopped"
    gone = vms["gone1"]
    # purge = the delete time (deferredDeleteTimeInUTC) + the vault's retention (10 days for vb)
    assert gone["backup_state"] == "soft_deleted" and gone["delete_time"] == "2026-02-25T00:00:00Z"
    assert gone["purge_time"] == "2026-03-07T00:00:00Z"
    assert vms["db1"]["backup_state"] == "unprotected" and vms["web2"]["backup_state"] == "unprotected"
    assert vms["app1"]["location"] == "eastus" and vms["app1"]["backup_state"] == "unprotected"
    assert _fleet.groups_of(vms["old1"]) == ["protected", "stale"]
    assert _fleet.groups_of(vms["fail1"]) == ["protected", "failed"]
    # reads: 2 VM pages + 1 page, 2 vault lists, one item list per vault of a region with VMs in scope (not vnorth)
    paths = [r.path for r in arm.api_requests() if not r.path.endswith("/token")]
    assert paths.count(vms_path(S1)) == 2 and paths.count(vms_path(S2)) == 1
    assert sorted(p for p in paths if p.endswith("backupProtectedItems")) == sorted(
        [items_path(S1, "vrg", "va"), items_path(S1, "vrg", "vb"), items_path(S2, "vrg2", "veast")])
    assert not [r for r in arm.api_requests() if r.method == "POST" and r.path.endswith("backupStatus")]
    assert estate.reads == {"vm_lists": 2, "vault_lists": 2, "item_lists": 3, "backup_status": 0}
    assert estate.errors == []


def test_filters(make_client, arm):
    estate_routes(arm)
    estate = _fleet.read_estate(make_client(), [S1, S2], tags={"backup": ["gold", "silver"]}, exclude=["web2"], now=NOW)
    assert sorted(by_name(estate)) == ["db1", "web1"]
    arm.reset()
    estate_routes(arm)
    estate = _fleet.read_estate(make_client(), [S1, S2], locations=["East US"], names=["APP*"], now=NOW)
    assert sorted(by_name(estate)) == ["app1"]
    # only the eastus vault of subscription 2 is read
    assert [r.path for r in arm.api_requests() if r.path.endswith("backupProtectedItems")] == [items_path(S2, "vrg2", "veast")]


def test_unreadable_vault_asks_backup_status_only_for_its_region(make_client, arm):
    estate_routes(arm)
    arm.route("GET", items_path(S1, "vrg", "vb"), (403, {"error": {"code": "AuthorizationFailed", "message": "no access"}}, {}))
    statuses = {vm_id(S1, "rg", "gone1"): {"protectionStatus": "Protected", "vaultId": vault_id(S1, "vrg", "vb"), "policyName": "P"},
                vm_id(S1, "rg", "db1"): {"protectionStatus": "NotProtected", "vaultId": None}}
    arm.route("POST", "/subscriptions/%s/providers/Microsoft.RecoveryServices/locations/westus/backupStatus" % S1,
              lambda req: (200, statuses.get(req.json()["resourceId"], {"protectionStatus": "NotProtected"}), {}))
    estate = _fleet.read_estate(make_client(max_retries=0), [S1, S2], now=NOW)
    vms = by_name(estate)
    assert vms["gone1"]["backup_state"] == "protected_elsewhere" and vms["gone1"]["backup_vault"] == "vb"
    assert vms["db1"]["backup_state"] == "unprotected"
    asked = sorted(r.json()["resourceId"].rsplit("/", 1)[-1] for r in arm.api_requests() if r.method == "POST")
    # the westus VMs va does not protect; not app1 (eastus, its vault was read), not web1 (va protects it)
    assert asked == ["db1", "gone1", "web2"]
    assert len(estate.errors) == 1 and "AuthorizationFailed" in estate.errors[0]


def test_backup_status_never_marks_unknown(make_client, arm):
    estate_routes(arm)
    arm.route("GET", vaults_path(S2), (403, {"error": {"code": "AuthorizationFailed", "message": "no access"}}, {}))
    estate = _fleet.read_estate(make_client(max_retries=0), [S1, S2], backup_status_mode="never", now=NOW)
    app1 = by_name(estate)["app1"]
    assert app1["backup_state"] == "unknown" and "could not be read" in app1["backup_note"]
    assert by_name(estate)["db1"]["backup_state"] == "unprotected"
    assert not [r for r in arm.api_requests() if r.method == "POST"]


@pytest.mark.parametrize("kwargs, message", [
    ({"subscriptions": ["not-a-guid"]}, "not a subscription ID"),
    ({"tags": "backup=gold"}, "must be a dictionary"),
    ({"tags": {"backup": {"a": 1}}}, "give a string"),
    ({"tags": {"": "x"}}, "not a non-empty string"),
    ({"locations": ["west/us"]}, "not an Azure region"),
    ({"resource_groups": ["a/b"]}, "not a resource group"),
    ({"backup_status_mode": "sometimes"}, "auto, always or never"),
])
def test_bad_scope_refused_before_any_call(make_client, arm, kwargs, message):
    subs = kwargs.pop("subscriptions", [S1])
    with pytest.raises(ValueError, match=message):
        _fleet.read_estate(make_client(), subs, **kwargs)
    assert arm.api_requests() == []


# ---------------------------------------------------------------------------------------- rules (_scope)


def policy_routes(arm, sub, rg, vault_name, *names):
    for name in names:
        arm.route("GET", vault_id(sub, rg, vault_name) + "/backupPolicies/" + name,
                  (200, {"id": vault_id(sub, rg, vault_name) + "/backupPolicies/" + name, "name": name,
                         "properties": {"backupManagementType": "AzureIaasVM"}}, {}))


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
    arm.route("GET", vault_id(S1, "vrg", "va") + "/backupPolicies/Missing", (404, {"error": {"code": "BMSUserErrorPolicyNotFound", "message": "no"}}, {}))
    arm.route("GET", vault_id(S1, "vrg", "va") + "/backupPolicies", (200, {"value": [{"name": "EnhancedPolicy"}]}, {}))
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
