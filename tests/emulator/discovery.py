# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discovery: refreshContainers, protectable items, protection containers."""

from __future__ import annotations

import time

from async_ops import REFRESH_STATUS_API_VERSION
from common import ArmError, Response, parse_filter
from routing import VAULT, route
from state import IAAS, Operation, lkey


class Discovery:
    """Mixin of BackupApi: refresh (discovery), backupProtectableItems, protectionContainers."""

    @route("POST", VAULT, "backupFabrics/{fabric}/refreshContainers")
    def refresh(self, req, vault, fabric):
        now = time.time()
        op = Operation("refresh", vault, now, now + self.state.duration("refresh_seconds"))
        if vault.refreshing is not None:
            op.due = now
            op.apply = lambda when: (409, "BMSUserErrorObjectLocked", "Another discovery operation is in progress for this vault.")
        else:
            vault.refreshing = op.id

            def apply(when, vault=vault):
                for vm in self.state.vms.values():
                    if vm.sub.lower() == vault.sub.lower() and vm.location.lower() == vault.location.lower():
                        vault.discovered.add(vm.key)
                return None
            op.apply = apply
        self.state.add_operation(op)
        prefix = self._vault_prefix(req, vault) + "/backupFabrics/" + fabric
        location = "%s/operationResults/%s?%s" % (prefix, op.id, self._async_query(op.id))
        status = "%s/operationsStatus/%s?%s" % (prefix, op.id, self._async_query(op.id, REFRESH_STATUS_API_VERSION))
        return self._accepted(location, status)

    @route("GET", VAULT, "backupProtectableItems")
    def list_protectable(self, req, vault):
        flt = parse_filter(req.query.get("$filter"), {"backupmanagementtype", "workloadtype", "containername", "status",
                                                      "friendlyname", "serverName".lower()})
        if "backupmanagementtype" in flt and flt["backupmanagementtype"].lower() != IAAS.lower():
            return Response(200, {"value": []})
        if "workloadtype" in flt and flt["workloadtype"].lower() != "vm":
            return Response(200, {"value": []})
        entries = []
        vms = [self.state.vms.get(lkey(vault.sub, *key)) for key in vault.discovered]
        for vm in sorted((v for v in vms if v is not None), key=lambda v: v.container_name):
            if self.state.active_protection_elsewhere(vm, vault) is not None:
                continue
            body = self.protectable_body(vault, vm)
            props = body["properties"]
            if "friendlyname" in flt and flt["friendlyname"].lower() != vm.name.lower():
                continue
            if "status" in flt and flt["status"].lower() != props["protectionState"].lower():
                continue
            if "containername" in flt and flt["containername"].lower() not in (vm.container_name, "iaasvmcontainer;" + vm.container_name):
                continue
            entries.append(body)
        return self._page(req, entries)

    def protectable_body(self, vault, vm):
        protected = vault.items.get(vm.key)
        state = "Protected" if protected is not None and not protected.soft_deleted else "NotProtected"
        if vm.key in vault.busy and protected is None:
            state = "Protecting"
        return {
            "id": "%s/protectionContainers/IaasVMContainer;%s/protectableItems/vm;%s" % (
                vault.id, vm.container_name, vm.container_name),
            "name": vm.container_name,
            "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems",
            "properties": {
                "virtualMachineId": vm.id,
                "virtualMachineVersion": "Classic" if vm.classic else "Compute",
                "resourceGroup": vm.resource_group,
                "protectableItemType": vm.item_type,
                "backupManagementType": IAAS,
                "workloadType": "VM",
                "friendlyName": vm.name,
                "protectionState": state,
            },
        }

    @route("GET", VAULT, "backupFabrics/*/protectionContainers/{container}")
    def get_container(self, req, vault, container):
        parts = container.split(";")
        workload = vault.workload_containers.get(container.lower())
        if workload is not None:
            vm = self.state.find_vm_ref(vault.sub, workload.get("vm", ""))
            body = {"id": "/Subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupFabrics/Azure/"
                          "protectionContainers/%s" % (vault.sub, vault.resource_group, vault.name, workload["name"]),
                    "name": workload["name"], "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers",
                    "properties": {"friendlyName": workload.get("friendly_name", ""), "backupManagementType": "AzureWorkload",
                                   "registrationStatus": "Registered", "healthStatus": "Healthy",
                                   "containerType": "VMAppContainer", "sourceResourceId": vm.id if vm else "",
                                   "workloadType": None,
                                   "extendedInfo": {"hostServerName": workload.get("friendly_name", "").lower(),
                                                    "inquiryInfo": {"status": "Success", "inquiryDetails": []},
                                                    "nodesList": []}}}
            return Response(200, body)
        vm = None
        if len(parts) == 4 and parts[0].lower() == "iaasvmcontainer":
            candidate = self.state.vms.get(lkey(vault.sub, parts[2], parts[3]))
            if candidate is not None and candidate.container_type == parts[1].lower() and candidate.key in vault.discovered:
                vm = candidate
        if vm is None:
            raise ArmError(404, "BMSUserErrorContainerNotFound", "Container '%s' not found in the vault." % container)
        body = {"id": "%s/backupFabrics/Azure/protectionContainers/IaasVMContainer;%s" % (vault.id, vm.container_name),
                "name": "IaasVMContainer;" + vm.container_name,
                "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers",
                "properties": {"virtualMachineId": vm.id, "virtualMachineVersion": "Classic" if vm.classic else "Compute",
                               "resourceGroup": vm.resource_group, "friendlyName": vm.name, "backupManagementType": IAAS,
                               "registrationStatus": "Registered", "healthStatus": "Healthy",
                               "containerType": vm.item_type}}
        return Response(200, body)
