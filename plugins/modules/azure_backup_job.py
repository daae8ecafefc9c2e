#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_backup_job
short_description: Cancel an Azure Backup job of a Recovery Services vault
version_added: 1.1.0
description:
  - Cancels a running backup or restore job of the vault and, with O(wait=true), waits until the job has ended
    (V(Cancelled), or whatever it ended as while it was being cancelled).
  - The job is read first; a job ID the vault does not know is refused. A job that has already ended is
    C(changed=false) with its status; a job already being cancelled is followed, not cancelled again. A running job
    whose C(actionsInfo) does not list V(Cancellable) is an error.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  job_id:
    description: The job (its GUID, as M(azure_recovery.backup.azure_vm_restore) or M(azure_recovery.backup.azure_vm_backup_now) return it).
    type: str
    required: true
  state:
    description: V(cancelled) is the only state this module brings a job to.
    type: str
    choices: [cancelled]
    default: cancelled
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads the job and reports whether it would be cancelled; sends nothing.
  diff_mode:
    support: none
seealso:
  - module: azure_recovery.backup.azure_backup_job_info
"""

EXAMPLES = r"""
- name: Cancel a restore job and wait until it is cancelled
  azure_recovery.backup.azure_backup_job:
    vault_name: testVault
    vault_resource_group: testVaultRG
    job_id: "{{ restored.job_id }}"
    state: cancelled
"""

RETURN = r"""
job_id:
  description: The job.
  returned: always
  type: str
job:
  description: The job as last read, in the shape of M(azure_recovery.backup.azure_backup_job_info)'s jobs.
  returned: always
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
    wait_argument_spec,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._restore import cancel_job


def main():
    argument_spec = backup_argument_spec(
        job_id=dict(type="str", required=True),
        state=dict(type="str", default="cancelled", choices=["cancelled"]),
        **wait_argument_spec()
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True)
    glue.run(lambda: cancel_job(glue.client, glue.params, check_mode=glue.module.check_mode))


if __name__ == "__main__":
    main()
