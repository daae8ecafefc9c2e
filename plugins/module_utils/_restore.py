# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Recovery points, restores, job cancel, and the Compute calls a restore drill needs.

Shared by azure_vm_recovery_point_info, azure_vm_restore, azure_vm_restore_batch,
azure_backup_job and azure_vm_restore_cleanup. Every wait goes through the core's waiter
(``wait_for_operation()``, ``_backup_api.wait_for_job()``) within the client's one deadline
for the task (``wait_timeout``), and every input is checked with full matches before any call.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover - Python 2 is not supported, keeps the compile test quiet
    from urllib import unquote  # type: ignore

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils import _batch as batch
from ansible_collections.azure_recovery.backup.plugins.module_utils import _guard as mua
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, ArmNotFound
from ansible_collections.azure_recovery.backup.plugins.module_utils._backup_now import SUCCESSFUL, job_outcome
from ansible_collections.azure_recovery.backup.plugins.module_utils._lro import wait_for_operation
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import (
    has_control,
    quote_segment,
    validate_job_id,
    validate_resource_group,
    validate_subscription_id,
    validate_vm_name,
    vm_ref,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import VaultReads, follow_running_write
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import job_is_for, job_result, pending_operation_result
from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import (
    UTC,
    format_filter_time,
    format_utc,
    parse_duration,
    parse_service_time,
    parse_utc,
)

STORAGE_API_VERSION = "2023-05-01"
NETWORK_API_VERSION = "2024-05-01"
VM_API_VERSION = "2024-07-01"
DISK_API_VERSION = "2024-03-02"

RECOVERY_TYPES = {"disks": "RestoreDisks", "new_vm": "AlternateLocation", "replace_disks": "OriginalLocation"}
TIER_NAMES = {"instantrp": "snapshot", "hardenedrp": "vault", "archivedrp": "archive"}
RUNNING = tuple(status.lower() for status in api.JOB_RUNNING)
# How far back a re-run looks for the restore job of an earlier run.
RERUN_LOOKBACK = datetime.timedelta(days=30)
# How long after a lost restore request its job may take to show in the job list.
LOST_REQUEST_CHECKS = (0, 2, 5, 10)
# Threads that wait for the deletions of a cleanup.
CLEANUP_WAITERS = 20
# Restore jobs of the VM read (newest first) to recognise a re-run.
MAX_EARLIER_JOBS = 20

# Subscription and resource group are checked by _names (validate_subscription_id, validate_resource_group).
_PREFIX = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
_NAMES = {
    "storage": (r"Microsoft\.Storage/storageAccounts", r"[a-z0-9]{3,24}"),
    "vnet": (r"Microsoft\.Network/virtualNetworks", r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]"),
    "des": (r"Microsoft\.Compute/diskEncryptionSets", r"[A-Za-z0-9_-]{1,80}"),
    "identity": (r"Microsoft\.ManagedIdentity/userAssignedIdentities", r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}"),
    "disk_access": (r"Microsoft\.Compute/diskAccesses", r"[A-Za-z0-9_-]{1,80}"),
    "vm": (r"Microsoft\.Compute/virtualMachines", r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]|[A-Za-z0-9_]"),
    "disk": (r"Microsoft\.Compute/disks", r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]|[A-Za-z0-9_]"),
    "nic": (r"Microsoft\.Network/networkInterfaces", r"[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]|[A-Za-z0-9]"),
}
_WHAT = {"storage": "storage account", "vnet": "virtual network", "des": "disk encryption set", "identity": "user-assigned identity",
         "disk_access": "disk access", "vm": "VM", "disk": "managed disk", "nic": "network interface"}
_SUBNET_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]|[A-Za-z0-9_]")
_RG_ID = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
_RP_NAME_RE = re.compile(r"[A-Za-z0-9-]{1,64}")
_RP_ID_RE = re.compile(r"(?P<item>/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.RecoveryServices/vaults/[^/]+"
                       r"/backupFabrics/Azure/protectionContainers/[^/]{1,200}/protectedItems/[^/]{1,200})/recoveryPoints/(?P<name>[A-Za-z0-9-]{1,64})",
                       re.IGNORECASE)
_ZONE_RE = re.compile(r"[1-3]")
_TAG_NAME_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


# ---------------------------------------------------------------------------------------
# Input checks of the restore's own options (full matches, no control characters), before
# any call; vault and VM names and IDs are _names' (vm_ref, _backup_api.vault_path)
# ---------------------------------------------------------------------------------------

def no_control(value, what):
    if isinstance(value, str) and has_control(value):
        raise ValueError("%s %r contains a control character (a stray newline?)" % (what, value))
    return value


def check_text(value, what):
    """A string option: no control characters, no surrounding spaces."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("%s must be a string, not %r" % (what, value))
    no_control(value, what)
    if value != value.strip() or not value:
        raise ValueError("%s %r is empty or has leading or trailing spaces" % (what, value))
    return value


def _id_match(pattern, value):
    """The full match of an ID pattern (groups sub, rg) whose subscription and resource group are valid by
    _names' rules; None otherwise."""
    match = re.fullmatch(pattern, value, re.IGNORECASE)
    try:
        if match:
            validate_subscription_id(match.group("sub"))
            validate_resource_group(match.group("rg"))
    except ValueError:
        return None
    return match


def parse_arm_id(value, kind, what=None):
    """A resource ID of one kind ('storage', 'vnet', 'des', 'identity', 'disk_access', 'vm', 'disk', 'nic')
    -> (subscription, resource group, name); ValueError when it is not exactly that."""
    what = what or _WHAT[kind]
    check_text(value, what)
    provider, name_re = _NAMES[kind]
    match = _id_match(r"%s%s/(?P<name>%s)" % (_PREFIX, provider, name_re), value)
    if not match:
        raise ValueError("invalid %s ID %r: expected /subscriptions/<id>/resourceGroups/<group>/providers/%s/<name>"
                         % (what, value, provider.replace("\\", "")))
    return match.group("sub"), match.group("rg"), match.group("name")


def same_subscription(client, subscription, what, value):
    if subscription.lower() != client.subscription_id.lower():
        raise ValueError("%s %s is in subscription %s, not in the vault's subscription %s (restores across subscriptions are not supported)"
                         % (what, value, subscription, client.subscription_id))


