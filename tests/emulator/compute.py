# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.Compute: virtual machines (GET with data disks, list, tags, DELETE) and managed disks; and what a
finished restore creates (``materialise_restore``: disks, a VM and its network interface). See README "Restore".
"""

from __future__ import annotations

import time

import compute_api
from arm_resources import TAGS, existing, in_group, parse_id, tags_of
from common import ArmError, Response, iso, iso_seconds, lkey, new_id
from recovery_points import point_luns
from resources import Disk, Nic
from routing import RESOURCE_GROUP, route
from state import COMPUTE_TYPE, VM

VM_PATH = "providers/Microsoft.Compute/virtualMachines/{vm}"
DISK_PATH = "providers/Microsoft.Compute/disks/{disk}"


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
        if state.vms.get(lkey(sub, rg, name)) is not None:
            return (400105, "UserErrorVmNameAlreadyExists", "A virtual machine named '%s' already exists." % name)
        if lkey(sub, rg) not in state.resource_groups:
            return (400106, "UserErrorTargetResourceGroupNotFound", "The target resource group '%s' no longer exists." % rg)
        new_vm = VM(sub, rg, name, vault.location, False, luns)
        new_vm.zones, new_vm.os_type, new_vm.encrypted, new_vm.restored_at = zones, os_type, False, when
        state.vms[lkey(sub, rg, name)] = new_vm
        disks = _restore_disks(store, sub, rg, name.lower(), stamp, vault.location, luns, os_type, zones)
        _attach(store, new_vm, disks)
        # a VM always has a network interface: the restore makes one in the target group (name: emulator's choice)
        nic = Nic(sub, rg, "%s-nic-%s" % (name.lower(), new_id().replace("-", "")[:12]), vault.location, props["subnetId"])
        nic.vm_id = new_vm.id
        store.nics[lkey(sub, rg, nic.name)] = nic
        store.vm_nics[lkey(sub, rg, name)] = nic
        created["vm"] = new_vm.id
    elif rtype == "OriginalLocation":
        if state.vms.get(lkey(source.sub, source.resource_group, source.name)) is not source:
            return (400136, "UserErrorVmNotFoundV2", "Virtual machine doesn't exist.")
        disks = _restore_disks(store, source.sub, source.resource_group, source.name.lower(), stamp, source.location, luns,
                               os_type, zones)
        _attach(store, source, disks)
        created["vm"] = source.id
    else:
        rg_parts = parse_id("rg", props.get("targetResourceGroupId"))
        disks = []
        if rg_parts:
            if lkey(*rg_parts) not in state.resource_groups:
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
    return lkey(vm.sub, vm.resource_group, vm.name)


def _disk_ref(disk):
    return {"storageAccountType": "Premium_LRS", "id": disk.id}


def decorate_vm(state, vm, body):
    """Tags, restored disks, zones, its NIC and a running DELETE on a Compute VM body (see Compute.get_vm)."""
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
class Compute:
    """Mixin of BackupApi: Microsoft.Compute/virtualMachines and disks."""

    def _vm(self, sub, rg, name):
        vm = self.state.vms.get(lkey(sub, rg, name))
        return existing(None if vm is None or vm.classic else vm, "Microsoft.Compute/virtualMachines", name, rg)

    def vm_body(self, vm):
        disks = [{"lun": lun, "name": "%s-datadisk-%03d" % (vm.name.lower(), lun), "createOption": "Attach",
                  "caching": "ReadOnly", "diskSizeGB": 64,
                  "managedDisk": {"storageAccountType": "Premium_LRS",
                                  "id": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/disks/%s-datadisk-%03d"
                                        % (vm.sub, vm.resource_group, vm.name.lower(), lun)}} for lun in vm.luns]
        body = {"name": vm.name, "id": vm.id, "type": COMPUTE_TYPE, "location": vm.location, "tags": {},
                "properties": {"hardwareProfile": {"vmSize": "Standard_DS1_v2"}, "provisioningState": "Succeeded",
                               "vmId": vm.vm_guid,
                               "storageProfile": {"osDisk": {"osType": "Linux", "name": "%s-osdisk" % vm.name.lower(),
                                                             "createOption": "FromImage", "caching": "ReadWrite",
                                                             "diskSizeGB": 30},
                                                  "dataDisks": disks},
                               "timeCreated": iso_seconds(time.time() - 86400 * 30)}}
        return decorate_vm(self.state, vm, body)

    @route("GET", RESOURCE_GROUP, VM_PATH)
    def get_vm(self, req, sub, rg, name):
        return Response(200, self.vm_body(self._vm(sub, rg, name)))

    @route("GET", RESOURCE_GROUP, "providers/Microsoft.Compute/virtualMachines")
    def list_vms(self, req, sub, rg):
        # paged like the subscription-wide list (compute_api.py)
        return compute_api.page(req, compute_api.vms_of(self.state, sub, rg), compute_api.VM_PAGE_SIZE, self.vm_body)

    @route("PATCH", RESOURCE_GROUP, VM_PATH)
    def patch_vm(self, req, sub, rg, name):
        vm = self._vm(sub, rg, name)
        self.state.resources.vm_tags[_vm_key(vm)] = tags_of(req.json())
        return Response(200, self.vm_body(vm))

    @route("GET", RESOURCE_GROUP, VM_PATH + TAGS)
    @route("PUT", RESOURCE_GROUP, VM_PATH + TAGS)
    @route("PATCH", RESOURCE_GROUP, VM_PATH + TAGS)
    def vm_tags(self, req, sub, rg, name):
        store = self.state.resources
        key = _vm_key(self._vm(sub, rg, name))
        return self._tags_call(req, store.vm_tags.get(key, {}), lambda tags: store.vm_tags.__setitem__(key, tags),
                               self.state.vms[key].id)

    @route("DELETE", RESOURCE_GROUP, VM_PATH)
    def delete_vm(self, req, sub, rg, name):
        store = self.state.resources
        vm = self.state.vms.get(lkey(sub, rg, name))
        if vm is None or vm.classic:
            return Response(204)
        key = _vm_key(vm)
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
        return self._start_arm_op(req, vm.location, apply)

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

    def _disk(self, sub, rg, name):
        return existing(self.state.resources.disk(sub, rg, name), "Microsoft.Compute/disks", name, rg)

    @route("GET", RESOURCE_GROUP, "providers/Microsoft.Compute/disks")
    def list_disks(self, req, sub, rg):
        return Response(200, {"value": [self.disk_body(d) for d in in_group(self.state.resources.disks, sub, rg)]})

    @route("GET", RESOURCE_GROUP, DISK_PATH)
    def get_disk(self, req, sub, rg, name):
        return Response(200, self.disk_body(self._disk(sub, rg, name)))

    @route("PATCH", RESOURCE_GROUP, DISK_PATH)
    def patch_disk(self, req, sub, rg, name):
        return self._patch_tags(req, self._disk(sub, rg, name), self.disk_body)

    @route("GET", RESOURCE_GROUP, DISK_PATH + TAGS)
    @route("PUT", RESOURCE_GROUP, DISK_PATH + TAGS)
    @route("PATCH", RESOURCE_GROUP, DISK_PATH + TAGS)
    def disk_tags(self, req, sub, rg, name):
        return self._object_tags(req, self._disk(sub, rg, name))

    @route("DELETE", RESOURCE_GROUP, DISK_PATH)
    def delete_disk(self, req, sub, rg, name):
        store = self.state.resources
        disk = store.disk(sub, rg, name)
        if disk is None:
            return Response(204)
        if disk.managed_by:
            raise ArmError(409, "OperationNotAllowed", "Disk %s is attached to VM %s." % (disk.name, disk.managed_by))
        if disk.deleting:
            raise ArmError(409, "OperationNotAllowed", "A delete of disk '%s' is already in progress." % disk.name)
        return self._delete_later(req, store.disks, disk, kind="DiskOperations")
