# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.Compute: the virtual machine GET (with its data disks)."""

from __future__ import annotations

import time

from common import ArmError, Response, iso_seconds
from routing import RESOURCE_GROUP, route
from state import COMPUTE_TYPE, lkey


class Compute:
    """Mixin of BackupApi: Microsoft.Compute/virtualMachines."""

    @route("GET", RESOURCE_GROUP, "providers/Microsoft.Compute/virtualMachines/{vm}")
    def get_vm(self, req, sub, rg, name):
        vm = self.state.vms.get(lkey(sub, rg, name))
        if vm is None or vm.classic:
            raise ArmError(404, "ResourceNotFound",
                           "The Resource 'Microsoft.Compute/virtualMachines/%s' under resource group '%s' was not found. "
                           "For more details please go to https://aka.ms/ARMResourceNotFoundFix" % (name, rg),
                           headers={"x-ms-failure-cause": "gateway"})
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
        return Response(200, body)
