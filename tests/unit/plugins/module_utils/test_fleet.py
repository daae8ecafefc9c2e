# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_fleet.read_estate against the local HTTPS fake (the estate of ``support.estate``): pages, one item list
per vault, the join, the backup states and groups, backupStatus only where a vault could not be read,
bad scopes. (The rules, _scope: test_scope.py.)"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _fleet

from support.estate import NOW, S1, S2, estate_routes, items_path, vault_id, vaults_path, vm_id, vms_path


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
    arm.route_path("GET", items_path(S1, "vrg", "vb"), (403, {"error": {"code": "AuthorizationFailed", "message": "no access"}}, {}))
    statuses = {vm_id(S1, "rg", "gone1"): {"protectionStatus": "Protected", "vaultId": vault_id(S1, "vrg", "vb"), "policyName": "P"},
                vm_id(S1, "rg", "db1"): {"protectionStatus": "NotProtected", "vaultId": None}}
    arm.route_path("POST", "/subscriptions/%s/providers/Microsoft.RecoveryServices/locations/westus/backupStatus" % S1,
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
    arm.route_path("GET", vaults_path(S2), (403, {"error": {"code": "AuthorizationFailed", "message": "no access"}}, {}))
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


@pytest.mark.parametrize("state", ["Protected", "IRPending", "ProtectionError", "ProtectionStopped", "ProtectionPaused", "BackupsSuspended"])
def test_a_vm_is_stopped_in_the_fleet_view_exactly_when_the_module_would_resume_it(state):
    """The inventory, the rules and the reports (_fleet) and azure_vm_protection (_protection.decide) agree on each
    protection state: 'stopped' in the fleet view is what state=present resumes."""
    from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import decide  # pylint: disable=import-outside-toplevel
    vm = {"id": vm_id(S1, "rg", "vm1"), "name": "vm1", "location": "westus", "properties": {}}
    vault = {"id": vault_id(S1, "vrg", "va"), "name": "va", "resource_group": "vrg", "subscription_id": S1}
    view = {"protection_state": state, "policy_name": "DefaultPolicy", "soft_deleted": False, "last_recovery_point": "2026-03-01T00:00:00Z"}
    record = _fleet.vm_record(vm, [(vault, view)], NOW, 24)
    action = decide(dict(view, friendly_name="vm1", disk_exclusion=None),
                    {"state": "present", "policy_name": "DefaultPolicy", "disk_exclusion": None, "undelete": False})[0]
    assert (record["backup_state"] == "stopped") == (action == "resume"), (record["backup_state"], action)
    assert record["backup_state"] in ("protected", "stopped")
