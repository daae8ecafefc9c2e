# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_protection_batch end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

import pytest

from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_protection_batch

from support.modules_http import ARGS, ENDPOINT, POLICY_ID, SUB, VAULT, VM_ID, accepted, protectable, run, warnings


FLEET = ["vm%02d" % number for number in range(12)]


def fleet_routes(session, listed=FLEET):
    session.route("GET", r"/protectedItems/VM;", (404, {"error": {"code": "BMSUserErrorItemNotFound", "message": "no"}}))
    session.route("GET", r"/backupPolicies/DefaultPolicy$", (200, {"id": POLICY_ID, "name": "DefaultPolicy",
                                                                   "properties": {"backupManagementType": "AzureIaasVM"}}))
    session.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable(name, "testRG") for name in listed]}))
    session.route("PUT", r"/protectedItems/", accepted(session, job="job-fleet"))


def test_batch_reads_the_vault_once_and_writes_once_per_vm(fake, capsys):
    fleet_routes(fake)
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, concurrency=5,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]), capsys)
    assert result["changed"] and result["counts"] == {"total": 12, "changed": 12, "unchanged": 0, "failed": 0}
    assert [row["vm"] for row in result["results"]] == ["testRG/%s" % name for name in FLEET]  # the order of vms
    assert {row["action"] for row in result["results"]} == {"enable"}
    calls = collections.Counter((r.method, r.path.rsplit("/", 1)[-1] if "/protectedItems/" not in r.path else "item") for r in fake.arm)
    # 12 threads, 5 at a time, asked for the same policy and list: one GET each; listed NotProtected: no backupStatus
    assert calls[("GET", "DefaultPolicy")] == 1 and calls[("GET", "backupProtectableItems")] == 1
    assert calls[("PUT", "item")] == 12 and not any(path == "backupStatus" for _method, path in calls)
    assert calls[("GET", "item")] == 12


def test_batch_one_failing_vm_does_not_stop_the_others(fake, capsys):
    fleet_routes(fake, listed=FLEET[1:])  # vm00 is unknown to the vault
    fake.route("POST", r"/backupStatus$", (200, {"protectionStatus": "NotProtected"}))
    fake.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, discover=False,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET[:3]]), capsys)
    assert result["failed"] and result["counts"]["failed"] == 1 and result["counts"]["changed"] == 2
    assert result["results"][0]["failed"] and "does not know VM testRG/vm00 yet and discover=false" in result["results"][0]["msg"]
    assert result["msg"].startswith("3 VM(s): 2 changed, 0 unchanged, 1 failed: testRG/vm00: ")
    assert sorted(r.path.rsplit(";", 1)[-1] for r in fake.arm if r.method == "PUT") == ["vm01", "vm02"]  # threads: any order


def test_batch_refreshes_once_for_many_undiscovered_vms_and_asks_only_for_those_still_unlisted(fake, capsys):
    """12 VMs the vault does not list yet: one shared refresh, no backupStatus for the 11 it then lists as
    NotProtected; the one still missing is asked about (another vault protects it) and fails alone."""
    fleet_routes(fake)
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}), (200, {"value": [protectable(name, "testRG") for name in FLEET[1:]]}))
    fake.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/ref-1"}))
    fake.route("GET", r"/operationResults/ref-1$", (204, ""))
    other = "/subscriptions/%s/resourceGroups/otherVaultRG/providers/Microsoft.RecoveryServices/vaults/otherVault" % SUB
    fake.route("POST", r"/backupStatus$", (200, {"protectionStatus": "Protected", "vaultId": other}))
    fake.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, concurrency=4,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]), capsys)
    assert result["counts"] == {"total": 12, "changed": 11, "unchanged": 0, "failed": 1}
    assert "already protected by vault otherVault" in result["results"][0]["msg"]
    assert all(row["discovered"] for row in result["results"][1:])
    posts = [r.path.rsplit("/", 1)[-1] for r in fake.arm if r.method == "POST"]
    assert sorted(posts) == ["backupStatus", "refreshContainers"]
    assert len([r for r in fake.arm if r.method == "PUT"]) == 11


@pytest.mark.parametrize("vms, message", [
    ([{"name": "vm00", "resource_group": "testRG", "policy": " "}], "vms[0] (testRG/vm00): policy is required"),
    ([{"name": "vm00", "resource_group": "testRG"}, {"id": VM_ID.replace("testVM", "VM00")}], "vms[1] (testRG/VM00): the same VM as vms[0]"),
    ([{"name": "vm00", "resource_group": "testRG", "include_disk_luns": [70]}], "disk LUNs must be whole numbers from 0 to 63"),
])
def test_batch_bad_entry_sends_nothing(fake, capsys, vms, message):
    fleet_routes(fake)
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", vms=vms), capsys)
    assert result["failed"] and message in result["msg"] and "nothing was sent" in result["msg"]
    assert fake.arm == []


def test_batch_check_mode_warns_once_for_undiscovered_vms(fake, capsys):
    fleet_routes(fake, listed=[])
    fake.route("POST", r"/backupStatus$", (200, {"protectionStatus": "NotProtected"}))
    fake.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]),
                 capsys, check_mode=True)
    assert result["changed"] and fake.writes() == []
    assert all(row["discovered"] and len(row["warnings"]) == 1 for row in result["results"])
    assert len([text for text in warnings(result) if "have warnings" in text]) == 1


def test_batch_reads_running_jobs_once_per_vault(fake, capsys):
    fleet_routes(fake)
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, concurrency=5,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]), capsys)
    assert result["counts"]["changed"] == 12 and all(row["pending_operation"] is None for row in result["results"])
    assert [r.path.rsplit("/", 1)[-1] for r in fake.arm].count("backupJobs") == 1
