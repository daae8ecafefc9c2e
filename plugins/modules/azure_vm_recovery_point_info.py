#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_recovery_point_info
short_description: List the recovery points of one Azure VM protected by a Recovery Services vault
version_added: 1.1.0
description:
  - Lists the recovery points the vault holds for one VM (all pages), newest first, with their time, consistency,
    storage tiers and their status, expiry, the disks they include and exclude, encryption and zones.
  - O(start_time) and O(end_time) narrow the list; the service is asked with its own time filter
    (C('yyyy-MM-dd hh:mm:ss AM'), UTC) and the window is applied again to the answer.
  - A VM the vault does not protect is an error (one GET of the protected item tells).
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  start_time:
    description:
      - Only recovery points taken at or after this time, a date V(YYYY-MM-DD) (midnight UTC) or a UTC time
        V(YYYY-MM-DDThh:mm:ssZ). Other offsets and malformed times are refused before any call.
    type: str
  end_time:
    description:
      - Only recovery points taken at or before this time (same formats).
    type: str
  latest:
    description:
      - Return only the newest recovery point (within the window, when one is given).
    type: bool
    default: false
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.vm
  - azure_recovery.backup.attributes.info_module
notes:
  - Two GETs for a VM with one page of recovery points, the protected item and the list.
seealso:
  - module: azure_recovery.backup.azure_vm_restore
"""

EXAMPLES = r"""
- name: The newest recovery point of a VM
  azure_recovery.backup.azure_vm_recovery_point_info:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    latest: true
  register: newest

- name: Recovery points of March 2026
  azure_recovery.backup.azure_vm_recovery_point_info:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM
    start_time: "2026-03-01"
    end_time: "2026-03-31T23:59:59Z"
  register: march
"""

RETURN = r"""
recovery_points:
  description: The recovery points, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID of the recovery point (what O(azure_recovery.backup.azure_vm_restore#module:recovery_point) takes).
      type: str
    name:
      description: Name of the recovery point (an opaque string of digits; keep it a string).
      type: str
      sample: "26083826328862"
    time:
      description: When the point was taken (UTC).
      type: str
      sample: "2026-03-01T22:32:46Z"
    age_seconds:
      description: Seconds between the point's time and now.
      type: int
    consistency_type:
      description: V(AppConsistent), V(CrashConsistent), V(FileSystemConsistent) and the like.
      type: str
    tiers:
      description: Where the point is stored, C(type) (V(InstantRP), V(HardenedRP), V(ArchivedRP)), C(tier) (V(snapshot),
        V(vault), V(archive)) and C(status) (V(Valid), V(Disabled), V(Deleted), V(Rehydrated), V(Invalid)).
      type: list
      elements: dict
    usable_tiers:
      description: The tiers whose copy is V(Valid) or V(Rehydrated).
      type: list
      elements: str
      sample: [snapshot, vault]
    expiry_time:
      description: When the point expires, when the service says (most points do not say; null then).
      type: str
    rule_name:
      description: The policy rule that made the point, when the service says.
      type: str
    soft_deleted:
      description: Whether the point is soft-deleted.
      type: bool
    disks:
      description:
        - C(included_luns) and C(excluded_luns) (data disk LUNs), C(number_included), C(number_attached).
        - The service reports them only for a VM backed up with a disk inclusion or exclusion list; otherwise the
          lists are empty and the numbers null (the point holds every disk of the VM).
      type: dict
    encrypted:
      description: Whether the source VM was encrypted.
      type: bool
    zones:
      description: The source VM's zones (zonal VMs only).
      type: list
      elements: str
    original_storage_account_option:
      description: Whether disks can be restored to the original storage account.
      type: bool
    managed_disks:
      description: Whether the VM used managed disks.
      type: bool
    vm_size:
      description: The source VM's size.
      type: str
    os_type:
      description: The source VM's OS type.
      type: str
    security_type:
      description: The source VM's security type, when given.
      type: str
    archive_move_ready:
      description: Whether the point may move to the archive tier, when the service says.
      type: bool
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    vm_argument_spec,
    vm_selection_kwargs,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._restore import recovery_point_info


def main():
    argument_spec = backup_argument_spec(
        start_time=dict(type="str"),
        end_time=dict(type="str"),
        latest=dict(type="bool", default=False),
        **vm_argument_spec()
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True, **vm_selection_kwargs())
    glue.run(lambda: recovery_point_info(glue.client, glue.params))


if __name__ == "__main__":
    main()
