# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Subscription level: POST locations/{l}/backupStatus (which vault protects a VM)."""

from __future__ import annotations

from common import ArmError, Response
from routing import SUBSCRIPTION, bad_input, route


class BackupStatus:
    """Mixin of BackupApi: backupStatus."""

    @route("POST", SUBSCRIPTION, "providers/Microsoft.RecoveryServices/locations/{location}/backupStatus")
    def backup_status(self, req, sub, location):
        body = req.json()
        if not isinstance(body, dict) or not body.get("resourceId"):
            raise bad_input("The body needs resourceType and resourceId.")
        if str(body.get("resourceType", "VM")).lower() != "vm":
            raise bad_input("resourceType '%s' is not supported; use 'VM'." % body.get("resourceType"))
        vm = self.state.find_vm_ref(sub, body["resourceId"])
        if vm is None:
            raise ArmError(404, "ResourceNotFound", "The Resource '%s' was not found." % body["resourceId"],
                           headers={"x-ms-failure-cause": "gateway"})
        for vault in self.state.vaults.values():
            item = vault.items.get(vm.key)
            if item is None or item.soft_deleted or vault.sub.lower() != vm.sub.lower():
                continue
            return Response(200, {
                "protectionStatus": "Protected" if item.state != "ProtectionStopped" else "NotProtected",
                "vaultId": vault.id, "fabricName": "Azure", "containerName": vm.container_name,
                "protectedItemName": "vm;" + vm.container_name, "errorCode": None, "errorMessage": None,
                "policyName": item.policy.name if item.policy else None, "registrationStatus": "Registered"})
        return Response(200, {"protectionStatus": "NotProtected", "vaultId": None, "fabricName": None,
                              "containerName": None, "protectedItemName": None, "errorCode": None, "errorMessage": None,
                              "policyName": None, "registrationStatus": None})
