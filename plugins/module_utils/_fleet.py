# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fleets: the VMs of some subscriptions joined with their backup state.

Reads, per subscription (threads): the Compute VM list (all pages; per resource group when the
scope names resource groups) and the vault list; then each vault that can protect a VM in scope
(same subscription and region) lists its protected items ONCE. Every VM gets one record
(``vm_record``) whatever the number of vaults that see it. A VM no read vault protects is
``unprotected`` only when every vault of its subscription and region was read; otherwise one
backupStatus call (a POST that only reads, counted against the write budget) tells whether a
vault out of scope protects it (``protected_elsewhere``), or, with ``backup_status: never``,
it is ``unknown``. Used by the inventory plugin ``azure_vms`` and the module ``azure_vm_scope_info``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import fnmatch
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import parse_vm_id, quote_segment
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import protected_item_result
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import parse_service_time

COMPUTE_API_VERSION = "2024-07-01"
VAULT_API_VERSION = "2026-02-01"
DEFAULT_SOFT_DELETE_DAYS = 14
# Backups run in these states. ProtectionPaused, ProtectionStopped and BackupsSuspended are "stopped", as
# azure_vm_protection sees them (_protection.INACTIVE_STATES: state=present resumes them).
ACTIVE_STATES = ("protected", "irpending", "protectionerror")
BACKUP_STATES = ("protected", "unprotected", "stopped", "soft_deleted", "protected_elsewhere", "unknown")
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LOCATION_RE = re.compile(r"^[a-z0-9]+$")
_RG_RE = re.compile(r"^[-\w._()]{1,90}$", re.UNICODE)
UTC = datetime.timezone.utc


# ---------------------------------------------------------------------------------------
# Scope (checked before any call)
# ---------------------------------------------------------------------------------------

def check_subscriptions(values, what="subscriptions"):
    out = []
    for value in values or []:
        if not isinstance(value, str) or not _GUID_RE.match(value.strip()):
            raise ValueError("%s: %r is not a subscription ID (a GUID)" % (what, value))
        if value.strip().lower() not in [v.lower() for v in out]:
            out.append(value.strip())
    return out


def check_resource_groups(values, what="resource_groups"):
    out = []
    for value in values or []:
        if not isinstance(value, str) or not _RG_RE.match(value.strip()) or value.strip().endswith("."):
            raise ValueError("%s: %r is not a resource group name" % (what, value))
        out.append(value.strip())
    return out


def check_locations(values, what="locations"):
    out = []
    for value in values or []:
        text = str(value).strip().lower().replace(" ", "") if isinstance(value, str) else ""
        if not _LOCATION_RE.match(text):
            raise ValueError("%s: %r is not an Azure region name (e.g. westeurope)" % (what, value))
        out.append(text)
    return out