def parse_resource_group(client, value, what="target_resource_group"):
    """A resource group name, or its ID in the vault's subscription -> its name."""
    check_text(value, what)
    if value.startswith("/"):
        match = _id_match(_RG_ID, value)
        if not match:
            raise ValueError("invalid %s %r: expected a resource group name or /subscriptions/<id>/resourceGroups/<name>" % (what, value))
        same_subscription(client, match.group("sub"), "resource group", value)
        return match.group("rg")
    return validate_resource_group(value, what)


def check_tags(tags, what="tags"):
    if not tags:
        return {}
    if not isinstance(tags, dict):
        raise ValueError("%s must be a dict of tag names and values" % what)
    for name, value in tags.items():
        if not isinstance(name, str) or not _TAG_NAME_RE.fullmatch(name):
            raise ValueError("invalid tag name %r in %s: expected 1-128 letters, digits, '_', '.', ':' or '-'" % (name, what))
        if not isinstance(value, str) or len(value) > 256 or not value.strip():
            raise ValueError("invalid value %r of tag %s: expected a non-empty string of at most 256 characters" % (value, name))
        no_control(value, "the value of tag %s" % name)
    return dict(tags)


def drill_tag(tag):
    """The ``tag`` option of the drill's cleanup modules: exactly one tag -> (name, value)."""
    tag = check_tags(tag, "tag")
    if len(tag) != 1:
        raise ValueError("tag must be exactly one tag name and value, the drill's tag")
    return next(iter(tag.items()))


def tag_value_of(body, tag_name):
    """The value of tag ``tag_name`` on a resource body (tag names are case-insensitive in Azure), or None."""
    tags = dict((str(k).lower(), v) for k, v in ((body or {}).get("tags") or {}).items())
    return tags.get(tag_name.lower())


def carries_tag(body, tag_name, tag_value):
    """Does the resource carry the tag with exactly this value (values are case-sensitive)?"""
    return tag_value_of(body, tag_name) == tag_value


def vault_path(client, params):
    return api.vault_path(client, params["vault_resource_group"], params["vault_name"])


def vm_and_vault(client, params):
    """(VmRef, vault path) of the options; _names refuses a name or ID that is not exactly one."""
    vm = vm_ref(client.subscription_id, params.get("vm_name"), params.get("vm_resource_group"), params.get("vm_id"))
    return vm, vault_path(client, params)


# ---------------------------------------------------------------------------------------
# Recovery points
# ---------------------------------------------------------------------------------------

def list_recovery_points(client, vpath, vm, start=None, end=None):
    """Every recovery point of the VM (all pages); with start/end, only those in that window."""
    query = None
    if start or end:
        start = start or datetime.datetime(2002, 1, 1, tzinfo=UTC)
        end = end or datetime.datetime.now(UTC) + datetime.timedelta(minutes=5)
        query = {"$filter": "startDate eq '%s' and endDate eq '%s'" % (format_filter_time(start), format_filter_time(end))}
    return client.list(api.item_path(vpath, vm) + "/recoveryPoints", "listing the recovery points of VM %s" % vm.label, query=query)


def get_recovery_point(client, vpath, vm, name):
    return client.get_or_none("%s/recoveryPoints/%s" % (api.item_path(vpath, vm), quote_segment(name)),
                              "reading recovery point %s of VM %s" % (name, vm.label))


def point_time(point):
    return parse_service_time(((point or {}).get("properties") or {}).get("recoveryPointTime"))


def newest(points):
    dated = [point for point in points if point_time(point)]
    return max(dated, key=point_time) if dated else None


def _luns(disks):
    """Data disk LUNs of a disk list (the service lists the OS disk with LUN -1)."""
    return sorted(int(disk["lun"]) for disk in disks or [] if isinstance(disk, dict) and disk.get("lun") is not None and int(disk["lun"]) >= 0)


def recovery_point_result(point, now=None):
    """A RecoveryPointResource -> the modules' recovery_point shape."""
    if not point:
        return None
    props = point.get("properties") or {}
    moment = point_time(point)
    disks = props.get("recoveryPointDiskConfiguration") or {}
    rp_props = props.get("recoveryPointProperties") or {}
    tiers = []
    for tier in props.get("recoveryPointTierDetails") or []:
        kind = tier.get("type") or ""
        tiers.append({"type": kind, "tier": TIER_NAMES.get(kind.lower(), kind.lower()), "status": tier.get("status")})
    readiness = (props.get("recoveryPointMoveReadinessInfo") or {}).get("ArchivedRP") or {}
    now = now or datetime.datetime.now(UTC)
    return {
        "id": point.get("id"),
        "name": point.get("name"),
        "time": format_utc(moment) if moment else props.get("recoveryPointTime"),
        "age_seconds": int((now - moment).total_seconds()) if moment else None,
        "consistency_type": props.get("recoveryPointType"),
        "tiers": tiers,
        "usable_tiers": sorted(set(t["tier"] for t in tiers if (t["status"] or "").lower() in ("valid", "rehydrated"))),
        "expiry_time": rp_props.get("expiryTime") or None,
        "rule_name": rp_props.get("ruleName") or None,
        "soft_deleted": bool(rp_props.get("isSoftDeleted")),
        "disks": {
            "included_luns": _luns(disks.get("includedDiskList")),
            "excluded_luns": _luns(disks.get("excludedDiskList")),
            "number_included": disks.get("numberOfDisksIncludedInBackup"),
            "number_attached": disks.get("numberOfDisksAttachedToVm"),
        },
        "encrypted": bool(props.get("isSourceVMEncrypted")),
        "zones": list(props.get("zones") or []),
        "original_storage_account_option": bool(props.get("originalStorageAccountOption")),
        "managed_disks": props.get("isManagedVirtualMachine"),
        "vm_size": props.get("virtualMachineSize"),
        "os_type": props.get("osType"),
        "security_type": props.get("securityType"),
        "archive_move_ready": readiness.get("isReadyForMove") if readiness else None,
    }


def point_data_luns(client, vm, rp):
    """The data-disk LUNs a recovery point holds, or None when unknown. The service lists a point's disks
    (recoveryPointDiskConfiguration) only for a VM backed up with a disk inclusion / exclusion list; the points of
    other VMs carry none (recorded sessions; Azure/azure-cli#28492) and hold every disk of the VM: then the VM's data
    disks, read through Compute (one GET), stand for them; a VM that is gone leaves the check to the service."""
    if rp["disks"]["number_included"] is not None or rp["disks"]["included_luns"]:
        return rp["disks"]["included_luns"]
    if vm.classic:
        return None
    body = read_resource(client, "vm", vm.subscription_id, vm.resource_group, vm.name)
    if body is None:
        return None
    storage = (body.get("properties") or {}).get("storageProfile") or {}
    return _luns(storage.get("dataDisks"))


