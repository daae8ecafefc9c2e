# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleets: several subscriptions, the Compute VM lists, vault lists and a large seeded estate.

Hooks (one line each): the family ``Fleet`` is in ``backup_api.FAMILIES`` (its routes), ``admin.py`` sends
``/_emulator/seed_estate`` to ``seed_estate_admin()`` and ``State.seed()`` ends with ``seed_extra(state, data)``
(``subscriptions``, VM ``tags``, an item's ``last_backup_status``). ``compute.Compute.list_vms`` (one resource group)
pages with ``page()`` too.

Real-service facts kept: the subscription-wide VM list (``VirtualMachines_ListAll``) and the
resource group list (``VirtualMachines_List``) are paged with ``nextLink`` carrying a
``$skiptoken``; the subscription-wide pages hold about 50 VMs (public reports: "only the first
50"), the emulator uses 50 for both. VM bodies are the Compute family's (``tags``, ``zones`` when
zonal, ``properties.vmId``). A vault protects only VMs of its
own subscription and region (backupStatus in the backup API already keys on that).
"""

from __future__ import annotations

import base64
import random
import time
from urllib.parse import quote

import resources
from common import ArmError, Response
from routing import SUBSCRIPTION, route
from state import VM, Item, Policy, Vault, lkey

VM_PAGE_SIZE = 50


# ---------------------------------------------------------------------- seeding hook
def set_vm_tags(state, vm, tags):
    """A VM's tags live where the Compute family keeps them (``state.resources.vm_tags``)."""
    state.resources.vm_tags[lkey(vm.sub, vm.resource_group, vm.name)] = {str(k): str(v) for k, v in dict(tags).items()}


def seed_extra(state, data):
    """``State.seed`` hook: extra subscriptions, the subscriptions of VMs and vaults, VM tags, items' last backup status."""
    default_sub = data.get("subscription_id") or state.subscription_id
    for sub in data.get("subscriptions", []) or []:
        state.subscriptions.add(str(sub).lower())
    for spec in data.get("vms", []) or []:
        sub = spec.get("subscription_id", default_sub)
        state.subscriptions.add(sub.lower())
        vm = state.vms.get(lkey(sub, spec["resource_group"], spec["name"]))
        if vm is not None and spec.get("tags") is not None:
            set_vm_tags(state, vm, spec["tags"])
    for spec in data.get("vaults", []) or []:
        if spec.get("subscription_id"):
            state.subscriptions.add(spec["subscription_id"].lower())
    for spec in data.get("protected_items", []) or []:
        if spec.get("last_backup_status"):      # e.g. "Failed": the last backup failed
            vault = state._vault_for_spec(default_sub, spec)    # pylint: disable=protected-access
            vm = state.find_vm_ref(vault.sub, spec["vm"])
            vault.items[vm.key].last_backup_status = str(spec["last_backup_status"])


# ---------------------------------------------------------------------- routes
def page(req, entries, size, render=None):
    """One page of ``entries`` (``render`` turns the page's entries into bodies, so only they are built)."""
    start = 0
    token = req.query.get("$skiptoken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode() + b"==").decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArmError(400, "InvalidSkipToken", "The skip token '%s' is not valid." % token) from exc
    entries_page = entries[start:start + size]
    body = {"value": [render(e) for e in entries_page] if render else entries_page}
    if start + size < len(entries):
        next_token = base64.urlsafe_b64encode(str(start + size).encode()).decode().rstrip("=")
        body["nextLink"] = "%s%s?api-version=%s&%%24skiptoken=%s" % (
            req.endpoint, req.path, quote(req.query.get("api-version", ""), safe=""), quote(next_token, safe=""))
    return Response(200, body)


def vms_of(state, sub, rg=None):
    """The ARM VMs of a subscription (or resource group), sorted by resource group and name."""
    vms = [vm for vm in state.vms.values() if vm.sub.lower() == sub.lower() and not vm.classic
           and (rg is None or vm.resource_group.lower() == rg.lower())]
    return sorted(vms, key=lambda vm: (vm.resource_group.lower(), vm.name.lower()))


class Fleet:
    """Mixin of BackupApi: the subscription-wide VM list (the vault lists are the Vaults family's)."""

    @route("GET", SUBSCRIPTION, "providers/Microsoft.Compute/virtualMachines")
    def list_all_vms(self, req, sub):
        return page(req, vms_of(self.state, sub), VM_PAGE_SIZE, self.vm_body)


# ---------------------------------------------------------------------- a large estate in one call
ESTATE_KEYS = {"subscriptions", "regions", "vaults", "vms", "resource_groups_per_region", "protected_fraction", "stopped_fraction",
               "soft_deleted_fraction", "failed_fraction", "stale_fraction", "tags", "seed", "reset", "zones"}
DEFAULT_REGIONS = ["westus", "eastus", "westeurope", "northeurope", "southeastasia", "japaneast", "australiaeast", "uksouth"]


def estate_subscription(index):
    return "%08x-0000-4000-8000-%012x" % (0xe0000000 + index + 1, index + 1)


def seed_estate(state, spec):
    """Add a generated estate; deterministic for one ``seed``. Returns a summary (ids, counts)."""
    unknown = set(spec) - ESTATE_KEYS
    if unknown:
        raise ValueError("unknown keys %s (known: %s)" % (sorted(unknown), sorted(ESTATE_KEYS)))
    rnd = random.Random(spec.get("seed", 1))
    subs = spec.get("subscriptions", 3)
    subs = [estate_subscription(i) for i in range(int(subs))] if isinstance(subs, int) else [str(s) for s in subs]
    regions = spec.get("regions", 4)
    regions = DEFAULT_REGIONS[:int(regions)] if isinstance(regions, int) else [str(r).lower() for r in regions]
    n_vaults, n_vms = int(spec.get("vaults", 8)), int(spec.get("vms", 1000))
    rgs_per_region = int(spec.get("resource_groups_per_region", 5))
    tag_values = spec.get("tags", {"backup": ["gold", "silver", "none"], "env": ["prod", "dev", "test"]})
    fractions = {k: float(spec.get(k + "_fraction", d)) for k, d in (
        ("protected", 0.7), ("stopped", 0.05), ("soft_deleted", 0.03), ("failed", 0.05), ("stale", 0.05))}
    if not subs or not regions or n_vaults < 0 or n_vms < 0:
        raise ValueError("subscriptions and regions must be at least 1, vaults and vms at least 0")
    now = time.time()
    with state.lock:
        if spec.get("reset"):
            state.reset(empty=True)
        cells = [(s, r) for r in regions for s in subs]       # vault i goes to cell i (then around again)
        vaults_by_cell = {}
        vault_names = []
        for index in range(n_vaults):
            sub, region = cells[index % len(cells)]
            rg = "rg-backup-%s" % region
            vault = Vault(sub, rg, "rsv-%s-%02d" % (region, index + 1), region, True, 14)
            for name, ptype in (("DefaultPolicy", "V1"), ("EnhancedPolicy", "V2")):
                vault.policies[name.lower()] = Policy(name, policy_type=ptype)
            state.vaults[vault.key] = vault
            state.resource_groups.add(lkey(sub, rg))
            vaults_by_cell.setdefault((sub, region), []).append(vault)
            vault_names.append({"subscription_id": sub, "resource_group": rg, "name": vault.name, "location": region})
        counts = {"vms": 0, "protected": 0, "stopped": 0, "soft_deleted": 0, "failed": 0, "stale": 0, "unprotected": 0}
        for sub in subs:
            state.subscriptions.add(sub.lower())
        zones = bool(spec.get("zones", True))
        for index in range(n_vms):
            sub = subs[index % len(subs)]
            region = regions[(index // len(subs)) % len(regions)]
            rg = "rg-%s-%02d" % (region, (index // (len(subs) * len(regions))) % rgs_per_region + 1)
            vm = VM(sub, rg, "vm-%05d" % (index + 1), region)
            set_vm_tags(state, vm, {key: rnd.choice(values) for key, values in sorted(tag_values.items()) if values})
            if zones and index % 3 == 0:
                vm.zones = [str(index % 3 + 1)]
            state.vms[lkey(sub, rg, vm.name)] = vm
            state.resource_groups.add(lkey(sub, rg))
            counts["vms"] += 1
            cell = vaults_by_cell.get((sub, region))
            if not cell or rnd.random() >= fractions["protected"]:
                counts["unprotected"] += 1
                continue
            vault = cell[index % len(cell)]
            vault.discovered.add(vm.key)
            kind = _estate_kind(rnd, fractions)
            _estate_item(state, vault, vm, kind, now)
            counts[kind] += 1
        summary = {"subscriptions": subs, "regions": regions, "vaults": vault_names, "counts": counts}
    return summary


def _estate_kind(rnd, fractions):
    roll = rnd.random()
    for kind in ("stopped", "soft_deleted", "failed", "stale"):
        if roll < fractions[kind]:
            return kind
        roll -= fractions[kind]
    return "protected"


def _estate_item(state, vault, vm, kind, now):
    item = Item(vault, vm, vault.policies["enhancedpolicy" if int(vm.name[-1]) % 2 else "defaultpolicy"])
    item.state = "Protected"
    last = now - 6 * 3600 if kind != "stale" else now - 10 * 86400
    item.recovery_points.append(resources.new_point(last, now + 30 * 86400))
    item.last_backup_status = "Completed"
    item.last_backup_time = last
    vault.items[vm.key] = item
    if kind == "failed":
        item.last_backup_status = "Failed"
        item.last_backup_time = now - 2 * 3600
    elif kind == "stopped":
        item.state, item.policy = "ProtectionStopped", None
    elif kind == "soft_deleted":
        state.soft_delete(item, now - 3 * 86400)      # deleted three days ago, purged after the vault's retention


def seed_estate_admin(state, raw_body):
    """``POST /_emulator/seed_estate``."""
    import json  # pylint: disable=import-outside-toplevel
    try:
        spec = json.loads(raw_body.decode("utf-8")) if raw_body else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArmError(400, "InvalidRequestContent", "Admin request body is not JSON: %s" % exc) from exc
    if not isinstance(spec, dict):
        raise ArmError(400, "InvalidSeed", "The estate must be a JSON object.")
    try:
        return Response(200, seed_estate(state, spec))
    except (KeyError, ValueError, TypeError) as exc:
        raise ArmError(400, "InvalidSeed", "Invalid estate: %s" % (exc,)) from exc
