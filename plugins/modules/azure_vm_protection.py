#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_protection
short_description: Enable, change, stop or delete Azure Backup protection of one virtual machine
version_added: 1.0.0
description:
  - Puts one Azure virtual machine under Azure Backup in a Recovery Services vault with a backup policy,
    changes its policy or disk selection, resumes stopped protection, stops protection keeping the
    recovery points, or stops protection and deletes the backup data.
  - Idempotent. The current protection is read with one GET; when it already matches, nothing else is
    sent and the result is C(changed=false).
  - A VM the vault does not know yet is discovered first (one refresh of the vault's VM list) unless
    O(discover=false).
  - Before protection is enabled or resumed, the service's backup status of the VM is asked; when another
    vault already protects the VM the module fails before any write, naming that vault.
  - Nothing but O(state=stopped) or O(state=absent) reduces protection. An empty or unknown policy is an
    error, never a request to stop protection.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  policy:
    description:
      - The backup policy, by name or as its full resource ID. It must be a policy for Azure virtual machines
        in this vault; this is checked before any write.
      - Required when O(state=present); ignored otherwise.
    type: str
  state:
    description:
      - V(present) protects the VM with O(policy) (enables protection, changes the policy or disk selection,
        or resumes stopped protection).
      - V(stopped) stops protection and keeps the existing recovery points.
      - V(absent) stops protection and deletes the backup data. On a vault with soft delete the item stays
        soft-deleted (restorable with O(undelete=true)) until RV(protected_item.deferred_delete_time).
    type: str
    choices: [present, stopped, absent]
    default: present
  discover:
    description:
      - Refresh the vault's list of VMs (once) when it does not know the VM yet.
      - With V(false), an unknown VM is an error.
    type: bool
    default: true
  undelete:
    description:
      - Restore a soft-deleted item (backup data scheduled for deletion) before protecting it again with
        O(state=present), or, with O(state=stopped), restore it as stopped protection with its data.
      - Without it, O(state=present) on a soft-deleted item fails, saying until when the data is kept.
    type: bool
    default: false
  include_disk_luns:
    description:
      - Back up only the data disks with these LUNs (the OS disk is always backed up).
      - Mutually exclusive with O(exclude_disk_luns). With neither option, all disks are backed up, and a
        disk selection made earlier is reset.
    type: list
    elements: int
  exclude_disk_luns:
    description:
      - Back up all disks except the data disks with these LUNs. An empty list means all disks.
      - Mutually exclusive with O(include_disk_luns).
    type: list
    elements: int
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.vm
  - azure_recovery.backup.wait
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads as for a real run (including the backup status, a POST that only reads) and sends no write.
  diff_mode:
    support: full
    details: Before and after of the policy, protection state, soft-delete flag and disk selection.
notes:
  - When nothing needs to change, a run makes one call, a GET of the protected item.
  - With O(wait=false) the module returns once the service accepted the write; RV(protected_item) then
    shows the state before the change and RV(job_id) is not known.
  - Classic (ASM) virtual machines must be given by O(vm_id) (C(Microsoft.ClassicCompute)), so that their
    protected item is looked up under the classic container name.
seealso:
  - module: azure_recovery.backup.azure_backup_refresh
  - module: azure_recovery.backup.azure_vm_protection_info
  - module: azure_recovery.backup.azure_vm_backup_now
"""

EXAMPLES = r"""
- name: Protect a VM with the vault's DefaultPolicy
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    policy: DefaultPolicy

- name: Protect a VM given by ID, backing up only the OS disk and data disk LUN 0
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM
    policy: EnhancedPolicy
    include_disk_luns: [0]

- name: Stop protection, keep the recovery points
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    state: stopped

- name: Stop protection and delete the backup data
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    state: absent

- name: Bring back a soft-deleted item and protect it again
  azure_recovery.backup.azure_vm_protection:
    vault_name: testVault
    vault_resource_group: testVaultRG
    vm_name: testVM
    vm_resource_group: testRG
    policy: DefaultPolicy
    undelete: true
"""

RETURN = r"""
action:
  description:
    - What was done, or in check mode what would be done.
    - V(none), V(enable), V(update) (policy or disks), V(resume), V(stop), V(delete), V(undelete).
  returned: always
  type: str
  sample: enable
discovered:
  description: Whether the vault's VM list was refreshed to find the VM (in check mode, whether it would be).
  returned: always
  type: bool
  sample: false
job_id:
  description: The job of the last write, when the service names one.
  returned: when a write was made and waited for
  type: str
  sample: 8d713a36-b9be-4c19-8acd-0718e2a88dd6
msg:
  description: A one-line summary of the outcome.
  returned: always
  type: str
  sample: protection of testRG/testVM enabled with policy DefaultPolicy
protected_item:
  description:
    - The protected item after the change (before it in check mode or with O(wait=false)).
    - V(null) when the vault does not protect the VM.
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the protected item.
      type: str
      sample: "/subscriptions/0000/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault/backupFabrics/Azure/\
        protectionContainers/IaasVMContainer;iaasvmcontainerv2;testrg;testvm/protectedItems/VM;iaasvmcontainerv2;testrg;testvm"
    name:
      description: Name of the protected item as the service returns it.
      type: str
      sample: VM;iaasvmcontainerv2;testrg;testvm
    container_name:
      description: Name of the protection container (the path segment).
      type: str
      sample: IaasVMContainer;iaasvmcontainerv2;testrg;testvm
    protected_item_name:
      description: Name of the protected item (the path segment).
      type: str
      sample: VM;iaasvmcontainerv2;testrg;testvm
    vm_id:
      description: Resource ID of the virtual machine.
      type: str
      sample: /subscriptions/0000/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM
    friendly_name:
      description: Name of the virtual machine.
      type: str
      sample: testVM
    resource_group:
      description: Resource group of the virtual machine.
      type: str
      sample: testRG
    policy_id:
      description: Resource ID of the backup policy; V(null) when protection is stopped.
      type: str
    policy_name:
      description: Name of the backup policy; V(null) when protection is stopped.
      type: str
      sample: DefaultPolicy
    protection_state:
      description: V(IRPending), V(Protected), V(ProtectionError), V(ProtectionStopped), V(ProtectionPaused), V(BackupsSuspended) or V(Invalid).
      type: str
      sample: Protected
    protection_status:
      description: Health of the protection, e.g. V(Healthy).
      type: str
    health_status:
      description: V(Passed), V(ActionRequired), V(ActionSuggested) or V(Invalid).
      type: str
    last_backup_status:
      description: Status of the last backup, e.g. V(Completed); V(null) before the first backup.
      type: str
    last_backup_time:
      description: Time of the last backup (UTC); V(null) before the first backup.
      type: str
    last_recovery_point:
      description: Time of the newest recovery point (UTC), when the service gives it.
      type: str
    soft_deleted:
      description: Whether the backup data is deleted and only kept by soft delete.
      type: bool
    deferred_delete_time:
      description: When soft-deleted data is deleted for good (UTC).
      type: str
    disk_exclusion:
      description: The disk selection; V(null) when all disks are backed up.
      type: dict
      contains:
        lun_list:
          description: The data disk LUNs.
          type: list
          elements: int
        is_inclusion_list:
          description: V(true) when only these disks are backed up, V(false) when they are excluded.
          type: bool
diff:
  description: Before and after of policy, protection state, soft-delete flag and disk selection (diff mode).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmNotFound
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    vm_argument_spec,
    vm_selection_kwargs,
    wait_argument_spec,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._naming import (
    BACKUP_MANAGEMENT_TYPE,
    parse_policy,
    protectable_item_result,
    protected_item_result,
    same_id,
    vm_ref,
)

# Protection stopped, recovery points kept: what state=stopped asks for.
STOPPED_STATES = ("protectionstopped", "protectionpaused")
# Not backing up: state=present resumes these (BackupsSuspended keeps data only as the policy says).
INACTIVE_STATES = STOPPED_STATES + ("backupssuspended",)


class DecisionError(ValueError):
    """What was asked cannot be done from the current state (e.g. protect a soft-deleted item)."""


def desired_disks(include_disk_luns=None, exclude_disk_luns=None):
    """Disk options -> the disk_exclusion shape; None means all disks."""
    if include_disk_luns is not None and exclude_disk_luns is not None:
        raise ValueError("give include_disk_luns or exclude_disk_luns, not both")
    luns = include_disk_luns if include_disk_luns is not None else exclude_disk_luns
    if luns is None:
        return None
    if any(not isinstance(lun, int) or lun < 0 or lun > 63 for lun in luns):
        raise ValueError("disk LUNs must be whole numbers from 0 to 63 (got %r)" % (luns,))
    if include_disk_luns is not None and not luns:
        raise ValueError("include_disk_luns is empty: list the data disks to back up, or omit it to back up all disks")
    if not luns:
        return None
    return {"lun_list": sorted(set(luns)), "is_inclusion_list": include_disk_luns is not None}


def _view(item):
    """The part of an item the diff shows; {} when the vault does not protect the VM."""
    if not item:
        return {}
    stopped = (item.get("protection_state") or "").lower() in STOPPED_STATES
    return {
        "policy": None if stopped else item.get("policy_name"),
        "protection_state": item.get("protection_state"),
        "soft_deleted": bool(item.get("soft_deleted")),
        "disk_exclusion": item.get("disk_exclusion"),
    }


def decide(current, desired):
    """What to do: (action, before, after).

    current: the protected_item shape (protected_item_result) or None when the vault does not protect the VM.
    desired: {state, policy_name, disk_exclusion, undelete}.
    action: none, enable, update, resume, stop, delete or undelete; raises DecisionError when the request
    cannot be met without a choice the user has not made (a soft-deleted item without undelete).
    """
    state = desired["state"]
    before = _view(current)
    protection_state = (current or {}).get("protection_state") or ""
    soft_deleted = bool(current and current.get("soft_deleted"))
    stopped = protection_state.lower() in STOPPED_STATES
    active = current is not None and protection_state.lower() not in INACTIVE_STATES
    protected_after = {"policy": desired.get("policy_name"), "protection_state": protection_state if active else "Protected",
                       "soft_deleted": False, "disk_exclusion": desired.get("disk_exclusion")}
    stopped_after = dict(before, policy=None, protection_state="ProtectionStopped", soft_deleted=False)

    if state == "present":
        if current is None:
            return "enable", before, protected_after
        if soft_deleted:
            if not desired.get("undelete"):
                raise DecisionError(
                    "the backup data of VM %s is soft-deleted (kept until %s): set undelete=true to restore it and "
                    "protect the VM again" % (current.get("friendly_name"), current.get("deferred_delete_time") or "unknown"))
            return "undelete", before, protected_after
        if not active:
            return "resume", before, protected_after
        same_policy = (current.get("policy_name") or "").lower() == (desired.get("policy_name") or "").lower()
        if same_policy and current.get("disk_exclusion") == desired.get("disk_exclusion"):
            return "none", before, before
        return "update", before, protected_after
    if state == "stopped":
        if current is None:
            return "none", before, before
        if soft_deleted:
            if desired.get("undelete"):
                return "undelete", before, stopped_after
            return "none", before, before
        if stopped:
            return "none", before, before
        return "stop", before, stopped_after
    if state == "absent":
        if current is None or soft_deleted:
            return "none", before, before
        return "delete", before, {}
    raise ValueError("unknown state %r" % (state,))


def write_plan(action, state):
    """The writes an action takes, in order: 'undelete', 'protect', 'stop', 'delete'."""
    return {
        "none": [],
        "enable": ["protect"],
        "update": ["protect"],
        "resume": ["protect"],
        "undelete": ["undelete", "protect"] if state == "present" else ["undelete"],
        "stop": ["stop"],
        "delete": ["delete"],
    }[action]


class VmProtection(object):
    """One run of the module: read, decide, act, report."""

    def __init__(self, glue):
        self.glue = glue
        self.module = glue.module
        self.params = glue.module.params
        self.discovered = False

    @property
    def client(self):
        return self.glue.client

    def run(self):
        params = self.params
        client = self.client
        vm = vm_ref(client.subscription_id, params["vm_name"], params["vm_resource_group"], params["vm_id"])
        desired = {
            "state": params["state"],
            "policy_name": None,
            "disk_exclusion": desired_disks(params["include_disk_luns"], params["exclude_disk_luns"]),
            "undelete": params["undelete"],
        }
        if params["state"] == "present":  # the argument spec requires policy here
            desired["policy_name"] = parse_policy(params["policy"], client.subscription_id,
                                                  params["vault_resource_group"], params["vault_name"])
        vpath = api.vault_path(client, params["vault_resource_group"], params["vault_name"])

        current = protected_item_result(api.get_protected_item(client, vpath, vm))
        action, before, after = decide(current, desired)
        result = {"changed": action != "none", "action": action, "discovered": False, "job_id": None,
                  "protected_item": current}
        if self.module._diff:
            result["diff"] = {"before": before, "after": after}
        if action == "none":
            if current is None:
                # A 404 of the item also comes from a mistyped vault: "nothing to do" only for a vault that exists.
                api.get_vault(client, vpath, "%s/%s" % (params["vault_resource_group"], params["vault_name"]))
            result["msg"] = self._none_message(vm, current)
            return result

        # Checks before any write: the policy, another vault, discovery.
        policy = None
        vm_id = (current or {}).get("vm_id") or vm.id
        if "protect" in write_plan(action, desired["state"]):
            policy = self._policy(vpath, desired["policy_name"])
        if action in ("enable", "resume", "undelete") and desired["state"] == "present":
            self._not_protected_elsewhere(vpath, vm_id)
        if action == "enable":
            vm_id = self._discover(vpath, vm)
        result["discovered"] = self.discovered
        if self.module.check_mode:
            result["msg"] = "would %s protection of %s" % (action, vm.label)
            return result

        done = None
        for step in write_plan(action, desired["state"]):
            done = self._write(step, vpath, vm, vm_id, policy, desired, current)
            result["job_id"] = (done.job_id if done else None) or result["job_id"]
        if params["wait"]:
            # the operation's final resource is the item, when the service gives it; else read it
            final = done.resource if done is not None and isinstance(done.resource, dict) and done.resource.get("properties") else None
            result["protected_item"] = protected_item_result(final or api.get_protected_item(client, vpath, vm))
        result["msg"] = self._done_message(action, vm, desired, result["protected_item"])
        return result

    # -- reads ------------------------------------------------------------------------------

    def _policy(self, vpath, name):
        policy = api.get_policy(self.client, vpath, name)
        if policy is None:
            names = sorted(p.get("name") for p in api.list_policies(self.client, vpath))
            raise ValueError("backup policy %r does not exist in vault %s/%s (its VM policies: %s)"
                             % (name, self.params["vault_resource_group"], self.params["vault_name"], ", ".join(names) or "none"))
        kind = (policy.get("properties") or {}).get("backupManagementType")
        if kind and kind.lower() != BACKUP_MANAGEMENT_TYPE.lower():
            raise ValueError("backup policy %r is a %s policy, not one for Azure virtual machines" % (name, kind))
        return policy

    def _find_protectable(self, vpath, vm):
        for item in api.list_protectable_items(self.client, vpath, friendly_name=vm.name):
            found = protectable_item_result(item)
            if vm.matches(found["vm_id"]) or vm.matches(resource_group=found["resource_group"], name=found["friendly_name"]):
                return found
        return None

    def _discover(self, vpath, vm):
        """The VM's ID as the vault knows it, refreshing the vault's VM list once when needed."""
        found = self._find_protectable(vpath, vm)
        if found is None:
            if not self.params["discover"]:
                raise ValueError("vault %s does not know VM %s yet and discover=false: run "
                                 "azure_recovery.backup.azure_backup_refresh first, or set discover=true"
                                 % (self.params["vault_name"], vm.label))
            self.discovered = True
            if self.module.check_mode:
                self.module.warn("VM %s is not discovered by the vault yet; a real run refreshes the vault's VM list first" % vm.label)
                return vm.id
            api.refresh_containers(self.client, vpath, self.params["wait_timeout"])
            found = self._find_protectable(vpath, vm)
            if found is None:
                raise ValueError("vault %s does not see VM %s even after refreshing its VM list: check that the VM exists "
                                 "and is in the vault's region and subscription" % (self.params["vault_name"], vm.label))
        if found.get("classic"):
            vm.classic = True
        return found.get("vm_id") or vm.id

    def _not_protected_elsewhere(self, vpath, vm_id):
        vault = api.get_vault(self.client, vpath, self.params["vault_name"])
        try:
            status = api.backup_status(self.client, vault.get("location"), vm_id)
        except ArmNotFound as exc:
            raise ValueError("VM %s does not exist (%s)" % (vm_id, exc))
        other = status.get("vaultId")
        if (status.get("protectionStatus") or "").lower() in ("protected", "protecting") and other and not same_id(other, vault.get("id")):
            raise ValueError("VM %s is already protected by vault %s (%s); stop its protection there first"
                             % (vm_id, other.rstrip("/").rsplit("/", 1)[-1], other))

    # -- writes ------------------------------------------------------------------------------

    def _write(self, step, vpath, vm, vm_id, policy, desired, current):
        client, timeout = self.client, self.params["wait_timeout"]
        wait = self.params["wait"]
        if step == "undelete":
            # the protect step that may follow needs the undelete to have finished
            done = api.put_protected_item(client, vpath, vm, api.undelete_body(vm, vm_id), "undeleting the backup item of VM %s" % vm.label,
                                          timeout, wait=wait or desired["state"] == "present")
        elif step == "protect":
            reset = bool(current and current.get("disk_exclusion")) and not desired["disk_exclusion"]
            body = api.protect_body(vm, vm_id, policy["id"], desired["disk_exclusion"], reset_disks=reset)
            done = api.put_protected_item(client, vpath, vm, body, "protecting VM %s with policy %s" % (vm.label, policy.get("name")),
                                          timeout, wait=wait)
        elif step == "stop":
            done = api.put_protected_item(client, vpath, vm, api.stop_body(vm, vm_id), "stopping protection of VM %s" % vm.label,
                                          timeout, wait=wait)
        else:
            done = api.delete_protected_item(client, vpath, vm, "deleting the backup data of VM %s" % vm.label, timeout, wait=wait)
        return done

    # -- messages ----------------------------------------------------------------------------

    def _none_message(self, vm, current):
        if current is None:
            return "VM %s is not protected by the vault; nothing to do" % vm.label
        if current.get("soft_deleted"):
            return "the backup data of VM %s is soft-deleted until %s; nothing to do" % (vm.label, current.get("deferred_delete_time"))
        return "protection of VM %s is already as asked (%s)" % (vm.label, current.get("protection_state"))

    def _done_message(self, action, vm, desired, item):
        if action == "delete" and item and item.get("soft_deleted"):
            return "protection of VM %s removed; its backup data is soft-deleted until %s" % (vm.label, item.get("deferred_delete_time"))
        if desired["policy_name"]:
            return "%s: protection of VM %s with policy %s" % (action, vm.label, desired["policy_name"])
        return "%s: protection of VM %s" % (action, vm.label)


def main():
    argument_spec = backup_argument_spec(
        policy=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "stopped", "absent"]),
        discover=dict(type="bool", default=True),
        undelete=dict(type="bool", default=False),
        include_disk_luns=dict(type="list", elements="int"),
        exclude_disk_luns=dict(type="list", elements="int"),
        **dict(vm_argument_spec(), **wait_argument_spec())
    )
    selection = vm_selection_kwargs()
    selection["mutually_exclusive"].append(("include_disk_luns", "exclude_disk_luns"))
    glue = AzureBackupModule(argument_spec, supports_check_mode=True, required_if=[("state", "present", ("policy",))], **selection)
    glue.run(VmProtection(glue).run)


if __name__ == "__main__":
    main()
