#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_protection_batch
short_description: Enable, change, stop or delete Azure Backup protection of many virtual machines in one task
version_added: 1.0.0
description:
  - Does for every VM of O(vms) what M(azure_recovery.backup.azure_vm_protection) does for one, with the same
    decisions, checks, messages and results, but in one process and concurrently (O(concurrency) VMs at a time).
  - For fleets. One task per VM costs a Python process per VM, which on a small controller costs more time than
    the service needs; here the VMs share one connection pool, one token and one view of the subscription's write
    budget, so that writes go as fast as Resource Manager allows and no faster (a throttled write pauses all
    writes until its C(Retry-After) has passed, instead of each VM spending its retries).
  - Reads that every VM would repeat are made once per task, in this vault - the vault, each policy, the list of
    VMs the vault can protect - and the vault's VM list is refreshed at most once. A VM the vault does not list is
    looked for again after that refresh, and only a VM still missing then costs a backup status call (which tells
    whether another vault protects it).
  - Every entry is checked before any call (names, IDs, policy names, disk LUNs, duplicates); one bad entry fails
    the task before anything is sent. Each VM's own checks (its policy exists, no other vault protects it) come
    before its write, as in M(azure_recovery.backup.azure_vm_protection).
  - One VM that fails does not stop the others. The task fails when any VM failed, and RV(results) says which and
    why.
  - Nothing but V(stopped), V(suspended) or V(absent) as the O(state) of a VM reduces its protection.
  - The role C(azure_recovery.backup.vm_onboarding) onboards a list of VMs with this module, one task per vault.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  vms:
    description:
      - The VMs, each by O(vms[].name) and O(vms[].resource_group), or by O(vms[].id). A VM may appear only once.
      - An entry may override O(policy), O(state), O(undelete) and the disk selection for its VM.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the VM, with O(vms[].resource_group).
        type: str
      resource_group:
        description: Resource group of the VM, with O(vms[].name).
        type: str
      id:
        description: Full resource ID of the VM, instead of O(vms[].name) and O(vms[].resource_group).
        type: str
      policy:
        description: The backup policy of this VM, instead of O(policy).
        type: str
      state:
        description: What to do with this VM, instead of O(state).
        type: str
        choices: [present, stopped, suspended, absent]
      undelete:
        description: O(undelete) for this VM.
        type: bool
      include_disk_luns:
        description: Back up only the data disks with these LUNs, as in M(azure_recovery.backup.azure_vm_protection).
        type: list
        elements: raw
      exclude_disk_luns:
        description: Back up all disks except the data disks with these LUNs.
        type: list
        elements: raw
  policy:
    description:
      - The backup policy of every VM that does not name its own, by name or as its full resource ID. It must be a
        policy for Azure virtual machines in this vault; this is checked before any write.
      - Required for the VMs whose state is V(present).
    type: str
  state:
    description:
      - V(present) protects the VMs with their policy (enables protection, changes the policy or disk selection, or
        resumes stopped or suspended protection); V(stopped) stops protection keeping the recovery points; V(absent) stops
        protection and deletes the backup data (soft-deleted on a vault with soft delete).
      - V(suspended) stops the backups and keeps the existing recovery points only as long as the policy keeps them
        (protection state C(BackupsSuspended)); the way to stop protection on an immutable vault. A VM whose protection
        is stopped is not suspended (that VM fails; resume it first).
      - On a vault with a resource guard, V(stopped), V(suspended) and V(absent) go through the guard as in
        M(azure_recovery.backup.azure_vm_protection).
    type: str
    choices: [present, stopped, suspended, absent]
    default: present
  discover:
    description:
      - Refresh the vault's list of VMs (once for the whole task) when it does not know some VM yet.
      - With V(false), an unknown VM fails (the others go on).
    type: bool
    default: true
  undelete:
    description: Restore soft-deleted items, as O(azure_recovery.backup.azure_vm_protection#module:undelete) does.
    type: bool
    default: false
  concurrency:
    description:
      - How many VMs are handled at the same time (threads of this one process).
      - The subscription's write budget limits the pace of writes in any case. A thread does not wait for its VM's
        operation before taking the next VM (see the notes).
    type: int
    default: 100
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads as for a real run (including backup status calls, POSTs that only read) and sends no write.
  diff_mode:
    support: full
    details: One before/after per VM that would change.
notes:
  - A VM already protected as asked costs one GET of its protected item, plus one GET of the vault's running jobs
    for the whole task (not one per VM).
  - A write still running on a VM's item (another run's, or an interrupted run's) is handled as
    M(azure_recovery.backup.azure_vm_protection) does; its row's C(pending_operation) names it.
  - O(max_retries) counts per request. Writes wait for the write budget before they are sent, which is not a retry.
  - With O(wait) and more than one VM, the writes are not waited for one by one (many operations polled separately would
    spend the subscription's read budget). Each write starts a job in the vault whose C(activityId) is the write's
    C(x-ms-client-request-id); one read of the vault's job list per round (2 seconds apart at first, growing with the
    time waited) answers for all the running writes. A VM's write counts as done only when its job says Completed; a
    failed job fails that VM with the service's error; a write whose job does not show in the list is followed through
    its operation. The items are then read back with one list of the vault's protected items (one GET each for fewer
    than 10 VMs).
