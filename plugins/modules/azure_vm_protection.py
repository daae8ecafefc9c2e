#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_protection
short_description: Enable, change, stop or delete Azure Backup protection of one virtual machine
version_added: 1.0.0
description:
  - Puts one Azure virtual machine under Azure Backup in a Recovery Services vault with a backup policy,
    changes its policy or disk selection, resumes stopped protection, stops protection keeping the
    recovery points, or stops protection and deletes the backup data.
  - Idempotent. The current protection is read with one GET; when it already matches, nothing else is
    sent and the result is C(changed=false).
  - A VM the vault does not know yet is discovered first (one refresh of the vault's VM list) unless
    O(discover=false).
  - Before protection is enabled or resumed, the module makes sure no other vault protects the VM, and fails
    before any write, naming that vault, when one does. A VM the vault lists as C(NotProtected) among the VMs
    it can protect needs no further call (another vault's VM is not listed so); otherwise the service's backup
    status of the VM is asked (a POST that Resource Manager counts as a write), before any refresh.
  - For many VMs in one task, see M(azure_recovery.backup.azure_vm_protection_batch).
  - Nothing but O(state=stopped), O(state=suspended) or O(state=absent) reduces protection. An empty or unknown policy is an
    error, never a request to stop protection.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  policy:
    description:
      - The backup policy, by name or as its full resource ID. It must be a policy for Azure virtual machines
        in this vault; this is checked before any write.
      - Required when O(state=present); ignored otherwise.
    type: str
  state:
    description:
      - V(present) protects the VM with O(policy) (enables protection, changes the policy or disk selection,
        or resumes stopped protection).
      - V(stopped) stops protection and keeps the existing recovery points.
      - V(absent) stops protection and deletes the backup data. On a vault with soft delete the item stays
        soft-deleted (restorable with O(undelete=true)) until RV(protected_item.purge_time), which the message gives.
      - V(suspended) stops the backups and keeps the existing recovery points only as long as the policy keeps them
        (protection state C(BackupsSuspended)); the way to stop protection on an immutable vault. O(state=present) resumes.
      - On a vault with a resource guard, a V(stopped) or V(suspended) the service refuses is sent again with the request
        the vault's guard proxy lists for stopping protection, and a refused V(absent) is sent again after an
        C(unlockDelete) of the item with the guard's request for deleting backup data; a second refusal names the guard.
    type: str
    choices: [present, stopped, suspended, absent]
    default: present
  discover:
    description:
      - Refresh the vault's list of VMs (once) when it does not know the VM yet.
      - With V(false), an unknown VM is an error.
    type: bool
    default: true
  undelete:
    description:
      - Restore a soft-deleted item (backup data scheduled for deletion) before protecting it again with
        O(state=present), or, with O(state=stopped), restore it as stopped protection with its data.
      - Without it, O(state=present) on a soft-deleted item fails, saying until when the data is kept.
    type: bool
    default: false
  include_disk_luns:
    description:
      - Back up only the data disks with these LUNs (the OS disk is always backed up).
      - Mutually exclusive with O(exclude_disk_luns). With neither option, all disks are backed up, and a
        disk selection made earlier is reset.
    type: list
    elements: raw
  exclude_disk_luns:
    description:
      - Back up all disks except the data disks with these LUNs. An empty list means all disks.
      - Mutually exclusive with O(include_disk_luns).
      - LUNs are whole numbers from 0 to 63 (a number, or a string of digits only); a boolean, a string with spaces or
        control characters, or any other value is refused before any call.
    type: list
    elements: raw
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.vm
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads as for a real run (including the backup status, a POST that only reads) and sends no write.
  diff_mode:
    support: full
    details: Before and after of the policy, protection state, soft-delete flag and disk selection.
notes:
  - When nothing needs to change, a run makes two calls, a GET of the protected item and a GET of the vault's
    running jobs.
  - A write on the item that still runs in the service (another run's, or an interrupted run's) is never taken for done;
    the item shows the state before it until its job ends. With O(wait=true) the module waits for that job (within
    O(wait_timeout)), reads the item again and decides on what it then shows; a re-run of the same request follows the
    running job and sends nothing. In check mode it does not wait; it warns and returns RV(pending_operation). With
    O(wait=false) it fails, naming the job, before any write.
  - With O(wait=false) the module returns once the service accepted the write; RV(protected_item) then
    shows the state before the change and RV(job_id) is not known.
  - Classic (ASM) virtual machines must be given by O(vm_id) (C(Microsoft.ClassicCompute)), so that their
    protected item is looked up under the classic container name.
seealso:
  - module: azure_recovery.backup.azure_vm_protection_batch
  - module: azure_recovery.backup.azure_backup_refresh
  - module: azure_recovery.backup.azure_vm_protection_info
  - module: azure_recovery.backup.azure_vm_backup_now
"""

EXAMPLES = r"""
- name: Protect a VM with the vault's DefaultPolicy
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    policy: DefaultPolicy

- name: Protect a VM given by ID, backing up only the OS disk and data disk LUN 0
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM
    policy: EnhancedPolicy
    include_disk_luns: [0]

- name: Stop protection, keep the recovery points
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    state: stopped

- name: Suspend backups on an immutable vault (recovery points expire as the policy says)
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    state: suspended

- name: Stop protection and delete the backup data
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    state: absent

- name: Bring back a soft-deleted item and protect it again
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    policy: DefaultPolicy
    undelete: true
"""

RETURN = r"""
action:
  description:
    - What was done, or in check mode what would be done.
    - V(none), V(enable), V(update) (policy or disks), V(resume), V(stop), V(suspend), V(delete), V(undelete).
  returned: always
  type: str
  sample: enable
discovered:
  description: Whether the vault's VM list was refreshed to find the VM (in check mode, whether it would be).
  returned: always
  type: bool
  sample: false
job_id:
  description: The job of the last write, when the service names one.
  returned: when a write was made and waited for
  type: str
  sample: 8d713a36-b9be-4c19-8acd-0718e2a88dd6
msg:
  description: A one-line summary of the outcome.
  returned: always
  type: str
  sample: protection of testRG/testVM enabled with policy DefaultPolicy
protected_item:
  description:
    - The protected item after the change (before it in check mode or with O(wait=false)).
    - V(null) when the vault does not protect the VM.
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the protected item.
      type: str
      sample: "/subscriptions/0000/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault/backupFabrics/Azure/\
        protectionContainers/IaasVMContainer;iaasvmcontainerv2;testrg;testvm/protectedItems/VM;iaasvmcontainerv2;testrg;testvm"
    name:
      description: Name of the protected item as the service returns it.
      type: str
      sample: VM;iaasvmcontainerv2;testrg;testvm
    container_name:
      description: Name of the protection container (the path segment).
      type: str
      sample: IaasVMContainer;iaasvmcontainerv2;testrg;testvm
    protected_item_name:
      description: Name of the protected item (the path segment).
      type: str
      sample: VM;iaasvmcontainerv2;testrg;testvm
    vm_id:
      description: Resource ID of the virtual machine.
      type: str
      sample: /subscriptions/0000/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM
    friendly_name:
      description: Name of the virtual machine.
      type: str
      sample: testVM
    resource_group:
      description: Resource group of the virtual machine.
      type: str
      sample: testRG
    policy_id:
      description: Resource ID of the backup policy; V(null) when protection is stopped.
      type: str
    policy_name:
      description: Name of the backup policy; V(null) when protection is stopped.
      type: str
      sample: DefaultPolicy
    policy_type:
      description:
        - V(V1) (standard) or V(V2) (enhanced), as the service reports it for the item; V(null) when it does not say.
        - Azure moves an item from a standard to an enhanced policy, never back.
      type: str
      sample: V1
    protection_state:
      description: V(IRPending), V(Protected), V(ProtectionError), V(ProtectionStopped), V(ProtectionPaused), V(BackupsSuspended) or V(Invalid).
      type: str
      sample: Protected
    protection_status:
      description: Health of the protection, e.g. V(Healthy).
      type: str
    health_status:
      description: V(Passed), V(ActionRequired), V(ActionSuggested) or V(Invalid).
      type: str
    last_backup_status:
      description: Status of the last backup, e.g. V(Completed); V(null) before the first backup.
      type: str
    last_backup_time:
      description: Time of the last backup (UTC); V(null) before the first backup.
      type: str
    last_recovery_point:
      description: Time of the newest recovery point (UTC), when the service gives it.
      type: str
    soft_deleted:
      description: Whether the backup data is deleted and only kept by soft delete.
      type: bool
    deleted_time:
      description:
        - When the backup data was deleted (UTC), for a soft-deleted item; the service's C(deferredDeleteTimeInUTC),
          which is the time of the delete, not of the purge.
      type: str
      version_added: 1.1.0
    purge_time:
      description:
        - When soft-deleted data is deleted for good (UTC); until then O(undelete=true) restores it.
        - The delete time plus the soft-delete retention (the item's C(softDeleteRetentionPeriodInDays) or C(softDeleteRetentionPeriod), else 14 days),
          checked against the service's own count down C(deferredDeleteTimeRemaining), which wins when the two differ
          (a vault with another retention).
      type: str
      version_added: 1.1.0
    purge_in_days:
      description: Whole days left until RV(protected_item.purge_time).
      type: int
      version_added: 1.1.0
    deferred_delete_time:
      description:
        - The same as RV(protected_item.purge_time) (its name in 1.0.0, where it held the service's delete time by mistake).
      type: str
    disk_exclusion:
      description: The disk selection; V(null) when all disks are backed up.
      type: dict
      contains:
        lun_list:
          description: The data disk LUNs.
          type: list
          elements: raw
        is_inclusion_list:
          description: V(true) when only these disks are backed up, V(false) when they are excluded.
          type: bool
pending_operation:
  description:
    - The write on the VM's protected item that was still running in the service when the task read the item
      (the item shows the state before it until its job ends); V(null) when none was.
    - With O(wait=true) the task waited for it, read the item again and decided on that; RV(pending_operation.status)
      is then the job's final status. In check mode it was not waited for, and the decision is on the item as it read.
  returned: always
  type: dict
  version_added: 1.1.0
  contains:
    job_id:
      description: The job of the running operation.
      type: str
      sample: 3f1e1c7a-0f0e-4a53-9b9a-3c9d1c1d2e4f
    operation:
      description: V(ConfigureBackup) (enable, policy or disk change, resume), V(DisableBackup) (stop), V(DeleteBackupData), or another.
      type: str
      sample: DisableBackup
    status:
      description: The job's status when last read (V(InProgress), or its final status after waiting).
      type: str
      sample: Completed
    start_time:
      description: When the job started (UTC).
      type: str
diff:
  description: Before and after of policy, protection state, soft-delete flag and disk selection (diff mode).
  returned: when diff mode is on
  type: dict
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    vm_argument_spec,
    vm_selection_kwargs,
    wait_argument_spec,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import VmProtection


def main():
    argument_spec = backup_argument_spec(
        policy=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "stopped", "suspended", "absent"]),
        discover=dict(type="bool", default=True),
        undelete=dict(type="bool", default=False),
        include_disk_luns=dict(type="list", elements="raw"),
        exclude_disk_luns=dict(type="list", elements="raw"),
        **dict(vm_argument_spec(), **wait_argument_spec())
    )
    selection = vm_selection_kwargs()
    selection["mutually_exclusive"].append(("include_disk_luns", "exclude_disk_luns"))
    glue = AzureBackupModule(argument_spec, supports_check_mode=True, required_if=[("state", "present", ("policy",))], **selection)
    module = glue.module
    glue.run(lambda: VmProtection(glue.client, glue.params, check_mode=module.check_mode, diff=module._diff, warn=module.warn).run())


if __name__ == "__main__":
    main()