def needs_rehydration(point):
    """True when the point is only in the archive tier (no valid snapshot or vault copy)."""
    tiers = recovery_point_result(point)["tiers"]
    usable = [t for t in tiers if (t["status"] or "").lower() in ("valid", "rehydrated")]
    return bool(tiers) and all(t["tier"] == "archive" and (t["status"] or "").lower() == "valid" for t in usable) and bool(usable)


def recovery_point_info(client, params, now=None):
    """azure_vm_recovery_point_info."""
    now = now or datetime.datetime.now(UTC)
    vm, vpath = vm_and_vault(client, params)
    start = parse_utc(params["start_time"], "start_time") if params.get("start_time") else None
    end = parse_utc(params["end_time"], "end_time") if params.get("end_time") else None
    if start and end and end <= start:
        raise ValueError("end_time must be after start_time")
    if api.get_protected_item(client, vpath, vm) is None:
        raise ValueError("VM %s is not protected by vault %s/%s (it has no recovery points there)"
                         % (vm.label, params["vault_resource_group"], params["vault_name"]))
    points = list_recovery_points(client, vpath, vm, start, end)
    # the service's window is inclusive at the second; the filter also runs here so that the answer is exact
    points = [p for p in points if (not start or (point_time(p) or now) >= start) and (not end or (point_time(p) or now) <= end)]
    points.sort(key=lambda p: point_time(p) or now, reverse=True)
    if params.get("latest"):
        points = points[:1]
    return {"changed": False, "recovery_points": [recovery_point_result(p, now) for p in points],
            "msg": "%d recovery point(s) of %s" % (len(points), vm.label)}


def choose_recovery_point(client, vpath, vm, selector, now):
    """The recovery point a restore uses: ('latest', None), ('name', name) or ('before', datetime)."""
    kind, value = selector
    if kind == "name":
        point = get_recovery_point(client, vpath, vm, value)
        if point is None:
            raise ValueError("VM %s has no recovery point %s in this vault" % (vm.label, value))
        return point
    points = list_recovery_points(client, vpath, vm)
    if kind == "before":
        points = [p for p in points if point_time(p) and point_time(p) <= value]
    point = newest(points)
    if point is None:
        raise ValueError("VM %s has no recovery point%s in this vault" % (vm.label, " at or before %s" % format_utc(value) if kind == "before" else ""))
    return point


def parse_recovery_point_option(value, vpath, vm, label):
    """``recovery_point``: 'latest', a name, a full ID of this VM's point in this vault, or {latest_before: time}."""
    if value is None or value == "latest":
        return ("latest", None)
    if isinstance(value, dict):
        if set(value) != set(["latest_before"]):
            raise ValueError("recovery_point as a dict takes exactly one key, latest_before (got %s)" % sorted(value))
        return ("before", parse_utc(value["latest_before"], "recovery_point.latest_before"))
    check_text(value, "recovery_point")
    if value.startswith("/"):
        match = _RP_ID_RE.fullmatch(value)
        if not match:
            raise ValueError("invalid recovery point ID %r: expected <protected item ID>/recoveryPoints/<name>" % (value,))
        if unquote(match.group("item")).lower() != unquote(api.item_path(vpath, vm)).lower():
            raise ValueError("recovery point %s is not a recovery point of VM %s in vault %s" % (value, vm.label, label))
        return ("name", match.group("name"))
    if not _RP_NAME_RE.fullmatch(value):
        raise ValueError("invalid recovery point %r: expected 'latest', a recovery point name, its full ID, or {latest_before: <time>}" % (value,))
    return ("name", value)


# ---------------------------------------------------------------------------------------
# Resources around a restore (storage, network, compute)
# ---------------------------------------------------------------------------------------

def _region(location):
    return (location or "").replace(" ", "").lower()


def resource_path(kind, sub, rg, name):
    provider = _NAMES[kind][0].replace("\\", "")
    return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (quote_segment(sub), quote_segment(rg), provider, quote_segment(name))


def _api_version(kind):
    return {"storage": STORAGE_API_VERSION, "vnet": NETWORK_API_VERSION, "nic": NETWORK_API_VERSION, "vm": VM_API_VERSION,
            "disk": DISK_API_VERSION}[kind]


def read_resource(client, kind, sub, rg, name):
    return client.get_or_none(resource_path(kind, sub, rg, name), "reading %s %s/%s" % (_WHAT[kind], rg, name), api_version=_api_version(kind))


def check_in_region(client, kind, resource_id, vault_region):
    """GET of a staging account or network (as the official clients do): it must exist, in the vault's region."""
    sub, rg, name = parse_arm_id(resource_id, kind)
    body = read_resource(client, kind, sub, rg, name)
    if body is None:
        raise ValueError("%s %s does not exist" % (_WHAT[kind], resource_id))
    if _region(body.get("location")) != _region(vault_region):
        raise ValueError("%s %s is in region %s, not in the vault's region %s: a restore stages and lands in the vault's region"
                         % (_WHAT[kind], resource_id, body.get("location"), vault_region))
    return body


def list_disks(client, sub, rg):
    """The managed disks of a resource group; none when the group does not exist (a drill's group deleted by its cleanup,
    or not created yet in check mode)."""
    path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/disks" % (quote_segment(sub), quote_segment(rg))
    try:
        return client.list(path, "listing the managed disks of resource group %s" % rg, api_version=DISK_API_VERSION)
    except ArmNotFound:
        return []


def vm_nic_ids(vm_body):
    network = ((vm_body or {}).get("properties") or {}).get("networkProfile") or {}
    return [nic["id"] for nic in network.get("networkInterfaces") or [] if nic.get("id")]


def vm_disk_ids(vm_body):
    storage = ((vm_body or {}).get("properties") or {}).get("storageProfile") or {}
    disks = [storage.get("osDisk") or {}] + list(storage.get("dataDisks") or [])
    return [d["managedDisk"]["id"] for d in disks if (d.get("managedDisk") or {}).get("id")]


