#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_restore
short_description: Restore an Azure VM from a recovery point, as disks, as a new VM, or over its own disks
version_added: 1.1.0
description:
  - Restores one protected VM from a recovery point of a Recovery Services vault, follows the request to its restore
    job and, with O(wait=true), waits for the job, then reads what it created through the Compute API.
  - Everything is checked before any write, each as a one-line error, namely the options (full matches, no control
    characters), the recovery point (this VM's, in this vault; O(max_age)), the disks (O(disk_luns) must be in the
    point), an archive-only point without O(rehydration_priority), the staging storage account and the virtual
    network (read through Resource Manager; they must exist in the vault's region), a subnet the network lacks, a
    new VM with the source VM's name and group, a target in another subscription.
  - B(Never a duplicate.) Before restoring, the VM's Restore jobs of the last 30 days are read (the 20 newest,
    each with its details). A job is this task's earlier run when its machine-readable restore type
    (C(extendedInfo.internalPropertyBag.restoreLocationType)) is the one asked and, because a job carries the
    recovery point and target only as display data, its C(extendedInfo.propertyBag) shows the same recovery point
    time (to the second) and the same target (C(Target VM Name) and C(Target resource group) for V(new_vm);
    C(Target Storage Account Name) and, when given, C(Target resource group) for V(disks); nothing more for
    V(replace_disks)). Such a job in progress is followed; one that succeeded is returned with C(changed=false).
    A failed or cancelled one does not count, so a re-run restores again.
  - The restore request is never sent twice. When its response is lost, the job list is searched for the job whose
    C(activityId) is the request's C(x-ms-client-request-id).
  - B(Never on a changing item.) While a protection change of the VM still runs in the service (enable, stop,
    delete, undelete; the service refuses a restore meanwhile), the module waits for it with O(wait=true) and then
    reads the item again; with O(wait=false) it fails naming the job, and check mode warns, as
    M(azure_recovery.backup.azure_vm_backup_now) does.
  - In check mode the service's validate operation (it reads, restores nothing) is asked about the restore, and
    RV(validation) says what it found; no restore is sent.
  - B(Multi-user authorization.) Before a restore is sent (or, in check mode, validated), the vault's resource guard
    proxy is read once. When the vault's resource guard protects restores, the restore request carries the request
    the proxy lists for them (C(triggerRestoreRequests)) in C(resourceGuardOperationRequests), RV(resource_guard_requests)
    shows it, and the message names the guard; check mode reports it and validates without it (a read needs none).
    When the guard refuses (the caller holds no access on the guard), the task fails with one line naming the guard
    and the operation; a guard owner must grant that access (Backup MUA Operator on the guard) first.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  wait:
    description:
      - Wait for the restore job to end (within O(wait_timeout)), fail when it fails, and read what it created.
      - With V(false), the module returns once the service has accepted the request and named the job.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds the whole task may wait, all its waits together (a running protection change, the operation, the job,
        retries). Restores take from a minute to over an hour.
    type: int
    default: 3600
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.vm
  - azure_recovery.backup.restore
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads, then asks the service to validate the restore (a POST that restores nothing); no restore is sent.
  diff_mode:
    support: none
seealso:
  - module: azure_recovery.backup.azure_vm_recovery_point_info
  - module: azure_recovery.backup.azure_vm_restore_cleanup
  - module: azure_recovery.backup.azure_backup_job
"""

EXAMPLES = r"""
- name: Restore the newest point of a VM as disks into a resource group
  azure_recovery.backup.azure_vm_restore:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    restore_type: disks
    target_resource_group: restoreRG
    staging_storage_account: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/stagingRG/providers/Microsoft.Storage/storageAccounts/staging01
    max_age: 26h
  register: restored

- name: Restore the last point before an incident as a new VM
  azure_recovery.backup.azure_vm_restore:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    recovery_point:
      latest_before: "2026-03-01T08:00:00Z"
    restore_type: new_vm
    target_resource_group: restoreRG
    target_vm_name: testVM-restored
    virtual_network: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/netRG/providers/Microsoft.Network/virtualNetworks/isolated
    subnet: default
    staging_storage_account: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/stagingRG/providers/Microsoft.Storage/storageAccounts/staging01
    wait_timeout: 7200

- name: Put the VM's own disks back to a given point (explicit opt-in)
  azure_recovery.backup.azure_vm_restore:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    recovery_point: "26083826328862"
    restore_type: replace_disks
    replace_existing: true
    staging_storage_account: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/stagingRG/providers/Microsoft.Storage/storageAccounts/staging01
"""

RETURN = r"""
job_id:
  description: The restore job that was started, followed, or found from an earlier run.
  returned: unless in check mode with no earlier job
  type: str
job:
  description: >-
    The restore job as last read: the shape of M(azure_recovery.backup.azure_backup_job_info)'s jobs plus
    C(restore_location_type) (V(RestoreDisks), V(AlternateLocation), V(OriginalLocation)), C(duration_seconds),
    C(config_blob_uri), C(template_blob_uri) and C(property_bag) (the job's display data, verbatim).
  returned: when RV(job_id) is returned
  type: dict
recovery_point:
  description: The recovery point used (or that would be), in the shape of M(azure_recovery.backup.azure_vm_recovery_point_info).
  returned: always
  type: dict
recovery_point_age_seconds:
  description: Age of the recovery point when the task started, in seconds (the recovery point objective measured).
  returned: always
  type: int
restore_type:
  description: The restore type asked.
  returned: always
  type: str
created:
  description: >-
    What the restore created, read through the Compute API once the job succeeded: C(vm_id) (new VM; for
    V(replace_disks) the source VM), C(nic_ids) (the new VM's network interfaces), C(disk_ids) (the new VM's disks; for V(disks), the managed disks of
    O(target_resource_group) created during the job whose name contains the source VM's), C(config_blob_uri) and
    C(template_blob_uri) (as the job shows them), C(verified) (the VM exists and is provisioned, or the disks exist).
  returned: with O(wait=true) after a successful job
  type: dict
validation:
  description: In check mode, what the service's validate operation found (C(code), C(message), C(recommendations)); empty when nothing.
  returned: in check mode when a restore would be sent
  type: list
  elements: dict
resource_guard_requests:
  description:
    - The multi-user authorization requests the restore request carries (or, in check mode, would carry), as the vault's
      resource guard proxy lists them for restores; empty when the vault has no guard or its guard does not protect restores.
    - V(null) when no restore was sent because an earlier run's restore job was found.
  returned: always
  type: list
  elements: str
  sample:
    - /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/g/providers/Microsoft.DataProtection/resourceGuards/g1/triggerRestoreRequests/default
restore_request:
  description: In check mode, the restore request (C(IaasVMRestoreRequest) properties) a real run would send.
  returned: in check mode when a restore would be sent
  type: dict
msg:
  description: A one-line summary.
  returned: always
  type: str
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
from ansible_collections.azure_recovery.backup.plugins.module_utils._restore import restore, restore_argument_spec


def main():
    spec = dict(vm_argument_spec())
    spec.update(restore_argument_spec())
    spec.update(wait_argument_spec(default_timeout=3600))
    glue = AzureBackupModule(backup_argument_spec(**spec), supports_check_mode=True, **vm_selection_kwargs())
    # a failed job fails the task with what is known of the job (JobFailed.result)
    glue.run(lambda: restore(glue.client, glue.params, check_mode=glue.check_mode, warn=glue.module.warn))


if __name__ == "__main__":
    main()