def check_tags(value, what="tags"):
    """``{key: value | [values] | '*'}`` -> ``{key: [values] or None (any value)}``. Keys match case-insensitively,
    values exactly (as Azure keeps them). A malformed filter is a ValueError."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("%s must be a dictionary of tag name to value (or list of values, or '*'), got %r" % (what, value))
    out = {}
    for key, wanted in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError("%s: tag name %r is not a non-empty string" % (what, key))
        if wanted == "*":
            out[key.strip()] = None
            continue
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or any(not isinstance(v, (str, int, float)) or isinstance(v, bool) for v in values):
            raise ValueError("%s: tag %s wants %r; give a string, a list of strings or '*'" % (what, key, wanted))
        out[key.strip()] = [str(v) for v in values]
    return out


def check_patterns(values, what="names"):
    out = []
    for value in values or []:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("%s: %r is not a name pattern" % (what, value))
        out.append(value.strip())
    return out


def tags_match(vm_tags, wanted):
    lowered = dict((str(k).lower(), v) for k, v in (vm_tags or {}).items())
    for key, values in wanted.items():
        if key.lower() not in lowered:
            return False
        if values is not None and str(lowered[key.lower()]) not in values:
            return False
    return True


def name_match(name, patterns):
    return any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------

def list_vms(client, subscription, resource_group=None):
    path = "/subscriptions/%s" % quote_segment(subscription)
    if resource_group:
        path += "/resourceGroups/%s" % quote_segment(resource_group)
    return client.list(path + "/providers/Microsoft.Compute/virtualMachines",
                       "listing the VMs of subscription %s%s" % (subscription, " resource group %s" % resource_group if resource_group else ""),
                       api_version=COMPUTE_API_VERSION)


def list_vaults(client, subscription):
    return client.list("/subscriptions/%s/providers/Microsoft.RecoveryServices/vaults" % quote_segment(subscription),
                       "listing the Recovery Services vaults of subscription %s" % subscription, api_version=VAULT_API_VERSION)


def list_vault_items(client, vault_id):
    return client.list(vault_id + "/backupProtectedItems", "listing the protected VMs of vault %s" % vault_id.rsplit("/", 1)[-1],
                       query={"$filter": "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"})


def backup_status(client, subscription, location, vm_id):
    path = "/subscriptions/%s/providers/Microsoft.RecoveryServices/locations/%s/backupStatus" % (
        quote_segment(subscription), quote_segment(location))
    response = client.send("POST", path, "reading the backup status of VM %s" % vm_id,
                           body={"resourceType": "VM", "resourceId": vm_id}, ok=(200,), idempotent=True)
    return response.json() if response.content else {}


def soft_delete_days(vault):
    settings = (((vault.get("properties") or {}).get("securitySettings") or {}).get("softDeleteSettings") or {})
    try:
        days = int(settings.get("softDeleteRetentionPeriodInDays") or DEFAULT_SOFT_DELETE_DAYS)
    except (TypeError, ValueError):
        days = DEFAULT_SOFT_DELETE_DAYS
    return days


def _location(value):
    return (value or "").lower().replace(" ", "")


class Estate(object):
    """The result of ``read_estate``: ``vms`` (records, sorted), ``vaults`` (the vaults whose items were read),
    ``vault_lists`` (every vault of each subscription), ``errors`` (one line each),
    ``reads`` {vm_lists, vault_lists, item_lists, backup_status} (lists, each of all its pages)."""

    def __init__(self):
        self.vms = []
        self.vaults = []
        self.vault_lists = {}    # lower-case subscription -> the vaults its list gave (raw bodies)
        self.errors = []
        self.reads = {"vm_lists": 0, "vault_lists": 0, "item_lists": 0, "backup_status": 0}


def read_estate(client, subscriptions, resource_groups=None, locations=None, tags=None, names=None, exclude=None,
                max_backup_age_hours=26.0, backup_status_mode="auto", workers=8, now=None):
    """Read the VMs in scope and their backup state; see the module docstring."""
    now = now or datetime.datetime.now(UTC)
    subscriptions = check_subscriptions(subscriptions)
    resource_groups = check_resource_groups(resource_groups)
    locations = check_locations(locations)
    tags = check_tags(tags)
    names = check_patterns(names, "names")
    exclude = check_patterns(exclude, "exclude")
    if backup_status_mode not in ("auto", "always", "never"):
        raise ValueError("backup_status must be auto, always or never, not %r" % (backup_status_mode,))
    estate = Estate()
    lock = threading.Lock()
    workers = max(1, int(workers))

    def count(key, n=1):
        with lock:
            estate.reads[key] += n

    def read_subscription(sub):
        vms, vaults, errors = [], None, []
        for rg in (resource_groups or [None]):
            try:
                vms.extend(list_vms(client, sub, rg))
                count("vm_lists")
            except ArmError as err:
                errors.append(str(err))
        try:
            vaults = list_vaults(client, sub)
            count("vault_lists")
        except ArmError as err:
            errors.append(str(err))
        return sub, vms, vaults, errors

    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(subscriptions)))) as pool:
        per_sub = list(pool.map(read_subscription, subscriptions))

    in_scope = []
    vaults_complete = {}         # (sub, location) -> False when a vault of that cell, or the vault list, could not be read
    cells = {}                   # (sub, location) -> [vault]
    for sub, vms, vaults, errors in per_sub:
        estate.errors.extend(errors)
        for vm in vms:
            location = _location(vm.get("location"))
            name = vm.get("name") or ""
            if locations and location not in locations:
                continue
            if tags and not tags_match(vm.get("tags"), tags):
                continue
            if names and not name_match(name, names):
                continue
            if exclude and name_match(name, exclude):
                continue
            in_scope.append(vm)
        if vaults is None:
            vaults_complete[sub.lower()] = False
            continue
        estate.vault_lists[sub.lower()] = vaults
        for vault in vaults:
            cells.setdefault((sub.lower(), _location(vault.get("location"))), []).append(vault)

    wanted_cells = set((parse_vm_id(vm["id"]).subscription_id.lower(), _location(vm.get("location"))) for vm in in_scope)
    to_read = [v for cell, vs in sorted(cells.items()) if cell in wanted_cells for v in vs]
    failed_cells = set()

    def read_vault(vault):
        try:
            items = list_vault_items(client, vault["id"])
            count("item_lists")
            return vault, items, None
        except ArmError as err:
            return vault, None, str(err)

    items_by_vm = {}
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(to_read)))) as pool:
        for vault, items, error in pool.map(read_vault, to_read):
            sub = parse_sub(vault["id"])
            info = {"id": vault["id"], "name": vault.get("name"), "resource_group": resource_group_of(vault["id"]),
                    "subscription_id": sub, "location": _location(vault.get("location")),
                    "soft_delete_days": soft_delete_days(vault), "error": error, "items": 0}
            estate.vaults.append(info)
            if error:
                estate.errors.append(error)
                failed_cells.add((sub.lower(), info["location"]))
                continue
            for item in items:
                view = protected_item_result(item, now, vault_retention_days=info["soft_delete_days"])
                if not view or not view.get("vm_id"):
                    continue
                info["items"] += 1
                items_by_vm.setdefault(view["vm_id"].lower(), []).append((info, view))

    records = []
    need_status = []
    for vm in in_scope:
        ref = parse_vm_id(vm["id"])
        cell = (ref.subscription_id.lower(), _location(vm.get("location")))
        complete = vaults_complete.get(cell[0], True) and cell not in failed_cells
        record = vm_record(vm, items_by_vm.get(vm["id"].lower(), []), now, max_backup_age_hours)
        if record["backup_state"] == "unprotected":
            if backup_status_mode == "always" or (backup_status_mode == "auto" and not complete):
                need_status.append(record)
            elif not complete:
                record["backup_state"] = "unknown"
                record["backup_note"] = "a vault of its subscription and region could not be read"
        records.append(record)

    def status_of(record):
        try:
            body = backup_status(client, record["subscription_id"], record["location"], record["vm_id"])
            count("backup_status")
        except ArmError as err:
            record["backup_state"] = "unknown"
            record["backup_note"] = str(err)
            return
        vault_id = body.get("vaultId") or ""
        if (body.get("protectionStatus") or "").lower() == "protected" and vault_id:
            record["backup_state"] = "protected_elsewhere"
            record["backup_vault_id"] = vault_id
            record["backup_vault"] = vault_id.rstrip("/").rsplit("/", 1)[-1]
            record["backup_policy"] = body.get("policyName")
            record["backup_note"] = "protected by a vault out of scope"

    if need_status:
        with ThreadPoolExecutor(max_workers=min(workers, len(need_status))) as pool:
            list(pool.map(status_of, need_status))
    estate.vms = sorted(records, key=lambda r: r["vm_id"].lower())
    return estate


def parse_sub(resource_id):
    parts = resource_id.split("/")
    return parts[2] if len(parts) > 2 else ""


def resource_group_of(resource_id):
    parts = resource_id.split("/")
    return parts[4] if len(parts) > 4 else ""


# ---------------------------------------------------------------------------------------
# One VM's record
# ---------------------------------------------------------------------------------------

def item_rank(view):
    """0 for active protection, 1 stopped, 2 soft-deleted: which of several vaults holding an item of one VM protects it
    (the rule-mode rows and the per-vault audit both count a VM once, under the best of its items)."""
    state = (view.get("protection_state") or "").lower()
    if view.get("soft_deleted"):
        return 2
    if state in ACTIVE_STATES:
        return 0
    return 1


def vm_record(vm, items, now, max_backup_age_hours):
    """A VM (Compute list entry) and the protected items that name it -> one flat record."""
    ref = parse_vm_id(vm["id"])
    props = vm.get("properties") or {}
    record = {
        "vm_id": vm["id"], "vm_name": vm.get("name") or ref.name, "resource_group": ref.resource_group,
        "subscription_id": ref.subscription_id, "location": _location(vm.get("location")),
        "vm_tags": dict(vm.get("tags") or {}), "vm_zones": list(vm.get("zones") or []), "vm_uuid": props.get("vmId"),
        "backup_state": "unprotected", "backup_vault": None, "backup_vault_id": None, "backup_vault_resource_group": None,
        "backup_vault_subscription_id": None, "backup_policy": None, "backup_policy_type": None, "protection_state": None, "health_status": None,
        "last_backup_time": None, "last_backup_status": None, "last_recovery_point": None, "soft_deleted": False,
        "delete_time": None, "purge_time": None, "backup_stale": False, "backup_failed": False, "backup_note": None,
        "other_vaults": [],
    }
    if not items:
        return record
    items = sorted(items, key=lambda pair: (item_rank(pair[1]), pair[0]["id"].lower()))
    vault, view = items[0]
    record["other_vaults"] = sorted(set(v["id"] for v, _view in items[1:]))
    state = (view.get("protection_state") or "")
    record.update({
        "backup_vault": vault["name"], "backup_vault_id": vault["id"], "backup_vault_resource_group": vault["resource_group"],
        "backup_vault_subscription_id": vault["subscription_id"], "backup_policy": view.get("policy_name"),
        "backup_policy_type": view.get("policy_type"),
        "protection_state": state, "health_status": view.get("health_status"),
        "last_backup_time": view.get("last_backup_time"), "last_backup_status": view.get("last_backup_status"),
        "last_recovery_point": view.get("last_recovery_point"), "soft_deleted": bool(view.get("soft_deleted")),
    })
    if view.get("soft_deleted"):
        record["backup_state"] = "soft_deleted"
        # deferredDeleteTimeInUTC is when the item was deleted; it is purged the retention days later (_times.soft_delete_times)
        record["delete_time"] = view.get("deleted_time")
        record["purge_time"] = view.get("purge_time")
    elif state.lower() in ACTIVE_STATES:
        record["backup_state"] = "protected"
        record["backup_failed"] = (view.get("last_backup_status") or "").lower() == "failed"
        last_good = parse_service_time(view.get("last_recovery_point"))
        if last_good is None and (view.get("last_backup_status") or "").lower() in ("completed", "completedwithwarnings"):
            last_good = parse_service_time(view.get("last_backup_time"))
        pending_first = state.lower() == "irpending" and last_good is None
        if not pending_first:
            record["backup_stale"] = last_good is None or (now - last_good) > datetime.timedelta(hours=float(max_backup_age_hours))
    else:
        record["backup_state"] = "stopped"
    return record


def groups_of(record):
    """The inventory groups of one record."""
    groups = [record["backup_state"]]
    if record["backup_stale"]:
        groups.append("stale")
    if record["backup_failed"]:
        groups.append("failed")
    return groups
