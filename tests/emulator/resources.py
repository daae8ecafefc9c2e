# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM resources around a restore: staging storage accounts, virtual networks, managed disks, and the
seedable recovery points (``state.resources``; restore settings: pace.py; see README "Restore").

Plain data only (no handlers, no import of state.py): state.py creates a ``ResourceStore`` on reset
and calls ``seed()`` for the scenario keys this module owns.
"""

from __future__ import annotations

import random
import time

from common import lkey, new_id, parse_time

TIERS = ("InstantRP", "HardenedRP", "ArchivedRP")
TIER_STATUSES = ("Valid", "Disabled", "Deleted", "Rehydrated", "Invalid")
POINT_TYPES = ("AppConsistent", "CrashConsistent", "FileSystemConsistent", "OnlyCrashConsistent")


class StorageAccount:
    def __init__(self, sub, resource_group, name, location, kind="StorageV2", sku="Standard_LRS"):
        self.sub = sub
        self.resource_group = resource_group
        self.name = name
        self.location = location
        self.kind = kind
        self.sku = sku
        self.created = time.time()

    @property
    def id(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s" % (
            self.sub, self.resource_group, self.name)


class VirtualNetwork:
    def __init__(self, sub, resource_group, name, location, subnets=None, prefix="10.0.0.0/16"):
        self.sub = sub
        self.resource_group = resource_group
        self.name = name
        self.location = location
        self.prefix = prefix
        self.subnets = list(subnets or ["default"])
        self.guid = new_id()

    @property
    def id(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/%s" % (
            self.sub, self.resource_group, self.name)

    def subnet(self, name):
        for subnet in self.subnets:
            if subnet.lower() == name.lower():
                return subnet
        return None


class Disk:
    """A managed disk (``Microsoft.Compute/disks``)."""

    def __init__(self, sub, resource_group, name, location, size_gb, lun=None, os_type=None, zones=None, tags=None):
        self.sub = sub
        self.resource_group = resource_group
        self.name = name
        self.location = location
        self.size_gb = size_gb
        self.lun = lun
        self.os_type = os_type
        self.zones = list(zones or [])
        self.tags = dict(tags or {})
        self.managed_by = None          # VM resource ID while attached
        self.created = time.time()
        self.unique_id = new_id()
        self.deleting = False
        self.source = None              # "{recovery point id}" for restored disks

    @property
    def id(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/disks/%s" % (
            self.sub, self.resource_group, self.name)


class Nic:
    """A network interface (``Microsoft.Network/networkInterfaces``): every VM has one; a restore to a new VM makes it."""

    def __init__(self, sub, resource_group, name, location, subnet_id):
        self.sub = sub
        self.resource_group = resource_group
        self.name = name
        self.location = location
        self.subnet_id = subnet_id
        self.tags = {}
        self.vm_id = None               # the VM it is attached to
        self.deleting = False
        self.guid = new_id()

    @property
    def id(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkInterfaces/%s" % (
            self.sub, self.resource_group, self.name)


class ResourceStore:
    """Storage accounts, virtual networks and disks, keyed by (sub, rg, name) lower case."""

    def __init__(self):
        self.storage_accounts = {}
        self.networks = {}
        self.disks = {}
        self.nics = {}
        self.vm_nics = {}               # VM key -> the Nic a restore attached to it
        self.vm_tags = {}               # VM key (sub, rg, name) -> tags
        self.vm_disks = {}              # VM key -> {"os": Disk, "data": [Disk]} for VMs a restore created or changed
        self.vm_deleting = set()        # VM keys with a DELETE under way
        self.compute_ops = {}           # Compute / ARM async operation id -> {start, due, status}
        self.rg_meta = {}               # (sub, rg) -> {name, location, tags[, deleting]} of groups made or read here

    def storage_account(self, sub, rg, name):
        return self.storage_accounts.get(lkey(sub, rg, name))

    def network(self, sub, rg, name):
        return self.networks.get(lkey(sub, rg, name))

    def disk(self, sub, rg, name):
        return self.disks.get(lkey(sub, rg, name))

    def nic(self, sub, rg, name):
        return self.nics.get(lkey(sub, rg, name))

    def add_disk(self, disk):
        self.disks[lkey(disk.sub, disk.resource_group, disk.name)] = disk
        return disk


def dump(state):
    """The resources part of ``GET /_emulator/state``: what exists around restores (and what a drill left behind)."""
    store = state.resources

    def rid(obj):
        return "%s/%s" % (obj.resource_group, obj.name)
    return {"storage_accounts": sorted(rid(a) for a in store.storage_accounts.values()),
            "virtual_networks": sorted(rid(n) for n in store.networks.values()),
            "disks": sorted(({"id": d.id, "tags": dict(d.tags), "attached_to": d.managed_by} for d in store.disks.values()),
                            key=lambda d: d["id"].lower()),
            "network_interfaces": sorted(({"id": n.id, "tags": dict(n.tags), "attached_to": n.vm_id} for n in store.nics.values()),
                                         key=lambda n: n["id"].lower()),
            "vm_tags": {"%s/%s" % key[1:]: dict(tags) for key, tags in store.vm_tags.items() if tags}}


def new_point(when, expiry, **extra):
    """A recovery point record (a backup job's, a seeded one's; optional restore details)."""
    point = {"name": str(random.randint(10 ** 13, 10 ** 14)), "time": when, "expiry": expiry}
    point.update({k: v for k, v in extra.items() if v is not None})
    return point


def _tiers(spec):
    tiers = spec.get("tiers")
    if tiers is None:
        return None
    if isinstance(tiers, list):
        tiers = {name: "Valid" for name in tiers}
    if not isinstance(tiers, dict) or not tiers:
        raise ValueError("recovery point tiers must be a list of tier names or a {tier: status} map")
    for name, status in tiers.items():
        if name not in TIERS or status not in TIER_STATUSES:
            raise ValueError("recovery point tier %r / status %r: tiers are %s, statuses %s" % (name, status, TIERS, TIER_STATUSES))
    return dict(tiers)


def seed(state, sub, data):
    """Merge the scenario keys of this module: storage_accounts, virtual_networks, disks, recovery_points, vm_zones."""
    store = state.resources
    for spec in data.get("storage_accounts", []):
        acct = StorageAccount(spec.get("subscription_id", sub), spec["resource_group"], spec["name"],
                              spec.get("location", "westus"), spec.get("kind", "StorageV2"), spec.get("sku", "Standard_LRS"))
        store.storage_accounts[lkey(acct.sub, acct.resource_group, acct.name)] = acct
        state.resource_groups.add(lkey(acct.sub, acct.resource_group))
    for spec in data.get("virtual_networks", []):
        net = VirtualNetwork(spec.get("subscription_id", sub), spec["resource_group"], spec["name"],
                             spec.get("location", "westus"), spec.get("subnets"), spec.get("address_prefix", "10.0.0.0/16"))
        store.networks[lkey(net.sub, net.resource_group, net.name)] = net
        state.resource_groups.add(lkey(net.sub, net.resource_group))
    for spec in data.get("disks", []):
        disk = Disk(spec.get("subscription_id", sub), spec["resource_group"], spec["name"], spec.get("location", "westus"),
                    int(spec.get("size_gb", 64)), os_type=spec.get("os_type"), zones=spec.get("zones"), tags=spec.get("tags"))
        store.add_disk(disk)
        state.resource_groups.add(lkey(disk.sub, disk.resource_group))
    for spec in data.get("vms", []):
        # restore details of a seeded VM: zones, OS type, encryption (the VM itself is seeded by state.py)
        vm = state.vms.get(lkey(spec.get("subscription_id", sub), spec["resource_group"], spec["name"]))
        if vm is not None:
            vm.zones = [str(z) for z in spec.get("zones", [])]
            vm.os_type = spec.get("os_type", "Linux")
            vm.encrypted = bool(spec.get("encrypted", False))
    for spec in data.get("recovery_points", []):
        _seed_point(state, sub, spec)


def _seed_point(state, sub, spec):
    vault = state._vault_for_spec(sub, spec)  # pylint: disable=protected-access
    vm = state.find_vm_ref(vault.sub, spec["vm"])
    item = vault.items.get(vm.key) if vm is not None else None
    if item is None:
        raise ValueError("recovery point: %r is not a protected item of vault %r" % (spec["vm"], spec["vault"]))
    when = parse_time(spec["time"]) if spec.get("time") else time.time() - 3600
    expiry = parse_time(spec["expiry"]) if spec.get("expiry") else max(when, time.time()) + 30 * 86400
    kind = spec.get("type")
    if kind is not None and kind not in POINT_TYPES:
        raise ValueError("recovery point type %r: one of %s" % (kind, POINT_TYPES))
    luns = spec.get("disk_luns")
    if luns is not None and (not isinstance(luns, list) or any(lun not in vm.luns for lun in luns)):
        raise ValueError("recovery point disk_luns %r: data disk LUNs of %s are %s" % (luns, vm.name, vm.luns))
    point = new_point(when, expiry, type=kind, tiers=_tiers(spec), luns=luns, rule_name=spec.get("rule_name"),
                      soft_deleted=spec.get("soft_deleted"), reports_properties=bool(spec.get("reports_properties")) or None)
    if spec.get("name"):
        point["name"] = str(spec["name"])
    item.recovery_points.append(point)
    item.recovery_points.sort(key=lambda p: p["time"])
    if item.last_backup_time is None or when > item.last_backup_time:
        item.last_backup_time = when
        item.last_backup_status = "Completed"
