# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's state: vaults, VMs, protected items, operations, jobs, tokens, budgets.

Everything is guarded by one lock (``State.lock``); handlers take it for the whole
request, so concurrent clients never lose updates. Time moves lazily: every request
first calls ``tick()``, which fires the due events (operation and job completions)
from a heap, so no background thread is needed and no request scans all items.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import random
import re
import threading
import time

import pace
import resources
from common import lkey, new_id, parse_time  # noqa: F401  (lkey: imported from here by the families)
from scenario import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID, default_scenario

DEFAULT_CONFIG = pace.FAST

IAAS = "AzureIaasVM"
COMPUTE_TYPE = "Microsoft.Compute/virtualMachines"
CLASSIC_TYPE = "Microsoft.ClassicCompute/virtualMachines"


class Policy:
    def __init__(self, name, workload=IAAS, policy_type="V1", retention_days=30, schedule_time="2024-01-01T19:00:00Z",
                 time_zone="UTC"):
        self.name = name
        self.workload = workload
        self.policy_type = policy_type
        self.retention_days = retention_days
        self.schedule_time = schedule_time
        self.time_zone = time_zone


class VM:
    def __init__(self, sub, resource_group, name, location, classic=False, luns=None):
        self.sub = sub
        self.resource_group = resource_group
        self.name = name
        self.location = location
        self.classic = classic
        self.luns = list(luns or [])
        self.vm_guid = new_id()

    @property
    def key(self):
        return lkey(self.resource_group, self.name)

    @property
    def id(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (self.sub, self.resource_group, self.item_type, self.name)

    @property
    def container_type(self):
        return "iaasvmcontainer" if self.classic else "iaasvmcontainerv2"

    @property
    def container_name(self):
        """Lower-case ``iaasvmcontainerv2;rg;vm`` (the properties' containerName)."""
        return "%s;%s;%s" % (self.container_type, self.resource_group.lower(), self.name.lower())

    @property
    def item_type(self):
        return CLASSIC_TYPE if self.classic else COMPUTE_TYPE


class Item:
    """A protected item (exists once the enable operation has completed)."""

    def __init__(self, vault, vm, policy):
        self.vault = vault
        self.vm = vm
        self.policy = policy
        self.state = "IRPending"
        self.soft_deleted = False
        self.deleted_at = None            # soft delete: when the DELETE took effect (deferredDeleteTimeInUTC)
        self.purge_at = None              # deleted_at + the vault's soft-delete retention
        self.last_backup_status = ""
        self.last_backup_time = None
        self.disk_exclusion = None
        self.recovery_points = []
        self.data_id = str(random.randint(10 ** 8, 10 ** 9))
        self.created = time.time()


class Vault:
    def __init__(self, sub, resource_group, name, location, soft_delete=True, soft_delete_days=14):
        self.sub = sub
        self.resource_group = resource_group
        self.name = name
        self.location = location
        self.soft_delete = soft_delete
        self.soft_delete_always_on = False
        self.soft_delete_days = soft_delete_days
        self.policies = {}
        self.discovered = set()
        self.items = {}
        self.jobs = {}
        self.workload_containers = {}
        self.busy = {}               # VM key -> id of the running operation that locks the item
        self.refreshing = None       # id of the running refresh operation
        self.etag_time = time.time()

    @property
    def key(self):
        return lkey(self.sub, self.resource_group, self.name)

    @property
    def id(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (
            self.sub, self.resource_group, self.name)


class Job:
    def __init__(self, vault, operation, vm, start, activity_id, status="InProgress"):
        self.id = new_id()
        self.vault = vault
        self.operation = operation
        self.vm = vm
        self.start = start
        self.end = None
        self.status = status
        self.activity_id = activity_id
        self.error_details = []
        self.rp_expiry = None
        self.due = None
        self.friendly_name = vm.name.lower() if vm else ""
        self.container_name = vm.container_name if vm else ""
        self.classic = vm.classic if vm else False


class Operation:
    def __init__(self, kind, vault, start, due, item_vm=None, job=None):
        self.id = new_id()
        self.kind = kind                  # protect | backup | delete | refresh | cancel
        self.vault = vault
        self.vm = item_vm
        self.start = start
        self.due = due
        self.status = "InProgress"
        self.error = None                 # (http status, code, message)
        self.job = job
        self.apply = None                 # callable(now) -> None or (status, code, message)


class State:
    """All mutable emulator state. Use ``with state.lock:`` around every access."""

    def __init__(self, scenario=None):
        self.lock = threading.RLock()
        self.scenario = scenario
        self.tenant_id = TENANT_ID
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.config = dict(DEFAULT_CONFIG)
        self.base_config = dict(DEFAULT_CONFIG)
        self.journal = collections.deque(maxlen=200000)
        self.journal_seq = itertools.count(1)
        self.faults = []
        self.reset()

    # ----------------------------------------------------------------- lifecycle
    def reset(self, empty=False):
        with self.lock:
            self.subscription_id = SUBSCRIPTION_ID
            self.subscriptions = {SUBSCRIPTION_ID.lower()}
            self.resource_groups = set()
            self.vaults = {}
            self.vms = {}
            self.operations = {}
            self.jobs = {}
            self.events = []
            self.event_seq = itertools.count()
            self.buckets = {}            # (bucket name, subscription) -> pace.TokenBucket
            self.config = dict(self.base_config)
            self.rng = random.Random(self.config["seed"])
            self.faults = []
            self.resources = resources.ResourceStore()   # restore targets, disks, NICs (resources.py)
            self.vault_ext = None         # wave 2: seeded resource guards (vault_settings.ext)
            if not empty:
                self.seed(self.scenario if self.scenario is not None else default_scenario())

    def set_base_config(self, **values):
        """Settings a reset returns to (the CLI's); same rules as POST /_emulator/config."""
        pace.apply(self.base_config, values)
        self.configure(values)

    def configure(self, values):
        """Apply settings (``pace`` presets, window shorthands); ValueError / TypeError on a bad one."""
        with self.lock:
            seed_before = self.config["seed"]
            pace.apply(self.config, values)
            if "seed" in values or "pace" in values or self.config["seed"] != seed_before:
                self.rng = random.Random(self.config["seed"])
            return dict(self.config)

    def duration(self, key):
        """Seconds for a ``*_seconds`` setting: the number, or a draw from its [low, high] range."""
        value = self.config[key]
        if isinstance(value, list):
            return self.rng.uniform(value[0], value[1])
        return float(value)

    # ----------------------------------------------------------------- seeding
    def seed(self, data):
        """Merge a scenario (see README) into the state."""
        with self.lock:
            sub = data.get("subscription_id") or self.subscription_id
            if data.get("subscription_id"):
                self.subscription_id = sub
            self.subscriptions.add(sub.lower())
            for rg in data.get("resource_groups", []):
                self.resource_groups.add(lkey(sub, rg))
            for spec in data.get("vms", []):
                vm = VM(spec.get("subscription_id", sub), spec["resource_group"], spec["name"],
                        spec.get("location", "westus"), bool(spec.get("classic")), spec.get("data_disk_luns", []))
                self.vms[lkey(vm.sub, vm.resource_group, vm.name)] = vm
                self.resource_groups.add(lkey(vm.sub, vm.resource_group))
            import vaults  # pylint: disable=import-outside-toplevel  # wave 2 seed keys (vaults imports state)
            vaults.seed(self, data)
            for spec in data.get("vaults", []):
                vaults.seed_vault(self, self._seed_vault(sub, spec), spec)
            for spec in data.get("protected_items", []):
                self._seed_item(sub, spec)
            for spec in data.get("jobs", []):
                self._seed_job(sub, spec)
            resources.seed(self, sub, data)   # storage_accounts, virtual_networks, disks, recovery_points
            import compute_api  # pylint: disable=import-outside-toplevel
            compute_api.seed_extra(self, data)   # fleets: extra subscriptions, VM tags and zones

    def _seed_vault(self, sub, spec):
        vsub = spec.get("subscription_id", sub)
        key = lkey(vsub, spec["resource_group"], spec["name"])
        vault = self.vaults.get(key)
        if vault is None:
            vault = Vault(vsub, spec["resource_group"], spec["name"], spec.get("location", "westus"),
                          spec.get("soft_delete", True), spec.get("soft_delete_days", 14))
            self.vaults[key] = vault
        else:
            vault.location = spec.get("location", vault.location)
            vault.soft_delete = spec.get("soft_delete", vault.soft_delete)
        vault.soft_delete_always_on = bool(spec.get("soft_delete_always_on", False))
        self.resource_groups.add(lkey(vsub, vault.resource_group))
        for pol in spec.get("policies", []):
            policy = Policy(pol["name"], pol.get("workload", IAAS), pol.get("policy_type", "V1"),
                            pol.get("retention_days", 30), pol.get("schedule_time", "2024-01-01T19:00:00Z"),
                            pol.get("time_zone", "UTC"))
            vault.policies[policy.name.lower()] = policy
        for ref in spec.get("discovered", []):
            vm = self.find_vm_ref(vsub, ref)
            if vm is None:
                raise ValueError("vault %s: discovered VM %r is not seeded" % (vault.name, ref))
            vault.discovered.add(vm.key)
        for cont in spec.get("workload_containers", []):
            vault.workload_containers[cont["name"].lower()] = cont
        return vault

    def find_vm_ref(self, sub, ref):
        """``rg/name`` or a VM resource ID -> VM or None."""
        match = re.match(r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.(?:Classic)?Compute/"
                         r"virtualMachines/([^/]+)$", ref)
        if match:
            return self.vms.get(lkey(match.group(1), match.group(2), match.group(3)))
        if "/" in ref:
            rg, name = ref.split("/", 1)
            return self.vms.get(lkey(sub, rg, name))
        return None

    def find_vault(self, sub, rg, name):
        return self.vaults.get(lkey(sub, rg, name))

    def _vault_for_spec(self, sub, spec):
        name = spec["vault"]
        rg = spec.get("vault_resource_group")
        for vault in self.vaults.values():
            if vault.name.lower() == name.lower() and (rg is None or vault.resource_group.lower() == rg.lower()):
                return vault
        raise ValueError("unknown vault %r" % name)

    def _seed_item(self, sub, spec):
        vault = self._vault_for_spec(sub, spec)
        vm = self.find_vm_ref(vault.sub, spec["vm"])
        if vm is None:
            raise ValueError("protected item: unknown VM %r" % spec["vm"])
        policy = vault.policies.get(str(spec.get("policy", "DefaultPolicy")).lower())
        item = Item(vault, vm, policy)
        state = spec.get("state", "Protected")
        now = time.time()
        if state == "SoftDeleted":
            vault.items[vm.key] = item
            self.soft_delete(item, parse_time(spec["deleted_time"]) if spec.get("deleted_time") else now)
        else:
            item.state = state
            if state == "ProtectionStopped":
                item.policy = None
        points = int(spec.get("recovery_points", 1 if state != "IRPending" else 0))
        for index in range(points):
            item.recovery_points.append(resources.new_point(now - (points - index) * 86400, now + 30 * 86400))
        if points:
            item.last_backup_status = "Completed"
            item.last_backup_time = item.recovery_points[-1]["time"]
        if spec.get("last_backup_time"):
            item.last_backup_time = parse_time(spec["last_backup_time"])
        if spec.get("disk_luns") is not None:
            item.disk_exclusion = {"diskLunList": list(spec["disk_luns"]),
                                   "isInclusionList": bool(spec.get("is_inclusion_list", True))}
        vault.discovered.add(vm.key)
        vault.items[vm.key] = item

    def _seed_job(self, sub, spec):
        vault = self._vault_for_spec(sub, spec)
        vm = self.find_vm_ref(vault.sub, spec["vm"]) if spec.get("vm") else None
        job = Job(vault, spec.get("operation", "Backup"), vm, parse_time(spec["start_time"]),
                  spec.get("activity_id", new_id()), spec.get("status", "Completed"))
        if spec.get("id"):
            job.id = spec["id"]
        if spec.get("end_time"):
            job.end = parse_time(spec["end_time"])
        if vm is None:
            job.friendly_name = spec.get("entity_friendly_name", "")
        job.error_details = spec.get("error_details", [])
        self.add_job(job)

    # ----------------------------------------------------------------- time
    def schedule(self, due, callback):
        heapq.heappush(self.events, (due, next(self.event_seq), callback))

    def tick(self, now=None):
        """Fire every event whose time has come (call with the lock held)."""
        now = time.time() if now is None else now
        while self.events and self.events[0][0] <= now:
            due, _seq, callback = heapq.heappop(self.events)
            callback(due)

    # ----------------------------------------------------------------- soft delete
    def soft_delete(self, item, when):
        """Soft-delete ``item`` at ``when``: stopped, no policy, purged at ``when`` + the vault's retention."""
        item.soft_deleted = True
        item.state = "ProtectionStopped"
        item.policy = None
        item.deleted_at = when
        item.purge_at = when + item.vault.soft_delete_days * 86400
        self.schedule(item.purge_at, lambda _when, it=item: self._purge(it))

    @staticmethod
    def _purge(item):
        vault = item.vault
        if vault.items.get(item.vm.key) is item and item.soft_deleted:
            del vault.items[item.vm.key]

    def undelete(self, item):
        item.soft_deleted = False
        item.deleted_at = item.purge_at = None
        item.state = "ProtectionStopped"
        item.policy = None

    # ----------------------------------------------------------------- jobs and operations
    def add_job(self, job):
        self.jobs[job.id.lower()] = job
        job.vault.jobs[job.id.lower()] = job
        return job

    def add_operation(self, op):
        self.operations[op.id.lower()] = op
        self.schedule(op.due, lambda when, o=op: self.complete_operation(o, when))
        return op

    def complete_operation(self, op, when):
        if op.status != "InProgress":
            return
        outcome = op.apply(when) if op.apply else None
        if outcome:
            op.status = "Failed"
            op.error = outcome
            if op.job is not None and op.job.status == "InProgress":
                op.job.status = "Failed"
                op.job.end = when
                op.job.error_details = [{
                    "errorCode": 400001, "errorTitle": outcome[1], "errorString": outcome[2],
                    "recommendations": ["Correct the request and retry the operation."]}]
        else:
            op.status = "Succeeded"
            if op.job is not None and op.job.status == "InProgress" and op.job.operation not in ("Backup", "Restore"):
                op.job.status = "Completed"
                op.job.end = when
        if op.vm is not None and op.vault.busy.get(op.vm.key) == op.id:
            del op.vault.busy[op.vm.key]
        if op.vault.refreshing == op.id:
            op.vault.refreshing = None

    # ----------------------------------------------------------------- throttling
    def take_budget(self, sub, bucket_name):
        """Spend one token of the subscription's ``reads`` / ``writes`` / ``deletes`` bucket: (ok, remaining, wait)."""
        capacity, rate = pace.bucket_settings(self.config, bucket_name)
        key = (bucket_name, sub.lower())
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = pace.TokenBucket(capacity, rate)
        elif bucket.capacity != capacity or abs(bucket.rate - rate) > 1e-9:
            bucket.reconfigure(capacity, rate)
        return bucket.take()

    # ----------------------------------------------------------------- journal
    def log(self, entry):
        with self.lock:
            entry["seq"] = next(self.journal_seq)
            self.journal.append(entry)

    def journal_since(self, since):
        with self.lock:
            return [dict(e) for e in self.journal if e["seq"] > since]

    # ----------------------------------------------------------------- faults
    def match_fault(self, method, target):
        """The first fault rule matching, consuming its count (None if none)."""
        with self.lock:
            for rule in self.faults:
                if rule.get("method") and rule["method"].upper() != method:
                    continue
                if not rule["_regex"].search(target):
                    continue
                if rule.get("count") is not None and rule["count"] <= 0:
                    continue
                if rule.get("probability") is not None and random.random() >= float(rule["probability"]):
                    continue
                if rule.get("count") is not None:
                    rule["count"] -= 1
                rule["hits"] = rule.get("hits", 0) + 1
                return dict(rule)
        return None

    # ----------------------------------------------------------------- protection lookups
    def active_protection_elsewhere(self, vm, vault):
        """The other vault that actively protects ``vm`` (not stopped, not soft-deleted), or None."""
        for other in self.vaults.values():
            if other is vault:
                continue
            item = other.items.get(vm.key)
            if item is not None and not item.soft_deleted and item.state != "ProtectionStopped":
                return other
        return None

    def dump(self):
        with self.lock:
            return {
                "subscription_id": self.subscription_id,
                "config": dict(self.config),
                "vaults": [{
                    "name": v.name, "resource_group": v.resource_group, "location": v.location,
                    "soft_delete": v.soft_delete, "policies": sorted(p.name for p in v.policies.values()),
                    "discovered": sorted("%s/%s" % (self.vms[lkey(v.sub, *k)].resource_group, self.vms[lkey(v.sub, *k)].name)
                                         for k in v.discovered if lkey(v.sub, *k) in self.vms),
                    "items": [{
                        "vm": "%s/%s" % (i.vm.resource_group, i.vm.name), "state": i.state,
                        "policy": i.policy.name if i.policy else None, "soft_deleted": i.soft_deleted,
                        "recovery_points": len(i.recovery_points), "busy": i.vm.key in v.busy,
                        "last_backup_status": i.last_backup_status,
                    } for i in v.items.values()],
                    "jobs": len(v.jobs),
                } for v in self.vaults.values()],
                "vms": [{"name": vm.name, "resource_group": vm.resource_group, "location": vm.location,
                         "classic": vm.classic, "data_disk_luns": vm.luns} for vm in self.vms.values()],
                "operations": {"total": len(self.operations),
                               "in_progress": sum(1 for o in self.operations.values() if o.status == "InProgress"),
                               "running": [{"id": o.id, "kind": o.kind, "seconds": round(o.due - o.start, 3)}
                                           for o in self.operations.values() if o.status == "InProgress"]},
                "faults": [{k: v for k, v in f.items() if not k.startswith("_")} for f in self.faults],
                "resources": resources.dump(self),
            }
