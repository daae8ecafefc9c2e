# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ARM resources around a restore: resource groups, Compute VMs and disks (what a restore creates),
staging storage accounts, virtual networks and subnets (see README "Restore").

``ComputeApi`` is owned by ``BackupApi`` (``api.compute``); ``materialise_restore`` turns a finished
Restore job into disks / a VM. Handlers run with ``state.lock`` held.
"""

from __future__ import annotations

import base64
import time

from common import ArmError, Response, iso, iso_seconds, new_id
from resources import Disk, Nic, lk
from state import VM

RESOURCES_API_VERSIONS = ("2016-09-01", "2018-05-01", "2019-05-01", "2019-10-01", "2020-06-01", "2020-10-01", "2021-01-01",
                          "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01",
                          "2025-04-01")
DISK_API_VERSIONS = ("2019-07-01", "2020-09-30", "2020-12-01", "2021-04-01", "2021-08-01", "2021-12-01", "2022-03-02",
                     "2022-07-02", "2023-01-02", "2023-04-02", "2023-10-02", "2024-03-02", "2025-01-02")
STORAGE_API_VERSIONS = ("2019-06-01", "2021-04-01", "2021-09-01", "2022-05-01", "2022-09-01", "2023-01-01", "2023-04-01",
                        "2023-05-01", "2024-01-01", "2025-01-01")
NETWORK_API_VERSIONS = ("2020-11-01", "2021-05-01", "2022-01-01", "2022-07-01", "2023-04-01", "2023-09-01", "2023-11-01",
                        "2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01")
PROVIDERS = ("microsoft.compute", "microsoft.storage", "microsoft.network")


def _not_found(type_name, name, rg):
    return ArmError(404, "ResourceNotFound",
                    "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to "
                    "https://aka.ms/ARMResourceNotFoundFix" % (type_name, name, rg), headers={"x-ms-failure-cause": "gateway"})


def _tags_of(body):
    tags = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise ArmError(400, "InvalidRequestContent", "The request content needs 'tags': an object of string values.")
    return dict(tags)


# ---------------------------------------------------------------------- a finished restore
def _stamp(ts):
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(ts))


def _new_disk(store, sub, rg, base, location, size, lun=None, os_type=None, zones=None):
    name = base
    suffix = 2
    while store.disk(sub, rg, name) is not None:
        name = "%s-%d" % (base, suffix)
        suffix += 1
    return store.add_disk(Disk(sub, rg, name, location, size, lun=lun, os_type=os_type, zones=zones))


def materialise_restore(state, job, when):
    """Create what a Restore job restores. Returns None, or (errorCode, errorTitle, errorString) when it fails."""
    from restore_api import parse_id, point_luns   # pylint: disable=import-outside-toplevel
    info = job.restore
    props = info["props"]
    vault = job.vault
    store = state.resources
    source = job.vm
    item = vault.items.get(source.key)
    luns = props.get("restoreDiskLunList")
    if luns is None:
        luns = point_luns(item, info["point"]) if item is not None else list(source.luns)
    zones = [str(z) for z in props.get("zones") or getattr(source, "zones", []) or []]
    os_type = getattr(source, "os_type", "Linux")
    stamp = _stamp(job.start)
    created = info["created"]
    acct = parse_id("storage", props.get("storageAccountId") or (props.get("identityBasedRestoreDetails") or {}).get(
        "targetStorageAccountId"))
    rtype = info["type"]
    if rtype == "AlternateLocation":
        sub, rg, name = parse_id("vm", props["targetVirtualMachineId"])
        if state.vms.get(lk(sub, rg, name)) is not None:
            return (400105, "UserErrorVmNameAlreadyExists", "A virtual machine named '%s' already exists." % name)
        if lk(sub, rg) not in state.resource_groups:
            return (400106, "UserErrorTargetResourceGroupNotFound", "The target resource group '%s' no longer exists." % rg)
        new_vm = VM(sub, rg, name, vault.location, False, luns)
        new_vm.zones, new_vm.os_type, new_vm.encrypted, new_vm.restored_at = zones, os_type, False, when
        state.vms[lk(sub, rg, name)] = new_vm
        disks = _restore_disks(store, sub, rg, name.lower(), stamp, vault.location, luns, os_type, zones)
        _attach(store, new_vm, disks)
        # a VM always has a network interface: the restore makes one in the target group (name: emulator's choice)
        nic = Nic(sub, rg, "%s-nic-%s" % (name.lower(), new_id().replace("-", "")[:12]), vault.location, props["subnetId"])
        nic.vm_id = new_vm.id
        store.nics[lk(sub, rg, nic.name)] = nic
        store.vm_nics[lk(sub, rg, name)] = nic
        created["vm"] = new_vm.id
    elif rtype == "OriginalLocation":
        if state.vms.get(lk(source.sub, source.resource_group, source.name)) is not source:
            return (400136, "UserErrorVmNotFoundV2", "Virtual machine doesn't exist.")
        disks = _restore_disks(store, source.sub, source.resource_group, source.name.lower(), stamp, source.location, luns,
                               os_type, zones)
        _attach(store, source, disks)
        created["vm"] = source.id
    else:
        rg_parts = parse_id("rg", props.get("targetResourceGroupId"))
        disks = []
        if rg_parts:
            if lk(*rg_parts) not in state.resource_groups:
                return (400106, "UserErrorTargetResourceGroupNotFound", "The target resource group '%s' no longer exists." % rg_parts[1])
            disks = _restore_disks(store, rg_parts[0], rg_parts[1], source.name.lower(), stamp, vault.location, luns, os_type, zones)
        if acct:
            # names as in the Azure docs' example: container {vm}-{32 hex}, config-{vm}-{job id}.json, azuredeploy{job id}.json
            container = "%s-%s" % (source.name, new_id().replace("-", ""))
            base = "https://%s.blob.core.windows.net/%s/" % (acct[2].lower(), container)
            created["bag"] = {"Config Blob Name": "config-%s-%s.json" % (source.name, job.id),
                              "Config Blob Container Name": container,
                              "Config Blob Uri": base + "config-%s-%s.json" % (source.name, job.id)}
            if disks:
                created["bag"]["Template Blob Uri"] = base + "azuredeploy%s.json" % job.id
    created["disks"] = [d.id for d in disks]
    for disk in disks:
        disk.source = "%s/recoveryPoints/%s" % (item.vault.id if item else vault.id, info["point"]["name"])
    return None


def _restore_disks(store, sub, rg, prefix, stamp, location, luns, os_type, zones):
    disks = [_new_disk(store, sub, rg, "%s-osdisk-%s" % (prefix, stamp), location, 30, os_type=os_type, zones=zones)]
    for lun in luns:
        disks.append(_new_disk(store, sub, rg, "%s-datadisk-%03d-%s" % (prefix, lun, stamp), location, 64, lun=lun, zones=zones))
    return disks


def _attach(store, vm, disks):
    old = store.vm_disks.get(_vm_key(vm))
    if old:
        for disk in [old["os"]] + old["data"]:
            disk.managed_by = None
    for disk in disks:
        disk.managed_by = vm.id
    store.vm_disks[_vm_key(vm)] = {"os": disks[0], "data": disks[1:]}


def _vm_key(vm):
    return lk(vm.sub, vm.resource_group, vm.name)


def _disk_ref(disk):
    return {"storageAccountType": "Premium_LRS", "id": disk.id}


def decorate_vm(state, vm, body):
    """Tags, restored disks, zones and a running DELETE on a Compute VM body (see backup_api.get_vm)."""
    store = state.resources
    key = _vm_key(vm)
    body["tags"] = dict(store.vm_tags.get(key, {}))
    if getattr(vm, "zones", None):
        body["zones"] = list(vm.zones)
    props = body["properties"]
    disks = store.vm_disks.get(key)
    if disks:
        os_disk = disks["os"]
        props["storageProfile"] = {
            "osDisk": {"osType": os_disk.os_type or "Linux", "name": os_disk.name, "createOption": "Attach",
                       "caching": "ReadWrite", "diskSizeGB": os_disk.size_gb, "managedDisk": _disk_ref(os_disk),
                       "deleteOption": "Detach"},
            "dataDisks": [{"lun": d.lun, "name": d.name, "createOption": "Attach", "caching": "ReadOnly", "diskSizeGB": d.size_gb,
                           "managedDisk": _disk_ref(d), "deleteOption": "Detach"} for d in disks["data"]]}
    nic = store.vm_nics.get(key)
    if nic is not None:
        props["networkProfile"] = {"networkInterfaces": [{"id": nic.id, "properties": {"primary": True, "deleteOption": "Detach"}}]}
    if getattr(vm, "restored_at", None):
        props["timeCreated"] = iso_seconds(vm.restored_at)
    if key in store.vm_deleting:
        props["provisioningState"] = "Deleting"
    return body


# ---------------------------------------------------------------------- handlers
class ComputeApi:
    def __init__(self, api):
        self.api = api
        self.state = api.state

    @staticmethod
    def owns(method, rest):
        """Whether this module answers ``rest`` (lower-case segments after /subscriptions/{s})."""
        if len(rest) == 2 and rest[0] == "resourcegroups":
            return True
        if len(rest) >= 3 and rest[0] == "providers" and rest[1] in ("microsoft.compute", "microsoft.network"):
            return True
        if len(rest) >= 5 and rest[0] == "resourcegroups" and rest[2] == "providers" and rest[3] in PROVIDERS:
            # GET of one VM stays with backup_api.get_vm (it calls decorate_vm)
            return not (rest[3] == "microsoft.compute" and len(rest) == 6 and rest[4] == "virtualmachines" and method == "GET")
        if len(rest) == 2 and rest[0] == "operationresults":
            return True
        return False

    def handle(self, req, sub, rest):
        raw = req.segments[2:]
        if rest[0] == "operationresults":
            self.api._check_version(req, RESOURCES_API_VERSIONS, "operationresults")  # pylint: disable=protected-access
            return self._op_result(req, raw[1])
        if rest[0] == "providers":
            self.api._check_version(req, self.api_versions(rest[1], rest), "locations/operations")  # pylint: disable=protected-access
            if len(rest) == 6 and rest[2] == "locations" and rest[4] in ("operations", "diskoperations", "operationresults"):
                return self._op_status(req, raw[5], result=rest[4] == "operationresults")
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace '%s'." % raw[1])
        rg = raw[1]
        if len(rest) == 2:
            self.api._check_version(req, RESOURCES_API_VERSIONS, "resourceGroups")  # pylint: disable=protected-access
            return self._resource_group(req, sub, rg)
        namespace = rest[3]
        self.api._check_version(req, self.api_versions(namespace, rest), rest[4])  # pylint: disable=protected-access
        self.api._check_rg(sub, rg)  # pylint: disable=protected-access
        kind = rest[4]
        tail = rest[6:]
        name = raw[5] if len(raw) > 5 else None
        routes = {
            ("microsoft.compute", "virtualmachines"): self._vm,
            ("microsoft.compute", "disks"): self._disk,
            ("microsoft.storage", "storageaccounts"): self._storage,
            ("microsoft.network", "virtualnetworks"): self._network,
            ("microsoft.network", "networkinterfaces"): self._nic,
        }
        handler = routes.get((namespace, kind))
        if handler is None:
            raise ArmError(404, "InvalidResourceType", "The resource type '%s' could not be found in the namespace '%s'."
                           % (raw[4], raw[3]))
        return handler(req, sub, rg, name, tail, raw[6:])

    @staticmethod
    def api_versions(namespace, rest):
        if rest[-3:] == ["microsoft.resources", "tags", "default"]:
            return RESOURCES_API_VERSIONS
        if namespace == "microsoft.storage":
            return STORAGE_API_VERSIONS
        if namespace == "microsoft.network":
            return NETWORK_API_VERSIONS
        from backup_api import COMPUTE_API_VERSIONS   # pylint: disable=import-outside-toplevel
        if "disks" in rest or "diskoperations" in rest:
            return COMPUTE_API_VERSIONS + DISK_API_VERSIONS
        return COMPUTE_API_VERSIONS

    # ------------------------------------------------------------------ async operations (Compute and ARM)
    def _start_op(self, req, location, apply, kind="operations", provider="Microsoft.Compute"):
        now = time.time()
        op_id = new_id()
        due = now + float(self.state.config["compute_seconds"])
        self.state.resources.compute_ops[op_id] = {"start": now, "due": due, "status": "InProgress"}

        def done(when, op_id=op_id):
            apply(when)
            self.state.resources.compute_ops[op_id]["status"] = "Succeeded"
        self.state.schedule(due, done)
        sub = req.segments[1]
        base = "%s/subscriptions/%s/providers/%s/locations/%s/%%s/%s" % (
            req.endpoint, sub, provider, location.replace(" ", "").lower(), op_id)
        version = req.query["api-version"]
        if provider == "Microsoft.Network":   # the Network RP's pair: operations/{op} and operationResults/{op}
            return Response(202, None, {"Azure-AsyncOperation": "%s?api-version=%s" % (base % "operations", version),
                                        "Location": "%s?api-version=%s" % (base % "operationResults", version),
                                        "Retry-After": str(int(self.state.config["retry_after"]))})
        return Response(202, None, {"Azure-AsyncOperation": "%s?p=%s&api-version=%s" % (base % kind, new_id(), version),
                                    "Location": "%s?p=%s&monitor=true&api-version=%s" % (base % kind, new_id(), version),
                                    "Retry-After": str(int(self.state.config["retry_after"]))})

    def _op_status(self, req, op_id, result=False):
        op = self.state.resources.compute_ops.get(op_id.lower())
        if op is None:
            raise ArmError(404, "NotFound", "The operation '%s' was not found." % op_id)
        if result or req.query.get("monitor") == "true":
            if op["status"] == "InProgress":
                return Response(202, None, {"Location": req.self_url(), "Retry-After": str(int(self.state.config["retry_after"]))})
            return Response(200, None)
        body = {"startTime": iso(op["start"]), "status": op["status"], "name": op_id}
        if op["status"] != "InProgress":
            body["endTime"] = iso(op["due"])
        return Response(200, body)

    def _op_result(self, req, token):
        op = self.state.resources.compute_ops.get(token)
        if op is None:
            raise ArmError(404, "NotFound", "The operation was not found.")
        if op["status"] == "InProgress":
            return Response(202, None, {"Location": req.self_url(), "Retry-After": str(int(self.state.config["retry_after"]))})
        return Response(200, None)

    # ------------------------------------------------------------------ resource groups
    def _rg_body(self, sub, rg):
        meta = self.state.resources.rg_meta.get(lk(sub, rg), {})
        name = meta.get("name", rg)
        return {"id": "/subscriptions/%s/resourceGroups/%s" % (sub, name), "name": name, "type": "Microsoft.Resources/resourceGroups",
                "location": meta.get("location", "westus"), "tags": dict(meta.get("tags", {})),
                "properties": {"provisioningState": "Deleting" if meta.get("deleting") else "Succeeded"}}

    def _resource_group(self, req, sub, rg):
        store = self.state.resources
        key = lk(sub, rg)
        exists = key in self.state.resource_groups
        if req.method == "GET":
            if not exists:
                raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg,
                               headers={"x-ms-failure-cause": "gateway"})
            return Response(200, self._rg_body(sub, rg))
        if req.method in ("PUT", "PATCH"):
            body = req.json() or {}
            if req.method == "PUT" and not (isinstance(body, dict) and body.get("location")):
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            if req.method == "PATCH" and not exists:
                raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg,
                               headers={"x-ms-failure-cause": "gateway"})
            meta = store.rg_meta.setdefault(key, {"name": rg, "location": "westus", "tags": {}})
            if meta.get("deleting"):
                raise ArmError(409, "ResourceGroupBeingDeleted", "The resource group '%s' is in deprovisioning state." % rg)
            if exists and req.method == "PUT" and body["location"].replace(" ", "").lower() != meta["location"].lower():
                raise ArmError(409, "InvalidResourceGroupLocation", "Invalid resource group location '%s'. The Resource group "
                               "already exists in location '%s'." % (body["location"], meta["location"]))
            meta["location"] = body.get("location", meta["location"]).replace(" ", "").lower()
            if "tags" in body or req.method == "PUT":
                meta["tags"] = _tags_of({"tags": body.get("tags", {})})
            self.state.resource_groups.add(key)
            return Response(200 if exists else 201, self._rg_body(sub, rg))
        if req.method == "DELETE":
            if not exists:
                return Response(204)
            for vault in self.state.vaults.values():
                if lk(vault.sub, vault.resource_group) == key:
                    raise ArmError(409, "ResourceGroupDeletionBlocked", "Deletion of resource group '%s' failed: it holds the "
                                   "Recovery Services vault '%s' (emulator: delete vaults first)." % (rg, vault.name))
            meta = store.rg_meta.setdefault(key, {"name": rg, "location": "westus", "tags": {}})
            meta["deleting"] = True
            token = base64.urlsafe_b64encode(("RESOURCEGROUPDELETIONJOB-%s" % new_id()).encode()).decode().rstrip("=")
            now = time.time()
            due = now + float(self.state.config["compute_seconds"])
            store.compute_ops[token] = {"start": now, "due": due, "status": "InProgress"}

            def apply(when, key=key, token=token):
                self._purge_rg(key)
                store.compute_ops[token]["status"] = "Succeeded"
            self.state.schedule(due, apply)
            return Response(202, None, {"Location": "%s/subscriptions/%s/operationresults/%s?api-version=%s"
                                        % (req.endpoint, sub, token, req.query["api-version"]),
                                        "Retry-After": str(int(self.state.config["retry_after"]))})
        raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)

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

    # ------------------------------------------------------------------ tags (PATCH {tags} or Microsoft.Resources/tags/default)
    def _tags_call(self, req, current, set_tags, resource_id):
        body = req.json() or {}
        if req.method == "GET":
            return Response(200, self._tags_body(resource_id, current))
        props = body.get("properties") if isinstance(body, dict) else None
        tags = _tags_of(props if isinstance(props, dict) else {})
        if req.method == "PUT":
            new = tags
        elif req.method == "PATCH":
            operation = body.get("operation")
            if operation == "Merge":
                new = dict(current, **tags)
            elif operation == "Replace":
                new = tags
            elif operation == "Delete":
                new = {k: v for k, v in current.items() if not (k in tags and (tags[k] == "" or tags[k] == v))}
            else:
                raise ArmError(400, "InvalidRequestContent", "operation must be Merge, Replace or Delete.")
        else:
            raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)
        set_tags(new)
        return Response(200, self._tags_body(resource_id, new))

    @staticmethod
    def _tags_body(resource_id, tags):
        return {"id": resource_id + "/providers/Microsoft.Resources/tags/default", "name": "default",
                "type": "Microsoft.Resources/tags", "properties": {"tags": dict(tags)}}

    # ------------------------------------------------------------------ virtual machines
    def _vm(self, req, sub, rg, name, tail, raw_tail):
        store = self.state.resources
        if name is None:
            if req.method != "GET":
                raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)
            vms = sorted((vm for key, vm in self.state.vms.items() if key[:2] == lk(sub, rg) and not vm.classic),
                         key=lambda v: v.name.lower())
            return Response(200, {"value": [self.api.get_vm(req, sub, rg, vm.name).body for vm in vms]})
        vm = self.state.vms.get(lk(sub, rg, name))
        if vm is None or vm.classic:
            if req.method == "DELETE" and not tail:
                return Response(204)
            raise _not_found("Microsoft.Compute/virtualMachines", name, rg)
        key = _vm_key(vm)
        if tail == ["providers", "microsoft.resources", "tags", "default"]:
            return self._tags_call(req, store.vm_tags.get(key, {}), lambda tags: store.vm_tags.__setitem__(key, tags), vm.id)
        if tail:
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace 'Microsoft.Compute'.")
        if req.method == "PATCH":
            store.vm_tags[key] = _tags_of(req.json())
            return Response(200, self.api.get_vm(req, sub, rg, vm.name).body)
        if req.method == "DELETE":
            if key in store.vm_deleting:
                raise ArmError(409, "OperationNotAllowed", "A delete of virtual machine '%s' is already in progress." % vm.name)
            store.vm_deleting.add(key)

            def apply(when, vm=vm, key=key):
                store.vm_deleting.discard(key)
                if self.state.vms.get(key) is vm:
                    del self.state.vms[key]
                attached = store.vm_disks.pop(key, None)
                for disk in ([attached["os"]] + attached["data"]) if attached else []:
                    disk.managed_by = None
                nic = store.vm_nics.pop(key, None)
                if nic is not None:
                    nic.vm_id = None
                store.vm_tags.pop(key, None)
            return self._start_op(req, vm.location, apply)
        raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)

    # ------------------------------------------------------------------ disks
    def disk_body(self, disk):
        body = {"name": disk.name, "id": disk.id, "type": "Microsoft.Compute/disks", "location": disk.location,
                "tags": dict(disk.tags), "sku": {"name": "Premium_LRS", "tier": "Premium"},
                "properties": {"creationData": {"createOption": "Restore" if disk.source else "Empty"},
                               "diskSizeGB": disk.size_gb, "diskIOPSReadWrite": 240, "diskMBpsReadWrite": 50,
                               "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
                               "timeCreated": iso(disk.created), "provisioningState": "Deleting" if disk.deleting else "Succeeded",
                               "diskState": "Attached" if disk.managed_by else "Unattached",
                               "diskSizeBytes": disk.size_gb * 1024 ** 3, "uniqueId": disk.unique_id,
                               "networkAccessPolicy": "AllowAll", "publicNetworkAccess": "Enabled"}}
        if disk.os_type:
            body["properties"]["osType"] = disk.os_type
        if disk.managed_by:
            body["managedBy"] = disk.managed_by
        if disk.zones:
            body["zones"] = list(disk.zones)
        return body

    def _disk(self, req, sub, rg, name, tail, raw_tail):
        store = self.state.resources
        if name is None:
            if req.method != "GET":
                raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)
            disks = sorted((d for key, d in store.disks.items() if key[:2] == lk(sub, rg)), key=lambda d: d.name.lower())
            return Response(200, {"value": [self.disk_body(d) for d in disks]})
        disk = store.disk(sub, rg, name)
        if disk is None:
            if req.method == "DELETE" and not tail:
                return Response(204)
            raise _not_found("Microsoft.Compute/disks", name, rg)
        if tail == ["providers", "microsoft.resources", "tags", "default"]:
            return self._tags_call(req, disk.tags, lambda tags: setattr(disk, "tags", tags), disk.id)
        if tail:
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace 'Microsoft.Compute'.")
        if req.method == "GET":
            return Response(200, self.disk_body(disk))
        if req.method == "PATCH":
            disk.tags = _tags_of(req.json())
            return Response(200, self.disk_body(disk))
        if req.method == "DELETE":
            if disk.managed_by:
                raise ArmError(409, "OperationNotAllowed", "Disk %s is attached to VM %s." % (disk.name, disk.managed_by))
            if disk.deleting:
                raise ArmError(409, "OperationNotAllowed", "A delete of disk '%s' is already in progress." % disk.name)
            disk.deleting = True

            def apply(when, disk=disk):
                key = lk(disk.sub, disk.resource_group, disk.name)
                if store.disks.get(key) is disk:
                    del store.disks[key]
            return self._start_op(req, disk.location, apply, kind="DiskOperations")
        raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)

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

    def _nic(self, req, sub, rg, name, tail, raw_tail):
        store = self.state.resources
        if name is None:
            if req.method != "GET":
                raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)
            nics = sorted((n for key, n in store.nics.items() if key[:2] == lk(sub, rg)), key=lambda n: n.name.lower())
            return Response(200, {"value": [self.nic_body(n) for n in nics]})
        nic = store.nic(sub, rg, name)
        if nic is None:
            if req.method == "DELETE" and not tail:
                return Response(204)
            raise _not_found("Microsoft.Network/networkInterfaces", name, rg)
        if tail == ["providers", "microsoft.resources", "tags", "default"]:
            return self._tags_call(req, nic.tags, lambda tags: setattr(nic, "tags", tags), nic.id)
        if tail:
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace 'Microsoft.Network'.")
        if req.method == "GET":
            return Response(200, self.nic_body(nic))
        if req.method == "PATCH":
            nic.tags = _tags_of(req.json())
            return Response(200, self.nic_body(nic))
        if req.method == "DELETE":
            if nic.vm_id:
                raise ArmError(400, "NicInUse", "Network Interface %s is used by existing resource %s. In order to delete the "
                               "network interface, it must be dissociated from the resource." % (nic.id, nic.vm_id))
            nic.deleting = True

            def apply(when, nic=nic):
                key = lk(nic.sub, nic.resource_group, nic.name)
                if store.nics.get(key) is nic:
                    del store.nics[key]
            return self._start_op(req, nic.location, apply, provider="Microsoft.Network")
        raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)

    # ------------------------------------------------------------------ storage accounts and networks (read only)
    def _storage(self, req, sub, rg, name, tail, raw_tail):
        store = self.state.resources
        if req.method != "GET" or tail:
            raise ArmError(405, "HttpMethodNotAllowed", "The emulator serves GET only for storage accounts.")
        if name is None:
            accts = sorted((a for key, a in store.storage_accounts.items() if key[:2] == lk(sub, rg)), key=lambda a: a.name)
            return Response(200, {"value": [self._storage_body(a) for a in accts]})
        acct = store.storage_account(sub, rg, name)
        if acct is None:
            raise _not_found("Microsoft.Storage/storageAccounts", name, rg)
        return Response(200, self._storage_body(acct))

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

    def _network(self, req, sub, rg, name, tail, raw_tail):
        store = self.state.resources
        if req.method != "GET":
            raise ArmError(405, "HttpMethodNotAllowed", "The emulator serves GET only for virtual networks.")
        if name is None:
            nets = sorted((n for key, n in store.networks.items() if key[:2] == lk(sub, rg)), key=lambda n: n.name)
            return Response(200, {"value": [self._network_body(n) for n in nets]})
        net = store.network(sub, rg, name)
        if net is None:
            raise _not_found("Microsoft.Network/virtualNetworks", name, rg)
        if not tail:
            return Response(200, self._network_body(net))
        if tail == ["subnets"]:
            return Response(200, {"value": [self._subnet_body(net, s, i) for i, s in enumerate(net.subnets)]})
        if len(tail) == 2 and tail[0] == "subnets":
            subnet = net.subnet(raw_tail[1])
            if subnet is None:
                raise ArmError(404, "NotFound", "Resource %s/subnets/%s not found." % (net.id, raw_tail[1]))
            return Response(200, self._subnet_body(net, subnet, net.subnets.index(subnet)))
        raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace 'Microsoft.Network'.")

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
