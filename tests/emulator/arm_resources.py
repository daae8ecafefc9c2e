# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ARM resources around a restore, besides Compute (compute.py): resource groups, staging storage accounts,
virtual networks and subnets, network interfaces; and what they share with compute.py: the Compute / Network
asynchronous operations (``…/locations/{l}/operations/{op}``), tags (PATCH ``{tags}`` or
``…/providers/Microsoft.Resources/tags/default``) and resource-ID parsing. See README "Restore".

Families of BackupApi (see routing.py); the data lives in ``state.resources`` (resources.py).
"""

from __future__ import annotations

import base64
import re
import time

import compute_api
from common import ArmError, Response, iso, lkey, new_id
from routing import RESOURCE_GROUP, SUBSCRIPTION, route
from vault_settings import ext, settings

TAGS = "/providers/Microsoft.Resources/tags/default"
VNET = "providers/Microsoft.Network/virtualNetworks/{net}"
NIC = "providers/Microsoft.Network/networkInterfaces/{nic}"
STORAGE = "providers/Microsoft.Storage/storageAccounts"
# the generic list's page size (emulator's choice)
RESOURCE_PAGE_SIZE = 1000

_ID_PATTERNS = {
    "storage": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Storage/storageAccounts/([^/]+)$",
    "vnet": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/virtualNetworks/([^/]+)$",
    "subnet": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/virtualNetworks/([^/]+)"
              r"/subnets/([^/]+)$",
    "rg": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)$",
    "vm": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Compute/virtualMachines/([^/]+)$",
}


def parse_id(kind, value):
    """The groups of an ARM ID of ``kind`` (storage, vnet, subnet, rg, vm), or None."""
    if not isinstance(value, str):
        return None
    match = re.match(_ID_PATTERNS[kind], value.strip())
    return match.groups() if match else None


def not_found(type_name, name, rg):
    return ArmError(404, "ResourceNotFound",
                    "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to "
                    "https://aka.ms/ARMResourceNotFoundFix" % (type_name, name, rg), headers={"x-ms-failure-cause": "gateway"})


def tags_of(body):
    tags = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise ArmError(400, "InvalidRequestContent", "The request content needs 'tags': an object of string values.")
    return dict(tags)


def existing(resource, type_name, name, rg):
    """``resource``, or 404 ResourceNotFound when it is None."""
    if resource is None:
        raise not_found(type_name, name, rg)
    return resource


def in_group(table, sub, rg):
    """The values of a ``{(sub, rg, name): resource}`` table in one resource group, by name."""
    return sorted((v for key, v in table.items() if key[:2] == lkey(sub, rg)), key=lambda v: v.name.lower())


class ArmOperations:
    """Mixin of BackupApi: the asynchronous operations of Compute / Network deletes and of a resource-group delete; tags."""

    def _start_arm_op(self, req, location, apply, kind="operations", provider="Microsoft.Compute"):
        now = time.time()
        op_id = new_id()
        due = now + self.state.duration("compute_seconds")
        self.state.resources.compute_ops[op_id] = {"start": now, "due": due, "status": "InProgress"}

        def done(when, op_id=op_id):
            apply(when)
            self.state.resources.compute_ops[op_id]["status"] = "Succeeded"
        self.state.schedule(due, done)
        base = "%s/subscriptions/%s/providers/%s/locations/%s/%%s/%s" % (
            req.endpoint, req.segments[1], provider, location.replace(" ", "").lower(), op_id)
        version = req.query["api-version"]
        if provider == "Microsoft.Network":   # the Network RP's pair: operations/{op} and operationResults/{op}
            return Response(202, None, {"Azure-AsyncOperation": "%s?api-version=%s" % (base % "operations", version),
                                        "Location": "%s?api-version=%s" % (base % "operationResults", version),
                                        "Retry-After": self._retry_after()})
        return Response(202, None, {"Azure-AsyncOperation": "%s?p=%s&api-version=%s" % (base % kind, new_id(), version),
                                    "Location": "%s?p=%s&monitor=true&api-version=%s" % (base % kind, new_id(), version),
                                    "Retry-After": self._retry_after()})

    def _arm_op(self, op_id):
        op = self.state.resources.compute_ops.get(op_id.lower())
        if op is None:
            raise ArmError(404, "NotFound", "The operation '%s' was not found." % op_id)
        return op

    def _arm_op_done(self, req, op):
        """A Location poll: 202 + Location to itself while running, then 200."""
        if op["status"] == "InProgress":
            return Response(202, None, {"Location": req.self_url(), "Retry-After": self._retry_after()})
        return Response(200, None)

    @route("GET", SUBSCRIPTION, "providers/Microsoft.Compute/locations/*/operations/{op}")
    @route("GET", SUBSCRIPTION, "providers/Microsoft.Compute/locations/*/DiskOperations/{op}")
    @route("GET", SUBSCRIPTION, "providers/Microsoft.Network/locations/*/operations/{op}")
    def arm_operation_status(self, req, sub, op_id):
        op = self._arm_op(op_id)
        if req.query.get("monitor") == "true":
            return self._arm_op_done(req, op)
        body = {"startTime": iso(op["start"]), "status": op["status"], "name": op_id}
        if op["status"] != "InProgress":
            body["endTime"] = iso(op["due"])
        return Response(200, body)

    @route("GET", SUBSCRIPTION, "providers/Microsoft.Compute/locations/*/operationResults/{op}")
    @route("GET", SUBSCRIPTION, "providers/Microsoft.Network/locations/*/operationResults/{op}")
    def arm_operation_result(self, req, sub, op_id):
        return self._arm_op_done(req, self._arm_op(op_id))

    @route("GET", SUBSCRIPTION, "operationresults/{token}")
    def resources_operation_result(self, req, sub, token):
        op = self.state.resources.compute_ops.get(token)
        if op is None:
            raise ArmError(404, "NotFound", "The operation was not found.")
        return self._arm_op_done(req, op)

    def _delete_later(self, req, table, resource, **op):
        """DELETE of a disk or NIC: ``Deleting`` now, gone from ``table`` after ``compute_seconds``; the 202."""
        resource.deleting = True
        key = lkey(resource.sub, resource.resource_group, resource.name)

        def apply(when):
            if table.get(key) is resource:
                del table[key]
        return self._start_arm_op(req, resource.location, apply, **op)

    # ------------------------------------------------------------------ tags
    def _patch_tags(self, req, resource, body):
        """PATCH ``{tags}`` of a disk or NIC: the tags replaced, 200 with ``body(resource)``."""
        resource.tags = tags_of(req.json())
        return Response(200, body(resource))

    def _object_tags(self, req, resource):
        """``…/providers/Microsoft.Resources/tags/default`` of a disk or NIC."""
        return self._tags_call(req, resource.tags, lambda tags: setattr(resource, "tags", tags), resource.id)

    def _tags_call(self, req, current, set_tags, resource_id):
        """GET / PUT / PATCH (operation Merge, Replace, Delete) of ``{resource}/providers/Microsoft.Resources/tags/default``."""
        if req.method == "GET":
            return Response(200, self._tags_body(resource_id, current))
        body = req.json() or {}
        props = body.get("properties") if isinstance(body, dict) else None
        tags = tags_of(props if isinstance(props, dict) else {})
        if req.method == "PUT":
            new = tags
        else:
            operation = body.get("operation")
            if operation == "Merge":
                new = dict(current, **tags)
            elif operation == "Replace":
                new = tags
            elif operation == "Delete":
                new = {k: v for k, v in current.items() if not (k in tags and (tags[k] == "" or tags[k] == v))}
            else:
                raise ArmError(400, "InvalidRequestContent", "operation must be Merge, Replace or Delete.")
        set_tags(new)
        return Response(200, self._tags_body(resource_id, new))

    @staticmethod
    def _tags_body(resource_id, tags):
        return {"id": resource_id + TAGS, "name": "default", "type": "Microsoft.Resources/tags", "properties": {"tags": dict(tags)}}


class ResourceGroups:
    """Mixin of BackupApi: Microsoft.Resources resource groups (GET, PUT, PATCH, DELETE with its operationresults)."""

    def _rg_body(self, sub, rg):
        meta = self.state.resources.rg_meta.get(lkey(sub, rg), {})
        name = meta.get("name", rg)
        return {"id": "/subscriptions/%s/resourceGroups/%s" % (sub, name), "name": name, "type": "Microsoft.Resources/resourceGroups",
                "location": meta.get("location", "westus"), "tags": dict(meta.get("tags", {})),
                "properties": {"provisioningState": "Deleting" if meta.get("deleting") else "Succeeded"}}

    @route("GET", SUBSCRIPTION, "resourceGroups/{rg}")
    def get_resource_group(self, req, sub, rg):
        self._check_rg(sub, rg)
        return Response(200, self._rg_body(sub, rg))

    @route("PUT", SUBSCRIPTION, "resourceGroups/{rg}")
    @route("PATCH", SUBSCRIPTION, "resourceGroups/{rg}")
    def put_resource_group(self, req, sub, rg):
        store = self.state.resources
        key = lkey(sub, rg)
        exists = key in self.state.resource_groups
        body = req.json() or {}
        if req.method == "PUT" and not (isinstance(body, dict) and body.get("location")):
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        if req.method == "PATCH":
            self._check_rg(sub, rg)
        meta = store.rg_meta.setdefault(key, {"name": rg, "location": "westus", "tags": {}})
        if meta.get("deleting"):
            raise ArmError(409, "ResourceGroupBeingDeleted", "The resource group '%s' is in deprovisioning state." % rg)
        if exists and req.method == "PUT" and body["location"].replace(" ", "").lower() != meta["location"].lower():
            raise ArmError(409, "InvalidResourceGroupLocation", "Invalid resource group location '%s'. The Resource group "
                           "already exists in location '%s'." % (body["location"], meta["location"]))
        meta["location"] = body.get("location", meta["location"]).replace(" ", "").lower()
        if "tags" in body or req.method == "PUT":
            meta["tags"] = tags_of({"tags": body.get("tags", {})})
        self.state.resource_groups.add(key)
        return Response(200 if exists else 201, self._rg_body(sub, rg))

    @route("DELETE", SUBSCRIPTION, "resourceGroups/{rg}")
    def delete_resource_group(self, req, sub, rg):
        store = self.state.resources
        key = lkey(sub, rg)
        if key not in self.state.resource_groups:
            return Response(204)
        for vault in self.state.vaults.values():
            if lkey(vault.sub, vault.resource_group) == key:
                raise ArmError(409, "ResourceGroupDeletionBlocked", "Deletion of resource group '%s' failed: it holds the "
                               "Recovery Services vault '%s' (emulator: delete vaults first)." % (rg, vault.name))
        meta = store.rg_meta.setdefault(key, {"name": rg, "location": "westus", "tags": {}})
        meta["deleting"] = True
        token = base64.urlsafe_b64encode(("RESOURCEGROUPDELETIONJOB-%s" % new_id()).encode()).decode().rstrip("=")
        now = time.time()
        due = now + self.state.duration("compute_seconds")
        store.compute_ops[token] = {"start": now, "due": due, "status": "InProgress"}

        def apply(when, key=key, token=token):
            self._purge_rg(key)
            store.compute_ops[token]["status"] = "Succeeded"
        self.state.schedule(due, apply)
        return Response(202, None, {"Location": "%s/subscriptions/%s/operationresults/%s?api-version=%s"
                                    % (req.endpoint, sub, token, req.query["api-version"]),
                                    "Retry-After": self._retry_after()})

    @route("GET", SUBSCRIPTION, "resourceGroups/{rg}/resources")
    def list_group_resources(self, req, sub, rg):
        """Resource Manager's generic list of what a group holds (VMs, disks, NICs, storage accounts, networks, vaults,
        resource guards), ``{id, name, type, location[, tags]}`` each, sorted by ID, paged like the other lists."""
        self._check_rg(sub, rg)
        return compute_api.page(req, group_resources(self.state, sub, rg), RESOURCE_PAGE_SIZE)

    def _purge_rg(self, key):
        store = self.state.resources
        self.state.resource_groups.discard(key)
        store.rg_meta.pop(key, None)
        for table in (store.disks, store.storage_accounts, store.networks, store.nics):
            for res_key in [k for k in table if k[:2] == key]:
                del table[res_key]
        for vm_key in [k for k in self.state.vms if k[:2] == key]:
            del self.state.vms[vm_key]
            store.vm_disks.pop(vm_key, None)
            store.vm_nics.pop(vm_key, None)
            store.vm_tags.pop(vm_key, None)


def group_resources(state, sub, rg):
    """Every resource the emulator keeps in resource group ``(sub, rg)``, as the generic list shows it."""
    key = lkey(sub, rg)
    store = state.resources
    found = []

    def add(rid, type_name, name, location, tags=None):
        entry = {"id": rid, "name": name, "type": type_name, "location": (location or "westus").replace(" ", "").lower()}
        if tags:
            entry["tags"] = dict(tags)
        found.append(entry)
    for vm_key, vm in state.vms.items():
        if vm_key[:2] == key:
            add(vm.id, vm.item_type, vm.name, vm.location, store.vm_tags.get(vm_key))
    for table, type_name in ((store.disks, "Microsoft.Compute/disks"), (store.nics, "Microsoft.Network/networkInterfaces"),
                             (store.storage_accounts, "Microsoft.Storage/storageAccounts"),
                             (store.networks, "Microsoft.Network/virtualNetworks")):
        for res_key, res in table.items():
            if res_key[:2] == key:
                add(res.id, type_name, res.name, res.location, getattr(res, "tags", None))
    for vault in state.vaults.values():
        if lkey(vault.sub, vault.resource_group) == key:
            add(vault.id, "Microsoft.RecoveryServices/vaults", vault.name, vault.location, settings(vault).get("tags"))
    for guard in ext(state)["guards"].values():
        parts = parse_id("rg", guard["id"].split("/providers/")[0])
        if parts and lkey(*parts) == key:
            add(guard["id"], "Microsoft.DataProtection/resourceGuards", guard["name"], guard["location"])
    return sorted(found, key=lambda entry: entry["id"].lower())


class Network:
    """Mixin of BackupApi: Microsoft.Network virtual networks and subnets (read only), network interfaces."""

    @staticmethod
    def _subnet_body(net, subnet, index):
        return {"id": "%s/subnets/%s" % (net.id, subnet), "name": subnet, "type": "Microsoft.Network/virtualNetworks/subnets",
                "etag": 'W/"%s"' % net.guid,
                "properties": {"provisioningState": "Succeeded", "addressPrefix": "10.0.%d.0/24" % index,
                               "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled"}}

    def _network_body(self, net):
        return {"id": net.id, "name": net.name, "type": "Microsoft.Network/virtualNetworks", "location": net.location,
                "etag": 'W/"%s"' % net.guid, "tags": {},
                "properties": {"provisioningState": "Succeeded", "resourceGuid": net.guid,
                               "addressSpace": {"addressPrefixes": [net.prefix]},
                               "subnets": [self._subnet_body(net, s, i) for i, s in enumerate(net.subnets)],
                               "virtualNetworkPeerings": [], "enableDdosProtection": False}}

    def _network(self, sub, rg, name):
        return existing(self.state.resources.network(sub, rg, name), "Microsoft.Network/virtualNetworks", name, rg)

    @route("GET", RESOURCE_GROUP, "providers/Microsoft.Network/virtualNetworks")
    def list_networks(self, req, sub, rg):
        return Response(200, {"value": [self._network_body(n) for n in in_group(self.state.resources.networks, sub, rg)]})

    @route("GET", RESOURCE_GROUP, VNET)
    def get_network(self, req, sub, rg, name):
        return Response(200, self._network_body(self._network(sub, rg, name)))

    @route("GET", RESOURCE_GROUP, VNET + "/subnets")
    def list_subnets(self, req, sub, rg, name):
        net = self._network(sub, rg, name)
        return Response(200, {"value": [self._subnet_body(net, s, i) for i, s in enumerate(net.subnets)]})

    @route("GET", RESOURCE_GROUP, VNET + "/subnets/{subnet}")
    def get_subnet(self, req, sub, rg, name, subnet_name):
        net = self._network(sub, rg, name)
        subnet = net.subnet(subnet_name)
        if subnet is None:
            raise ArmError(404, "NotFound", "Resource %s/subnets/%s not found." % (net.id, subnet_name))
        return Response(200, self._subnet_body(net, subnet, net.subnets.index(subnet)))

    # ------------------------------------------------------------------ network interfaces
    def nic_body(self, nic):
        body = {"name": nic.name, "id": nic.id, "type": "Microsoft.Network/networkInterfaces", "location": nic.location,
                "etag": 'W/"%s"' % nic.guid, "tags": dict(nic.tags),
                "properties": {"provisioningState": "Deleting" if nic.deleting else "Succeeded", "resourceGuid": nic.guid,
                               "ipConfigurations": [{"name": "ipconfig1", "id": nic.id + "/ipConfigurations/ipconfig1",
                                                     "properties": {"privateIPAllocationMethod": "Dynamic", "primary": True,
                                                                    "subnet": {"id": nic.subnet_id}}}],
                               "enableAcceleratedNetworking": False, "primary": True}}
        if nic.vm_id:
            body["properties"]["virtualMachine"] = {"id": nic.vm_id}
        return body

    def _nic(self, sub, rg, name):
        return existing(self.state.resources.nic(sub, rg, name), "Microsoft.Network/networkInterfaces", name, rg)

    @route("GET", RESOURCE_GROUP, "providers/Microsoft.Network/networkInterfaces")
    def list_nics(self, req, sub, rg):
        return Response(200, {"value": [self.nic_body(n) for n in in_group(self.state.resources.nics, sub, rg)]})

    @route("GET", RESOURCE_GROUP, NIC)
    def get_nic(self, req, sub, rg, name):
        return Response(200, self.nic_body(self._nic(sub, rg, name)))

    @route("PATCH", RESOURCE_GROUP, NIC)
    def patch_nic(self, req, sub, rg, name):
        return self._patch_tags(req, self._nic(sub, rg, name), self.nic_body)

    @route("GET", RESOURCE_GROUP, NIC + TAGS)
    @route("PUT", RESOURCE_GROUP, NIC + TAGS)
    @route("PATCH", RESOURCE_GROUP, NIC + TAGS)
    def nic_tags(self, req, sub, rg, name):
        return self._object_tags(req, self._nic(sub, rg, name))

    @route("DELETE", RESOURCE_GROUP, NIC)
    def delete_nic(self, req, sub, rg, name):
        store = self.state.resources
        nic = store.nic(sub, rg, name)
        if nic is None:
            return Response(204)
        if nic.vm_id:
            raise ArmError(400, "NicInUse", "Network Interface %s is used by existing resource %s. In order to delete the "
                           "network interface, it must be dissociated from the resource." % (nic.id, nic.vm_id))
        return self._delete_later(req, store.nics, nic, provider="Microsoft.Network")


class Storage:
    """Mixin of BackupApi: Microsoft.Storage storage accounts (read only: the staging accounts of restores)."""

    @staticmethod
    def _storage_body(acct):
        blob = "https://%s.blob.core.windows.net/" % acct.name.lower()
        return {"id": acct.id, "name": acct.name, "type": "Microsoft.Storage/storageAccounts", "location": acct.location,
                "kind": acct.kind, "sku": {"name": acct.sku, "tier": "Standard"}, "tags": {},
                "properties": {"provisioningState": "Succeeded", "primaryLocation": acct.location, "statusOfPrimary": "available",
                               "creationTime": iso(acct.created), "accessTier": "Hot", "allowBlobPublicAccess": False,
                               "minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": True,
                               "primaryEndpoints": {"blob": blob, "dfs": blob.replace(".blob.", ".dfs."),
                                                    "queue": blob.replace(".blob.", ".queue."),
                                                    "table": blob.replace(".blob.", ".table."),
                                                    "file": blob.replace(".blob.", ".file.")}}}

    @route("GET", RESOURCE_GROUP, STORAGE)
    def list_storage_accounts(self, req, sub, rg):
        return Response(200, {"value": [self._storage_body(a) for a in in_group(self.state.resources.storage_accounts, sub, rg)]})

    @route("GET", RESOURCE_GROUP, STORAGE + "/{account}")
    def get_storage_account(self, req, sub, rg, name):
        acct = existing(self.state.resources.storage_account(sub, rg, name), "Microsoft.Storage/storageAccounts", name, rg)
        return Response(200, self._storage_body(acct))