def patch_tags(client, kind, resource_id, current, tags):
    """Add ``tags`` to a VM or disk (PATCH, waited for when the service answers 202)."""
    merged = dict(current or {})
    if all(merged.get(k) == v for k, v in tags.items()):
        return False
    merged.update(tags)
    sub, rg, name = parse_arm_id(resource_id, kind)
    action = "tagging %s %s" % (_WHAT[kind], resource_id)
    response = client.send("PATCH", resource_path(kind, sub, rg, name), action, body={"tags": merged}, api_version=_api_version(kind),
                           ok=(200, 201, 202))
    if response.status_code == 202:
        wait_for_operation(client, response, action)
    return True


# ---------------------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------------------

class RestorePlan(object):
    """The options of azure_vm_restore, checked (no call made)."""

    def __init__(self, client, params):
        self.params = params
        self.vm, self.vpath = vm_and_vault(client, params)
        self.vault_label = "%s/%s" % (params["vault_resource_group"], params["vault_name"])
        self.restore_type = params.get("restore_type") or "disks"
        if self.restore_type not in RECOVERY_TYPES:
            raise ValueError("restore_type must be disks, new_vm or replace_disks, not %r" % (self.restore_type,))
        if self.restore_type == "replace_disks" and params.get("replace_existing") is not True:
            raise ValueError("restore_type=replace_disks replaces the disks of VM %s with the recovery point's: set replace_existing=true "
                             "to allow it (nothing was sent)" % self.vm.label)
        self.selector = parse_recovery_point_option(params.get("recovery_point"), self.vpath, self.vm, self.vault_label)
        self.max_age = parse_duration(params["max_age"]) if params.get("max_age") else None
        self.tags = check_tags(params.get("tags"))
        if self.tags and not params.get("wait"):
            raise ValueError("tags are added once the restore job has completed: they need wait=true")
        sub = client.subscription_id
        self.storage_id = params.get("staging_storage_account")
        if not self.storage_id:
            raise ValueError("staging_storage_account is required: the restore stages the disks' data through it")
        same_subscription(client, parse_arm_id(self.storage_id, "storage")[0], "storage account", self.storage_id)
        self.target_rg = parse_resource_group(client, params["target_resource_group"]) if params.get("target_resource_group") else None
        self.vnet_id = params.get("virtual_network")
        self.subnet = params.get("subnet")
        self.target_vm_name = params.get("target_vm_name")
        if self.restore_type == "new_vm":
            for key in ("target_resource_group", "target_vm_name", "virtual_network", "subnet"):
                if not params.get(key):
                    raise ValueError("restore_type=new_vm needs %s" % key)
            check_text(self.target_vm_name, "target_vm_name")
            validate_vm_name(self.target_vm_name)
            if self.target_vm_name.lower() == self.vm.name.lower() and self.target_rg.lower() == self.vm.resource_group.lower():
                raise ValueError("the new VM %s/%s would have the source VM's name and resource group: choose another target_vm_name or "
                                 "target_resource_group (to restore over the source VM use restore_type=replace_disks)" % (self.target_rg, self.target_vm_name))
            same_subscription(client, parse_arm_id(self.vnet_id, "vnet")[0], "virtual network", self.vnet_id)
            check_text(self.subnet, "subnet")
            if self.subnet.startswith("/"):
                prefix = self.vnet_id.rstrip("/") + "/subnets/"
                if not self.subnet.lower().startswith(prefix.lower()):
                    raise ValueError("subnet %s is not a subnet of virtual network %s" % (self.subnet, self.vnet_id))
                self.subnet = self.subnet[len(prefix):]
            if not _SUBNET_RE.fullmatch(self.subnet):
                raise ValueError("invalid subnet name %r" % (self.subnet,))
        else:
            for key in ("target_vm_name", "virtual_network", "subnet"):
                if params.get(key):
                    raise ValueError("%s is only for restore_type=new_vm" % key)
            if self.restore_type == "replace_disks" and self.target_rg:
                raise ValueError("target_resource_group is not used with restore_type=replace_disks (the source VM keeps its place)")
        self.zone = params.get("zone")
        if self.zone is not None and not (isinstance(self.zone, str) and _ZONE_RE.fullmatch(self.zone)):
            raise ValueError("zone must be '1', '2' or '3', not %r" % (self.zone,))
        self.des_id = params.get("disk_encryption_set")
        if self.des_id:
            same_subscription(client, parse_arm_id(self.des_id, "des")[0], "disk encryption set", self.des_id)
        self.identity = params.get("managed_identity")
        if self.identity and self.identity != "system":
            parse_arm_id(self.identity, "identity")
        self.disk_luns = params.get("disk_luns")
        if self.disk_luns is not None:
            if not isinstance(self.disk_luns, list) or not self.disk_luns or any(isinstance(x, bool) or not isinstance(x, int) or x < 0 or x > 63
                                                                                 for x in self.disk_luns):
                raise ValueError("disk_luns must be a non-empty list of data disk LUNs (whole numbers 0-63), not %r" % (self.disk_luns,))
            self.disk_luns = sorted(set(self.disk_luns))
        self.rehydration_priority = params.get("rehydration_priority")
        self.rehydration_days = params.get("rehydration_days")
        if self.rehydration_days is not None and (isinstance(self.rehydration_days, bool) or not 10 <= self.rehydration_days <= 30):
            raise ValueError("rehydration_days must be 10 to 30 (days the rehydrated point is kept), not %r" % (self.rehydration_days,))
        self.network_access = params.get("target_disk_network_access")
        self.disk_access_id = params.get("disk_access")
        if self.network_access == "private" and not self.disk_access_id:
            raise ValueError("target_disk_network_access=private needs disk_access (the disk access resource ID)")
        if self.disk_access_id:
            if self.network_access != "private":
                raise ValueError("disk_access is only for target_disk_network_access=private")
            parse_arm_id(self.disk_access_id, "disk_access")

    @property
    def recovery_type(self):
        return RECOVERY_TYPES[self.restore_type]

    def target_vm_id(self, sub):
        return resource_path("vm", sub, self.target_rg, self.target_vm_name).replace("%3B", ";")

    def body(self, sub, point, region):
        """The IaasVMRestoreRequest (or ...WithRehydrationRequest) for this plan."""
        props = {
            "objectType": "IaasVMRestoreRequest",
            "recoveryPointId": point.get("name"),
            "recoveryType": self.recovery_type,
            "sourceResourceId": self.vm.id,
            "storageAccountId": self.storage_id,
            "region": region,
            "createNewCloudService": False,
            "originalStorageAccountOption": False,
            "encryptionDetails": {"encryptionEnabled": bool(((point.get("properties") or {}).get("isSourceVMEncrypted")))},
        }
        if self.target_rg:
            props["targetResourceGroupId"] = "/subscriptions/%s/resourceGroups/%s" % (sub, self.target_rg)
        if self.restore_type == "new_vm":
            props["targetVirtualMachineId"] = self.target_vm_id(sub)
            props["virtualNetworkId"] = self.vnet_id
            props["subnetId"] = "%s/subnets/%s" % (self.vnet_id, self.subnet)
        if self.disk_luns is not None:
            props["restoreDiskLunList"] = list(self.disk_luns)
        if self.zone:
            props["zones"] = [self.zone]
        if self.des_id:
            props["diskEncryptionSetId"] = self.des_id
        if self.identity == "system":
            props["identityInfo"] = {"isSystemAssignedIdentity": True}
        elif self.identity:
            props["identityInfo"] = {"isSystemAssignedIdentity": False, "managedIdentityResourceId": self.identity}
        if self.network_access:
            option = {"same_as_source": "SameAsOnSourceDisks", "public": "EnablePublicAccessForAllDisks",
                      "private": "EnablePrivateAccessForAllDisks"}[self.network_access]
            props["targetDiskNetworkAccessSettings"] = {"targetDiskNetworkAccessOption": option}
            if self.disk_access_id:
                props["targetDiskNetworkAccessSettings"]["targetDiskAccessId"] = self.disk_access_id
        if self.rehydration_priority:
            props["objectType"] = "IaasVMRestoreWithRehydrationRequest"
            props["recoveryPointRehydrationInfo"] = {"rehydrationPriority": self.rehydration_priority,
                                                     "rehydrationRetentionDuration": "P%dD" % (self.rehydration_days or 15)}
        return {"properties": props}


