#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_backup_policy_info
short_description: Read the Azure VM backup policies of a Recovery Services vault
version_added: 1.1.0
description:
  - Returns one policy (O(name); one GET) or every Azure VM policy of the vault (one list), in the normalised shape whose
    keys are the options of M(azure_recovery.backup.azure_backup_policy).
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  name:
    description: The policy to read. Not given, every Azure VM policy of the vault is returned.
    type: str
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.attributes.info_module
seealso:
  - module: azure_recovery.backup.azure_backup_policy
"""

EXAMPLES = r"""
- name: Read every VM policy of a vault
  azure_recovery.backup.azure_backup_policy_info:
    vault_name: prodVault
    vault_resource_group: backupRG
  register: policies

- name: Read one policy
  azure_recovery.backup.azure_backup_policy_info:
    vault_name: prodVault
    vault_resource_group: backupRG
    name: DefaultPolicy
"""

RETURN = r"""
policies:
  description: The policies (empty when O(name) does not exist).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID.
      type: str
    name:
      description: Name.
      type: str
    policy_type:
      description: V(standard) (V1) or V(enhanced) (V2).
      type: str
    schedule:
      description: C(frequency), C(time) (HH:MM), C(days) (weekly), C(interval) and C(window_hours) (hourly).
      type: dict
    time_zone:
      description: Windows time-zone ID.
      type: str
    instant_restore_days:
      description: Days instant-restore snapshots are kept.
      type: int
    retention:
      description: C(daily) (days), C(weekly) ({count, days}), C(monthly) and C(yearly) as the module's option takes them.
      type: dict
    archive_tiering:
      description: C(mode) and, for V(after), C(duration) and C(duration_type); V(null) when not set.
      type: dict
    protected_items_count:
      description: How many protected items use the policy.
      type: int
    shortest_retention_days:
      description: Days the scheduled (daily, hourly or weekly) backups are kept.
      type: int
msg:
  description: A one-line summary.
  returned: always
  type: str
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import AzureBackupModule, backup_argument_spec
from ansible_collections.azure_recovery.backup.plugins.module_utils._policy import policy_info


def main():
    glue = AzureBackupModule(backup_argument_spec(name=dict(type="str")), supports_check_mode=True)
    glue.run(lambda: policy_info(glue.client, glue.params))


if __name__ == "__main__":
    main()
