# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleets in the emulator: several subscriptions, the Compute VM lists (paged, tags, zones, vmId),
vault lists per subscription and resource group, and a large estate seeded in one admin call."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import parse_qs, urlsplit

from conftest import API

COMPUTE = {"api-version": "2024-07-01"}
SUB2 = "aaaaaaaa-0000-0000-0000-000000000002"


def _all_pages(arm, url, params):
    pages, values = 0, []
    while url:
        resp = arm.get(url, params=params)
        assert resp.status_code == 200, resp.text
        assert int(resp.headers["x-ms-ratelimit-remaining-subscription-reads"]) >= 0
        body = resp.json()
        values += body["value"]
        pages += 1
        url, params = body.get("nextLink"), None
    return values, pages


def _two_subscriptions(emu):
    emu.admin("POST", "seed", {
        "subscriptions": [SUB2],
        "vms": [{"name": "tagged", "resource_group": "fleetRG", "location": "eastus", "tags": {"backup": "gold"}, "zones": ["2"],
                 "subscription_id": SUB2},
                {"name": "plain", "resource_group": "fleetRG", "location": "westus", "subscription_id": SUB2}],
        "vaults": [{"name": "vault2", "resource_group": "vaultRG2", "location": "eastus", "subscription_id": SUB2,
                    "policies": [{"name": "DefaultPolicy"}]}],
        "protected_items": [{"vault": "vault2", "vm": "fleetRG/tagged", "policy": "DefaultPolicy"}],
    })


