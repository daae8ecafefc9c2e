# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  vm_name:
    description:
      - Name of the virtual machine. Use with O(vm_resource_group).
      - Mutually exclusive with O(vm_id).
    type: str
  vm_resource_group:
    description:
      - Resource group of the virtual machine. Use with O(vm_name).
    type: str
  vm_id:
    description:
      - Full resource ID of the virtual machine
        (C(/subscriptions/.../resourceGroups/.../providers/Microsoft.Compute/virtualMachines/...)).
      - Mutually exclusive with O(vm_name) and O(vm_resource_group).
    type: str
'''
