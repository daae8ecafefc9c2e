# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Protection of one VM: read, decide, act, report.

Shared by azure_vm_protection (one VM per task) and azure_vm_protection_batch (many VMs in
one task, on threads, sharing one client and one VaultReads).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import threading

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, ArmNotFound
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import (
    BACKUP_MANAGEMENT_TYPE,
    parse_policy,
    same_id,
    vm_ref,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import (
    pending_operation_result,
    protectable_item_result,
    protected_item_result,
    protection_change_of,
)

# Protection stopped, recovery points kept: what state=stopped asks for.
STOPPED_STATES = ("protectionstopped", "protectionpaused")
# Not backing up: state=present resumes these (BackupsSuspended keeps data only as the policy says).
INACTIVE_STATES = STOPPED_STATES + ("backupssuspended",)


class DecisionError(ValueError):
    """What was asked cannot be done from the current state (e.g. protect a soft-deleted item)."""


_LUN_RE = re.compile(r"[0-9]{1,2}")


def _lun(value, luns):
    """One LUN: an int (never a bool: YAML's yes) or a string of digits only (fully matched: no '1\\n'), 0-63."""
    if isinstance(value, str) and _LUN_RE.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 63:
        raise ValueError("disk LUNs must be whole numbers from 0 to 63 (got %r)" % (luns,))
    return value


def desired_disks(include_disk_luns=None, exclude_disk_luns=None):
    """Disk options -> the disk_exclusion shape; None means all disks."""
    if include_disk_luns is not None and exclude_disk_luns is not None:
        raise ValueError("give include_disk_luns or exclude_disk_luns, not both")
    luns = include_disk_luns if include_disk_luns is not None else exclude_disk_luns
    if luns is None:
        return None
    luns = [_lun(lun, luns) for lun in luns]
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
    action: none, enable, update, resume, stop, suspend, delete or undelete; raises DecisionError when the request
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
                    "the backup data of VM %s is soft-deleted%s: set undelete=true to restore it and "
                    "protect the VM again" % (current.get("friendly_name"), purge_text(current)))
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
    if state == "suspended":
        # Backups stop; the recovery points keep expiring as the policy says (the way to stop on an immutable vault).
        if current is None or soft_deleted or protection_state.lower() == "backupssuspended":
            return "none", before, before
        if stopped:
            raise DecisionError("protection of VM %s is stopped (%s), which already keeps its data: resume it with state=present "
                                "before suspending it" % (current.get("friendly_name"), protection_state))
        return "suspend", before, dict(before, protection_state="BackupsSuspended")
    raise ValueError("unknown state %r" % (state,))


# What a plan or a report says when Azure would refuse a policy change (finding policy_change_refused).
POLICY_CHANGE_REFUSED = ("Azure does not move a VM from an enhanced (V2) to a standard (V1) policy: move it to another enhanced "
                         "policy, or stop its protection and protect it again")


def _enhanced(policy_type):
    """A policy type as the service (V1, V2) or azure_backup_policy_info (standard, enhanced) writes it -> enhanced or not."""
    return str(policy_type or "").strip().lower() in ("v2", "enhanced")


def policy_change_refused(current_policy_type, target_policy_type):
    """True when Azure refuses to move a protected item from its policy to the target: from an enhanced (V2) policy to a
    standard (V1) one (V1 -> V2 is allowed). Types as the service writes them (V1, V2; a policy without one is V1) or as
    azure_backup_policy_info does (standard, enhanced). The one rule shared by azure_vm_protection (before its write),
    the rule-mode plan and posture report (_scope) and the per-vault audit (filter audit_report)."""
    return _enhanced(current_policy_type) and not _enhanced(target_policy_type or "V1")


def refuse_enhanced_to_standard(current, policy, vm):
    """Azure moves an item from a standard (V1) to an enhanced (V2) policy, never back: refused here,
    before the write the service would refuse."""
    properties = (policy or {}).get("properties") or {}
    if policy_change_refused(current.get("policy_type"), properties.get("policyType")):
        raise ValueError("VM %s is protected by the enhanced (V2) policy %s and Azure does not move an item to a standard (V1) "
                         "policy such as %s: choose an enhanced policy" % (vm.label, current.get("policy_name"), policy.get("name")))