def _bag(job):
    """The job's propertyBag with normalised keys ('Target VM Name' -> 'targetvmname')."""
    extended = ((job or {}).get("properties") or {}).get("extendedInfo") or {}
    return dict((re.sub(r"[^a-z]", "", str(k).lower()), v) for k, v in (extended.get("propertyBag") or {}).items())


def _bag_time(value):
    if not value:
        return None
    moment = parse_service_time(value)
    if moment:
        return moment
    for fmt in ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S"):
        try:
            return datetime.datetime.strptime(value.strip().replace(" UTC", ""), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def restore_location_type(job):
    extended = ((job or {}).get("properties") or {}).get("extendedInfo") or {}
    return (extended.get("internalPropertyBag") or {}).get("restoreLocationType")


def job_matches(job, plan, point):
    """Is this Restore job (read with its extendedInfo) a restore of ``point`` as ``plan`` asks?

    Machine-readable: the job is a Restore of this VM (list filter + container) and
    internalPropertyBag.restoreLocationType is the plan's recovery type. The recovery point and
    the target are not machine-readable in a job, so they are compared with the propertyBag's
    display data: the recovery point time (to the second), and for new_vm the target VM name and
    resource group, for disks the staging storage account name and the target resource group."""
    location_type = restore_location_type(job)
    if not location_type or location_type.lower() != plan.recovery_type.lower():
        return False
    bag = _bag(job)
    rp_time = _bag_time(bag.get("recoverypointtime"))
    wanted = point_time(point)
    if not rp_time or not wanted or abs((rp_time - wanted).total_seconds()) >= 1:
        return False
    checks = []
    if plan.restore_type == "new_vm":
        checks = [("targetvmname", plan.target_vm_name), ("targetresourcegroup", plan.target_rg)]
    elif plan.restore_type == "disks":
        checks = [("targetstorageaccountname", parse_arm_id(plan.storage_id, "storage")[2])]
        if plan.target_rg:
            checks.append(("targetresourcegroup", plan.target_rg))
    for key, value in checks:
        shown = bag.get(key)
        if shown is None or str(shown).strip().rsplit("/", 1)[-1].lower() != value.lower():
            return False
    return True


def earlier_restore(client, vpath, plan, point, now, reads=None):
    """The newest Restore job of this VM for the same point and target (see job_matches), or None.
    With ``reads`` (a VaultReads), the vault's Restore job list is read once for all the VMs of a batch
    (before any of its restores); without, it is read now (after a restore, to find its job)."""
    def load():
        return api.list_jobs(client, vpath, operation="Restore", start_time=now - RERUN_LOOKBACK)
    listed = reads.once(("restore-jobs", vpath.lower()), load) if reads is not None else load()
    jobs = [job for job in listed if job_is_for(job, plan.vm.name, plan.vm.container_name)]
    jobs.sort(key=lambda job: (job.get("properties") or {}).get("startTime") or "", reverse=True)
    for listed in jobs[:MAX_EARLIER_JOBS]:
        job = api.get_job(client, vpath, listed.get("name"))
        if job_matches(job, plan, point):
            return job
    return None


def still_there(client, plan, job):
    """Does a completed earlier restore still stand? What it created must still exist (a drill's cleanup
    deleted it: restore again), and, with ``tags``, none of it may carry one of those tags with another
    value (another drill's restore). A running job always stands."""
    status = ((job.get("properties") or {}).get("status") or "").lower()
    if status not in SUCCESSFUL:
        return True
    created, found = created_resources(client, plan, job)
    if not created["verified"]:
        return False
    for _kind, _resource_id, tags in found:
        current = dict((k.lower(), v) for k, v in (tags or {}).items())
        if any(k.lower() in current and current[k.lower()] != v for k, v in plan.tags.items()):
            return False
    return True


def validate_restore(client, vpath, vm, point, body):
    """The service's validate operation (reads only): its validationResults. A read needs no MUA request: the
    restore request is validated without its resourceGuardOperationRequests."""
    restore_request = dict((key, value) for key, value in body["properties"].items() if key != "resourceGuardOperationRequests")
    request = {"id": point.get("id"), "properties": {"objectType": "ValidateIaasVMRestoreOperationRequest", "restoreRequest": restore_request}}
    response = client.send("POST", vpath + "/backupValidateOperation", "validating a restore of VM %s" % vm.label, body=request,
                           ok=(200,), idempotent=True)
    answer = response.json() if response.content else {}
    results = ((answer.get("validateOperationResponse") or {}).get("validationResults")) or []
    return [{"code": r.get("code"), "message": r.get("message"), "recommendations": r.get("recommendations") or []} for r in results]


def trigger_restore(client, vpath, plan, point, body, now):
    """POST the restore and follow its operation to the job; (job_id, found_after_lost_response).
    A lost answer is resolved through the job list (activityId = the request's
    x-ms-client-request-id), never by sending again."""
    path = "%s/recoveryPoints/%s/restore" % (api.item_path(vpath, plan.vm), quote_segment(point.get("name")))
    return api.start_job(client, vpath, plan.vm, path, body, "Restore", "starting a restore of VM %s" % plan.vm.label, now, LOST_REQUEST_CHECKS,
                         unresolved="no restore job of it appeared in the job list; it was not sent again. Re-run the task: a restore "
                                    "in progress is found and followed")


def restore_job_result(job):
    """job_result plus what a restore job tells: duration in seconds, restore type, blob URIs, target names."""
    result = job_result(job)
    if result is None:
        return None
    bag = _bag(job)
    result["restore_location_type"] = restore_location_type(job)
    result["duration_seconds"] = iso_duration_seconds(result.get("duration"))
    result["config_blob_uri"] = bag.get("configbloburi")
    result["template_blob_uri"] = bag.get("templatebloburi")
    result["property_bag"] = dict((((job.get("properties") or {}).get("extendedInfo") or {}).get("propertyBag") or {}))
    return result


def iso_duration_seconds(value):
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", value or "")
    if not match or not value or value == "P":
        return None
    days, hours, minutes, seconds = match.groups()
    return round(int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0), 3)


