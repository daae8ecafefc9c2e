#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_backup_now
short_description: Start an on-demand Azure Backup of one protected virtual machine
version_added: 1.0.0
description:
  - Starts an on-demand backup of a VM that the vault protects, follows the request to its backup job
    and, with O(wait=true), waits for the job to end.
  - An on-demand backup is an action, not a state, so two guards keep a playbook that runs twice from
    starting two backups. When a backup job of the VM is already in progress, that job is returned with
    C(changed=false). With O(if_last_backup_older_than), no backup starts while the last successful
    backup is newer than that.
  - The backup request is never sent twice. When its response is lost, the vault's job list is checked
    for the job it started.
  - A VM that the vault does not protect, or whose protection is stopped, is an error, and no backup is
    requested.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  retain_until:
    description:
      - Keep the recovery point until this date (V(YYYY-MM-DD), midnight UTC) or UTC time
        (V(YYYY-MM-DDThh:mm:ssZ) or with V(+00:00)). Other offsets are refused.
      - It must be in the future and at most 9999 days from now (the longest on-demand retention the Azure
        portal offers); anything else is refused before any call.
      - Mutually exclusive with O(retain_days).
    type: str
  retain_days:
    description:
      - Keep the recovery point this many days (1 to 9999).
      - When neither O(retain_until) nor O(retain_days) is given, 30 days.
    type: int
  if_last_backup_older_than:
    description:
      - Start a backup only when the last successful backup is older than this, or there is none.
      - A number and a unit, V(s), V(m), V(h), V(d) or V(w), e.g. V(30m), V(12h), V(1d), V(1w).
    type: str
  wait:
    description:
      - Wait for the backup job to end (within O(wait_timeout)) and fail when it fails.
      - With V(false), the module returns once the service has accepted the request and named the job.
      - A backup job takes minutes to hours.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.vm
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads the protected item and the running jobs, reports whether a backup would start, sends nothing.
  diff_mode:
    support: none
notes:
  - When O(if_last_backup_older_than) skips the backup, a run makes one call, a GET of the protected item; otherwise
    it also reads the vault's running jobs (one GET), which also tells whether a backup job of the VM already runs.
  - When a protection change of the VM (enable, policy change, stop, delete) still runs in the service, the item shows
    the state before it; with O(wait=true) the module waits for that job (within O(wait_timeout)) and decides on the
    item as it is then; in check mode it warns; with O(wait=false) it fails, naming the job.
seealso:
  - module: azure_recovery.backup.azure_vm_protection
  - module: azure_recovery.backup.azure_backup_job_info
"""

EXAMPLES = r"""
- name: Back up a VM now, keep the recovery point 30 days
  azure_recovery.backup.azure_vm_backup_now:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG

- name: Back up unless a backup succeeded in the last 12 hours, and wait for the job
  azure_recovery.backup.azure_vm_backup_now:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    if_last_backup_older_than: 12h
    retain_until: "2030-12-31"
    wait: true
    wait_timeout: 7200
  register: backup

- name: Show the job
  ansible.builtin.debug:
    msg: "{{ backup.job_id }}: {{ backup.job.status }}"
"""

RETURN = r"""
job_id:
  description: The backup job that was started, or the one already running.
  returned: unless a backup was skipped because the last one is recent enough, or in check mode
  type: str
  sample: 2ab7e9aa-8d69-4076-a292-ebd683ea0bb7
job:
  description: The backup job as last read.
  returned: when RV(job_id) is returned
  type: dict
  contains:
    id:
      description: Resource ID of the job.
      type: str
    job_id:
      description: Name (GUID) of the job.
      type: str
    status:
      description: V(InProgress), V(Completed), V(CompletedWithWarnings), V(Failed), V(Cancelling) or V(Cancelled).
      type: str
      sample: InProgress
    operation:
      description: V(Backup).
      type: str
    start_time:
      description: Start of the job (UTC).
      type: str
    end_time:
      description: End of the job (UTC); V(null) while it runs.
      type: str
    duration:
      description: ISO 8601 duration, e.g. V(PT12.4272909S).
      type: str
    entity_friendly_name:
      description: The VM's name as the job names it.
      type: str
    container_name:
      description: The VM's container, as the job names it.
      type: str
    progress_percentage:
      description: Progress, when the service gives it.
      type: float
    error_details:
      description: The job's errors.
      type: list
      elements: dict
      contains:
        error_code:
          description: Error code.
          type: int
        error_title:
          description: Error title.
          type: str
        error_string:
          description: Error message.
          type: str
        recommendations:
          description: What the service recommends.
          type: list
          elements: str
recovery_point_expiry_time:
  description: When the new recovery point expires (UTC), as requested.
  returned: when a backup was started or would be started
  type: str
  sample: "2026-12-31T00:00:00Z"
skipped_reason:
  description: Why no backup was started; V(null) when one was started (or would be, in check mode).
  returned: always
  type: str
  sample: a backup job of testRG/testVM is already in progress
last_backup_time:
  description: Time of the last successful backup known before this run (UTC), or V(null).
  returned: always
  type: str
msg:
  description: A one-line summary.
  returned: always
  type: str
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._backup_now import backup_now
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    vm_argument_spec,
    vm_selection_kwargs,
    wait_argument_spec,
)


def main():
    argument_spec = backup_argument_spec(
        retain_until=dict(type="str"),
        retain_days=dict(type="int"),
        if_last_backup_older_than=dict(type="str"),
        **dict(vm_argument_spec(), **wait_argument_spec(default_wait=False))
    )
    selection = vm_selection_kwargs()
    selection["mutually_exclusive"].append(("retain_until", "retain_days"))
    glue = AzureBackupModule(argument_spec, supports_check_mode=True, **selection)
    # a failed job fails the task with what is known of the job (JobFailed.result)
    glue.run(lambda: backup_now(glue.client, glue.params, check_mode=glue.check_mode, warn=glue.module.warn))


if __name__ == "__main__":
    main()
