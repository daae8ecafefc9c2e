# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names, IDs, durations, dates and result shapes (_naming.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _naming as naming

SUB = "00000000-0000-0000-0000-000000000000"
OTHER_SUB = "11111111-1111-1111-1111-111111111111"
VM_ID = "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB
NOW = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=naming.UTC)


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


# --------------------------------------------------------------------------- durations and dates

@pytest.mark.parametrize("text,seconds", [("30m", 1800), ("12h", 43200), ("1d", 86400), ("1w", 604800), (" 45S ", 45), ("2D", 172800)])
def test_parse_duration(text, seconds):
    assert naming.parse_duration(text) == datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "12", "h", "0h", "-1h", "1.5h", "1y", "1 day", None])
def test_parse_duration_errors(text):
    with pytest.raises(ValueError, match="invalid duration"):
        naming.parse_duration(text)


@pytest.mark.parametrize("text,expected", [
    ("2026-12-31", datetime.datetime(2026, 12, 31, tzinfo=naming.UTC)),
    ("2026-12-31T10:20:30Z", datetime.datetime(2026, 12, 31, 10, 20, 30, tzinfo=naming.UTC)),
    ("2026-12-31T10:20:30+00:00", datetime.datetime(2026, 12, 31, 10, 20, 30, tzinfo=naming.UTC)),
    ("2026-12-31 10:20", datetime.datetime(2026, 12, 31, 10, 20, tzinfo=naming.UTC)),
    ("2026-12-31T10:20:30.1234567Z", datetime.datetime(2026, 12, 31, 10, 20, 30, 123456, tzinfo=naming.UTC)),
    (datetime.date(2026, 12, 31), datetime.datetime(2026, 12, 31, tzinfo=naming.UTC)),
])
def test_parse_utc(text, expected):
    assert naming.parse_utc(text) == expected


@pytest.mark.parametrize("text,message", [
    ("2026-12-31T10:20:30+02:00", "not in UTC"), ("2026-12-31T10:20:30-0500", "not in UTC"), ("31-12-2026", "invalid"),
    ("2026-02-30", "invalid"), ("tomorrow", "invalid"), ("2026-12-31T25:00:00Z", "invalid"),
])
def test_parse_utc_errors(text, message):
    with pytest.raises(ValueError, match=message):
        naming.parse_utc(text)


def test_parse_utc_refuses_aware_non_utc_datetime():
    tz = datetime.timezone(datetime.timedelta(hours=2))
    with pytest.raises(ValueError, match="not in UTC"):
        naming.parse_utc(datetime.datetime(2026, 1, 1, tzinfo=tz))


def test_retention_default_and_days():
    assert naming.retention_expiry(NOW) == NOW + datetime.timedelta(days=30)
    assert naming.retention_expiry(NOW, retain_days=1) == NOW + datetime.timedelta(days=1)
    assert naming.retention_expiry(NOW, retain_days=9999) == NOW + datetime.timedelta(days=9999)


def test_retention_until():
    assert naming.retention_expiry(NOW, retain_until="2026-03-02") == datetime.datetime(2026, 3, 2, tzinfo=naming.UTC)


@pytest.mark.parametrize("kwargs,message", [
    ({"retain_days": 0}, "at least 1"), ({"retain_days": -3}, "at least 1"), ({"retain_days": 10000}, "9999 days"),
    ({"retain_until": "2026-03-01"}, "not in the future"), ({"retain_until": "2020-01-01T00:00:00Z"}, "not in the future"),
    ({"retain_until": "2060-01-01"}, "9999 days"), ({"retain_until": "2026-04-01", "retain_days": 3}, "not both"),
    ({"retain_until": "2026-04-01T00:00:00+01:00"}, "not in UTC"),
])
def test_retention_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        naming.retention_expiry(NOW, **kwargs)


def test_time_formats():
    moment = datetime.datetime(2024, 4, 21, 19, 27, 12, tzinfo=naming.UTC)
    assert naming.format_utc(moment) == "2024-04-21T19:27:12Z"
    assert naming.format_filter_time(moment) == "2024-04-21 07:27:12 PM"


@pytest.mark.parametrize("value,expected", [
    ("2001-01-01T00:00:00Z", None), ("0001-01-01T00:00:00", None), ("", None), (None, None), ("garbage", None),
    ("2024-04-22T07:26:47.5510929Z", datetime.datetime(2024, 4, 22, 7, 26, 47, 551092, tzinfo=naming.UTC)),
])
def test_parse_service_time(value, expected):
    assert naming.parse_service_time(value) == expected
    assert naming.service_time(value) == (value if expected else None)


# --------------------------------------------------------------------------- result shapes

def _item(**props):
    base = {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "friendlyName": "testVM",
        "virtualMachineId": VM_ID, "sourceResourceId": VM_ID, "protectionState": "Protected", "protectionStatus": "Healthy",
        "healthStatus": "Passed", "lastBackupStatus": "", "lastBackupTime": "2001-01-01T00:00:00Z",
        "policyId": "/subscriptions/%s/resourceGroups/v/providers/Microsoft.RecoveryServices/vaults/v/backupPolicies/DefaultPolicy" % SUB,
        "containerName": "iaasvmcontainerv2;testrg;testvm",
    }
    base.update(props)
    return {
        "id": "/subscriptions/%s/resourceGroups/v/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/protectionContainers/"
              "IaasVMContainer;iaasvmcontainerv2;testrg;testvm/protectedItems/VM;iaasvmcontainerv2;testrg;testvm" % SUB,
        "name": "VM;iaasvmcontainerv2;testrg;testvm",
        "properties": base,
    }