def created_resources(client, plan, job):
    """What the restore created (new VM and its disks, or restored disks), read through the Compute API:
    (result dict, [(kind, id, tags)])."""
    sub = client.subscription_id
    created = {"vm_id": None, "disk_ids": [], "nic_ids": [], "config_blob_uri": None, "template_blob_uri": None, "verified": False}
    bag = _bag(job)
    created["config_blob_uri"] = bag.get("configbloburi")
    created["template_blob_uri"] = bag.get("templatebloburi")
    found = []
    if plan.restore_type in ("new_vm", "replace_disks"):
        rg, name = (plan.target_rg, plan.target_vm_name) if plan.restore_type == "new_vm" else (plan.vm.resource_group, plan.vm.name)
        vm_body = read_resource(client, "vm", sub, rg, name)
        if vm_body is not None:
            created["vm_id"] = vm_body.get("id")
            created["disk_ids"] = vm_disk_ids(vm_body)
            if plan.restore_type == "new_vm":
                found.append(("vm", vm_body.get("id"), vm_body.get("tags")))
            state = (vm_body.get("properties") or {}).get("provisioningState") or "Succeeded"
            created["verified"] = state.lower() == "succeeded"
        if plan.restore_type == "new_vm":
            created["nic_ids"] = vm_nic_ids(vm_body)
            for kind, resource_id in [("disk", d) for d in created["disk_ids"]] + [("nic", n) for n in created["nic_ids"]]:
                rsub, rrg, rname = parse_arm_id(resource_id, kind)
                body = read_resource(client, kind, rsub, rrg, rname)
                if body is not None:
                    found.append((kind, body.get("id"), body.get("tags")))
        return created, found
    # restore as disks: managed disks of the target resource group made by this job's run
    if plan.target_rg:
        props = (job.get("properties") or {})
        start = parse_service_time(props.get("startTime"))
        end = parse_service_time(props.get("endTime")) or datetime.datetime.now(UTC)
        for disk in list_disks(client, sub, plan.target_rg):
            made = parse_service_time((disk.get("properties") or {}).get("timeCreated"))
            if made and start and start - datetime.timedelta(minutes=1) <= made <= end + datetime.timedelta(minutes=1) \
                    and plan.vm.name.lower() in (disk.get("name") or "").lower():
                created["disk_ids"].append(disk.get("id"))
                found.append(("disk", disk.get("id"), disk.get("tags")))
        created["verified"] = bool(created["disk_ids"])
    else:
        created["verified"] = bool(created["config_blob_uri"])
    return created, found


def settled_item(client, params, check_mode, warn, vpath, vm, reads):
    """The VM's protected item once no write on it (enable, stop, delete, undelete) runs in the service: the
    service refuses a restore meanwhile (409 BMSUserErrorObjectLocked) and the item shows the state before
    the write. As for azure_vm_backup_now (``follow_running_write()``): waited for with ``wait`` (then the
    item is read again), a ValueError naming the job with ``wait: false``, a warning in check mode."""
    item = api.get_protected_item(client, vpath, vm)
    pending = follow_running_write(client, vpath, vm, reads.running_jobs(vpath), check_mode, params["wait"], warn)
    if pending is None or check_mode:
        return item
    seen = pending_operation_result(pending)
    warn("waited for the running %s job %s of VM %s before restoring" % (seen["operation"], seen["job_id"], vm.label))
    return api.get_protected_item(client, vpath, vm)


