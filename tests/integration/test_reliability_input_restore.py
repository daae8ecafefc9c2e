"""Issue 14, bad input to the restore modules: refused before any write, with a message that says what is wrong.

The cases of tests/integration/test_reliability_input.py's kind (the same harness and judgement): the
real module against the emulator in one ansible-playbook, judged on its result and the journal: no
write at all, and for a malformed or foreign value that options alone refuse, no request at all.
"""
from test_reliability import SUB, Case, protected, run_cases, vm_id
from test_reliability_input import check_refused

OTHER_SUB = "99999999-9999-9999-9999-999999999999"
VM = {"vm_name": "testVM", "vm_resource_group": "testRG"}
STAGING = "/subscriptions/%s/resourceGroups/restoreRG/providers/Microsoft.Storage/storageAccounts/stagingwestus" % SUB
EAST_STAGING = "/subscriptions/%s/resourceGroups/eastRG/providers/Microsoft.Storage/storageAccounts/stagingeastus" % SUB
VNET = "/subscriptions/%s/resourceGroups/restoreRG/providers/Microsoft.Network/virtualNetworks/restoreVnet" % SUB
EAST_VNET = "/subscriptions/%s/resourceGroups/eastRG/providers/Microsoft.Network/virtualNetworks/eastVnet" % SUB
DISKS = dict(VM, staging_storage_account=STAGING, target_resource_group="restoreRG")
NEW_VM = dict(VM, staging_storage_account=STAGING, target_resource_group="restoreRG", restore_type="new_vm", target_vm_name="testVM-r",
              virtual_network=VNET, subnet="default")
SEED = {"protected_items": [protected()], "disks": [{"name": "untagged", "resource_group": "restoreRG", "location": "westus"}]}
ITEM = ("/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault/backupFabrics/Azure/"
        "protectionContainers/IaasVMContainer;iaasvmcontainerv2;testrg;%s/protectedItems/VM;iaasvmcontainerv2;testrg;%s")
UNTAGGED = "/subscriptions/%s/resourceGroups/restoreRG/providers/Microsoft.Compute/disks/untagged" % SUB


def cases():
    """(case, no request at all, words the message must carry)"""
    def restore(case_id, args, no_requests, words):
        return (Case(case_id, "azure_vm_restore", args, seed=SEED), no_requests, words)

    def group(case_id, args, no_requests, words):
        return (Case(case_id, "azure_vm_restore_resource_group", dict(dict(tag={"restore_drill": "d1"}), **args), seed=SEED), no_requests, words)
    return [
        restore("replace-disks-without-opt-in", dict(DISKS, restore_type="replace_disks", target_resource_group=None), True, ["replace_existing"]),
        restore("point-of-another-vm", dict(DISKS, recovery_point=ITEM % (SUB, "appvm1", "appvm1") + "/recoveryPoints/1"), True,
                ["not a recovery point of VM testRG/testVM"]),
        restore("point-of-another-vault", dict(DISKS, recovery_point=(ITEM % (SUB, "testvm", "testvm")).replace("/testVault/", "/otherVault/")
                                               + "/recoveryPoints/1"), True, ["otherVault", "not a recovery point"]),
        restore("new-vm-is-the-source", dict(NEW_VM, target_vm_name="testVM", target_resource_group="testRG"), True, ["source VM"]),
        restore("target-group-other-subscription", dict(DISKS, target_resource_group="/subscriptions/%s/resourceGroups/restoreRG" % OTHER_SUB),
                True, [OTHER_SUB, SUB]),
        restore("staging-other-region", dict(DISKS, staging_storage_account=EAST_STAGING), False, ["stagingeastus", "eastus", "westus"]),
        restore("network-other-region", dict(NEW_VM, virtual_network=EAST_VNET), False, ["eastVnet", "eastus", "westus"]),
        restore("disk-luns-not-in-point", dict(DISKS, disk_luns=[7]), False, ["[7]", "not in recovery point"]),
        restore("disk-luns-bool", dict(DISKS, disk_luns=[True]), True, ["disk_luns"]),
        restore("malformed-latest-before", dict(DISKS, recovery_point={"latest_before": "2026-02-30"}), True, ["latest_before", "2026-02-30"]),
        restore("latest-before-not-utc", dict(DISKS, recovery_point={"latest_before": "2026-02-01T00:00:00+02:00"}), True, ["UTC"]),
        restore("target-group-newline", dict(DISKS, target_resource_group="restoreRG\n"), True, ["control character"]),
        restore("staging-not-a-storage-id", dict(DISKS, staging_storage_account=VNET), True, ["storage account ID"]),
        restore("max-age-missed", dict(DISKS, max_age="1s"), False, ["max_age", "recovery point objective"]),
        (Case("rp-info-malformed-time", "azure_vm_recovery_point_info", dict(VM, start_time="yesterday"), seed=SEED), True, ["start_time"]),
        (Case("cancel-job-of-another-vault", "azure_backup_job", dict(job_id="00000000-0000-0000-0000-00000000beef"), seed=SEED), False,
         ["not a job of vault testVaultRG/testVault"]),
        (Case("cancel-job-id-path", "azure_backup_job", dict(job_id="../backupPolicies/DefaultPolicy"), seed=SEED), True, ["job ID"]),
        (Case("cleanup-untagged-disk", "azure_vm_restore_cleanup", dict(resource_ids=[UNTAGGED], tag={"restore_drill": "d1"}), seed=SEED), False,
         ["refusing to delete", "untagged"]),
        (Case("cleanup-not-a-vm-or-disk", "azure_vm_restore_cleanup", dict(resource_ids=[STAGING], tag={"restore_drill": "d1"}), seed=SEED), True,
         ["neither a VM, a managed disk nor a network interface"]),
        (Case("cleanup-vm-other-subscription", "azure_vm_restore_cleanup",
              dict(resource_ids=[vm_id("testVM", subscription=OTHER_SUB)], tag={"restore_drill": "d1"}), seed=SEED), True, [OTHER_SUB]),
        group("group-foreign-untagged", dict(name="restoreRG"), False, ["refusing to use resource group restoreRG", "restore_drill=d1"]),
        group("group-foreign-untagged-delete", dict(name="restoreRG", state="absent"), False,
              ["refusing to delete resource group restoreRG", "restore_drill=d1"]),
        group("group-name-slash", dict(name="drill/../restoreRG"), True, ["invalid resource group name"]),
        group("group-name-trailing-dot", dict(name="drill-1."), True, ["invalid resource group name", "not ending in '.'"]),
        group("group-name-newline", dict(name="drill-1\n"), True, ["control character"]),
        group("group-other-subscription", dict(name="/subscriptions/%s/resourceGroups/drill-1" % OTHER_SUB), True, [OTHER_SUB, SUB]),
        group("group-two-tags", dict(name="drill-1", tag={"restore_drill": "d1", "owner": "me"}), True, ["exactly one tag"]),
        group("group-location-newline", dict(name="drill-1", location="westus\n"), True, ["location", "control character"]),
    ]


def test_restore_bad_input_is_refused_before_any_write(emulator, ansible_env, tmp_path, subtests):
    entries = cases()
    for case, _no_requests, _words in entries:
        case.args = dict((key, value) for key, value in case.args.items() if value is not None)
    run_cases(emulator, ansible_env, tmp_path, [entry[0] for entry in entries], name="restore-input")
    for case, no_requests, words in entries:
        with subtests.test(msg=case.id):
            check_refused(case, no_requests)
            for word in words:
                assert word.lower() in case.msg.lower(), "%r not in %r" % (word, case.msg)
