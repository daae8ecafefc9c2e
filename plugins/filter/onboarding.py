# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the vm_onboarding role: its VM entries and its plan, from the same Python the modules use
(names and IDs from _names, the protection decision from _protection), so that the role decides nothing
a module decides and cannot disagree with it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The documentation of each filter is in onboarding_targets.yml and onboarding_plan.yml next to this file.

from ansible_collections.azure_recovery.backup.plugins.module_utils._names import (
    has_control,
    parse_vm_id,
    same_id,
    validate_resource_group,
    validate_vm_name,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import DecisionError, decide, desired_disks

ALLOWED_KEYS = ("name", "resource_group", "id", "policy", "include_disk_luns", "exclude_disk_luns", "vault_name", "vault_resource_group")


def _text(value):
    return "" if value is None else str(value)


def _target(spec, defaults, host=""):
    """One entry -> the target fields (without key), ``error`` saying what is wrong with it."""
    t = {"name": "", "resource_group": "", "id": "", "error": "", "host": host, "policy": _text(defaults.get("policy")),
         "vault_name": _text(defaults.get("vault_name")), "vault_resource_group": _text(defaults.get("vault_resource_group")),
         "include_disk_luns": None, "exclude_disk_luns": None, "shown": host or _text(spec)}
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(ALLOWED_KEYS))
        if unknown:
            t["error"] = "unknown keys %s (allowed: %s)" % (", ".join(unknown), ", ".join(ALLOWED_KEYS))
        t.update(name=_text(spec.get("name") or ""), resource_group=_text(spec.get("resource_group") or ""), id=_text(spec.get("id") or ""))
        t["policy"] = _text(spec.get("policy") or t["policy"])
        if spec.get("vault_name") is not None or spec.get("vault_resource_group") is not None:
            # an entry's own vault (both names): the role runs one batch task per vault, the vaults side by side
            t["vault_name"], t["vault_resource_group"] = _text(spec.get("vault_name")), _text(spec.get("vault_resource_group"))
            if not (t["vault_name"] and t["vault_resource_group"]):
                t["error"] = "give vault_name and vault_resource_group together"
        t["include_disk_luns"], t["exclude_disk_luns"] = spec.get("include_disk_luns"), spec.get("exclude_disk_luns")
        if t["include_disk_luns"] is not None and t["exclude_disk_luns"] is not None:
            t["error"] = "give include_disk_luns or exclude_disk_luns, not both"
        if t["id"] and (t["name"] or t["resource_group"]):
            t["error"] = "give id, or name with resource_group, not both"
    elif isinstance(spec, str) and spec.strip(" ") and not has_control(spec):
        text = spec.strip(" ")
        if text.startswith("/"):
            t["id"] = text
        elif len(text.split("/")) == 2:
            t["resource_group"], t["name"] = text.split("/")
        else:
            t["error"] = "not a VM ID and not 'resource_group/vm_name'"
    else:
        t["error"] = "give a VM ID, 'resource_group/vm_name' or a dictionary with name and resource_group"
    if t["error"]:
        return t
    try:
        if t["id"]:
            vm = parse_vm_id(t["id"])
            t["resource_group"], t["name"] = vm.resource_group, vm.name
        elif not (t["name"] and t["resource_group"]):
            raise ValueError("the VM needs a name and a resource group, or an id")
        else:
            validate_resource_group(t["resource_group"])
            validate_vm_name(t["name"])
    except ValueError as exc:
        t["error"] = str(exc)
        return t
    if not (t["vault_name"] and t["vault_resource_group"] and t["policy"]):
        t["error"] = "vault name, vault resource group and policy are needed"
    return t