def restore(client, params, check_mode=False, warn=None, now=None, reads=None):
    """azure_vm_restore for one VM: the result; ValueError for what cannot be done (before any write),
    JobFailed when a waited-for restore job fails. Every wait draws from the client's deadline (the
    task's wait_timeout). ``reads``: a VaultReads shared by the VMs of a batch (a new one when None)."""
    warn = warn or (lambda message: None)
    now = now or datetime.datetime.now(UTC)
    plan = RestorePlan(client, params)
    reads = reads if reads is not None else VaultReads(client)
    vm, vpath = plan.vm, plan.vpath

    if settled_item(client, params, check_mode, warn, vpath, vm, reads) is None:
        raise ValueError("VM %s is not protected by vault %s: it has no recovery points there" % (vm.label, plan.vault_label))
    point = choose_recovery_point(client, vpath, vm, plan.selector, now)
    rp = recovery_point_result(point, now)
    result = {"changed": False, "job_id": None, "job": None, "recovery_point": rp, "recovery_point_age_seconds": rp["age_seconds"],
              "restore_type": plan.restore_type, "created": None, "validation": None, "resource_guard_requests": None}
    if plan.max_age is not None and rp["age_seconds"] is not None and rp["age_seconds"] > plan.max_age.total_seconds():
        raise ValueError("the newest usable recovery point of VM %s (%s, %s) is older than max_age %s: recovery point objective missed, "
                         "nothing was restored" % (vm.label, rp["name"], rp["time"], params["max_age"]))
    if plan.disk_luns is not None:
        known = point_data_luns(client, vm, rp)
        missing = [lun for lun in plan.disk_luns if lun not in known] if known is not None else []
        if missing:
            raise ValueError("disk_luns %s are not in recovery point %s of VM %s (it has data disks at LUNs %s)" % (missing, rp["name"], vm.label, known))
    if needs_rehydration(point) and not plan.rehydration_priority:
        raise ValueError("recovery point %s of VM %s is only in the archive tier: set rehydration_priority (Standard or High) to rehydrate "
                         "it as part of the restore" % (rp["name"], vm.label))

    region = reads.vault(vpath, plan.vault_label).get("location")
    reads.once(("storage", plan.storage_id.lower()), lambda: check_in_region(client, "storage", plan.storage_id, region))
    if plan.restore_type == "new_vm":
        vnet = reads.once(("vnet", plan.vnet_id.lower()), lambda: check_in_region(client, "vnet", plan.vnet_id, region))
        subnets = [(s.get("name") or "").lower() for s in ((vnet.get("properties") or {}).get("subnets") or [])]
        if plan.subnet.lower() not in subnets:
            raise ValueError("virtual network %s has no subnet %s (it has: %s)" % (plan.vnet_id, plan.subnet, ", ".join(sorted(subnets)) or "none"))
    body = plan.body(client.subscription_id, point, region)

    earlier = earlier_restore(client, vpath, plan, point, now, reads)
    if earlier is not None and still_there(client, plan, earlier):
        status = ((earlier.get("properties") or {}).get("status") or "").lower()
        if status in RUNNING or status in SUCCESSFUL:
            result["job_id"] = earlier.get("name")
            result["job"] = restore_job_result(earlier)
            result["msg"] = "a restore of %s from recovery point %s to the same target %s (job %s, %s); nothing was sent" % (
                vm.label, rp["name"], "is in progress" if status in RUNNING else "already ran", result["job_id"], result["job"]["status"])
            return _finish(client, params, plan, result, check_mode, followed=True)

    result["changed"] = True
    # MUA: when the vault's resource guard protects restores, the request carries the request its proxy lists
    guard = reads.guard(vpath, plan.vault_label)
    result["resource_guard_requests"] = mua.guard_requests(guard, mua.TRIGGER_RESTORE)
    if result["resource_guard_requests"]:
        body["properties"]["resourceGuardOperationRequests"] = list(result["resource_guard_requests"])
    guard_note = " with the request of resource guard %s (multi-user authorization)" % guard.name if result["resource_guard_requests"] else ""
    if check_mode:
        result["validation"] = validate_restore(client, vpath, vm, point, body)
        result["restore_request"] = body["properties"]
        if result["validation"]:
            warn("the service's validation of the restore of %s found %d problem(s); see 'validation'" % (vm.label, len(result["validation"])))
        result["msg"] = "would restore %s from recovery point %s (%s) as %s%s; the service's validation %s" % (
            vm.label, rp["name"], rp["time"], plan.restore_type, guard_note,
            "found no problem" if not result["validation"] else "said: " + "; ".join(
                "%s: %s" % (v["code"], one_line(v["message"])) for v in result["validation"]))
        return result
    job_id, lost = mua.guarded(guard, mua.TRIGGER_RESTORE, lambda requests: trigger_restore(client, vpath, plan, point, body, now))
    if lost:
        warn("the response to the restore request was lost; its job %s was found in the job list (the request was not sent again)" % job_id)
    if not job_id:
        earlier = earlier_restore(client, vpath, plan, point, now)
        job_id = earlier.get("name") if earlier else None
    if not job_id:
        raise ArmError("starting a restore of VM %s" % vm.label, code="RestoreJobNotFound",
                       message="the restore was accepted but its job could not be found; look in the vault's job list before re-running")
    result["job_id"] = job_id
    result["msg"] = "started a restore of %s from recovery point %s as %s%s (job %s)" % (vm.label, rp["name"], plan.restore_type, guard_note, job_id)
    result["job"] = restore_job_result(api.get_job(client, vpath, job_id)) if not params["wait"] else None
    return _finish(client, params, plan, result, check_mode)


def _finish(client, params, plan, result, check_mode, followed=False):
    """With wait, wait for the job, fail when it fails, read what it created, tag it."""
    if not params["wait"] or check_mode:
        return result
    job = api.wait_for_job(client, plan.vpath, result["job_id"])
    result["job"] = restore_job_result(job)
    job_outcome(result, "restore", plan.vm.label)
    created, found = created_resources(client, plan, job)
    result["created"] = created
    if plan.tags:
        tagged = False
        for kind, resource_id, tags in found:
            tagged = patch_tags(client, kind, resource_id, tags, plan.tags) or tagged
        result["changed"] = result["changed"] or tagged
    if not followed:
        result["msg"] = "restore job %s of %s ended %s" % (result["job_id"], plan.vm.label, result["job"]["status"])
    return result


# -- many VMs in one process (azure_vm_restore_batch) -------------------------------------------

RETURN_KEYS = ("changed", "job_id", "job", "recovery_point", "recovery_point_age_seconds", "restore_type", "created", "validation",
               "resource_guard_requests", "rto_seconds", "msg")


def run_batch(client, params, check_mode=False, warn=None):
    """azure_vm_restore_batch: every entry of ``params['vms']`` through restore(), on threads sharing ``client``
    (so the task's one deadline) and one VaultReads. Raises ValueError (nothing sent) when an entry is not valid."""
    overrides = ("target_vm_name", "recovery_point")
    entries = [batch.entry_params(params, entry, overrides) for entry in params["vms"]]
    for one in entries:
        one.setdefault("vm_name", None)
    now = datetime.datetime.now(UTC)
    batch.check_entries(client, entries, check=lambda one: RestorePlan(client, one))
    started = client.clock()
    reads = VaultReads(client)

    def work(one, warn_vm):
        result = restore(client, one, check_mode=check_mode, warn=warn_vm, now=now, reads=reads)
        # time from this task's start (the drill's restores start together, ``concurrency`` at a time) until this VM's
        # restore was read back through the Compute API
        result["rto_seconds"] = round(client.clock() - started, 3) if result.get("created") and result["created"].get("verified") else None
        return result
    return batch.run(client, entries, work, RETURN_KEYS, params["concurrency"], check_mode=check_mode, warn=warn)


