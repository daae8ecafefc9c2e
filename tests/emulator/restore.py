# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore, the Restore job and restore validation (CONTRACT-wave2.md §3): a family of BackupApi (see routing.py).

The restore POST is an item-level operation of the backup family (its 202 and every item / vault / job
operation-status path of async_ops.py answer it); validation has its own pair of vault-level paths here.
What a finished restore creates (disks, a VM, its NIC) is compute.py's ``materialise_restore``.
On a vault whose resource guard protects ``triggerRestoreRequests`` the restore POST must carry the guard's request
in ``properties.resourceGuardOperationRequests`` (guards.py's ``require``); validation is a read and needs none.
"""

from __future__ import annotations

import math
import re
import time

import guards
from arm_resources import parse_id
from async_ops import ITEM
from common import EPOCH_ZERO, ArmError, Response, dotnet_general, iso, iso_duration, lkey
from compute import materialise_restore
from recovery_points import needs_rehydration, point_luns, point_tiers
from routing import VAULT, bad_input, route
from state import Operation

RESTORE_OBJECT_TYPES = ("IaasVMRestoreRequest", "IaasVMRestoreWithRehydrationRequest")
RECOVERY_TYPES = ("RestoreDisks", "AlternateLocation", "OriginalLocation")
JOB_TYPE_TEXT = {"RestoreDisks": "Recover disks", "AlternateLocation": "Recover VM to an alternate location",
                 "OriginalLocation": "Replace disks"}
# task names as recorded (azure-powershell TestAzureManagedVMRestore.json, az CLI test_backup_job.yaml; 2022)
TRANSFER_TASK = "Transfer data from vault"
SECOND_TASK = {"AlternateLocation": "Create the restored virtual machine", "OriginalLocation": "Update the virtual machine"}
# how much a restore moves, for taskExecutionDetails ("383 GBs / 383 GBs Transferred" in the recording)
TRANSFER_GB = 32
VALIDATE_TYPE = "ValidateIaasVMRestoreOperationRequest"
ISO_DAYS = re.compile(r"^P(\d+)D$")


def _region(text):
    return str(text or "").replace(" ", "").lower()


class Restore:
    """Mixin of BackupApi: restore, the Restore job's progress, restore validation."""

    # ================================================================== restore request checks
    def _request_props(self, body):
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise bad_input("The request body needs 'properties' (a RestoreRequest).")
        return props

    def check_body(self, vault, item, point_name, props):
        """Body-level checks (raise ArmError); returns the recovery point record."""
        if props.get("objectType") not in RESTORE_OBJECT_TYPES:
            raise bad_input("properties.objectType must be one of %s." % ", ".join(RESTORE_OBJECT_TYPES))
        rtype = props.get("recoveryType")
        if rtype not in RECOVERY_TYPES:
            raise bad_input("recoveryType '%s' is not supported; use %s." % (rtype, ", ".join(RECOVERY_TYPES)))
        point = self.find_point(item, point_name)
        if item.soft_deleted:
            raise bad_input("The item is soft-deleted: undelete it before restoring from its recovery points.")
        if str(props.get("recoveryPointId", "")) != point["name"]:
            raise bad_input("recoveryPointId '%s' must be the recovery point of the URL ('%s')." % (props.get("recoveryPointId"), point["name"]))
        source = props.get("sourceResourceId")
        if not isinstance(source, str) or source.lower() != item.vm.id.lower():
            raise ArmError(400, "BMSUserErrorInvalidSourceResourceId",
                           "sourceResourceId '%s' does not identify the virtual machine of this item." % source)
        if _region(props.get("region")) != _region(vault.location):
            raise bad_input("region '%s' must be the vault's region '%s'." % (props.get("region"), vault.location))
        identity = props.get("identityBasedRestoreDetails") or {}
        if not props.get("storageAccountId") and not (isinstance(identity, dict) and identity.get("targetStorageAccountId")):
            raise bad_input("storageAccountId (the staging storage account) is required.")
        if rtype == "AlternateLocation":
            missing = [k for k in ("targetResourceGroupId", "targetVirtualMachineId", "virtualNetworkId", "subnetId")
                       if not props.get(k)]
            if missing:
                raise bad_input("A restore to a new virtual machine needs %s." % ", ".join(missing))
        for key in ("storageAccountId", "targetResourceGroupId", "targetVirtualMachineId", "virtualNetworkId", "subnetId"):
            kind = {"storageAccountId": "storage", "targetResourceGroupId": "rg", "targetVirtualMachineId": "vm",
                    "virtualNetworkId": "vnet", "subnetId": "subnet"}[key]
            if props.get(key) and parse_id(kind, props[key]) is None:
                raise bad_input("%s '%s' is not a valid resource ID." % (key, props[key]))
        if props.get("originalStorageAccountOption") and not item.vm.classic:
            raise bad_input("originalStorageAccountOption is not available for this recovery point.")
        luns = props.get("restoreDiskLunList")
        if luns is not None:
            available = point_luns(item, point)
            if not isinstance(luns, list) or any(not isinstance(x, int) or isinstance(x, bool) for x in luns):
                raise bad_input("restoreDiskLunList must be a list of integers.")
            bad = [lun for lun in luns if lun not in available]
            if bad:
                raise ArmError(400, "BMSUserErrorInvalidDiskLun",
                               "The disk LUN(s) %s are not in recovery point '%s' (data disk LUNs: %s)." % (bad, point["name"], available))
        zones = props.get("zones")
        if zones is not None and (not isinstance(zones, list) or any(str(z) not in ("1", "2", "3") for z in zones)):
            raise bad_input("zones must be a list of '1', '2' or '3'.")
        tiers = point_tiers(item, point, time.time())
        if needs_rehydration(tiers):
            info = props.get("recoveryPointRehydrationInfo")
            if props.get("objectType") != "IaasVMRestoreWithRehydrationRequest" or not isinstance(info, dict):
                raise bad_input("Recovery point '%s' is in the archive tier: use IaasVMRestoreWithRehydrationRequest with "
                                "recoveryPointRehydrationInfo." % point["name"])
            if info.get("rehydrationPriority") not in ("Standard", "High"):
                raise bad_input("rehydrationPriority must be Standard or High.")
            days = ISO_DAYS.match(str(info.get("rehydrationRetentionDuration", "")))
            # the product docs say 10-30 days, the spec's examples send P7D: the emulator accepts 1-30 days
            if not days or not 1 <= int(days.group(1)) <= 30:
                raise bad_input("rehydrationRetentionDuration must be an ISO 8601 duration of 1 to 30 days (e.g. P15D).")
        return point

    def resource_problems(self, vault, item, props):
        """What is wrong with the resources the request names (a list of ArmError, empty when fine)."""
        problems = []
        store = self.state.resources
        identity = props.get("identityBasedRestoreDetails") or {}
        account_id = props.get("storageAccountId") or (identity.get("targetStorageAccountId") if isinstance(identity, dict) else None)
        parts = parse_id("storage", account_id) if account_id else None
        if parts:
            acct = store.storage_account(*parts)
            if acct is None:
                problems.append(ArmError(400, "UserErrorStorageAccountNotFound",
                                         "The staging storage account '%s' was not found." % account_id))
            elif _region(acct.location) != _region(vault.location):
                problems.append(ArmError(400, "UserErrorStorageAccountRegionMismatch",
                                         "The staging storage account '%s' is in '%s'; it must be in the vault's region '%s'."
                                         % (acct.name, acct.location, vault.location)))
        rg_parts = parse_id("rg", props.get("targetResourceGroupId")) if props.get("targetResourceGroupId") else None
        if rg_parts:
            if rg_parts[0].lower() != vault.sub.lower():
                problems.append(bad_input("targetResourceGroupId '%s' is in another subscription than the vault; cross-subscription "
                                          "restore is not supported by this emulator." % props["targetResourceGroupId"]))
            elif lkey(*rg_parts) not in self.state.resource_groups:
                problems.append(ArmError(400, "UserErrorTargetResourceGroupNotFound",
                                         "The target resource group '%s' was not found." % rg_parts[1]))
        if props.get("recoveryType") == "AlternateLocation":
            problems.extend(self._alr_problems(vault, item, props, rg_parts))
        return problems

    def _alr_problems(self, vault, item, props, rg_parts):
        problems = []
        store = self.state.resources
        net_parts = parse_id("vnet", props.get("virtualNetworkId"))
        sub_parts = parse_id("subnet", props.get("subnetId"))
        net = store.network(*net_parts) if net_parts else None
        if net_parts and net is None:
            problems.append(ArmError(400, "UserErrorVirtualNetworkNotFound",
                                     "The virtual network '%s' was not found." % props["virtualNetworkId"]))
        elif net is not None:
            if _region(net.location) != _region(vault.location):
                problems.append(ArmError(400, "UserErrorVirtualNetworkRegionMismatch",
                                         "The virtual network '%s' is in '%s'; it must be in the vault's region '%s'."
                                         % (net.name, net.location, vault.location)))
            if sub_parts and (lkey(*sub_parts[:3]) != lkey(*net_parts) or net.subnet(sub_parts[3]) is None):
                problems.append(ArmError(400, "UserErrorSubnetNotFound",
                                         "The subnet '%s' was not found in virtual network '%s'." % (props["subnetId"], net.name)))
        vm_parts = parse_id("vm", props.get("targetVirtualMachineId"))
        if vm_parts:
            if rg_parts and lkey(*vm_parts[:2]) != lkey(*rg_parts):
                problems.append(bad_input("targetVirtualMachineId must be in targetResourceGroupId."))
            existing = self.state.vms.get(lkey(*vm_parts))
            if existing is not None:
                problems.append(ArmError(400, "UserErrorVmNameAlreadyExists",
                                         "A virtual machine named '%s' already exists in resource group '%s'."
                                         % (existing.name, existing.resource_group)))
        return problems

    # ================================================================== restore
    @route("POST", VAULT, ITEM + "/recoveryPoints/{point}/restore")
    def restore(self, req, vault, container, item_name, point_name):
        item = self._get_item(vault, container, item_name)
        props = self._request_props(req.json())
        point = self.check_body(vault, item, point_name, props)
        problems = self.resource_problems(vault, item, props)
        if problems:
            raise problems[0]
        tokens = props.get("resourceGuardOperationRequests")
        if tokens is not None and not isinstance(tokens, list):
            raise bad_input("properties.resourceGuardOperationRequests must be a list of strings.")
        guards.require(self.state, vault, "triggerRestoreRequests", tokens, "restore '%s'" % item.vm.name)
        self._check_unlocked(vault, item.vm)
        restore = {"type": props["recoveryType"], "point": point, "props": props, "created": {}}
        return self._start_item_job(req, vault, item.vm, "Restore", ("restore_job_seconds", "restore_op_seconds"),
                                    self._finish_restore, restore=restore)

    def _finish_restore(self, job, when):
        if not self._job_runs_out(job, when):
            return
        error = materialise_restore(self.state, job, when)
        job.end = when
        item = job.vault.items.get(job.vm.key)
        if error:
            job.status = "Failed"
            job.error_details = [{"errorCode": error[0], "errorTitle": error[1], "errorString": error[2],
                                  "recommendations": ["Correct the restore target and retry the operation."]}]
            detail = {"code": error[0], "title": error[1], "message": error[2], "recommendations": job.error_details[0]["recommendations"]}
            kpi = {"resourceHealthStatus": "TransientDegraded", "resourceHealthDetails": [detail]}
        else:
            job.status = "Completed"
            kpi = {"resourceHealthStatus": "Healthy",
                   "resourceHealthDetails": [{"code": 0, "title": "Success", "message": "", "recommendations": []}]}
        if item is not None:
            item.restore_kpi = kpi

    @staticmethod
    def item_kpis(item):
        """``kpisHealths`` of a protected item once a restore of it has ended (§3.3); {} before."""
        kpi = getattr(item, "restore_kpi", None)
        return {"kpisHealths": {"RestoreOperationStatusKPI": kpi}} if kpi else {}

    # ================================================================== the Restore job
    def restore_job_extended(self, job, now):
        info = job.restore if getattr(job, "restore", None) else {"type": "RestoreDisks", "point": None, "props": {}, "created": {}}
        rtype = info["type"]
        current = job.end if job.end is not None else now
        total = max((job.due or job.start) - job.start, 0.001)
        done = job.status in ("Completed", "Failed", "Cancelled", "CompletedWithWarnings")
        progress = 100.0 if job.status == "Completed" else min(99.0, round(100.0 * (current - job.start) / total, 1))
        transfer_share = 0.7 if rtype in SECOND_TASK else 1.0
        transfer_end = job.start + total * transfer_share
        cancelling = job.status in ("Cancelling", "Cancelled")
        tasks = [self._task(TRANSFER_TASK, job, job.start, transfer_end, current, cancelling)]
        if rtype in SECOND_TASK:
            tasks.append(self._task(SECOND_TASK[rtype], job, transfer_end, job.due or transfer_end, current, cancelling))
        ext = {"tasksList": tasks, "propertyBag": self._restore_bag(job, info), "internalPropertyBag": {"restoreLocationType": rtype}}
        ext["progressPercentage"] = progress
        if not done:
            # whole minutes while running ("PT10M", "PT2M"), "PT0S" once Completed (TestAzureManagedVMRestore.json)
            ext["estimatedRemainingDuration"] = iso_duration(60 * math.ceil(max(0.0, (job.due or now) - current) / 60))
        elif job.status == "Completed":
            ext["estimatedRemainingDuration"] = "PT0S"
        return ext

    @staticmethod
    def _restore_bag(job, info):
        """The propertyBag, keys and value forms as recorded: "Recovery point time " (sic, trailing space; .NET general
        date, UTC), "Target Storage Account Name", "Target resource group" (the request's, or the source VM's for
        OriginalLocation); AlternateLocation adds "Original VM Name", "Target VM Name" and "Target VNet Name" as
        "Group {vnet resource group} {vnet}"; OriginalLocation names the source VM as "Target VM Name"
        (azure-powershell TestAzureManagedVMRestore.json, az CLI test_backup_job.yaml, 2022; Azure docs for the
        config / template blob keys of a RestoreDisks job)."""
        rtype = info["type"]
        props = info["props"]
        bag = {"Job Type": JOB_TYPE_TEXT[rtype]}
        vm_parts = parse_id("vm", props.get("targetVirtualMachineId"))
        if rtype == "AlternateLocation":
            bag["Original VM Name"] = job.vm.name if job.vm else job.friendly_name
            if vm_parts:
                bag["Target VM Name"] = vm_parts[2]
            net = parse_id("vnet", props.get("virtualNetworkId"))
            if net:
                bag["Target VNet Name"] = "Group %s %s" % (net[1], net[2])
        elif rtype == "OriginalLocation" and job.vm is not None:
            bag["Target VM Name"] = job.vm.name
        acct = parse_id("storage", props.get("storageAccountId") or (props.get("identityBasedRestoreDetails") or {}).get(
            "targetStorageAccountId"))
        if acct:
            bag["Target Storage Account Name"] = acct[2]
        if info["point"] is not None:
            bag["Recovery point time "] = dotnet_general(info["point"]["time"])
        rg = parse_id("rg", props.get("targetResourceGroupId"))
        if rg:
            bag["Target resource group"] = rg[1]
        elif rtype == "OriginalLocation" and job.vm is not None:
            bag["Target resource group"] = job.vm.resource_group
        for key, value in info["created"].get("bag", {}).items():
            bag[key] = value
        return bag

    @staticmethod
    def _task(name, job, start, end, current, cancelling):
        """One task of the Restore job: NotStarted, InProgress, Completed, Failed, Cancelling or Cancelled."""
        task = {"taskId": name, "startTime": EPOCH_ZERO, "endTime": EPOCH_ZERO, "duration": "PT0S", "status": "NotStarted"}
        started = current >= start
        if started:
            task["startTime"] = iso(start)
        if cancelling and current < end:
            task["status"] = job.status if started else "Cancelled"
            return task
        if job.status == "Failed" and end >= (job.end or end):
            task.update(status="Failed", endTime=iso(current), duration=iso_duration(current - start))
        elif current >= end or job.status == "Completed":
            task.update(endTime=iso(end), duration=iso_duration(end - start), status="Completed")
        elif started:
            share = min(100.0, round(100.0 * (current - start) / max(end - start, 0.001), 1))
            task.update(duration=iso_duration(current - start), status="InProgress", progressPercentage=share)
        if name == TRANSFER_TASK and task["status"] in ("InProgress", "Completed"):
            done_gb = TRANSFER_GB if task["status"] == "Completed" else int(TRANSFER_GB * task.get("progressPercentage", 0) / 100)
            task["taskExecutionDetails"] = "%d GBs / %d GBs Transferred" % (done_gb, TRANSFER_GB)
        return task

    # ================================================================== validate (sync and async)
    def _validate_body(self, req, vault):
        body = req.json()
        if not isinstance(body, dict):
            raise bad_input("The request body needs properties.objectType 'ValidateIaasVMRestoreOperationRequest'.")
        inner = body.get("properties") if isinstance(body.get("properties"), dict) else body
        if inner.get("objectType") != VALIDATE_TYPE:
            raise bad_input("objectType must be '%s'." % VALIDATE_TYPE)
        restore = inner.get("restoreRequest")
        if not isinstance(restore, dict):
            raise bad_input("restoreRequest is required.")
        return restore

    def validation_results(self, vault, restore):
        """The validateOperationResponse for a restore request (problems the emulator knows)."""
        results = []
        vm = self.state.find_vm_ref(vault.sub, str(restore.get("sourceResourceId") or ""))
        item = vault.items.get(vm.key) if vm is not None else None
        if item is None:
            results.append({"code": "BMSUserErrorItemNotFound",
                            "message": "The virtual machine '%s' is not a protected item of this vault." % restore.get("sourceResourceId"),
                            "recommendations": ["Check sourceResourceId."]})
        else:
            try:
                self.check_body(vault, item, str(restore.get("recoveryPointId", "")), restore)
            except ArmError as err:
                results.append(self._result(err))
            results.extend(self._result(err) for err in self.resource_problems(vault, item, restore))
            if item.vm.key in vault.busy:
                results.append({"code": "BMSUserErrorObjectLocked", "message": "Another operation is in progress on the item.",
                                "recommendations": ["Wait for the other operation to complete and retry."]})
        return {"validateOperationResponse": {"validationResults": results}}

    @staticmethod
    def _result(err):
        return {"code": err.code, "message": err.message, "recommendations": ["Correct the restore request and retry."]}

    @route("POST", VAULT, "backupValidateOperation")
    def validate(self, req, vault):
        return Response(200, self.validation_results(vault, self._validate_body(req, vault)))

    @route("POST", VAULT, "backupTriggerValidateOperation")
    def trigger_validate(self, req, vault):
        restore = self._validate_body(req, vault)
        now = time.time()
        op = Operation("validate", vault, now, now + self.state.duration("restore_op_seconds"))
        op.apply = lambda when, o=op: self._store_validation(o, vault, restore)
        self.state.add_operation(op)
        prefix = self._vault_prefix(req, vault)
        query = self._async_query(op.id)
        return self._accepted("%s/backupValidateOperationResults/%s?%s" % (prefix, op.id, query),
                              "%s/backupValidateOperationsStatuses/%s?%s" % (prefix, op.id, query))

    def _store_validation(self, op, vault, restore):
        op.validation = self.validation_results(vault, restore)
        return None

    def _validate_op(self, req, vault, op_id):
        op = self._find_op(req, vault, op_id)
        if op.kind != "validate":
            raise ArmError(404, "BMSUserErrorOperationNotFound", "Operation '%s' was not found." % op_id)
        return op

    @route("GET", VAULT, "backupValidateOperationsStatuses/{op}")
    def validate_operation_status(self, req, vault, op_id):
        op = self._validate_op(req, vault, op_id)
        body = self.op_status_body(op)
        if op.status == "Succeeded":
            body["properties"] = {"objectType": "OperationStatusValidateOperationExtendedInfo",
                                  "validateOperationResponse": op.validation["validateOperationResponse"]}
        return Response(200, body)

    @route("GET", VAULT, "backupValidateOperationResults/{op}")
    def validate_operation_result(self, req, vault, op_id):
        op = self._validate_op(req, vault, op_id)
        status_url = "%s/backupValidateOperationsStatuses/%s?%s" % (self._vault_prefix(req, vault), op.id, self._async_query(op.id))
        return self._result_response(req, op, getattr(op, "validation", None), status_url)
