#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_restore_resource_group
short_description: A restore drill's own resource group, created with the drill's tag and deleted only when tagged and empty
version_added: 1.1.0
description:
  - Creates (O(state=present)) or deletes (O(state=absent)) the resource group a restore drill restores into, so that a
    drill lands in an isolated group named after it and leaves nothing behind.
  - B(The drill never adopts someone else's group.) With O(state=present), a group that already exists is used only when it
    carries the tag O(tag) with the same value (C(changed=false)); one without it (or with another value) is refused and
    nothing is written, because the drill's cleanup would later delete it.
  - B(A group is deleted only when it carries the tag and is empty.) A resource group deletion deletes everything inside it,
    including resources the drill did not create. With O(state=absent) the group is read (a group without the tag is
    refused), then what it still holds is listed through Resource Manager's generic list
    (C(GET .../resourceGroups/{name}/resources)); when it holds anything the task fails naming those resources and nothing
    is deleted. Delete the restored resources first (M(azure_recovery.backup.azure_vm_restore_cleanup)).
  - The deletion is waited for (the operation the service names, within O(wait_timeout)); a group already being deleted is
    waited for until it is gone. A group that does not exist is C(changed=false).
  - Between the read and the write another client could create the group (O(state=present)) or put a resource into it
    (O(state=absent)); Resource Manager offers no conditional write for resource groups to close that window.
  - The role C(azure_recovery.backup.restore_drill) creates and deletes its group with this module.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  name:
    description:
      - Name of the resource group, or its ID in the subscription. Azure's rule is checked before any call
        (1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period).
    type: str
    required: true
  state:
    description: V(present) creates the group (tagged); V(absent) deletes it when tagged and empty.
    type: str
    choices: [present, absent]
    default: present
  tag:
    description:
      - The drill's tag, exactly one name and value, for example C(restore_drill=drill-20260301-020000) given as a dict, as
        M(azure_recovery.backup.azure_vm_restore_cleanup) takes it.
      - O(state=present) creates the group with this tag only; an existing group must carry it. O(state=absent) deletes the
        group only when it carries it.
    type: dict
    required: true
  location:
    description:
      - Region of a group to create, for example V(westeurope). Default, the region of the vault O(vault_name) (read once),
        which is where a restore lands; without a vault, required to create a group.
      - An existing group in another region is refused (a group cannot move). Not used with O(state=absent).
    type: str
  vault_name:
    description: The vault whose region a new group takes when O(location) is not given (with O(vault_resource_group)).
    type: str
  vault_resource_group:
    description: Resource group of O(vault_name).
    type: str
  wait_timeout:
    description: Seconds the whole task may take, the deletion's wait included.
    type: int
    default: 1800
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads the group (the vault, and with O(state=absent) the group's resources) and reports what would be created or
      deleted; refusals are the same as in a real run; nothing is written.
  diff_mode:
    support: none
seealso:
  - module: azure_recovery.backup.azure_vm_restore_cleanup
  - module: azure_recovery.backup.azure_vm_restore_batch
"""

EXAMPLES = r"""
- name: Create the drill's resource group in the vault's region
  azure_recovery.backup.azure_vm_restore_resource_group:
    name: drill-20260301-020000
    tag:
      restore_drill: drill-20260301-020000
    vault_name: prodVault
    vault_resource_group: backupRG

- name: Delete it once the drill's restored resources are deleted (refused while it holds anything)
  azure_recovery.backup.azure_vm_restore_resource_group:
    name: drill-20260301-020000
    state: absent
    tag:
      restore_drill: drill-20260301-020000
"""

RETURN = r"""
resource_group:
  description:
    - The group as read (or as it would be created, in check mode); null when it does not exist and O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID.
      type: str
    name:
      description: Name.
      type: str
    location:
      description: Region, lower case without spaces.
      type: str
    tags:
      description: Tags.
      type: dict
    provisioning_state:
      description: C(Succeeded), C(Deleting); null for a group check mode would create.
      type: str
deleted:
  description: The group's ID when it was deleted (or would be, in check mode), else empty.
  returned: when O(state=absent)
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
from ansible_collections.azure_recovery.backup.plugins.module_utils._resource_group import resource_group


def main():
    argument_spec = auth_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tag=dict(type="dict", required=True),
        location=dict(type="str"),
        vault_name=dict(type="str"),
        vault_resource_group=dict(type="str"),
        wait_timeout=dict(type="int", default=1800),
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True, required_together=[("vault_name", "vault_resource_group")])
    glue.run(lambda: resource_group(glue.client, glue.params, check_mode=glue.module.check_mode))


if __name__ == "__main__":
    main()
