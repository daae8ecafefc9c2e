# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Protected items: list, GET, PUT (enable / change / stop / suspend / undelete), DELETE (soft delete), backup trigger.

Wave 2 (issue 15) adds what the vault's settings impose on item writes (the last section): suspend
(CONTRACT-wave2 §9), multi-user authorisation (§6.3) and what an immutable vault refuses.
"""

from __future__ import annotations

import re
import time

import guards
from async_ops import ITEM
from common import NEVER_BACKED_UP, ArmError, Response, iso, parse_filter, parse_time, timespan
from policies import check_item_policy_change
from routing import VAULT, bad_input, route
from state import CLASSIC_TYPE, COMPUTE_TYPE, IAAS, Item, Job, Operation, lkey
from vault_settings import check_not_immutable

ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems"
LOCKED_MESSAGE = "Another operation is in progress on the selected item. Wait for the other operation to complete and retry."
MAX_EXPIRY_SECONDS = 99 * 365.25 * 86400  # on-demand retention limit chosen by the emulator (99 years)
ACTIVE = ("Protected", "IRPending", "ProtectionError")   # states a suspend applies to


class ProtectedItems:
    """Mixin of BackupApi: the protected item's life cycle."""

    def _resolve(self, vault, container, item_name):
        """(VM, error) for the container / item names, checking they agree."""
        cparts = container.split(";")
        iparts = item_name.split(";")
        if len(cparts) != 4 or cparts[0].lower() != "iaasvmcontainer" or len(iparts) != 4 or iparts[0].lower() != "vm":
            return None
        if [p.lower() for p in cparts[1:]] != [p.lower() for p in iparts[1:]]:
            return None
        ctype, rg, name = (p.lower() for p in cparts[1:])
        vm = self.state.vms.get(lkey(vault.sub, rg, name))
        if vm is None or vm.container_type != ctype:
            return None
        return vm

    def _item_not_found(self, item_name):
        return ArmError(404, "BMSUserErrorItemNotFound",
                        "Item not found: the protected item '%s' does not exist in the vault." % item_name)

    def _get_item(self, vault, container, item_name):
        vm = self._resolve(vault, container, item_name)
        item = vault.items.get(vm.key) if vm else None
        if item is None:
            raise self._item_not_found(item_name)
        return item

    def _check_unlocked(self, vault, vm):
        if vm.key in vault.busy:
            raise ArmError(409, "BMSUserErrorObjectLocked", LOCKED_MESSAGE)

    def item_id(self, item):
        vault = item.vault
        return "%s/backupFabrics/Azure/protectionContainers/IaasVMContainer;%s/protectedItems/VM;%s" % (
            vault.id, item.vm.container_name, item.vm.container_name)

    def item_body(self, req, item, expand=False):
        vm = item.vm
        vault = item.vault
        props = {
            "friendlyName": vm.name,
            "virtualMachineId": vm.id,
            "protectionStatus": "Healthy",
            "protectionState": item.state,
            "healthStatus": "Passed",
        }
        if item.state == "Protected":
            props["healthDetails"] = [{"code": 400239, "title": "IaasVmHealthGreenDefault",
                                       "message": "Backup pre-check status of this virtual machine is OK.", "recommendations": []}]
        props["lastBackupStatus"] = item.last_backup_status
        props["lastBackupTime"] = iso(item.last_backup_time) if item.last_backup_time else NEVER_BACKED_UP
        props["protectedItemDataId"] = item.data_id
        props["extendedProperties"] = {"diskExclusionProperties": dict(item.disk_exclusion)} if item.disk_exclusion else {}
        if expand:
            points = item.recovery_points
            props["extendedInfo"] = {
                "oldestRecoveryPoint": iso(points[0]["time"]) if points else None,
                "oldestRecoveryPointInVault": iso(points[0]["time"]) if points else None,
                "recoveryPointCount": len(points),
                "policyInconsistent": False,
            }
        props.update({
            "protectedItemType": vm.item_type,
            "backupManagementType": IAAS,
            "workloadType": "VM",
            "containerName": vm.container_name,
            "sourceResourceId": vm.id,
            "policyId": self.policy_id(vault, item.policy) if item.policy else "",
        })
        if item.policy:
            props["policyName"] = item.policy.name
            props["policyType"] = item.policy.policy_type
        if item.recovery_points:
            props["lastRecoveryPoint"] = iso(item.recovery_points[-1]["time"])
        if item.soft_deleted:
            props["isScheduledForDeferredDelete"] = True
            props["deferredDeleteTimeInUTC"] = iso(item.deleted_at)            # the moment of the delete
            props["deferredDeleteTimeRemaining"] = timespan(item.purge_at - time.time())   # until the purge
        props["vaultId"] = req.endpoint + vault.id
        props.update(self.item_kpis(item))   # RestoreOperationStatusKPI once a restore of the item has ended (restore.py)
        props["isArchiveEnabled"] = False
        props["softDeleteRetentionPeriod"] = vault.soft_delete_days if item.soft_deleted else 0
        return {"id": self.item_id(item), "name": "VM;" + vm.container_name, "type": ITEM_TYPE, "properties": props}

    @route("GET", VAULT, "backupProtectedItems")
    def list_protected(self, req, vault):
        flt = parse_filter(req.query.get("$filter"), {
            "backupmanagementtype", "itemtype", "policyname", "containername", "backupenginename", "friendlyname",
            "fabricname", "backupsetname", "healthstate"})
        if "backupmanagementtype" in flt and flt["backupmanagementtype"].lower() != IAAS.lower():
            return Response(200, {"value": []})
        if "itemtype" in flt and flt["itemtype"].lower() != "vm":
            return Response(200, {"value": []})
        if "fabricname" in flt and flt["fabricname"].lower() != "azure":
            return Response(200, {"value": []})
        entries = []
        for item in sorted(vault.items.values(), key=lambda i: i.vm.container_name):
            if "policyname" in flt and (item.policy is None or item.policy.name.lower() != flt["policyname"].lower()):
                continue
            if "friendlyname" in flt and item.vm.name.lower() != flt["friendlyname"].lower():
                continue
            if "containername" in flt and flt["containername"].lower() not in (
                    item.vm.container_name, "iaasvmcontainer;" + item.vm.container_name):
                continue
            if "healthstate" in flt and flt["healthstate"].lower() != "passed":
                continue
            entries.append(self.item_body(req, item))
        return self._page(req, entries)

    @route("GET", VAULT, ITEM)
    def get_item(self, req, vault, container, item_name):
        item = self._get_item(vault, container, item_name)
        flt = parse_filter(req.query.get("$filter"), {"expand"})
        return Response(200, self.item_body(req, item, expand=flt.get("expand", "").lower() == "extendedinfo"))

    def _parse_policy(self, vault, policy_id):
        match = re.match(r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.RecoveryServices/vaults/"
                         r"([^/]+)/backupPolicies/([^/]+)$", policy_id or "")
        if not match:
            raise bad_input("policyId '%s' is not a backup policy ID." % policy_id)
        if lkey(*match.groups()[:3]) != vault.key:
            raise ArmError(400, "BMSUserErrorPolicyNotFound", "Policy '%s' does not belong to this vault." % policy_id)
        policy = vault.policies.get(match.group(4).lower())
        if policy is None:
            raise ArmError(400, "BMSUserErrorPolicyNotFound", "Policy '%s' not found in the vault." % match.group(4))
        if policy.workload != IAAS:
            raise ArmError(400, "BMSUserErrorInvalidPolicyForGivenProvider",
                           "Policy '%s' is a %s policy and cannot protect an Azure virtual machine; use an AzureIaasVM policy."
                           % (policy.name, policy.workload))
        return policy

    @staticmethod
    def _parse_disks(props, vm):
        ext = props.get("extendedProperties")
        if ext is None:
            return None
        if not isinstance(ext, dict):
            raise bad_input("extendedProperties must be an object.")
        disks = ext.get("diskExclusionProperties")
        if disks is None:
            return None
        if not isinstance(disks, dict) or not isinstance(disks.get("diskLunList"), list) or \
                not isinstance(disks.get("isInclusionList"), bool):
            raise bad_input("diskExclusionProperties needs diskLunList (list of int) and isInclusionList (bool).")
        if vm.classic:
            raise bad_input("Selective disk backup is not supported for classic virtual machines.")
        luns = disks["diskLunList"]
        bad = [lun for lun in luns if not isinstance(lun, int) or isinstance(lun, bool) or lun not in vm.luns]
        if bad:
            raise ArmError(400, "BMSUserErrorInvalidDiskLun",
                           "The disk LUN(s) %s are not data disks of virtual machine '%s' (data disk LUNs: %s)."
                           % (bad, vm.name, vm.luns))
        return {"diskLunList": list(luns), "isInclusionList": disks["isInclusionList"]}

    @route("PUT", VAULT, ITEM)
    def put_item(self, req, vault, container, item_name):
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise bad_input("The request body needs 'properties'.")
        ptype = props.get("protectedItemType")
        if ptype not in (COMPUTE_TYPE, CLASSIC_TYPE, "AzureIaaSVMProtectedItem"):
            raise bad_input("properties.protectedItemType is required and must be '%s' or '%s'." % (COMPUTE_TYPE, CLASSIC_TYPE))
        vm = self._resolve(vault, container, item_name)
        if vm is None or vm.key not in vault.discovered:
            raise ArmError(400, "BMSUserErrorInvalidConfigureProtectionRequest",
                           "The virtual machine '%s' is not discovered by the vault. Run refreshContainers (discovery) and "
                           "retry; check that the VM exists in the vault's region." % item_name)
        if ptype != "AzureIaaSVMProtectedItem" and ptype != vm.item_type:
            raise bad_input("protectedItemType '%s' does not match the virtual machine (%s)." % (ptype, vm.item_type))
        source = props.get("sourceResourceId")
        if not source or source.lower() != vm.id.lower():
            raise ArmError(400, "BMSUserErrorInvalidSourceResourceId",
                           "sourceResourceId '%s' does not identify the virtual machine of item '%s'." % (source, item_name))
        self._check_unlocked(vault, vm)
        item = vault.items.get(vm.key)
        policy_id = props.get("policyId")
        state_wanted = props.get("protectionState")
        rehydrate = props.get("isRehydrate") is True
        disks = self._parse_disks(props, vm)
        if item is not None and item.soft_deleted:
            if not rehydrate:
                raise ArmError(400, "BMSUserErrorSoftDeletedItemReprotectNotAllowed",
                               "The item is in soft-deleted state. Undelete it (PUT with isRehydrate true and protectionState "
                               "ProtectionStopped) before resuming protection.")
            if policy_id:
                raise bad_input("An undelete request must not carry a policyId.")
            return self._start_item_op(req, vault, vm, "Undelete", self._apply_undelete(vault, vm))
        if rehydrate:
            raise bad_input("isRehydrate is only valid for a soft-deleted item.")
        answer = self._check_item_write(req, vault, vm, item, item_name, props)     # wave 2: suspend, MUA, immutability
        if answer is not None:
            return answer
        if state_wanted == "ProtectionStopped" and not policy_id:
            if item is None:
                raise self._item_not_found(item_name)
            return self._start_item_op(req, vault, vm, "DisableBackup", self._apply_stop(vault, vm))
        if state_wanted not in (None, "", "Protected", "IRPending", "Invalid"):
            raise bad_input("protectionState '%s' cannot be set by a request." % state_wanted)
        if not policy_id:
            raise ArmError(400, "BMSUserErrorNeedsPolicyId",
                           "A backup policy (properties.policyId) is required to configure or resume protection.")
        policy = self._parse_policy(vault, policy_id)
        return self._start_item_op(req, vault, vm, "ConfigureBackup", self._apply_protect(vault, vm, policy, disks))

    def _apply_protect(self, vault, vm, policy, disks):
        def apply(when):
            other = self.state.active_protection_elsewhere(vm, vault)
            if other is not None:
                return (400, "BMSUserErrorVMAlreadyProtected",
                        "The virtual machine '%s' is already protected by the vault '%s'. Stop protection there before "
                        "protecting it in this vault." % (vm.name, other.id))
            item = vault.items.get(vm.key)
            if item is None:
                item = vault.items[vm.key] = Item(vault, vm, policy)
            item.policy = policy
            if item.state in ("ProtectionStopped", "BackupsSuspended"):     # resume (also after a suspend)
                item.state = "Protected" if item.recovery_points else "IRPending"
            if disks is not None:
                item.disk_exclusion = disks
            return None
        return apply

    def _apply_stop(self, vault, vm):
        def apply(when):
            item = vault.items.get(vm.key)
            if item is not None:
                item.state = "ProtectionStopped"
                item.policy = None
            return None
        return apply

    def _apply_undelete(self, vault, vm):
        def apply(when):
            item = vault.items.get(vm.key)
            if item is not None:
                self.state.undelete(item)
            return None
        return apply

    def _start_item_op(self, req, vault, vm, job_operation, apply, kind="protect"):
        now = time.time()
        job = Job(vault, job_operation, vm, now, req.client_request_id)
        self.state.add_job(job)
        op = Operation(kind, vault, now, now + self.state.duration("lro_seconds"), vm, job)
        op.apply = apply
        vault.busy[vm.key] = op.id
        self.state.add_operation(op)
        if kind == "delete":
            return self._vault_accepted(req, vault, op)
        return self._item_accepted(req, vault, op)

    @route("DELETE", VAULT, ITEM)
    def delete_item(self, req, vault, container, item_name):
        vm = self._resolve(vault, container, item_name)
        item = vault.items.get(vm.key) if vm else None
        if item is None:
            return Response(204)
        self._check_unlocked(vault, vm)
        self._check_item_delete(vault, item)     # wave 2: immutability, MUA unlockDelete
        soft = vault.soft_delete

        def apply(when):
            current = vault.items.get(vm.key)
            if current is None:
                return None
            if soft:
                if not current.soft_deleted:
                    self.state.soft_delete(current, when)
            else:
                del vault.items[vm.key]
            return None
        return self._start_item_op(req, vault, vm, "DeleteBackupData", apply, kind="delete")

    @route("POST", VAULT, ITEM + "/backup")
    def trigger_backup(self, req, vault, container, item_name):
        item = self._get_item(vault, container, item_name)
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict) or props.get("objectType") != "IaasVMBackupRequest":
            raise bad_input("properties.objectType must be 'IaasVMBackupRequest'.")
        now = time.time()
        expiry_text = props.get("recoveryPointExpiryTimeInUTC")
        if expiry_text is None:
            expiry = now + 30 * 86400
        else:
            try:
                expiry = parse_time(str(expiry_text))
            except ValueError as exc:
                raise bad_input("recoveryPointExpiryTimeInUTC '%s' is not a date-time." % expiry_text) from exc
            if expiry <= now:
                raise bad_input("recoveryPointExpiryTimeInUTC must be in the future.")
            if expiry > now + MAX_EXPIRY_SECONDS:
                raise bad_input("recoveryPointExpiryTimeInUTC must be at most 99 years from now.")
        if item.soft_deleted or item.state not in ("Protected", "IRPending"):
            raise ArmError(400, "UserErrorBcmDatasourceNotPresent",
                           "Backup failed: This virtual machine is not (actively) protected by Azure Backup.")
        self._check_unlocked(vault, item.vm)
        for job in vault.jobs.values():
            if job.operation == "Backup" and job.vm is item.vm and job.status in ("InProgress", "Cancelling"):
                raise ArmError(400, "UserErrorBackupOperationInProgress",
                               "A backup job (%s) is already in progress for this item. Wait for it to finish." % job.id)
        return self._start_item_job(req, vault, item.vm, "Backup", ("job_seconds", "backup_op_seconds"), self._finish_backup,
                                    rp_expiry=expiry)

    # ------------------------------------------------------------------ wave 2: suspend, MUA, immutability
    def _check_item_write(self, req, vault, vm, item, item_name, props):
        """put_item on an item that is not soft-deleted: a suspend starts here (its Response); the MUA and
        immutability checks of stop / policy change raise; None lets put_item go on."""
        state_wanted = props.get("protectionState")
        policy_id = props.get("policyId")
        tokens = props.get("resourceGuardOperationRequests") or []
        if state_wanted == "BackupsSuspended":
            if policy_id:
                raise bad_input("A request to suspend backups (protectionState BackupsSuspended) must not carry a policyId.")
            if item is None:
                raise self._item_not_found(item_name)
            if item.state not in ACTIVE:
                raise ArmError(400, "BMSUserErrorInvalidProtectionStateForSuspend",
                               "Backups of '%s' cannot be suspended: its protection state is %s." % (vm.name, item.state))
            guards.require(self.state, vault, "stopProtectionWithRetainDataRequests", tokens, "suspend backups of '%s'" % vm.name)

            def apply(when):
                current = vault.items.get(vm.key)
                if current is not None and not current.soft_deleted:
                    current.state = "BackupsSuspended"
                return None
            return self._start_item_op(req, vault, vm, "DisableBackup", apply)
        if state_wanted == "ProtectionStopped" and not policy_id and item is not None:
            guards.require(self.state, vault, "stopProtectionWithRetainDataRequests", tokens, "stop protection of '%s'" % vm.name)
        elif policy_id and item is not None:
            check_item_policy_change(self.state, vault, item, self._parse_policy(vault, policy_id), tokens)
        return None

    def _check_item_delete(self, vault, item):
        """delete_item (stop protection with delete data), before its operation starts."""
        if item.recovery_points:
            check_not_immutable(vault, "delete the backup data of '%s'" % item.vm.name)
        guards.require_unlocked(self.state, vault, "deleteProtectedItemRequests", self.item_id(item),
                                "delete the backup data of '%s'" % item.vm.name)
