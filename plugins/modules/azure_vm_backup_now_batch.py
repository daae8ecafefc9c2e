#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_backup_now_batch
short_description: Start on-demand Azure Backups of many protected virtual machines in one task
version_added: 1.0.0
description:
  - Does for every VM of O(vms) what M(azure_recovery.backup.azure_vm_backup_now) does for one, with the same guards
    (a VM with a backup job in progress gets no second one; O(if_last_backup_older_than)), messages and results,
    in one process and concurrently (O(concurrency) VMs at a time), sharing one token, one connection per thread and
    one view of the subscription's write budget.
  - Every entry, the retention and the age limit are checked before any call; one bad entry fails the task before
    anything is sent.
  - One VM that fails does not stop the others. The task fails when any VM failed (with O(wait=true), also when its
    backup job failed), and RV(results) says which and why.
  - A backup request is never sent twice; when its response is lost, the vault's job list is checked for the job it
    started.
  - The role C(azure_recovery.backup.vm_onboarding) starts the first backups of the VMs it protected with this module.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  vms:
    description:
      - The VMs, each by O(vms[].name) and O(vms[].resource_group), or by O(vms[].id). A VM may appear only once.
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
  retain_until:
    description:
      - Keep the recovery points until this date or UTC time, as
        O(azure_recovery.backup.azure_vm_backup_now#module:retain_until). Mutually exclusive with O(retain_days).
    type: str
  retain_days:
    description:
      - Keep the recovery points this many days (1 to 9999). When neither O(retain_until) nor O(retain_days) is
        given, 30 days.
    type: int
  if_last_backup_older_than:
    description:
      - Start a backup of a VM only when its last successful backup is older than this, or there is none
        (V(30m), V(12h), V(1d), V(1w)...).
    type: str
  wait:
    description:
      - Wait for the backup jobs to end (within O(wait_timeout)) and fail for each VM whose job fails.
      - With V(false), a VM is done once the service has accepted its request and named its job.
    type: bool
    default: false
  concurrency:
    description:
      - How many VMs are handled at the same time (threads of this one process).
      - The subscription's write budget limits the pace of the backup requests in any case.
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
    details: Reads each VM's protected item and running jobs, reports whether a backup would start, sends nothing.
  diff_mode:
    support: none
notes:
  - O(max_retries) counts per request. Writes wait for the write budget before they are sent, which is not a retry.
seealso:
  - module: azure_recovery.backup.azure_vm_backup_now
  - module: azure_recovery.backup.azure_vm_protection_batch
"""

EXAMPLES = r"""
- name: Back up three VMs now, keeping the recovery points 7 days
  azure_recovery.backup.azure_vm_backup_now_batch:
    vault_name: testVault
    vault_resource_group: testVaultRG
    retain_days: 7
    vms:
      - {name: web01, resource_group: webRG}
      - {name: web02, resource_group: webRG}
      - id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dbRG/providers/Microsoft.Compute/virtualMachines/db01

- name: Back up every VM of the list whose last backup is older than a day, and wait for the jobs
  azure_recovery.backup.azure_vm_backup_now_batch:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vms: "{{ fleet_vms }}"  # a list of {name, resource_group} or {id}
    if_last_backup_older_than: 1d
    wait: true
    wait_timeout: 14400
"""

RETURN = r"""
results:
  description:
    - One entry per VM of O(vms), in the same order, with what M(azure_recovery.backup.azure_vm_backup_now) returns
      for it (RV(azure_recovery.backup.azure_vm_backup_now#module:job_id),
      RV(azure_recovery.backup.azure_vm_backup_now#module:job),
      RV(azure_recovery.backup.azure_vm_backup_now#module:recovery_point_expiry_time),
      RV(azure_recovery.backup.azure_vm_backup_now#module:skipped_reason),
      RV(azure_recovery.backup.azure_vm_backup_now#module:last_backup_time)), and C(vm), C(failed), C(changed),
      C(msg), C(warnings) and, for a service error, C(error).
  returned: always
  type: list
  elements: dict
  sample:
    - vm: webRG/web01
      failed: false
      changed: true
      job_id: 2ab7e9aa-8d69-4076-a292-ebd683ea0bb7
      skipped_reason: null
      recovery_point_expiry_time: "2026-12-31T00:00:00Z"
      msg: started a backup of webRG/web01 (job 2ab7e9aa-8d69-4076-a292-ebd683ea0bb7), kept until 2026-12-31T00:00:00Z
counts:
  description: How many VMs there were, got a backup started (or would, in check mode), got none, and failed.
  returned: always
  type: dict
  sample: {total: 3, changed: 2, unchanged: 1, failed: 0}
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._backup_now import run_batch
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    batch_vms_argument_spec,
    wait_argument_spec,
)


def main():
    argument_spec = backup_argument_spec(
        vms=batch_vms_argument_spec(),
        retain_until=dict(type="str"),
        retain_days=dict(type="int"),
        if_last_backup_older_than=dict(type="str"),
        concurrency=dict(type="int", default=100),
        **wait_argument_spec(default_wait=False)
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True, mutually_exclusive=[("retain_until", "retain_days")])
    module = glue.module
    glue.run(lambda: run_batch(glue.client, glue.params, check_mode=module.check_mode, warn=module.warn))


if __name__ == "__main__":
    main()
