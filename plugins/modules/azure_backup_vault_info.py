#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_backup_vault_info
short_description: Read a Recovery Services vault's backup settings, its VM policies and what needs attention
version_added: 1.1.0
description:
  - Reads one vault (four GETs - the vault, its backup configuration, its resource guard proxies and its Azure VM
    policies) and returns its settings with the option values of M(azure_recovery.backup.azure_backup_vault).
  - Returns audit findings computed from them - soft delete off, immutability off, locally
    redundant storage, no job-failure alerts, no resource guard, and each policy that keeps its scheduled backups fewer
    days than O(min_retention_days).
  - A vault that does not exist is not an error - RV(exists) is V(false).
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  min_retention_days:
    description:
      - A policy whose scheduled (daily, hourly or weekly) backups are kept fewer days than this is a finding.
    type: int
    default: 30
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.attributes.info_module
seealso:
  - module: azure_recovery.backup.azure_backup_vault
  - module: azure_recovery.backup.azure_backup_policy_info
"""

EXAMPLES = r"""
- name: Read a vault and what needs attention
  azure_recovery.backup.azure_backup_vault_info:
    vault_name: prodVault
    vault_resource_group: backupRG
    min_retention_days: 30
  register: vault_info

- name: Show the findings
  ansible.builtin.debug:
    msg: "{{ vault_info.findings | map(attribute='message') | list }}"
"""

RETURN = r"""
exists:
  description: Whether the vault exists.
  returned: always
  type: bool
vault:
  description:
    - The vault's settings, as M(azure_recovery.backup.azure_backup_vault) returns them in RV(azure_recovery.backup.azure_backup_vault#module:vault).
    - V(null) when the vault does not exist.
  returned: always
  type: dict
policies:
  description: The vault's Azure VM policies, in the shape M(azure_recovery.backup.azure_backup_policy_info) returns.
  returned: always
  type: list
  elements: dict
findings:
  description: What needs attention, one entry per finding.
  returned: always
  type: list
  elements: dict
  contains:
    code:
      description: >-
        V(soft_delete_off), V(immutability_off), V(locally_redundant_storage), V(no_job_failure_alerts), V(no_resource_guard)
        or V(short_retention).
      type: str
    severity:
      description: V(high), V(medium) or V(low).
      type: str
    message:
      description: One line saying what and why.
      type: str
msg:
  description: A one-line summary.
  returned: always
  type: str
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import AzureBackupModule, backup_argument_spec
from ansible_collections.azure_recovery.backup.plugins.module_utils._vault import vault_info


def main():
    glue = AzureBackupModule(backup_argument_spec(min_retention_days=dict(type="int", default=30)), supports_check_mode=True)
    glue.run(lambda: vault_info(glue.client, glue.params))


if __name__ == "__main__":
    main()