def test_vm_list_per_subscription_and_resource_group(emu, arm):
    _two_subscriptions(emu)
    vms, _pages = _all_pages(arm, emu.endpoint + "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % emu.sub, COMPUTE)
    names = sorted(vm["name"] for vm in vms)
    # the default scenario's ARM VMs; the classic VM is not a Microsoft.Compute VM
    assert names == sorted(["testVM", "testSQL", "vm01", "vm02", "appVM1", "appVM2", "eastVM"])
    east = [vm for vm in vms if vm["name"] == "eastVM"][0]
    assert east["location"] == "eastus" and east["properties"]["vmId"]
    assert east.get("tags", {}) == {}
    # the token works in the second subscription too
    vms2, _pages = _all_pages(arm, emu.endpoint + "/subscriptions/%s/resourceGroups/FLEETRG/providers/Microsoft.Compute/virtualMachines" % SUB2,
                              COMPUTE)
    tagged = [vm for vm in vms2 if vm["name"] == "tagged"][0]
    assert tagged["tags"] == {"backup": "gold"} and tagged["zones"] == ["2"]
    assert tagged["id"] == "/subscriptions/%s/resourceGroups/fleetRG/providers/Microsoft.Compute/virtualMachines/tagged" % SUB2
    assert len(vms2) == 2


def test_vm_get_has_tags(emu, arm):
    _two_subscriptions(emu)
    body = arm.get(emu.endpoint + "/subscriptions/%s/resourceGroups/fleetRG/providers/Microsoft.Compute/virtualMachines/tagged" % SUB2,
                   params=COMPUTE).json()
    assert body["tags"] == {"backup": "gold"}
    assert body["properties"]["storageProfile"]["osDisk"]["name"] == "tagged-osdisk"


def test_lists_errors(emu, arm):
    resp = arm.get(emu.endpoint + "/subscriptions/%s/resourceGroups/nope/providers/Microsoft.Compute/virtualMachines" % emu.sub, params=COMPUTE)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "ResourceGroupNotFound"
    resp = arm.get(emu.endpoint + "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % "99999999-9999-9999-9999-999999999999",
                   params=COMPUTE)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "SubscriptionNotFound"
    resp = arm.get(emu.endpoint + "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % emu.sub)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "MissingApiVersionParameter"
    resp = arm.get(emu.endpoint + "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % emu.sub, params=COMPUTE,
                   headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401


def test_vault_lists(emu, arm):
    _two_subscriptions(emu)
    vaults, _pages = _all_pages(arm, emu.endpoint + "/subscriptions/%s/providers/Microsoft.RecoveryServices/vaults" % emu.sub, {"api-version": API})
    assert sorted(v["name"] for v in vaults) == ["otherVault", "testVault"]
    assert vaults[0]["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteRetentionPeriodInDays"] == 14
    only, _pages = _all_pages(arm, emu.endpoint + "/subscriptions/%s/resourceGroups/otherVaultRG/providers/Microsoft.RecoveryServices/vaults"
                              % emu.sub, {"api-version": API})
    assert [v["name"] for v in only] == ["otherVault"]
    second, _pages = _all_pages(arm, emu.endpoint + "/subscriptions/%s/providers/Microsoft.RecoveryServices/vaults" % SUB2, {"api-version": API})
    assert [(v["name"], v["location"]) for v in second] == [("vault2", "eastus")]
    items = arm.get(emu.endpoint + second[0]["id"] + "/backupProtectedItems", params={"api-version": API}).json()["value"]
    assert [i["properties"]["friendlyName"] for i in items] == ["tagged"]


def test_seed_estate_pages_and_counts(emu, arm):
    spec = {"reset": True, "subscriptions": 3, "regions": 4, "vaults": 8, "vms": 600, "protected_fraction": 0.8, "seed": 7}
    summary = emu.admin("POST", "seed_estate", spec)
    subs = summary["subscriptions"]
    assert len(subs) == 3 and len(summary["vaults"]) == 8 and summary["counts"]["vms"] == 600
    counts = summary["counts"]
    assert counts["vms"] == sum(counts[k] for k in ("protected", "stopped", "soft_deleted", "failed", "stale", "unprotected"))
    total, regions = 0, set()
    for sub in subs:
        vms, pages = _all_pages(arm, emu.endpoint + "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % sub, COMPUTE)
        assert pages == -(-len(vms) // 50)            # pages of 50 VMs
        assert len({vm["id"].lower() for vm in vms}) == len(vms)
        assert all(set(vm["tags"]) == {"backup", "env"} for vm in vms)
        total += len(vms)
        regions.update(vm["location"] for vm in vms)
    assert total == 600 and len(regions) == 4
    # the protected items of all vaults add up to what the summary says
    seen = 0
    for vault in summary["vaults"]:
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupProtectedItems" % (
            vault["subscription_id"], vault["resource_group"], vault["name"])
        items, _pages = _all_pages(arm, emu.endpoint + path, {"api-version": API})
        for item in items:
            # a vault protects only VMs of its own subscription and region
            assert item["properties"]["sourceResourceId"].lower().startswith("/subscriptions/%s/" % vault["subscription_id"])
        seen += len(items)
    assert seen == counts["vms"] - counts["unprotected"]


def test_next_link_form_and_bad_token(emu, arm):
    summary = emu.admin("POST", "seed_estate", {"reset": True, "subscriptions": 1, "regions": 1, "vaults": 1, "vms": 120})
    first = arm.get(emu.endpoint + "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % summary["subscriptions"][0],
                    params=COMPUTE).json()
    assert len(first["value"]) == 50
    link = urlsplit(first["nextLink"])
    query = parse_qs(link.query)
    assert query["api-version"] == ["2024-07-01"] and query["$skiptoken"]
    resp = arm.get(first["nextLink"].split("%24skiptoken=")[0] + "%24skiptoken=!!!")
    assert resp.status_code == 400


def test_seed_estate_refuses_unknown_keys(emu):
    resp = emu.session(token=False).post(emu.endpoint + "/_emulator/seed_estate", json={"vmz": 3})
    assert resp.status_code == 400 and "vmz" in resp.text


def test_vm_lists_spend_the_read_budget(emu, arm):
    emu.admin("POST", "config", {"read_budget": 2, "read_window_seconds": 3600})
    url = emu.endpoint + "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % emu.sub
    statuses = [arm.get(url, params=COMPUTE).status_code, arm.get(url, params=COMPUTE).status_code, arm.get(url, params=COMPUTE).status_code]
    assert statuses == [200, 200, 429]
    last = arm.get(url, params=COMPUTE)
    assert last.status_code == 429 and last.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(last.headers["Retry-After"]) >= 1
