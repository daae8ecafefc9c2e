# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vm_onboarding role's filters: its VM entries and its plan, decided by azure_vm_protection's own Python."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.filter.onboarding import onboarding_plan, onboarding_targets

SUB = "00000000-0000-0000-0000-000000000000"
DEFAULTS = {"policy": "DefaultPolicy", "vault_name": "testVault", "vault_resource_group": "testVaultRG"}
VM_ID = "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB


def _targets(*specs):
    return onboarding_targets(list(specs), False, DEFAULTS)


def test_entries_in_every_form_and_duplicates_once():
    other = {"name": "vm01", "resource_group": "testRG", "policy": "EnhancedPolicy"}
    out = _targets("testRG/testVM", {"name": "testvm", "resource_group": "TESTRG"}, VM_ID, other)
    assert [t["label"] for t in out["targets"]] == ["testRG/testVM", "testRG/vm01"]
    assert out["targets"][1]["policy"] == "EnhancedPolicy" and not any(t["error"] for t in out["targets"])
    assert out["vaults"] == [{"key": "testvaultrg/testvault", "name": "testVault", "resource_group": "testVaultRG"}]


@pytest.mark.parametrize("spec,error", [
    ("not-a-vm", "not a VM ID"), ({"name": "x", "resource_group": "y", "bogus": 1}, "unknown keys bogus"),
    ("testRG/testVM\n", "give a VM ID"), ({"name": "testVM\n", "resource_group": "testRG"}, "invalid VM name"),
    ({"name": "testVM", "resource_group": "rg."}, "invalid resource group"), (VM_ID + "\n", "give a VM ID"), ({"id": VM_ID + "\n"}, "invalid VM name"),
    ({"name": "testVM"}, "needs a name and a resource group"), ({"id": VM_ID, "name": "testVM"}, "not both"),
    ({"name": "a", "resource_group": "b", "include_disk_luns": [1], "exclude_disk_luns": [2]}, "not both"), (3, "give a VM ID"),
])
def test_entries_the_modules_would_refuse_are_errors(spec, error):
    target = _targets(spec)["targets"][0]
    assert error in target["error"] and target["key"].startswith("invalid#")


def test_list_entries_may_name_their_own_vault_one_group_per_vault():
    out = _targets("testRG/testVM", {"name": "vm01", "resource_group": "testRG", "vault_name": "otherVault", "vault_resource_group": "otherVaultRG"},
                   {"name": "vm02", "resource_group": "testRG", "vault_name": "thirdVault"})
    assert [(t["label"], t["vault_name"]) for t in out["targets"][:2]] == [("testRG/testVM", "testVault"), ("testRG/vm01", "otherVault")]
    assert out["targets"][1]["key"] == "othervaultrg/othervault|testrg/vm01"
    assert [vault["key"] for vault in out["vaults"]] == ["testvaultrg/testvault", "othervaultrg/othervault"]
    assert "give vault_name and vault_resource_group together" in out["targets"][2]["error"]


def test_unicode_resource_group_is_accepted():
    assert _targets("Prödüktion/testVM")["targets"][0]["error"] == ""


def test_per_host_entries_and_their_keys():
    specs = [{"host": "h1", "vm": {"name": "testVM", "resource_group": "testRG"}, "vault_name": "testVault",
              "vault_resource_group": "testVaultRG", "policy": "DefaultPolicy"},
             {"host": "h2", "vm": {"id": VM_ID}, "vault_name": "testVault", "vault_resource_group": "testVaultRG", "policy": "DefaultPolicy"}]
    out = onboarding_targets(specs, True, {})
    assert len(out["targets"]) == 1 and out["by_host"] == {"h1": "testvaultrg/testvault|testrg/testvm", "h2": "testvaultrg/testvault|testrg/testvm"}


def _item(policy="DefaultPolicy", state="Protected", disks=None, pending=None, soft_deleted=False):
    return {"friendly_name": "testVM", "resource_group": "testRG", "policy_name": policy, "policy_id": "/x/backupPolicies/" + policy,
            "protection_state": state, "soft_deleted": soft_deleted, "disk_exclusion": disks, "pending_operation": pending}


def _plan(spec, protected=(), unprotected=(), failed=False):
    targets = _targets(spec)
    result = {"item": targets["vaults"][0], "msg": "boom"}
    if not failed:
        result.update(protected_items=list(protected), unprotected_vms=list(unprotected))
    return onboarding_plan([result], targets)


@pytest.mark.parametrize("spec,item,settled", [
    ("testRG/testVM", _item(), True),
    ("testRG/testVM", _item(policy="defaultpolicy"), True),
    ("testRG/testVM", _item(policy="EnhancedPolicy"), False),
    ("testRG/testVM", _item(state="ProtectionStopped"), False),
    ("testRG/testVM", _item(soft_deleted=True), False),
    # the module refuses an empty include list: the role must not call it "settled" (the Jinja copy did)
    ({"name": "testVM", "resource_group": "testRG", "include_disk_luns": []}, _item(), False),
    ({"name": "testVM", "resource_group": "testRG", "exclude_disk_luns": []}, _item(), True),
    ({"name": "testVM", "resource_group": "testRG", "include_disk_luns": [1, 0]}, _item(disks={"lun_list": [0, 1], "is_inclusion_list": True}), True),
    ({"name": "testVM", "resource_group": "testRG", "exclude_disk_luns": [1]}, _item(disks={"lun_list": [1], "is_inclusion_list": True}), False),
    # a write still running on the item: what the item shows is not the outcome
    ("testRG/testVM", _item(pending={"job_id": "j", "operation": "DisableBackup"}), False),
])
def test_settled_is_azure_vm_protections_decision(spec, item, settled):
    target = _plan(spec, protected=[item])["targets"][0]
    assert target["settled"] is settled and target["known"] is True and target["current"] == item


def test_unknown_vms_per_vault_and_failed_reads():
    plan = _plan("testRG/vm09", unprotected=[{"friendly_name": "vm01", "resource_group": "testRG"}])
    assert plan["vaults"][0]["unknown"] == ["testRG/vm09"] and plan["targets"][0]["known"] is False
    failed = _plan("testRG/testVM", failed=True)
    assert failed["targets"][0]["error"] == "boom" and failed["vaults"][0]["error"] == "boom" and not failed["targets"][0]["settled"]
