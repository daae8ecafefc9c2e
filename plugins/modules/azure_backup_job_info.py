#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_backup_job_info
short_description: Read Azure Backup jobs of a Recovery Services vault
version_added: 1.0.0
description:
  - Reads one backup job by its ID, optionally waiting until it ends, or lists the vault's Azure VM backup
    jobs filtered by status, operation, VM and time window (all pages).
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  job_id:
    description:
      - The job to read (its GUID, as M(azure_recovery.backup.azure_vm_backup_now) returns it).
      - Mutually exclusive with the list filters.
    type: str
  status:
    description: Only jobs with this status.
    type: str
    choices: [InProgress, Completed, Failed, CompletedWithWarnings, Cancelled, Cancelling]
  operation:
    description: Only jobs of this operation.
    type: str
    choices: [Register, UnRegister, ConfigureBackup, Backup, Restore, DisableBackup, DeleteBackupData, CrossRegionRestore, Undelete]
  vm_name:
    description: Only jobs of the VM with this name (compared case-insensitively with the job's entity name).
    type: str
  start_time:
    description:
      - Only jobs that started at or after this time (a date V(YYYY-MM-DD) or a UTC time V(YYYY-MM-DDThh:mm:ssZ)).
      - Without it, the service's default window applies.
    type: str
  end_time:
    description:
      - With O(start_time), only jobs that started before this time (same formats); defaults to now.
    type: str
  wait:
    description:
      - With O(job_id), wait until the job is no longer running (V(InProgress) or V(Cancelling)),
        for at most O(wait_timeout) seconds.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes.info_module
seealso:
  - module: azure_recovery.backup.azure_vm_backup_now
"""

EXAMPLES = r"""
- name: Wait for a backup job to end
  azure_recovery.backup.azure_backup_job_info:
    vault_name: testVault
    vault_resource_group: testVaultRG
    job_id: "{{ backup.job_id }}"
    wait: true
    wait_timeout: 7200
  register: job

- name: Failed backups of the last day
  azure_recovery.backup.azure_backup_job_info:
    vault_name: testVault
    vault_resource_group: testVaultRG
    operation: Backup
    status: Failed
    start_time: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() - 86400, utc=true) }}"
  register: failed
"""

RETURN = r"""
jobs:
  description: The jobs, newest first; with O(job_id), that one job.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID of the job.
      type: str
    job_id:
      description: Name (GUID) of the job.
      type: str
      sample: 2ab7e9aa-8d69-4076-a292-ebd683ea0bb7
    status:
      description: V(InProgress), V(Completed), V(CompletedWithWarnings), V(Failed), V(Cancelling) or V(Cancelled).
      type: str
    operation:
      description: The operation, e.g. V(Backup), V(ConfigureBackup), V(DeleteBackupData).
      type: str
    start_time:
      description: Start of the job (UTC).
      type: str
    end_time:
      description: End of the job (UTC); V(null) while it runs.
      type: str
    duration:
      description: ISO 8601 duration.
      type: str
    entity_friendly_name:
      description: The VM's name as the job names it.
      type: str
    container_name:
      description: The VM's container as the job names it.
      type: str
    progress_percentage:
      description: Progress, when the service gives it.
      type: float
    error_details:
      description: The job's errors (C(error_code), C(error_title), C(error_string), C(recommendations)).
      type: list
      elements: dict
"""

import datetime

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    wait_argument_spec,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import validate_job_id, validate_vm_name
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import job_result
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, parse_utc


def run(glue):
    params, client = glue.module.params, glue.client
    vpath = api.vault_path(client, params["vault_resource_group"], params["vault_name"])
    if params["job_id"]:
        job_id = validate_job_id(params["job_id"])
        if params["wait"]:
            job = api.wait_for_job(client, vpath, job_id)
        else:
            job = api.get_job(client, vpath, job_id)
        return {"changed": False, "jobs": [job_result(job)]}

    if params["wait"]:
        raise ValueError("wait=true needs job_id: name the job to wait for")
    name = validate_vm_name(params["vm_name"]).lower() if params["vm_name"] else None
    start = parse_utc(params["start_time"], "start_time") if params["start_time"] else None
    end = parse_utc(params["end_time"], "end_time") if params["end_time"] else None
    if end and not start:
        raise ValueError("end_time needs start_time")
    if start and not end:
        end = datetime.datetime.now(UTC)
    if start and end <= start:
        raise ValueError("end_time must be after start_time")
    jobs = [job_result(job) for job in api.list_jobs(client, vpath, status=params["status"], operation=params["operation"],
                                                     start_time=start, end_time=end)]
    if name:
        jobs = [job for job in jobs if (job["entity_friendly_name"] or "").lower() == name]
    jobs.sort(key=lambda job: job["start_time"] or "", reverse=True)
    return {"changed": False, "jobs": jobs}


def main():
    argument_spec = backup_argument_spec(
        job_id=dict(type="str"),
        status=dict(type="str", choices=["InProgress", "Completed", "Failed", "CompletedWithWarnings", "Cancelled", "Cancelling"]),
        operation=dict(type="str", choices=["Register", "UnRegister", "ConfigureBackup", "Backup", "Restore", "DisableBackup",
                                            "DeleteBackupData", "CrossRegionRestore", "Undelete"]),
        vm_name=dict(type="str"),
        start_time=dict(type="str"),
        end_time=dict(type="str"),
        **wait_argument_spec(default_wait=False)
    )
    glue = AzureBackupModule(
        argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("job_id", name) for name in ("status", "operation", "vm_name", "start_time", "end_time")],
    )
    glue.run(lambda: run(glue))


if __name__ == "__main__":
    main()
