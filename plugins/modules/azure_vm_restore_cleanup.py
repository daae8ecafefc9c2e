#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_restore_cleanup
short_description: Delete VMs, network interfaces and disks a restore created, only when they carry a given tag
version_added: 1.1.0
description:
  - Deletes the VMs, network interfaces and managed disks listed in O(resource_ids) (as
    RV(azure_recovery.backup.azure_vm_restore#module:created) returns them), VMs first, then network interfaces, then disks.
  - B(Only tagged resources are deleted.) Every listed resource is read first; when any of them lacks the tag
    O(tag) (or carries another value) the task fails naming them and nothing at all is deleted. Anything other
    than a VM, a network interface or a managed disk, or in another subscription, is refused before any call.
  - A resource that no longer exists counts as deleted already (C(changed=false) when none is left).
  - The role C(azure_recovery.backup.restore_drill) cleans up with this module.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  resource_ids:
    description:
      - Resource IDs of VMs (C(Microsoft.Compute/virtualMachines)), network interfaces
        (C(Microsoft.Network/networkInterfaces)) and managed disks (C(Microsoft.Compute/disks)).
    type: list
    elements: str
    required: true
  tag:
    description: The one tag (name and value) each resource must carry to be deleted, for example C(restore_drill=drill-2026-03) given as a dict.
    type: dict
    required: true
  vault_name:
    description:
      - Accepted, and not used, so that C(module_defaults) of the group C(azure_recovery.backup.all) apply to this
        module too; the tag, not the vault, decides what is deleted.
    type: str
  vault_resource_group:
    description: Accepted and not used, as O(vault_name).
    type: str
  wait_timeout:
    description: Seconds the whole task may wait for the deletions.
    type: int
    default: 1800
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads every resource and its tags, reports what would be deleted, deletes nothing.
  diff_mode:
    support: none
seealso:
  - module: azure_recovery.backup.azure_vm_restore
"""

EXAMPLES = r"""
- name: Delete what a drill restored
  azure_recovery.backup.azure_vm_restore_cleanup:
    resource_ids: "{{ restored.created.disk_ids + restored.created.nic_ids + ([restored.created.vm_id] if restored.created.vm_id else []) }}"
    tag:
      restore_drill: drill-2026-03
"""

RETURN = r"""
deleted:
  description: The resources deleted (or that would be, in check mode), VMs first.
  returned: always
  type: list
  elements: str
msg:
  description: A one-line summary.
  returned: always
  type: str
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import AzureBackupModule, auth_argument_spec
from ansible_collections.azure_recovery.backup.plugins.module_utils._restore import cleanup


def main():
    argument_spec = auth_argument_spec()
    argument_spec.update(
        resource_ids=dict(type="list", elements="str", required=True),
        tag=dict(type="dict", required=True),
        vault_name=dict(type="str"),
        vault_resource_group=dict(type="str"),
        wait_timeout=dict(type="int", default=1800),
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True)
    glue.run(lambda: cleanup(glue.client, glue.params, check_mode=glue.module.check_mode))


if __name__ == "__main__":
    main()