def purge_text(item):
    """' (deleted at D, purged at P, in N days)' for a soft-deleted item, as far as the service says."""
    parts = []
    if item.get("deleted_time"):
        parts.append("deleted at %s" % item["deleted_time"])
    if item.get("purge_time"):
        parts.append("purged for good at %s, in %s day(s)" % (item["purge_time"], item.get("purge_in_days")))
    return " (%s)" % ", ".join(parts) if parts else " (purge time unknown)"


def write_plan(action, state):
    """The writes an action takes, in order: 'undelete', 'protect', 'stop', 'suspend', 'delete'."""
    return {
        "none": [],
        "enable": ["protect"],
        "update": ["protect"],
        "resume": ["protect"],
        "undelete": ["undelete", "protect"] if state == "present" else ["undelete"],
        "stop": ["stop"],
        "suspend": ["suspend"],
        "delete": ["delete"],
    }[action]


def follow_running_write(client, vpath, vm, jobs, check_mode, wait, warn):
    """The write still running on the VM's protected item, among the vault's running ``jobs``, handled; None when
    there is none.

    While a write (ConfigureBackup, DisableBackup, DeleteBackupData, Undelete) runs, the item GET shows the state
    before it, so nothing may be decided on the item alone. Check mode never waits: it warns and returns the job
    as it is. With ``wait`` false: a ValueError naming the job (nothing is sent). Otherwise the job is waited for
    (within the task's deadline, wait_timeout) whatever its outcome, and returned with its final status: the
    caller then reads the item again. This also follows an interrupted run's write instead of sending it again."""
    pending = protection_change_of(jobs, vm.name, vm.container_name)
    if pending is None:
        return None
    seen = pending_operation_result(pending)
    what = "%s job %s of VM %s" % (seen["operation"], seen["job_id"], vm.label)
    if check_mode:
        warn("a %s is still running in the service; the item shows the state before it, and a real run waits for it "
             "before deciding" % what)
        return pending
    if not wait:
        raise ValueError("a %s is still running in the service (started %s); nothing was sent: re-run when it has ended, "
                         "or with wait=true to wait for it" % (what, seen["start_time"] or "at an unknown time"))
    job = api.wait_for_job(client, vpath, seen["job_id"])
    status = (job.get("properties") or {}).get("status") or "ended"
    return dict(pending, properties=dict(pending.get("properties") or {}, status=status))