def test_protected_item_result():
    result = naming.protected_item_result(_item())
    assert result["container_name"] == "IaasVMContainer;iaasvmcontainerv2;testrg;testvm"
    assert result["protected_item_name"] == "VM;iaasvmcontainerv2;testrg;testvm"
    assert result["policy_name"] == "DefaultPolicy"
    assert result["resource_group"] == "testRG"
    assert result["last_backup_time"] is None and result["last_backup_status"] is None
    assert result["soft_deleted"] is False and result["deferred_delete_time"] is None
    assert result["disk_exclusion"] is None
    assert naming.protected_item_result(None) is None


def test_protected_item_result_soft_deleted_and_disks():
    result = naming.protected_item_result(_item(
        isScheduledForDeferredDelete=True, deferredDeleteTimeInUTC="2026-03-15T00:00:00Z", policyId="", protectionState="ProtectionStopped",
        extendedProperties={"diskExclusionProperties": {"diskLunList": [2, 0, 2], "isInclusionList": True}}))
    assert result["soft_deleted"] and result["deferred_delete_time"] == "2026-03-15T00:00:00Z"
    assert result["policy_id"] is None and result["policy_name"] is None
    assert result["disk_exclusion"] == {"lun_list": [0, 2], "is_inclusion_list": True}


@pytest.mark.parametrize("extended,expected", [
    (None, None), ({}, None), ({"diskExclusionProperties": None}, None),
    ({"diskExclusionProperties": {"diskLunList": [], "isInclusionList": False}}, None),
    ({"diskExclusionProperties": {"diskLunList": [1], "isInclusionList": False}}, {"lun_list": [1], "is_inclusion_list": False}),
])
def test_disk_exclusion_of(extended, expected):
    assert naming.disk_exclusion_of({"extendedProperties": extended}) == expected


def test_protectable_item_result_real_shape():
    item = {"name": "iaasvmcontainerv2;testrg;vm01", "properties": {
        "friendlyName": "vm01", "protectableItemType": "Microsoft.Compute/virtualMachines", "protectionState": "NotProtected",
        "virtualMachineId": VM_ID.replace("testVM", "vm01"), "resourceGroup": "testRG"}}
    result = naming.protectable_item_result(item)
    assert result == {
        "name": "iaasvmcontainerv2;testrg;vm01", "friendly_name": "vm01", "resource_group": "testRG",
        "vm_id": VM_ID.replace("testVM", "vm01"), "protection_state": "NotProtected",
        "container_name": "IaasVMContainer;iaasvmcontainerv2;testrg;vm01", "protected_item_name": "VM;iaasvmcontainerv2;testrg;vm01",
        "classic": False,
    }


def test_protectable_item_result_spec_example_classic():
    # the spec example's VM ID has an empty resource group; fall back to the item name
    item = {"name": "VM;iaasvmcontainer;iaasvm-rg;iaasvm-1", "properties": {
        "friendlyName": "iaasvm-1", "protectableItemType": "Microsoft.ClassicCompute/virtualMachines", "protectionState": "NotProtected",
        "virtualMachineId": "/subscriptions/%s/resourceGroups/providers/Microsoft.ClassicCompute/virtualMachines/iaasvm-1" % SUB}}
    result = naming.protectable_item_result(item)
    assert result["resource_group"] == "iaasvm-rg" and result["classic"]
    assert result["container_name"] == "IaasVMContainer;iaasvmcontainer;iaasvm-rg;iaasvm-1"


def test_job_result():
    job = {"id": "/x/backupJobs/j1", "name": "j1", "properties": {
        "status": "Failed", "operation": "Backup", "startTime": "2024-04-22T07:00:31Z", "duration": "PT1M",
        "entityFriendlyName": "testvm", "containerName": "iaasvmcontainerv2;testrg;testvm",
        "errorDetails": [{"errorCode": 400199, "errorTitle": "T", "errorString": "S", "recommendations": ["R"]}]}}
    result = naming.job_result(job)
    assert result["job_id"] == "j1" and result["end_time"] is None
    assert result["error_details"] == [{"error_code": 400199, "error_title": "T", "error_string": "S", "recommendations": ["R"]}]
    assert naming.job_result(None) is None


@pytest.mark.parametrize("props,expected", [
    ({"containerName": "iaasvmcontainerv2;testrg;testvm"}, True),
    ({"containerName": "IaasVMContainer;iaasvmcontainerv2;TESTRG;testvm"}, True),
    ({"containerName": "iaasvmcontainerv2;otherrg;testvm", "entityFriendlyName": "testvm"}, False),
    ({"entityFriendlyName": "TESTVM"}, True),
    ({"entityFriendlyName": "other"}, False),
])
def test_job_is_for(props, expected):
    assert naming.job_is_for({"properties": props}, "testVM", "IaasVMContainer;iaasvmcontainerv2;testrg;testvm") is expected
