#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_protection_info
short_description: List the virtual machines a Recovery Services vault protects, and those it does not
version_added: 1.0.0
description:
  - Lists the vault's protected virtual machines (all pages, one GET per page), optionally filtered by VM,
    policy, protection state and health.
  - With O(include_unprotected=true), also lists the VMs the vault sees but does not protect (one more GET
    per page).
  - Read-only; what a check-mode audit needs.
  - Each entry says in C(pending_operation) whether a write on its item (enable, policy change,
    stop, delete, undelete) still runs in the service (the item shows the state before it until the job ends).
    One more GET, of the vault's running jobs, answers this for all VMs.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  vm_name:
    description:
      - Only this VM (by name). With O(vm_resource_group), only the VM of that name in that resource group.
      - Mutually exclusive with O(vm_id).
    type: str
  vm_resource_group:
    description:
      - Only VMs of this resource group.
      - Mutually exclusive with O(vm_id).
    type: str
  vm_id:
    description:
      - Only the VM with this resource ID.
    type: str
  policy:
    description:
      - Only items protected with this policy (a name or a full policy ID; compared case-insensitively).
    type: str
  protection_state:
    description:
      - Only items in these protection states (compared case-insensitively).
    type: list
    elements: str
  health_status:
    description:
      - Only items with these health statuses (V(Passed), V(ActionRequired), V(ActionSuggested), V(Invalid)).
    type: list
    elements: str
  include_unprotected:
    description:
      - Also return the VMs the vault sees but does not protect, in RV(unprotected_vms).
      - The VM filters apply to them as well.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.attributes.info_module
seealso:
  - module: azure_recovery.backup.azure_vm_protection
  - module: azure_recovery.backup.azure_backup_refresh
"""

EXAMPLES = r"""
- name: All protected VMs of a vault, and the VMs it sees but does not protect
  azure_recovery.backup.azure_vm_protection_info:
    vault_name: testVault
    vault_resource_group: testVaultRG
    include_unprotected: true
  register: audit

- name: Fail when a VM is unprotected
  ansible.builtin.assert:
    that: audit.unprotected_vms | length == 0
    fail_msg: "Unprotected: {{ audit.unprotected_vms | map(attribute='friendly_name') | join(', ') }}"

- name: Protected VMs that need attention
  azure_recovery.backup.azure_vm_protection_info:
    vault_name: testVault
    vault_resource_group: testVaultRG
    health_status: [ActionRequired, ActionSuggested]

- name: The protection of one VM
  azure_recovery.backup.azure_vm_protection_info:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