class VaultReads(object):
    """Reads that every VM of one vault would repeat, made once per module process: the vault,
    each policy, the vault's running jobs, the list of VMs the vault can protect, the refresh of
    that list, and any other read through ``once()``.

    Thread-safe: with many VMs on threads (azure_vm_protection_batch), the first thread that
    needs a value reads it and the others wait for it; a failure is remembered like a value.
    ``whole_lists``: list every protectable VM of a vault once (a batch), rather than one
    filtered list per VM (one VM per process)."""

    def __init__(self, client, whole_lists=False):
        self.client = client
        self.whole_lists = whole_lists
        self._lock = threading.Lock()
        self._values = {}
        self._key_locks = {}
        self._before_refresh = {}

    def once(self, key, load):
        """``load()`` once per process under ``key``, a tuple (VaultReads' own start with "vault", "policy",
        "running", "protectable", "refresh", "guard"): the first thread that asks loads it, the others wait for it;
        an ArmError or ValueError is remembered and raised again like a value. Also for other reads that
        every VM of a batch would repeat (a restore's staging account, network, Restore job list)."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._values:
                try:
                    self._values[key] = (True, load())
                except (ValueError, ArmError) as exc:
                    self._values[key] = (False, exc)
            ok, value = self._values[key]
        if not ok:
            raise value
        return value

    def vault(self, vpath, label):
        return self.once(("vault", vpath.lower()), lambda: api.get_vault(self.client, vpath, label))

    def guard(self, vpath, label):
        """The vault's resource guard proxy (``_guard.Guard``, None without MUA), read once per process: every
        critical write of the vault's VMs takes its requests from this one read."""
        from ansible_collections.azure_recovery.backup.plugins.module_utils import _guard as mua
        return self.once(("guard", vpath.lower()), lambda: mua.Guard.read(self.client, vpath, label))

    def policy(self, vpath, name, vault_label):
        def load():
            policy = api.get_policy(self.client, vpath, name)
            if policy is None:
                names = sorted(p.get("name") for p in api.list_policies(self.client, vpath))
                raise ValueError("backup policy %r does not exist in vault %s (its VM policies: %s)"
                                 % (name, vault_label, ", ".join(names) or "none"))
            kind = (policy.get("properties") or {}).get("backupManagementType")
            if kind and kind.lower() != BACKUP_MANAGEMENT_TYPE.lower():
                raise ValueError("backup policy %r is a %s policy, not one for Azure virtual machines" % (name, kind))
            return policy
        return self.once(("policy", vpath.lower(), name.lower()), load)

    def running_jobs(self, vpath):
        """The vault's InProgress jobs, read once per process: one read answers for every VM of the vault
        whether a write on its item still runs in the service (the item GET shows the old state until then)."""
        return self.once(("running", vpath.lower()), lambda: api.running_jobs(self.client, vpath))

    def protected_item(self, vpath, vm):
        """The VM's protected item (raw) or None: with ``whole_lists`` from one list of the vault's protected items,
        read once per process (pages of 200 items, instead of one GET per VM), else one GET."""
        if not self.whole_lists:
            return api.get_protected_item(self.client, vpath, vm)
        return item_of(self.once(("protected", vpath.lower()), lambda: api.list_protected_items(self.client, vpath)), vm)

    def protectable(self, vpath, vm):
        """The vault's protectable item of ``vm`` (protectable_items shape), or None."""
        if self.whole_lists:
            found = self.once(("protectable", vpath.lower()), lambda: [
                protectable_item_result(item) for item in api.list_protectable_items(self.client, vpath)])
        else:
            found = [protectable_item_result(item) for item in api.list_protectable_items(self.client, vpath, friendly_name=vm.name)]
        return _match(found, vm)

    def found_by_refresh(self, vpath, vm):
        """True when this process refreshed the vault and ``vm`` was not listed before (in a batch,
        another VM's thread may have refreshed the vault before this VM's first look)."""
        with self._lock:
            before = self._before_refresh.get(vpath.lower())
        return before is not None and _match(before, vm) is None

    def refresh(self, vpath):
        """Refresh the vault's VM list once per process; the protectable list read before it is set
        aside (for found_by_refresh()) and read again when next asked for."""
        def load():
            api.refresh_containers(self.client, vpath)
            with self._lock:
                ok, listed = self._values.pop(("protectable", vpath.lower()), (False, None))
                self._before_refresh[vpath.lower()] = listed if ok else []
            return True
        return self.once(("refresh", vpath.lower()), load)


def item_of(items, vm):
    """The protected item (raw) of ``vm`` among a list of the vault's protected items, or None."""
    name = vm.protected_item_name.lower()
    for item in items:
        props = item.get("properties") or {}
        if (item.get("name") or "").lower() == name or vm.matches(props.get("virtualMachineId") or props.get("sourceResourceId")):
            return item
    return None


def _match(items, vm):
    for item in items:
        if vm.matches(item["vm_id"]) or vm.matches(resource_group=item["resource_group"], name=item["friendly_name"]):
            return item
    return None