def onboarding_targets(specs, per_host=False, defaults=None):
    """The role's VM entries -> {targets, vaults, by_host} (see DOCUMENTATION)."""
    if not isinstance(specs, list):
        raise TypeError("onboarding_targets: expected a list of VM entries, got %s" % type(specs).__name__)
    targets, keys, vaults, by_host = [], set(), [], {}
    for index, spec in enumerate(specs, 1):
        host = ""
        spec_defaults = dict(defaults or {})
        if per_host:
            spec = spec if isinstance(spec, dict) else {}
            host = _text(spec.get("host"))
            spec_defaults.update((key, spec.get(key)) for key in ("vault_name", "vault_resource_group", "policy"))
            spec = spec.get("vm")
        t = _target(spec, spec_defaults, host)
        vault_key = "%s/%s" % (t["vault_resource_group"].lower(), t["vault_name"].lower())
        key = "invalid#%d" % index if t["error"] else "%s|%s/%s" % (vault_key, t["resource_group"].lower(), t["name"].lower())
        if host:
            by_host[host] = key
        if key in keys:
            continue
        keys.add(key)
        shown = t.pop("shown")
        targets.append(dict(t, key=key, vm_key="%s/%s" % (t["resource_group"].lower(), t["name"].lower()), vault_key=vault_key,
                            label=shown if t["error"] else "%s/%s" % (t["resource_group"], t["name"])))
        if not t["error"] and vault_key not in [vault["key"] for vault in vaults]:
            vaults.append({"key": vault_key, "name": t["vault_name"], "resource_group": t["vault_resource_group"]})
    return {"targets": targets, "vaults": vaults, "by_host": by_host}


def settled(target, current):
    """True when the VM is protected as the target asks: azure_vm_protection's decision is "none" and no write runs
    on its item. Anything the module would refuse (e.g. include_disk_luns: []) is not settled: the module says why."""
    if current is None or current.get("pending_operation"):
        return False
    policy = target["policy"]
    if "/" in policy:
        if not same_id(current.get("policy_id"), policy):
            return False
        policy = current.get("policy_name") or ""
    try:
        desired = {"state": "present", "policy_name": policy, "undelete": False,
                   "disk_exclusion": desired_disks(target.get("include_disk_luns"), target.get("exclude_disk_luns"))}
        return decide(current, desired)[0] == "none"
    except (DecisionError, ValueError):
        return False


def _key(entry):
    return "%s/%s" % ((entry.get("resource_group") or "").lower(), (entry.get("friendly_name") or "").lower())


def onboarding_plan(info_results, targets_input):
    """What each VM needs, from one azure_vm_protection_info read of each vault (the results of a loop over
    ``targets_input['vaults']``): per target ``current`` (the protected item or None), ``known`` (the vault sees
    the VM), ``settled`` and ``error``; per vault ``error``, ``unknown`` and ``unknown_labels`` (what the one
    refresh asks for)."""
    vaults = {}
    for res in info_results or []:
        # failed_when: false resets "failed": a read that failed has no protected_items
        failed = "protected_items" not in res
        protected = {} if failed else dict((_key(entry), entry) for entry in res.get("protected_items") or [])
        known = [] if failed else [_key(entry) for entry in res.get("unprotected_vms") or []] + list(protected)
        vaults[res["item"]["key"]] = {"error": (res.get("msg") or "reading the vault failed") if failed else "",
                                      "protected": protected, "known": known}
    targets, unknown = [], []
    for t in targets_input["targets"]:
        current, known, error = None, False, t["error"]
        if not error:
            vault = vaults[t["vault_key"]]
            error = vault["error"]
            if not error:
                current = vault["protected"].get(t["vm_key"])
                known = t["vm_key"] in vault["known"]
        if not error and not known:
            unknown.append((t["vault_key"], t["id"] or "%s/%s" % (t["resource_group"], t["name"]), t["label"]))
        targets.append(dict(t, current=current, known=known, settled=bool(not error and settled(t, current)), error=error))
    plan_vaults = []
    for vault in targets_input["vaults"]:
        mine = [entry for entry in unknown if entry[0] == vault["key"]]
        plan_vaults.append(dict(vault, error=vaults[vault["key"]]["error"], unknown=[entry[1] for entry in mine],
                                unknown_labels=[entry[2] for entry in mine]))
    return {"targets": targets, "vaults": plan_vaults}


class FilterModule(object):
    def filters(self):
        return {"onboarding_targets": onboarding_targets, "onboarding_plan": onboarding_plan}