# ---------------------------------------------------------------------------------------
# Job cancel (azure_backup_job)
# ---------------------------------------------------------------------------------------

def cancellable(job):
    actions = ((job or {}).get("properties") or {}).get("actionsInfo") or []
    return any(a == 1 or (isinstance(a, str) and a.lower() == "cancellable") for a in actions if not isinstance(a, bool))


def cancel_job(client, params, check_mode=False):
    """azure_backup_job state=cancelled."""
    vpath = vault_path(client, params)
    job_id = validate_job_id(params["job_id"])
    try:
        job = api.get_job(client, vpath, job_id)
    except ArmNotFound:
        raise ValueError("job %s is not a job of vault %s/%s" % (job_id, params["vault_resource_group"], params["vault_name"]))
    status = ((job.get("properties") or {}).get("status") or "")
    result = {"changed": False, "job_id": job_id, "job": job_result(job)}
    if status.lower() not in RUNNING:
        result["msg"] = "job %s has already ended: %s" % (job_id, status)
        return result
    if status.lower() != "cancelling":
        if not cancellable(job):
            raise ValueError("job %s (%s, %s) cannot be cancelled: the service does not list Cancellable in its actionsInfo"
                             % (job_id, (job.get("properties") or {}).get("operation"), status))
        result["changed"] = True
        if check_mode:
            result["msg"] = "would cancel job %s (%s)" % (job_id, status)
            return result
        action = "cancelling job %s" % job_id
        response = client.send("POST", "%s/backupJobs/%s/cancel" % (vpath, quote_segment(job_id)), action, idempotent=True)
        wait_for_operation(client, response, action)
    if not params["wait"]:
        result["job"] = job_result(api.get_job(client, vpath, job_id))
        result["msg"] = "job %s is %s" % (job_id, result["job"]["status"])
        return result
    job = api.wait_for_job(client, vpath, job_id)
    result["job"] = job_result(job)
    result["msg"] = "job %s ended %s" % (job_id, result["job"]["status"])
    return result


# ---------------------------------------------------------------------------------------
# Cleanup of what a drill restored (azure_vm_restore_cleanup)
# ---------------------------------------------------------------------------------------

def _resource_kind(resource_id):
    for kind in ("vm", "disk", "nic"):
        try:
            return (kind,) + parse_arm_id(resource_id, kind)
        except ValueError:
            continue
    check_text(resource_id, "resource ID")
    raise ValueError("resource %s is neither a VM, a managed disk nor a network interface: cleanup deletes only those" % (resource_id,))


def cleanup(client, params, check_mode=False):
    """Delete restored VMs and disks, each only when it carries the tag. Every resource is read and
    checked first: one without the tag (or with another value) fails the task before anything is deleted."""
    tag_name, tag_value = drill_tag(params["tag"])
    targets = []
    for resource_id in params["resource_ids"]:
        kind, sub, rg, name = _resource_kind(resource_id)
        same_subscription(client, sub, _WHAT[kind], resource_id)
        targets.append((kind, sub, rg, name, resource_id))
    present, refused = [], []
    for kind, sub, rg, name, resource_id in targets:
        body = read_resource(client, kind, sub, rg, name)
        if body is None:
            continue
        if not carries_tag(body, tag_name, tag_value):
            refused.append("%s (tag %s=%r)" % (resource_id, tag_name, tag_value_of(body, tag_name)))
        else:
            present.append((kind, sub, rg, name, body.get("id") or resource_id))
    if refused:
        raise ValueError("refusing to delete %d resource(s) without the tag %s=%s, nothing was deleted: %s"
                         % (len(refused), tag_name, tag_value, "; ".join(refused)))
    # VMs first: a disk or network interface cannot be deleted while a VM uses it
    order = ("vm", "nic", "disk")
    present.sort(key=lambda target: order.index(target[0]))
    deleted = [target[4] for target in present]
    if not check_mode:
        # every VM's DELETE, then their waits; then the same for the network interfaces and disks (freed by then)
        for group in order:
            pending = []
            for kind, sub, rg, name, resource_id in present:
                if kind != group:
                    continue
                action = "deleting %s %s" % (_WHAT[kind], resource_id)
                response = client.send("DELETE", resource_path(kind, sub, rg, name), action, api_version=_api_version(kind), ok=(200, 202, 204, 404))
                if response.status_code == 202:
                    pending.append((action, response))
            # the waits side by side (each poll sleeps): N deletions take about as long as one
            errors = []

            def wait_one(index):
                try:
                    wait_for_operation(client, pending[index][1], pending[index][0])
                except Exception as exc:  # pylint: disable=broad-except  # raised below, in this thread
                    errors.append(exc)
            batch.on_threads(wait_one, len(pending), min(CLEANUP_WAITERS, len(pending)) or 1)
            if errors:
                raise errors[0]
    return {"changed": bool(deleted), "deleted": deleted,
            "msg": "%s %d resource(s) tagged %s=%s" % ("would delete" if check_mode else "deleted", len(deleted), tag_name, tag_value)}


# ---------------------------------------------------------------------------------------
# Options shared by azure_vm_restore and azure_vm_restore_batch
# ---------------------------------------------------------------------------------------

def restore_argument_spec():
    """What to restore and where (the VM itself is not included)."""
    return dict(
        recovery_point=dict(type="raw", default="latest"),
        max_age=dict(type="str"),
        restore_type=dict(type="str", default="disks", choices=["disks", "new_vm", "replace_disks"]),
        replace_existing=dict(type="bool", default=False),
        staging_storage_account=dict(type="str", required=True),
        target_resource_group=dict(type="str"),
        target_vm_name=dict(type="str"),
        virtual_network=dict(type="str"),
        subnet=dict(type="str"),
        zone=dict(type="str"),
        disk_encryption_set=dict(type="str"),
        managed_identity=dict(type="str"),
        disk_luns=dict(type="list", elements="int"),
        rehydration_priority=dict(type="str", choices=["Standard", "High"]),
        rehydration_days=dict(type="int"),
        target_disk_network_access=dict(type="str", choices=["same_as_source", "public", "private"]),
        disk_access=dict(type="str"),
        tags=dict(type="dict"),
    )