class VmProtection(object):
    """One VM: read, decide, act, report.

    ``params``: azure_vm_protection's options (vault_name, vault_resource_group, vm_name,
    vm_resource_group, vm_id, policy, state, discover, undelete, include_disk_luns,
    exclude_disk_luns, wait, wait_timeout). ``reads``: a VaultReads shared by the VMs of one
    process (a new one when not given)."""

    def __init__(self, client, params, check_mode=False, diff=False, warn=None, reads=None, defer=False):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.warn = warn or (lambda message: None)
        self.reads = reads or VaultReads(client)
        self.discovered = False
        self.checked_elsewhere = False
        # defer (a batch with wait): the last write is not waited for here; run() leaves it in pending_write
        # and the batch waits for all of them through the vault's job list, then calls finish()
        self.defer = defer
        self.pending_write = None
        self._finish = None

    @property
    def vault_label(self):
        return "%s/%s" % (self.params["vault_resource_group"], self.params["vault_name"])

    def desired(self):
        """(vm, desired) from the options, without a call; ValueError for what cannot be asked."""
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
        return vm, desired

    def run(self):
        params = self.params
        client = self.client
        vm, desired = self.desired()
        vpath = api.vault_path(client, params["vault_resource_group"], params["vault_name"])

        current = protected_item_result(self.reads.protected_item(vpath, vm))
        current, pending, waited = self._settle(vpath, vm, current)
        action, before, after = decide(current, desired)
        result = {"changed": action != "none", "action": action, "discovered": False, "job_id": None,
                  "protected_item": current, "pending_operation": pending_operation_result(pending)}
        if self.diff:
            result["diff"] = {"before": before, "after": after}
        if action == "none":
            if current is None and pending is None:
                # A 404 of the item also comes from a mistyped vault: "nothing to do" only for a vault that exists.
                self.reads.vault(vpath, self.vault_label)
            result["msg"] = waited + self._none_message(vm, current)
            return result

        # Checks before any write: the policy, discovery, another vault.
        policy = None
        vm_id = (current or {}).get("vm_id") or vm.id
        if "protect" in write_plan(action, desired["state"]):
            policy = self.reads.policy(vpath, desired["policy_name"], self.vault_label)
            if action == "update":
                refuse_enhanced_to_standard(current, policy, vm)
        listed = None
        if action == "enable":
            listed = self._discover(vpath, vm)
            if listed is not None:
                vm_id = listed.get("vm_id") or vm.id
        if action in ("enable", "resume", "undelete") and desired["state"] == "present" and not self.checked_elsewhere:
            # A VM another vault protects is not among this vault's protectable VMs: one the vault
            # lists as NotProtected needs no backup status call (a POST, which counts as a write).
            if (listed or {}).get("protection_state") != "NotProtected":
                self._not_protected_elsewhere(vpath, vm_id)
        result["discovered"] = self.discovered
        if self.check_mode:
            result["msg"] = waited + "would %s protection of %s" % (action, vm.label)
            return result

        done = None
        plan = write_plan(action, desired["state"])
        for number, step in enumerate(plan):
            defer = self.defer and params["wait"] and number == len(plan) - 1
            done = self._write(step, vpath, vm, vm_id, policy, desired, current, defer=defer)
            if isinstance(done, api.PendingWrite):
                self.pending_write = done
                self._finish = (action, vm, desired, waited)
                result["msg"] = waited + "%s: sent, waiting for its operation" % action
                return result
            result["job_id"] = (done.job_id if done else None) or result["job_id"]
        if params["wait"]:
            # the operation's final resource is the item, when the service gives it; else read it
            final = done.resource if done is not None and isinstance(done.resource, dict) and done.resource.get("properties") else None
            result["protected_item"] = protected_item_result(final or api.get_protected_item(client, vpath, vm))
        result["msg"] = waited + self._done_message(action, vm, desired, result["protected_item"])
        return result

    # -- an operation still running on the item ------------------------------------------------

    def _settle(self, vpath, vm, current):
        """(current, pending job, message prefix): the item once no write on it runs in the service
        (follow_running_write); the item is read again when the write was waited for."""
        pending = follow_running_write(self.client, vpath, vm, self.reads.running_jobs(vpath), self.check_mode,
                                       self.params["wait"], self.warn)
        if pending is None:
            return current, None, ""
        seen = pending_operation_result(pending)
        what = "%s job %s" % (seen["operation"], seen["job_id"])
        if self.check_mode:
            return current, pending, "(%s still running) " % what
        current = protected_item_result(api.get_protected_item(self.client, vpath, vm))
        return current, pending, "waited for the running %s (%s); " % (what, seen["status"])

    # -- reads ------------------------------------------------------------------------------

    def _discover(self, vpath, vm):
        """The vault's protectable item of the VM, refreshing the vault's VM list once when needed;
        None in check mode for a VM the vault does not know yet."""
        found = self.reads.protectable(vpath, vm)
        if found is None:
            # Not listed: it may be protected by another vault, which no refresh changes. One VM asks
            # first, so that such a VM never costs a refresh; in a batch the one refresh of the vault is
            # shared, and only the VMs still not listed after it are asked (below).
            if not (self.reads.whole_lists and self.params["discover"] and not self.check_mode):
                self._not_protected_elsewhere(vpath, vm.id)
            if not self.params["discover"]:
                raise ValueError("vault %s does not know VM %s yet and discover=false: run "
                                 "azure_recovery.backup.azure_backup_refresh first, or set discover=true"
                                 % (self.params["vault_name"], vm.label))
            self.discovered = True
            if self.check_mode:
                self.warn("VM %s is not discovered by the vault yet; a real run refreshes the vault's VM list first" % vm.label)
                return None
            self.reads.refresh(vpath)
            found = self.reads.protectable(vpath, vm)
            if found is None:
                if not self.checked_elsewhere:
                    self._not_protected_elsewhere(vpath, vm.id)
                raise ValueError("vault %s does not see VM %s even after refreshing its VM list: check that the VM exists "
                                 "and is in the vault's region and subscription" % (self.params["vault_name"], vm.label))
        elif self.reads.found_by_refresh(vpath, vm):
            self.discovered = True
        if found.get("classic"):
            vm.classic = True
        return found

    def _not_protected_elsewhere(self, vpath, vm_id):
        self.checked_elsewhere = True
        vault = self.reads.vault(vpath, self.vault_label)
        try:
            status = api.backup_status(self.client, vault.get("location"), vm_id)
        except ArmNotFound as exc:
            raise ValueError("VM %s does not exist (%s)" % (vm_id, exc))
        other = status.get("vaultId")
        if (status.get("protectionStatus") or "").lower() in ("protected", "protecting") and other and not same_id(other, vault.get("id")):
            raise ValueError("VM %s is already protected by vault %s (%s); stop its protection there first"
                             % (vm_id, other.rstrip("/").rsplit("/", 1)[-1], other))

    # -- writes ------------------------------------------------------------------------------

    def finish(self, result, item, job_id=None):
        """The result of a deferred write once it has ended: ``item`` (raw, or None when gone) read back by the batch."""
        action, vm, desired, waited = self._finish
        result["protected_item"] = protected_item_result(item)
        result["job_id"] = job_id or result.get("job_id")
        result["msg"] = waited + self._done_message(action, vm, desired, result["protected_item"])
        return result

    def _write(self, step, vpath, vm, vm_id, policy, desired, current, defer=False):
        client = self.client
        wait = self.params["wait"]
        if step == "undelete":
            # the protect step that may follow needs the undelete to have finished
            done = api.put_protected_item(client, vpath, vm, api.undelete_body(vm, vm_id), "undeleting the backup item of VM %s" % vm.label,
                                          wait=wait or desired["state"] == "present")
        elif step == "protect":
            reset = bool(current and current.get("disk_exclusion")) and not desired["disk_exclusion"]
            body = api.protect_body(vm, vm_id, policy["id"], desired["disk_exclusion"], reset_disks=reset)
            done = api.put_protected_item(client, vpath, vm, body, "protecting VM %s with policy %s" % (vm.label, policy.get("name")),
                                          wait=wait, defer=defer)
        elif step in ("stop", "suspend"):
            done = self._stop_or_suspend(step, vpath, vm, vm_id, wait, defer)
        else:
            done = self._delete(vpath, vm, current, wait, defer)
        return done

    def _delete(self, vpath, vm, current, wait, defer=False):
        """DELETE of the item (stop protection, delete the data). When the service refuses it and the vault's resource
        guard protects deleting backup data: unlockDelete with the deleteProtectedItemRequests the guard proxy lists,
        for this item, then the DELETE again (a vault without a guard costs no extra call)."""
        from ansible_collections.azure_recovery.backup.plugins.module_utils import _guard as mua
        from ansible_collections.azure_recovery.backup.plugins.module_utils import _vault_api as vapi
        action = "deleting the backup data of VM %s" % vm.label
        try:
            return api.delete_protected_item(self.client, vpath, vm, action, wait=wait, defer=defer)
        except ArmError as err:
            guard = self.reads.guard(vpath, self.vault_label) if err.status in (400, 403) else None
            if guard is None or not guard.protects(mua.DELETE_ITEM) or not (current or {}).get("id"):
                raise

        def unlock_then_delete(requests):
            vapi.unlock_delete_guard_proxy(self.client, vpath, guard.proxy_name, requests, self.vault_label, resource=current["id"])
            return api.delete_protected_item(self.client, vpath, vm, action, wait=wait, defer=defer)
        return mua.guarded(guard, mua.DELETE_ITEM, unlock_then_delete)

    def _stop_or_suspend(self, step, vpath, vm, vm_id, wait, defer=False):
        """Stop protection (ProtectionStopped) or suspend backups (BackupsSuspended), keeping the data. When the
        service refuses it and the vault's resource guard protects the operation, it is sent again with the
        stopProtectionWithRetainDataRequests the guard proxy lists (a vault without a guard costs no extra call)."""
        from ansible_collections.azure_recovery.backup.plugins.module_utils import _guard as mua
        body = api.stop_body(vm, vm_id)
        if step == "suspend":
            body["properties"].pop("policyId", None)
            body["properties"]["protectionState"] = "BackupsSuspended"
        action = "%s of VM %s" % ("stopping protection" if step == "stop" else "suspending backups", vm.label)

        def write(requests):
            if requests:
                body["properties"]["resourceGuardOperationRequests"] = requests
            return api.put_protected_item(self.client, vpath, vm, body, action, wait=wait, defer=defer)
        try:
            return write([])
        except ArmError as err:
            guard = self.reads.guard(vpath, self.vault_label) if err.status in (400, 403) else None
            if guard is None or not guard.protects(mua.STOP_PROTECTION):
                raise
        return mua.guarded(guard, mua.STOP_PROTECTION, write)

    # -- messages ----------------------------------------------------------------------------

    def _none_message(self, vm, current):
        if current is None:
            return "VM %s is not protected by the vault; nothing to do" % vm.label
        if current.get("soft_deleted"):
            return "the backup data of VM %s is soft-deleted%s; nothing to do" % (vm.label, purge_text(current))
        return "protection of VM %s is already as asked (%s)" % (vm.label, current.get("protection_state"))

    def _done_message(self, action, vm, desired, item):
        if action == "delete" and item and item.get("soft_deleted"):
            return "protection of VM %s removed; its backup data is soft-deleted%s (undelete=true restores it until then)" % (
                vm.label, purge_text(item))
        if desired["policy_name"]:
            return "%s: protection of VM %s with policy %s" % (action, vm.label, desired["policy_name"])
        return "%s: protection of VM %s" % (action, vm.label)


