# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  recovery_point:
    description:
      - Which recovery point to restore. V(latest) (the default) is the VM's newest point; a point's name or its full
        ID (as M(azure_recovery.backup.azure_vm_recovery_point_info) returns them) names one; a dict
        with the one key C(latest_before) and a time takes the newest point taken at or before that UTC time
        (V(YYYY-MM-DD) or V(YYYY-MM-DDThh:mm:ssZ)).
      - A full ID of another VM's point, or of a point in another vault, is refused before any call.
    type: raw
    default: latest
  max_age:
    description:
      - Refuse to restore, before any write, when the chosen recovery point is older than this (a recovery point
        objective), given as a number and a unit, V(s), V(m), V(h), V(d) or V(w), e.g. V(26h).
    type: str
  restore_type:
    description:
      - V(disks) restores the VM's disks as managed disks into O(target_resource_group) (or, without it, to the
        staging account) with a template and a config blob to build a VM from.
      - V(new_vm) creates a new VM O(target_vm_name) in O(target_resource_group), on O(virtual_network) / O(subnet).
      - V(replace_disks) replaces the disks of the source VM itself with the recovery point's; it needs
        O(replace_existing=true) and is never a default.
    type: str
    choices: [disks, new_vm, replace_disks]
    default: disks
  replace_existing:
    description:
      - Allow O(restore_type=replace_disks) to replace the source VM's disks. Without it such a task fails before
        any call.
    type: bool
    default: false
  staging_storage_account:
    description:
      - Resource ID of the storage account the restore stages the data through. It is read first (as the Azure
        CLI and PowerShell do) and must be in the vault's region and subscription.
    type: str
    required: true
  target_resource_group:
    description:
      - Resource group (name, or ID in the vault's subscription) where the new VM or the restored disks go.
        Required with O(restore_type=new_vm); not used with O(restore_type=replace_disks). A group in another
        subscription is refused.
      - The group must exist; a restore does not create it.
    type: str
  target_vm_name:
    description:
      - Name of the new VM (O(restore_type=new_vm)). The source VM's name in the source VM's resource group is refused.
    type: str
  virtual_network:
    description:
      - Resource ID of the virtual network of the new VM (O(restore_type=new_vm)); read first, it must be in the
        vault's region and have O(subnet).
    type: str
  subnet:
    description:
      - Name (or ID) of the subnet of O(virtual_network) for the new VM.
    type: str
  zone:
    description:
      - Availability zone (V(1), V(2) or V(3)) for the restored VM or disks.
    type: str
  disk_encryption_set:
    description:
      - Resource ID of a disk encryption set for the restored disks.
    type: str
  managed_identity:
    description:
      - V(system) to restore with the vault's system-assigned identity, or the resource ID of a user-assigned
        identity.
    type: str
  disk_luns:
    description:
      - Restore only these data disks (LUNs). Each must be in the recovery point; anything else is refused before
        any write. The OS disk is always restored.
      - The service lists a point's disks only for a VM backed up with a disk inclusion or exclusion list; for the
        points of other VMs (which hold every disk) the VM's data disks, read through the Compute API, stand for
        them, and when the VM is gone the service alone checks the LUNs.
    type: list
    elements: int
  rehydration_priority:
    description:
      - Rehydrate an archive-only recovery point as part of the restore, with this priority.
        Without it, such a point is refused before any write.
    type: str
    choices: [Standard, High]
  rehydration_days:
    description:
      - How many days (10 to 30) the rehydrated point is kept; 15 when not given.
    type: int
  target_disk_network_access:
    description:
      - Network access of the restored disks; V(private) needs O(disk_access). Not given, the service's default.
    type: str
    choices: [same_as_source, public, private]
  disk_access:
    description:
      - Resource ID of the disk access resource for O(target_disk_network_access=private).
    type: str
  tags:
    description:
      - Tags added to what the restore created (the new VM and its disks, or the restored managed disks) once the
        restore job has completed (a restore request cannot carry tags; they are added with one PATCH per
        resource, the new VM's network interfaces included). Needs O(wait=true). M(azure_recovery.backup.azure_vm_restore_cleanup) deletes only resources
        that carry a given tag.
    type: dict
'''
