# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names and IDs (_names.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _names as naming


SUB = "00000000-0000-0000-0000-000000000000"
OTHER_SUB = "11111111-1111-1111-1111-111111111111"
VM_ID = "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB
NOW = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("name", ["a", "testVM", "vm-01_x.y", "A" * 64])
def test_valid_vm_names(name):
    assert naming.validate_vm_name(name) == name


@pytest.mark.parametrize("name", ["", "a" * 65, "vm/1", "vm;1", "vm 1", "vm?", "vm#", "vm%2F", None, 5, ".", "..", ".vm", "vm."])
def test_invalid_vm_names(name):
    with pytest.raises(ValueError, match="invalid VM name"):
        naming.validate_vm_name(name)


@pytest.mark.parametrize("name", ["rg", "my.rg-(1)_x", "r" * 90])
def test_valid_resource_groups(name):
    assert naming.validate_resource_group(name) == name


@pytest.mark.parametrize("name", ["", "r" * 91, "rg.", "rg/x", "rg;x", "rg x", "rg%"])
def test_invalid_resource_groups(name):
    with pytest.raises(ValueError, match="invalid resource group"):
        naming.validate_resource_group(name)


@pytest.mark.parametrize("name", ["ab", "testVault", "v-1", "v" * 50])
def test_valid_vault_names(name):
    assert naming.validate_vault_name(name) == name


@pytest.mark.parametrize("name", ["a", "1vault", "-v", "v" * 51, "my_vault", "v.v", "v/x"])
def test_invalid_vault_names(name):
    with pytest.raises(ValueError, match="invalid vault name"):
        naming.validate_vault_name(name)


@pytest.mark.parametrize("name", ["DefaultPolicy", "Enhanced Policy 2", "p-1_x.y"])
def test_valid_policy_names(name):
    assert naming.validate_policy_name(name) == name


@pytest.mark.parametrize("name,message", [
    ("", "empty"), ("   ", "empty"), (None, "empty"), (" p", "spaces"), ("p ", "spaces"), ("a/b", "not allowed"),
    ("a?b", "not allowed"), ("a#b", "not allowed"), ("a%2Fb", "not allowed"), ("a..b", "not allowed"),
    ("a\nb", "not allowed"), ("a\x00b", "not allowed"), ("p" * 151, "longer"), ("a\\b", "not allowed"),
])
def test_invalid_policy_names(name, message):
    with pytest.raises(ValueError, match=message):
        naming.validate_policy_name(name)


def test_empty_policy_message_never_means_stop():
    with pytest.raises(ValueError, match="never means 'stop protection'"):
        naming.validate_policy_name("")


def test_quote_segment_quotes_separators():
    assert naming.quote_segment("IaasVMContainer;iaasvmcontainerv2;rg;vm") == "IaasVMContainer%3Biaasvmcontainerv2%3Brg%3Bvm"
    assert naming.quote_segment("a/b?c#d e") == "a%2Fb%3Fc%23d%20e"
    assert naming.quote_segment("rg(1)") == "rg(1)"


@pytest.mark.parametrize("job_id", ["2ab7e9aa-8d69-4076-a292-ebd683ea0bb7", "abc"])
def test_valid_job_ids(job_id):
    assert naming.validate_job_id(job_id) == job_id


@pytest.mark.parametrize("job_id", ["", "../x", "a/b", "a;b", None])
def test_invalid_job_ids(job_id):
    with pytest.raises(ValueError):
        naming.validate_job_id(job_id)


# --------------------------------------------------------------------------- VM IDs

def test_parse_vm_id():
    vm = naming.parse_vm_id(VM_ID)
    assert (vm.subscription_id, vm.resource_group, vm.name, vm.classic) == (SUB, "testRG", "testVM", False)
    assert vm.id == VM_ID
    assert vm.container_name == "IaasVMContainer;iaasvmcontainerv2;testrg;testvm"
    assert vm.protected_item_name == "VM;iaasvmcontainerv2;testrg;testvm"
    assert vm.label == "testRG/testVM"


def test_parse_classic_vm_id_case_insensitive():
    vm = naming.parse_vm_id("/SUBSCRIPTIONS/%s/resourcegroups/classicRG/providers/microsoft.classiccompute/VIRTUALMACHINES/cvm/" % SUB)
    assert vm.classic and vm.name == "cvm" and vm.resource_group == "classicRG"
    assert vm.container_name == "IaasVMContainer;iaasvmcontainer;classicrg;cvm"
    assert vm.protected_item_name == "VM;iaasvmcontainer;classicrg;cvm"
    assert vm.id.endswith("/providers/Microsoft.ClassicCompute/virtualMachines/cvm")


@pytest.mark.parametrize("vm_id", [
    "", None, "testVM", "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/x" % SUB,
    "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x",
    "/subscriptions/%s/resourceGroups/rg./providers/Microsoft.Compute/virtualMachines/x" % SUB,
    "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x;y" % SUB,
    "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x/extensions/y" % SUB,
])
def test_invalid_vm_ids(vm_id):
    with pytest.raises(ValueError, match="invalid"):
        naming.parse_vm_id(vm_id)


def test_vm_ref_by_name_and_by_id():
    by_name = naming.vm_ref(SUB, "testVM", "testRG")
    by_id = naming.vm_ref(SUB, vm_id=VM_ID.upper().replace(SUB.upper(), SUB))
    assert by_name == by_id and hash(by_name) == hash(by_id)
    assert by_name != naming.vm_ref(SUB, "otherVM", "testRG")


