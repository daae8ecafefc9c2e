#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_restore_batch
short_description: Restore many Azure VMs from their recovery points in one task
version_added: 1.1.0
description:
  - Does for every VM of O(vms) what M(azure_recovery.backup.azure_vm_restore) does for one, with the same checks,
    re-run recognition, messages and results, in one process and concurrently (O(concurrency) VMs at a time),
    sharing one token, one view of the subscription's write budget and one deadline (O(wait_timeout)).
  - Every entry is checked before any call; one bad entry fails the task before anything is sent.
  - One VM that fails does not stop the others. The task fails when any VM failed, and RV(results) says which and why.
  - The role C(azure_recovery.backup.restore_drill) restores with this module.
  - B(Multi-user authorization.) The vault's resource guard proxy is read once for the task. When the vault's resource
    guard protects restores, every restore request carries the request the proxy lists for them, as
    M(azure_recovery.backup.azure_vm_restore) does (each row's C(resource_guard_requests) shows it, in check mode too);
    a refusal by the guard fails that VM with one line naming the guard.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  vms:
    description:
      - The VMs, each by O(vms[].name) and O(vms[].resource_group), or by O(vms[].id); a VM may appear only once.
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
      target_vm_name:
        description: Name of this VM's new VM (O(restore_type=new_vm)).
        type: str
      recovery_point:
        description: This VM's recovery point, as O(recovery_point); the task's when not given.
        type: raw
  concurrency:
    description: How many VMs are restored at a time (threads), at least 1.
    type: int
    default: 20
  wait:
    description:
      - Wait for every restore job to end (within O(wait_timeout) for the whole task), fail the VMs whose job failed,
        and read what each created.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds the whole task may wait.
    type: int
    default: 3600
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.restore
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads, then asks the service to validate each restore; no restore is sent.
  diff_mode:
    support: none
seealso:
  - module: azure_recovery.backup.azure_vm_restore
"""

EXAMPLES = r"""
- name: Restore the disks of two VMs into an isolated resource group and tag them
  azure_recovery.backup.azure_vm_restore_batch:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vms:
      - {name: web01, resource_group: webRG}
      - {name: db01, resource_group: dbRG}
    restore_type: disks
    target_resource_group: drill-2026-03
    staging_storage_account: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/stagingRG/providers/Microsoft.Storage/storageAccounts/staging01
    tags:
      restore_drill: drill-2026-03
  register: drill
"""

RETURN = r"""
results:
  description:
    - One entry per VM of O(vms), in order, with C(vm) (C(resource_group/name)), C(failed), C(changed), C(msg),
      C(warnings) and, as M(azure_recovery.backup.azure_vm_restore) returns them, C(job_id), C(job),
      C(recovery_point), C(recovery_point_age_seconds), C(restore_type), C(created), C(validation),
      C(resource_guard_requests); and C(rto_seconds),
      the seconds from the task's start until this VM's restore was read back through the Compute API.
    - C(error) (C(code), C(status), C(request_id)) for a service error.
  returned: always
  type: list
  elements: dict
counts:
  description: How many VMs there were, were restored (or would be), were not (an earlier run's job), and failed.
  returned: always
  type: dict
  sample: {total: 2, changed: 2, unchanged: 0, failed: 0}
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    batch_vms_argument_spec,
    wait_argument_spec,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._restore import restore_argument_spec, run_batch


def main():
    spec = restore_argument_spec()
    spec.update(vms=batch_vms_argument_spec(target_vm_name=dict(type="str"), recovery_point=dict(type="raw")),
                concurrency=dict(type="int", default=20))
    spec.update(wait_argument_spec(default_timeout=3600))
    glue = AzureBackupModule(backup_argument_spec(**spec), supports_check_mode=True)
    module = glue.module
    glue.run(lambda: run_batch(glue.client, glue.params, check_mode=module.check_mode, warn=module.warn))


if __name__ == "__main__":
    main()
