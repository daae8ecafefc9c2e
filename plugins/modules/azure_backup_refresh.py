#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_backup_refresh
short_description: Discover Azure virtual machines in a Recovery Services vault
version_added: 1.0.0
description:
  - Refreshes the list of virtual machines a Recovery Services vault can protect (C(refreshContainers) on
    the vault's C(Azure) fabric) and follows the operation to its end, honouring C(Retry-After).
  - With O(vms), refreshes only when one of the listed VMs is neither protectable nor protected by the vault
    yet; otherwise it only reads, and returns C(changed=false). A listed VM the vault still does not see
    after the refresh is an error.
  - Without O(vms), always refreshes, and returns C(changed=true) only when the vault now sees VMs it did not
    list before.
  - A refresh is per vault, not per VM; to discover many VMs, list them all in one task.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  vms:
    description:
      - The VMs that must be known to the vault. Each entry is a VM resource ID, V(resource_group/vm_name),
        or a dictionary with C(name) and C(resource_group) (or C(id)).
      - VMs must be in the subscription of the vault.
    type: list
    elements: raw
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the vault's VM lists and reports whether a refresh would be made; sends no refresh.
      - Without O(vms), whether a refresh would find new VMs cannot be known, so check mode reports C(changed=false).
  diff_mode:
    support: none
notes:
  - When all listed VMs are known, a run makes one call, a GET of the protectable VMs (filtered by name when one
    VM is listed), or two when some listed VM is protected but not listed as protectable.
seealso:
  - module: azure_recovery.backup.azure_vm_protection
  - module: azure_recovery.backup.azure_vm_protection_info
"""

EXAMPLES = r"""
- name: Make sure the vault knows two VMs (refreshes only when one is new)
  azure_recovery.backup.azure_backup_refresh:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vms:
      - testRG/vm01
      - name: vm02
        resource_group: testRG

- name: Refresh the vault's VM list and show what was new
  azure_recovery.backup.azure_backup_refresh:
    vault_name: testVault
    vault_resource_group: testVaultRG
  register: refresh

- name: List the newly discovered VMs
  ansible.builtin.debug:
    msg: "{{ refresh.discovered | map(attribute='friendly_name') | list }}"
"""

RETURN = r"""
refreshed:
  description: Whether a refresh was made.
  returned: always
  type: bool
  sample: true
protectable_items:
  description:
    - The VMs the vault sees, after the refresh when one was made. With O(vms), only the listed VMs
      (protected ones included); without, all VMs the vault can protect.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The item's name as the service returns it.
      type: str
      sample: iaasvmcontainerv2;testrg;vm01
    friendly_name:
      description: The VM's name.
      type: str
      sample: vm01
    resource_group:
      description: The VM's resource group.
      type: str
      sample: testRG
    vm_id:
      description: The VM's resource ID.
      type: str
    protection_state:
      description: V(NotProtected), V(Protecting), V(Protected) or V(ProtectionFailed).
      type: str
      sample: NotProtected
    container_name:
      description: The protection container name the VM gets, as the REST walkthrough derives it.
      type: str
      sample: IaasVMContainer;iaasvmcontainerv2;testrg;vm01
    protected_item_name:
      description: The protected item name the VM gets.
      type: str
      sample: VM;iaasvmcontainerv2;testrg;vm01
    classic:
      description: Whether this is a classic (ASM) VM.
      type: bool
discovered:
  description: The VMs the refresh made known (same shape as RV(protectable_items)).
  returned: always
  type: list
  elements: dict
missing:
  description:
    - The listed VMs the vault did not know before (V(resource_group/vm_name)); empty after a successful
      refresh that waited.
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
from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    wait_argument_spec,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import parse_vm_spec
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import protectable_item_result, protected_item_result


def _key(entry):
    """A case-insensitive identity of a protectable-item shape."""
    return ((entry.get("resource_group") or "").lower(), (entry.get("friendly_name") or "").lower())


def _as_protectable(protected):
    """A protected item, in the protectable_items shape."""
    return {
        "name": protected["name"], "friendly_name": protected["friendly_name"], "resource_group": protected["resource_group"],
        "vm_id": protected["vm_id"], "protection_state": "Protected", "container_name": protected["container_name"],
        "protected_item_name": protected["protected_item_name"],
        "classic": (protected.get("container_name") or "").lower().startswith("iaasvmcontainer;iaasvmcontainer;"),
    }


def known_vms(client, vpath, vms):
    """{vm: shape} for the listed VMs the vault knows (protectable or protected)."""
    name = vms[0].name if len(vms) == 1 else None
    found = {}
    for item in api.list_protectable_items(client, vpath, friendly_name=name):
        entry = protectable_item_result(item)
        for vm in vms:
            if vm.matches(entry["vm_id"]) or vm.matches(resource_group=entry["resource_group"], name=entry["friendly_name"]):
                found[vm] = entry
    if len(found) < len(vms):
        for item in api.list_protected_items(client, vpath, friendly_name=name):
            entry = protected_item_result(item)
            for vm in vms:
                if vm not in found and vm.matches(entry["vm_id"]):
                    found[vm] = _as_protectable(entry)
    return found


def run(glue):
    params, client, module = glue.module.params, glue.client, glue.module
    vms = []
    for spec in params["vms"] or []:
        vm = parse_vm_spec(spec, client.subscription_id)
        if vm not in vms:
            vms.append(vm)
    vpath = api.vault_path(client, params["vault_resource_group"], params["vault_name"])
    result = {"changed": False, "refreshed": False, "discovered": [], "missing": []}

    if vms:
        found = known_vms(client, vpath, vms)
        missing = [vm for vm in vms if vm not in found]
        result["missing"] = [vm.label for vm in missing]
        if not missing:
            result["protectable_items"] = [found[vm] for vm in vms]
            result["msg"] = "the vault knows all %d listed VMs; no refresh needed" % len(vms)
            return result
        result["changed"] = True
        if module.check_mode:
            result["protectable_items"] = [found[vm] for vm in vms if vm in found]
            result["msg"] = "would refresh the vault's VM list to discover %s" % ", ".join(result["missing"])
            return result
        api.refresh_containers(client, vpath, wait=params["wait"])
        result["refreshed"] = True
        if not params["wait"]:
            result["protectable_items"] = [found[vm] for vm in vms if vm in found]
            result["msg"] = "started a refresh of the vault's VM list to discover %s" % ", ".join(result["missing"])
            return result
        after = known_vms(client, vpath, vms)
        still = [vm.label for vm in vms if vm not in after]
        if still:
            raise ValueError("vault %s does not see %s even after refreshing its VM list: check that the VMs exist and are in "
                             "the vault's region and subscription" % (params["vault_name"], ", ".join(still)))
        result["protectable_items"] = [after[vm] for vm in vms]
        result["discovered"] = [after[vm] for vm in missing]
        result["missing"] = []
        result["msg"] = "discovered %s" % ", ".join(vm.label for vm in missing)
        return result

    before = [protectable_item_result(item) for item in api.list_protectable_items(client, vpath)]
    if module.check_mode:
        result["protectable_items"] = before
        result["msg"] = "would refresh the vault's VM list (%d VMs known now)" % len(before)
        return result
    api.refresh_containers(client, vpath, wait=params["wait"])
    result["refreshed"] = True
    if not params["wait"]:
        result["protectable_items"] = before
        result["msg"] = "started a refresh of the vault's VM list (%d VMs known before)" % len(before)
        return result
    after = [protectable_item_result(item) for item in api.list_protectable_items(client, vpath)]
    seen = set(_key(entry) for entry in before)
    result["discovered"] = [entry for entry in after if _key(entry) not in seen]
    result["changed"] = bool(result["discovered"])
    result["protectable_items"] = after
    result["msg"] = "refreshed: %d VMs, %d new" % (len(after), len(result["discovered"]))
    return result


def main():
    argument_spec = backup_argument_spec(
        vms=dict(type="list", elements="raw"),
        **wait_argument_spec()
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True)
    glue.run(lambda: run(glue))


if __name__ == "__main__":
    main()