def test_vm_ref_refuses_other_subscription():
    with pytest.raises(ValueError, match="is in subscription %s, not in the vault's subscription" % OTHER_SUB):
        naming.vm_ref(SUB, vm_id=VM_ID.replace(SUB, OTHER_SUB))


@pytest.mark.parametrize("kwargs,message", [
    ({}, "name the VM"), ({"vm_name": "x"}, "name the VM"), ({"vm_resource_group": "rg"}, "name the VM"),
    ({"vm_name": "x", "vm_id": VM_ID}, "not both"), ({"vm_name": "x/y", "vm_resource_group": "rg"}, "invalid VM name"),
    ({"vm_name": "x", "vm_resource_group": "r/g"}, "invalid resource group"),
])
def test_vm_ref_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        naming.vm_ref(SUB, **kwargs)


def test_vm_matches():
    vm = naming.vm_ref(SUB, "testVM", "testRG")
    assert vm.matches(VM_ID.lower())
    assert vm.matches(resource_group="TESTRG", name="testvm")
    assert not vm.matches("/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/other" % SUB)
    assert not vm.matches("garbage")
    assert not vm.matches(resource_group="testRG")


@pytest.mark.parametrize("spec", [VM_ID, "testRG/testVM", " testRG/testVM ", {"name": "testVM", "resource_group": "testRG"}, {"id": VM_ID}])
def test_parse_vm_spec(spec):
    assert naming.parse_vm_spec(spec, SUB) == naming.vm_ref(SUB, "testVM", "testRG")


@pytest.mark.parametrize("spec", ["testVM", "a/b/c", "", 3, {"vm": "x"}, {"name": "x"}, None])
def test_parse_vm_spec_errors(spec):
    with pytest.raises(ValueError):
        naming.parse_vm_spec(spec, SUB)


def test_policy_by_name_and_id():
    assert naming.parse_policy("DefaultPolicy", SUB, "testVaultRG", "testVault") == "DefaultPolicy"
    policy_id = "/Subscriptions/%s/resourceGroups/TESTVAULTRG/providers/Microsoft.RecoveryServices/vaults/testvault/backupPolicies/Enhanced" % SUB
    assert naming.parse_policy(policy_id, SUB, "testVaultRG", "testVault") == "Enhanced"


@pytest.mark.parametrize("policy,message", [
    ("/subscriptions/%s/resourceGroups/otherRG/providers/Microsoft.RecoveryServices/vaults/testVault/backupPolicies/P" % SUB, "another vault"),
    ("/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/otherVault/backupPolicies/P" % SUB, "another vault"),
    ("/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault" % SUB, "invalid policy ID"),
    ("", "empty"),
    ("a/b", "not allowed"),
])
def test_policy_errors(policy, message):
    with pytest.raises(ValueError, match=message):
        naming.parse_policy(policy, SUB, "testVaultRG", "testVault")


def test_same_id_and_segments():
    assert naming.same_id("/Subscriptions/A/x/", "/subscriptions/a/X")
    assert not naming.same_id("/a", "/b")
    assert naming.same_id(None, "")
    assert not naming.same_id(None, "/a")
    assert naming.segment_after("/a/protectionContainers/C;1/protectedItems/I;1", "PROTECTIONCONTAINERS") == "C;1"
    assert naming.segment_after("/a/b", "x") is None
    assert naming.policy_name_of("/x/backupPolicies/P/") == "P"
    assert naming.policy_name_of("") is None


# --------------------------------------------------------------------------- whole values only (issue 11, item 2)

CONTROL = ["\n", "\r", "\t", "\x00"]


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize("where", ["end", "start", "middle"])
def test_control_characters_are_refused_in_every_name(char, where):
    def put(text):
        return {"end": text + char, "start": char + text, "middle": text[:2] + char + text[2:]}[where]
    for validate, good in [(naming.validate_vm_name, "testVM"), (naming.validate_resource_group, "testRG"),
                           (naming.validate_vault_name, "testVault"), (naming.validate_subscription_id, SUB),
                           (naming.validate_policy_name, "DefaultPolicy"), (naming.validate_job_id, "8d713a36-b9be")]:
        assert validate(good) == good
        with pytest.raises(ValueError):
            validate(put(good))
    with pytest.raises(ValueError):
        naming.parse_vm_id(put(VM_ID))
    with pytest.raises(ValueError):
        naming.parse_vm_spec(put("testRG/testVM"), SUB)
    with pytest.raises(ValueError):
        naming.parse_policy(put("/subscriptions/%s/resourceGroups/v/providers/Microsoft.RecoveryServices/vaults/v/backupPolicies/P" % SUB),
                            SUB, "v", "v")


@pytest.mark.parametrize("name", ["Prödüktion", "生产", "rg_(1)-a.b", "Ωmega9", "r" * 90, "٣"])
def test_resource_group_names_as_azure_allows_them(name):
    assert naming.validate_resource_group(name) == name


@pytest.mark.parametrize("name", ["", "rg.", "r" * 91, "a b", "a/b", "a;b", "rg\u200b", "½", "a\u0301", "rg\u2028"])
def test_resource_group_names_azure_refuses(name):
    with pytest.raises(ValueError, match="invalid resource group"):
        naming.validate_resource_group(name)


def test_unicode_resource_group_reaches_the_url_quoted():
    vm = naming.vm_ref(SUB, "testVM", "Prödüktion")
    assert vm.container_name == "IaasVMContainer;iaasvmcontainerv2;prödüktion;testvm"
    assert naming.quote_segment(vm.container_name) == "IaasVMContainer%3Biaasvmcontainerv2%3Bpr%C3%B6d%C3%BCktion%3Btestvm"