seealso:
  - module: azure_recovery.backup.azure_vm_protection
  - module: azure_recovery.backup.azure_backup_refresh
"""

EXAMPLES = r"""
- name: Protect three VMs with the vault's DefaultPolicy, one of them only with its OS disk and LUN 0
  azure_recovery.backup.azure_vm_protection_batch:
    vault_name: testVault
    vault_resource_group: testVaultRG
    policy: DefaultPolicy
    vms:
      - name: web01
        resource_group: webRG
      - name: web02
        resource_group: webRG
        include_disk_luns: [0]
      - id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dbRG/providers/Microsoft.Compute/virtualMachines/db01
        policy: EnhancedPolicy

- name: Audit a fleet without writing anything
  azure_recovery.backup.azure_vm_protection_batch:
    vault_name: testVault
    vault_resource_group: testVaultRG
    policy: DefaultPolicy
    vms: "{{ fleet_vms }}"  # a list of {name, resource_group} or {id}
  check_mode: true
  register: audit

- name: Stop protection of two VMs, keeping their recovery points
  azure_recovery.backup.azure_vm_protection_batch:
    vault_name: testVault
    vault_resource_group: testVaultRG
    state: stopped
    vms:
      - {name: old01, resource_group: legacyRG}
      - {name: old02, resource_group: legacyRG}

- name: Suspend the backups of VMs on an immutable vault (their recovery points expire as the policy says)
  azure_recovery.backup.azure_vm_protection_batch:
    vault_name: immutableVault
    vault_resource_group: testVaultRG
    state: suspended
    vms:
      - {name: app01, resource_group: appRG}
      - {name: app02, resource_group: appRG, state: present, policy: DefaultPolicy}
"""

RETURN = r"""
results:
  description:
    - One entry per VM of O(vms), in the same order, with what M(azure_recovery.backup.azure_vm_protection) returns
      for it, and C(vm), C(failed) and C(msg).
  returned: always
  type: list
  elements: dict
  contains:
    vm:
      description: The VM, as C(resource_group/name).
      type: str
    failed:
      description: Whether this VM failed.
      type: bool
    changed:
      description: Whether this VM's protection changed (or would, in check mode).
      type: bool
    msg:
      description: What happened to this VM, or why it failed.
      type: str
    action:
      description: V(none), V(enable), V(update), V(resume), V(stop), V(suspend), V(delete) or V(undelete); absent when the VM failed
        before a decision.
      type: str
    discovered:
      description: Whether the VM needed the vault's VM list to be refreshed first.
      type: bool
    job_id:
      description: The backup job of the last write, when known.
      type: str
    pending_operation:
      description: The write that was still running on the VM's item, as RV(azure_recovery.backup.azure_vm_protection#module:pending_operation).
      type: dict
      version_added: 1.1.0
    protected_item:
      description: The VM's protected item after the change, as RV(azure_recovery.backup.azure_vm_protection#module:protected_item).
      type: dict
    error:
      description: For a VM that failed on a service error, C(code), C(status) and C(request_id).
      type: dict
    warnings:
      description: Warnings about this VM (the task itself warns once, naming how many VMs have some).
      type: list
      elements: str
    diff:
      description: Before and after (diff mode).
      type: dict
  sample:
    - vm: webRG/web01
      failed: false
      changed: true
      action: enable
      discovered: false
      job_id: 1b2f0c4e-7f0a-4a58-9e1b-2a2a8d1e9d51
      msg: "enable: protection of VM webRG/web01 with policy DefaultPolicy"
counts:
  description: How many VMs there were, changed (or would change), stayed as they were, and failed.
  returned: always
  type: dict
  sample: {total: 3, changed: 2, unchanged: 1, failed: 0}
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    batch_vms_argument_spec,
    wait_argument_spec,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import run_batch


def main():
    argument_spec = backup_argument_spec(
        vms=batch_vms_argument_spec(
            policy=dict(type="str"),
            state=dict(type="str", choices=["present", "stopped", "suspended", "absent"]),
            undelete=dict(type="bool"),
            include_disk_luns=dict(type="list", elements="raw"),
            exclude_disk_luns=dict(type="list", elements="raw"),
        ),
        policy=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "stopped", "suspended", "absent"]),
        discover=dict(type="bool", default=True),
        undelete=dict(type="bool", default=False),
        concurrency=dict(type="int", default=100),
        **wait_argument_spec()
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True)
    module = glue.module
    glue.run(lambda: run_batch(glue.client, glue.params, check_mode=module.check_mode, diff=module._diff, warn=module.warn))


if __name__ == "__main__":
    main()