# -- many VMs in one process (azure_vm_protection_batch) ----------------------------------------

ENTRY_OVERRIDES = ("policy", "state", "undelete", "include_disk_luns", "exclude_disk_luns")
RETURN_KEYS = ("changed", "action", "discovered", "job_id", "protected_item", "pending_operation", "diff", "msg")


def run_batch(client, params, check_mode=False, diff=False, warn=None):
    """azure_vm_protection_batch: every entry of ``params['vms']`` through VmProtection, on threads sharing
    ``client`` and one VaultReads. Raises ValueError (nothing sent) when an entry is not valid."""
    # here, not at the top: a one-VM task (azure_vm_protection) has no use for it
    from ansible_collections.azure_recovery.backup.plugins.module_utils import _batch as batch
    entries = [batch.entry_params(params, entry, ENTRY_OVERRIDES) for entry in params["vms"]]

    def check(one):
        """What VmProtection.run() would refuse before its first call (the batch has no argument spec
        that requires a policy for state=present)."""
        if one["state"] == "present" and not (one["policy"] or "").strip():
            raise ValueError("policy is required for state=present (give it for the task or for this VM)")
        VmProtection(client, one).desired()
    batch.check_entries(client, entries, check)
    reads = VaultReads(client, whole_lists=len(entries) > 1)
    watch = None
    if params["wait"] and not check_mode and len(entries) > 1:
        # the writes are not waited for one by one: the vault's job list answers for all of them (_job_watch)
        from ansible_collections.azure_recovery.backup.plugins.module_utils._job_watch import JobWatch
        watch = JobWatch(client)
    index_of = dict((id(one), index) for index, one in enumerate(entries))
    deferred = {}

    def work(one, warn_vm):
        protection = VmProtection(client, one, check_mode=check_mode, diff=diff, warn=warn_vm, reads=reads, defer=watch is not None)
        try:
            outcome = protection.run()
        finally:
            if watch is not None:
                watch.maybe_poll()
        if protection.pending_write is not None:
            index = index_of[id(one)]
            deferred[index] = (protection, outcome)
            watch.add(index, protection.pending_write)
        return outcome
    result = batch.run(client, entries, work, RETURN_KEYS, params["concurrency"], check_mode=check_mode, diff=diff,
                       warn=None if watch is not None else warn)
    if watch is None:
        return result
    watch.wait()
    rows = result["results"]
    succeeded = [index for index in deferred if watch.ended[index][1] is None]
    items = watch.read_back(succeeded)
    for index, (protection, outcome) in deferred.items():
        job, error = watch.ended[index]
        if error is None and isinstance(items.get(index), ArmError):
            error = items[index]
        if error is not None:
            rows[index].update(failed=True, changed=False, msg=str(error), error=error.to_dict())
            continue
        protection.finish(outcome, items.get(index), job_id=job.get("name") if job else None)
        rows[index].update((key, outcome[key]) for key in RETURN_KEYS if key in outcome)
    return batch.summarise(rows, check_mode, diff, warn)