"""

RETURN = r"""
protected_items:
  description:
    - The protected VMs that match the filters, in the shape of the RV(azure_recovery.backup.azure_vm_protection#module:protected_item)
      return value of M(azure_recovery.backup.azure_vm_protection), soft-deleted items included.
    - Each has C(pending_operation), the shape of RV(azure_recovery.backup.azure_vm_protection#module:pending_operation),
      the write still running on the item (V(null) when none).
  returned: always
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/0000/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault/backupFabrics/Azure/\
        protectionContainers/IaasVMContainer;iaasvmcontainerv2;testrg;testvm/protectedItems/VM;iaasvmcontainerv2;testrg;testvm"
      name: VM;iaasvmcontainerv2;testrg;testvm
      container_name: IaasVMContainer;iaasvmcontainerv2;testrg;testvm
      protected_item_name: VM;iaasvmcontainerv2;testrg;testvm
      vm_id: /subscriptions/0000/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM
      friendly_name: testVM
      resource_group: testRG
      policy_id: /subscriptions/0000/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault/backupPolicies/DefaultPolicy
      policy_name: DefaultPolicy
      policy_type: V1
      protection_state: Protected
      protection_status: Healthy
      health_status: Passed
      last_backup_status: Completed
      last_backup_time: "2026-01-01T19:00:00Z"
      last_recovery_point: "2026-01-01T19:00:00Z"
      soft_deleted: false
      deleted_time: null
      purge_time: null
      purge_in_days: null
      deferred_delete_time: null
      disk_exclusion: null
      pending_operation: null
unprotected_vms:
  description:
    - With O(include_unprotected=true), the VMs the vault sees but does not protect, in the shape of the
      RV(azure_recovery.backup.azure_backup_refresh#module:protectable_items) return value of
      M(azure_recovery.backup.azure_backup_refresh), plus C(pending_operation).
    - A VM whose enable still runs is listed here, with its C(pending_operation), until the enable has ended.
  returned: always (empty unless O(include_unprotected=true))
  type: list
  elements: dict
  sample:
    - name: iaasvmcontainerv2;testrg;vm01
      friendly_name: vm01
      resource_group: testRG
      vm_id: /subscriptions/0000/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/vm01
      protection_state: NotProtected
      container_name: IaasVMContainer;iaasvmcontainerv2;testrg;vm01
      protected_item_name: VM;iaasvmcontainerv2;testrg;vm01
      classic: false
      pending_operation: null
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    vm_argument_spec,
    vm_selection_kwargs,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import (
    parse_policy,
    parse_vm_id,
    validate_resource_group,
    validate_vm_name,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import (
    pending_operation_result,
    protectable_item_result,
    protected_item_result,
    protection_change_of,
)


def _lower_set(values):
    return set(value.lower() for value in values) if values else None


def matches(entry, policy, states, health):
    """True when a protected item passes the policy, state and health filters (lower-case; None = any)."""
    return ((policy is None or (entry["policy_name"] or "").lower() == policy)
            and (states is None or (entry["protection_state"] or "").lower() in states)
            and (health is None or (entry["health_status"] or "").lower() in health))


def vm_filter(params, subscription_id):
    """A predicate over (resource_group, name, vm_id) from the VM options; names are validated."""
    if params["vm_id"]:
        vm = parse_vm_id(params["vm_id"])
        if vm.subscription_id.lower() != subscription_id.lower():
            raise ValueError("VM %s is not in the vault's subscription %s" % (params["vm_id"], subscription_id))
        return lambda entry: vm.matches(entry.get("vm_id")) or vm.matches(resource_group=entry.get("resource_group"),
                                                                          name=entry.get("friendly_name"))
    name = validate_vm_name(params["vm_name"]).lower() if params["vm_name"] else None
    group = validate_resource_group(params["vm_resource_group"]).lower() if params["vm_resource_group"] else None
    return lambda entry: ((name is None or (entry.get("friendly_name") or "").lower() == name)
                          and (group is None or (entry.get("resource_group") or "").lower() == group))


def pending_of(entry, running):
    """``entry`` with ``pending_operation``: the write still running on its item (the item shows the state before it)."""
    entry["pending_operation"] = pending_operation_result(protection_change_of(running, entry.get("friendly_name"), entry.get("container_name")))
    return entry


def run(glue):
    params, client = glue.module.params, glue.client
    wanted_vm = vm_filter(params, client.subscription_id)
    policy = parse_policy(params["policy"], client.subscription_id, params["vault_resource_group"],
                          params["vault_name"]).lower() if params["policy"] is not None else None
    states = _lower_set(params["protection_state"])
    health = _lower_set(params["health_status"])
    vpath = api.vault_path(client, params["vault_resource_group"], params["vault_name"])
    by_name = params["vm_name"] if not params["vm_id"] else None

    protected_ids = set()
    protected = []
    listed = api.list_protected_items(client, vpath, friendly_name=by_name)
    running = api.running_jobs(client, vpath)
    for item in listed:
        entry = pending_of(protected_item_result(item), running)
        protected_ids.add((entry["vm_id"] or "").lower())
        if wanted_vm(entry) and matches(entry, policy, states, health):
            protected.append(entry)

    unprotected = []
    if params["include_unprotected"]:
        for item in api.list_protectable_items(client, vpath, friendly_name=by_name):
            entry = pending_of(protectable_item_result(item), running)
            state = (entry["protection_state"] or "NotProtected").lower()
            # a VM whose enable still runs is listed (with its pending_operation): it is not protected yet
            listed = state not in ("protected", "protecting") or entry["pending_operation"] is not None
            if wanted_vm(entry) and (entry["vm_id"] or "").lower() not in protected_ids and listed:
                unprotected.append(entry)
    return {"changed": False, "protected_items": protected, "unprotected_vms": unprotected}


def main():
    argument_spec = backup_argument_spec(
        policy=dict(type="str"),
        protection_state=dict(type="list", elements="str"),
        health_status=dict(type="list", elements="str"),
        include_unprotected=dict(type="bool", default=False),
        **vm_argument_spec()
    )
    selection = vm_selection_kwargs(required=False)
    del selection["required_together"]  # vm_name or vm_resource_group alone is a filter here
    glue = AzureBackupModule(argument_spec, supports_check_mode=True, **selection)
    glue.run(lambda: run(glue))


if __name__ == "__main__":
    main()
