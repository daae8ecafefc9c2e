# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery points, restore, the Restore job and restore validation (CONTRACT-wave2.md §2-§3).

``RestoreApi`` is owned by ``BackupApi`` (``api.restore``) and reuses its helpers (item lookup,
async URLs, paging, the operation and job model). Handlers run with ``state.lock`` held.
"""

from __future__ import annotations

import re
import time

from common import EPOCH_ZERO, ArmError, Response, dotnet_general, iso, iso_duration, parse_filter, parse_time
from resources import lk
from state import Job, Operation

RP_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints"
RESTORE_OBJECT_TYPES = ("IaasVMRestoreRequest", "IaasVMRestoreWithRehydrationRequest")
RECOVERY_TYPES = ("RestoreDisks", "AlternateLocation", "OriginalLocation")
JOB_TYPE_TEXT = {"RestoreDisks": "Recover disks", "AlternateLocation": "Recover VM to an alternate location",
                 "OriginalLocation": "Replace disks"}
SECOND_TASK = {"AlternateLocation": "Create the restored VM", "OriginalLocation": "Replace the disks of the VM"}
VALIDATE_TYPE = "ValidateIaasVMRestoreOperationRequest"
ISO_DAYS = re.compile(r"^P(\d+)D$")

_ID_PATTERNS = {
    "storage": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Storage/storageAccounts/([^/]+)$",
    "vnet": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/virtualNetworks/([^/]+)$",
    "subnet": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/virtualNetworks/([^/]+)"
              r"/subnets/([^/]+)$",
    "rg": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)$",
    "vm": r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Compute/virtualMachines/([^/]+)$",
}


def _bad(message):
    return ArmError(400, "BMSUserErrorInvalidInput", "Input provided for the call is invalid. " + message)


def parse_id(kind, value):
    """The groups of an ARM ID of ``kind``, or None."""
    if not isinstance(value, str):
        return None
    match = re.match(_ID_PATTERNS[kind], value.strip())
    return match.groups() if match else None


def _region(text):
    return str(text or "").replace(" ", "").lower()


# ---------------------------------------------------------------------- recovery point model
def point_tiers(item, point, now):
    """{tier: status}: seeded tiers as given; else InstantRP (Valid within the policy's instant-RP days) + HardenedRP."""
    if point.get("tiers"):
        return dict(point["tiers"])
    instant_days = 7 if item.policy is not None and item.policy.policy_type == "V2" else 2
    return {"InstantRP": "Valid" if now - point["time"] < instant_days * 86400 else "Deleted", "HardenedRP": "Valid"}


def needs_rehydration(tiers):
    """Only the archive tier holds the point (and it is not rehydrated)."""
    usable = [t for t in ("InstantRP", "HardenedRP") if tiers.get(t) == "Valid"]
    return not usable and tiers.get("ArchivedRP") == "Valid"


def point_luns(item, point):
    """Data-disk LUNs in the point: as seeded, else the item's disk inclusion / exclusion, else all."""
    if point.get("luns") is not None:
        return list(point["luns"])
    luns = list(item.vm.luns)
    excl = item.disk_exclusion
    if excl:
        chosen = set(excl["diskLunList"])
        luns = [lun for lun in luns if (lun in chosen) == bool(excl["isInclusionList"])]
    return luns


def live_points(item, now=None):
    """The item's recovery points that have not expired (an expired point is gone, as the service deletes it)."""
    now = time.time() if now is None else now
    return [p for p in item.recovery_points if p["expiry"] > now]


class RestoreApi:
    def __init__(self, api):
        self.api = api
        self.state = api.state

    # ================================================================== recovery points
    def point_body(self, item, point):
        now = time.time()
        vm = item.vm
        tiers = point_tiers(item, point, now)
        included = point_luns(item, point)
        excluded = [lun for lun in vm.luns if lun not in included]
        disk_name = "%s-datadisk-%03d"
        props = {
            "objectType": "IaasVMRecoveryPoint",
            "recoveryPointType": point.get("type", "AppConsistent"),
            "recoveryPointTime": iso(point["time"]),
            "recoveryPointAdditionalInfo": "",
            "sourceVMStorageType": "NormalStorage",
            "isSourceVMEncrypted": bool(getattr(vm, "encrypted", False)),
            "isInstantIlrSessionActive": False,
            "recoveryPointTierDetails": [{"type": t, "status": tiers[t]} for t in ("InstantRP", "HardenedRP", "ArchivedRP")
                                         if t in tiers],
            "isManagedVirtualMachine": not vm.classic,
            "virtualMachineSize": "Standard_DS1_v2",
            "originalStorageAccountOption": bool(vm.classic),
            "osType": getattr(vm, "os_type", "Linux"),
            "recoveryPointDiskConfiguration": {
                "numberOfDisksIncludedInBackup": len(included) + 1,
                "numberOfDisksAttachedToVm": len(vm.luns) + 1,
                "includedDiskList": [{"lun": -1, "name": "%s-osdisk" % vm.name.lower()}] +
                                    [{"lun": lun, "name": disk_name % (vm.name.lower(), lun)} for lun in included],
                "excludedDiskList": [{"lun": lun, "name": disk_name % (vm.name.lower(), lun)} for lun in excluded],
            },
            "recoveryPointMoveReadinessInfo": {"ArchivedRP": self._move_readiness(tiers, point, now)},
            "securityType": "None",
            "recoveryPointProperties": {"expiryTime": iso(point["expiry"]),
                                        "ruleName": point.get("rule_name", "DailyRule" if item.policy else "AdhocRule"),
                                        "isSoftDeleted": bool(point.get("soft_deleted", False) or item.soft_deleted)},
            "isPrivateAccessEnabledOnAnyDisk": False,
        }
        if getattr(vm, "zones", None):
            props["zones"] = list(vm.zones)
        return {"id": "%s/recoveryPoints/%s" % (self.api.item_id(item), point["name"]), "name": point["name"],
                "type": RP_TYPE, "properties": props}

    @staticmethod
    def _move_readiness(tiers, point, now):
        if "ArchivedRP" in tiers:
            return {"isReadyForMove": False,
                    "additionalInfo": "Recovery point cannot be moved to archive tier since it has already been moved."}
        if now - point["time"] < 90 * 86400:
            return {"isReadyForMove": False,
                    "additionalInfo": "Recovery point cannot be moved to archive tier: it must be at least 3 months old."}
        return {"isReadyForMove": True}

    def list_points(self, req, vault, container, item_name):
        item = self.api._get_item(vault, container, item_name)  # pylint: disable=protected-access
        flt = parse_filter(req.query.get("$filter"), {"startdate", "enddate"})
        start = end = None
        if flt:
            if "startdate" not in flt or "enddate" not in flt:
                raise _bad("The recovery point filter needs both startDate and endDate.")
            try:
                start, end = parse_time(flt["startdate"]), parse_time(flt["enddate"])
            except ValueError as exc:
                raise _bad("startDate / endDate are not dates ('yyyy-MM-dd hh:mm:ss AM'): %s" % exc) from exc
            if start > end:
                raise _bad("startDate must not be after endDate.")
        points = [p for p in reversed(live_points(item))
                  if start is None or start <= p["time"] <= end]
        return self.api._page(req, [self.point_body(item, p) for p in points])  # pylint: disable=protected-access

    def find_point(self, item, name):
        for entry in live_points(item):
            if entry["name"] == name:
                return entry
        raise ArmError(404, "BMSUserErrorRecoveryPointNotFound", "Recovery point '%s' not found." % name)

    def get_point(self, req, vault, container, item_name, name):
        item = self.api._get_item(vault, container, item_name)  # pylint: disable=protected-access
        return Response(200, self.point_body(item, self.find_point(item, name)))

    # ================================================================== vault-level routes
    def vault_routes(self, rest, raw):
        """Routes of this module under the vault (``rest`` lower case, ``raw`` as sent); [] when none."""
        n = len(rest)
        if rest == ["backupvalidateoperation"]:
            return [("POST", self.validate, ())]
        if rest == ["backuptriggervalidateoperation"]:
            return [("POST", self.trigger_validate, ())]
        if n == 2 and rest[0] in ("backupvalidateoperationresults", "backupvalidateoperationsstatuses"):
            return [("GET", self.validate_operation, (rest[0], raw[1]))]
        if n == 9 and rest[0] == "backupfabrics" and rest[2] == "protectioncontainers" and rest[4] == "protecteditems" \
                and rest[6] == "recoverypoints" and rest[8] == "restore":
            self.api._check_fabric(raw[1])  # pylint: disable=protected-access
            return [("POST", self.restore, (raw[3], raw[5], raw[7]))]
        return []

    # ================================================================== restore request checks
    def _request_props(self, body):
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise _bad("The request body needs 'properties' (a RestoreRequest).")
        return props

    def check_body(self, vault, item, point_name, props):
        """Body-level checks (raise ArmError); returns the recovery point record."""
        if props.get("objectType") not in RESTORE_OBJECT_TYPES:
            raise _bad("properties.objectType must be one of %s." % ", ".join(RESTORE_OBJECT_TYPES))
        rtype = props.get("recoveryType")
        if rtype not in RECOVERY_TYPES:
            raise _bad("recoveryType '%s' is not supported; use %s." % (rtype, ", ".join(RECOVERY_TYPES)))
        point = self.find_point(item, point_name)
        if item.soft_deleted:
            raise _bad("The item is soft-deleted: undelete it before restoring from its recovery points.")
        if str(props.get("recoveryPointId", "")) != point["name"]:
            raise _bad("recoveryPointId '%s' must be the recovery point of the URL ('%s')." % (props.get("recoveryPointId"), point["name"]))
        source = props.get("sourceResourceId")
        if not isinstance(source, str) or source.lower() != item.vm.id.lower():
            raise ArmError(400, "BMSUserErrorInvalidSourceResourceId",
                           "sourceResourceId '%s' does not identify the virtual machine of this item." % source)
        if _region(props.get("region")) != _region(vault.location):
            raise _bad("region '%s' must be the vault's region '%s'." % (props.get("region"), vault.location))
        identity = props.get("identityBasedRestoreDetails") or {}
        if not props.get("storageAccountId") and not (isinstance(identity, dict) and identity.get("targetStorageAccountId")):
            raise _bad("storageAccountId (the staging storage account) is required.")
        if rtype == "AlternateLocation":
            missing = [k for k in ("targetResourceGroupId", "targetVirtualMachineId", "virtualNetworkId", "subnetId")
                       if not props.get(k)]
            if missing:
                raise _bad("A restore to a new virtual machine needs %s." % ", ".join(missing))
        for key in ("storageAccountId", "targetResourceGroupId", "targetVirtualMachineId", "virtualNetworkId", "subnetId"):
            kind = {"storageAccountId": "storage", "targetResourceGroupId": "rg", "targetVirtualMachineId": "vm",
                    "virtualNetworkId": "vnet", "subnetId": "subnet"}[key]
            if props.get(key) and parse_id(kind, props[key]) is None:
                raise _bad("%s '%s' is not a valid resource ID." % (key, props[key]))
        if props.get("originalStorageAccountOption") and not item.vm.classic:
            raise _bad("originalStorageAccountOption is not available for this recovery point.")
        luns = props.get("restoreDiskLunList")
        if luns is not None:
            available = point_luns(item, point)
            if not isinstance(luns, list) or any(not isinstance(x, int) or isinstance(x, bool) for x in luns):
                raise _bad("restoreDiskLunList must be a list of integers.")
            bad = [lun for lun in luns if lun not in available]
            if bad:
                raise ArmError(400, "BMSUserErrorInvalidDiskLun",
                               "The disk LUN(s) %s are not in recovery point '%s' (data disk LUNs: %s)." % (bad, point["name"], available))
        zones = props.get("zones")
        if zones is not None and (not isinstance(zones, list) or any(str(z) not in ("1", "2", "3") for z in zones)):
            raise _bad("zones must be a list of '1', '2' or '3'.")
        tiers = point_tiers(item, point, time.time())
        if needs_rehydration(tiers):
            info = props.get("recoveryPointRehydrationInfo")
            if props.get("objectType") != "IaasVMRestoreWithRehydrationRequest" or not isinstance(info, dict):
                raise _bad("Recovery point '%s' is in the archive tier: use IaasVMRestoreWithRehydrationRequest with "
                           "recoveryPointRehydrationInfo." % point["name"])
            if info.get("rehydrationPriority") not in ("Standard", "High"):
                raise _bad("rehydrationPriority must be Standard or High.")
            days = ISO_DAYS.match(str(info.get("rehydrationRetentionDuration", "")))
            # the product docs say 10-30 days, the spec's examples send P7D: the emulator accepts 1-30 days
            if not days or not 1 <= int(days.group(1)) <= 30:
                raise _bad("rehydrationRetentionDuration must be an ISO 8601 duration of 1 to 30 days (e.g. P15D).")
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
                problems.append(_bad("targetResourceGroupId '%s' is in another subscription than the vault; cross-subscription "
                                     "restore is not supported by this emulator." % props["targetResourceGroupId"]))
            elif lk(*rg_parts) not in self.state.resource_groups:
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
            if sub_parts and (lk(*sub_parts[:3]) != lk(*net_parts) or net.subnet(sub_parts[3]) is None):
                problems.append(ArmError(400, "UserErrorSubnetNotFound",
                                         "The subnet '%s' was not found in virtual network '%s'." % (props["subnetId"], net.name)))
        vm_parts = parse_id("vm", props.get("targetVirtualMachineId"))
        if vm_parts:
            if rg_parts and lk(*vm_parts[:2]) != lk(*rg_parts):
                problems.append(_bad("targetVirtualMachineId must be in targetResourceGroupId."))
            existing = self.state.vms.get(lk(*vm_parts))
            if existing is not None:
                problems.append(ArmError(400, "UserErrorVmNameAlreadyExists",
                                         "A virtual machine named '%s' already exists in resource group '%s'."
                                         % (existing.name, existing.resource_group)))
        return problems

    # ================================================================== restore
    def restore(self, req, vault, container, item_name, point_name):
        item = self.api._get_item(vault, container, item_name)  # pylint: disable=protected-access
        props = self._request_props(req.json())
        point = self.check_body(vault, item, point_name, props)
        problems = self.resource_problems(vault, item, props)
        if problems:
            raise problems[0]
        self.api._check_unlocked(vault, item.vm)  # pylint: disable=protected-access
        now = time.time()
        job = Job(vault, "Restore", item.vm, now, req.client_request_id)
        job.restore = {"type": props["recoveryType"], "point": point, "props": props, "created": {}}
        job.due = now + float(self.state.config["restore_job_seconds"])
        self.state.add_job(job)
        self.state.schedule(job.due, lambda when, j=job: self._finish(j, when))
        # item-scoped action with a job: the backup operation family (§1), so every existing poll URL serves it
        op = Operation("backup", vault, now, now + float(self.state.config["restore_op_seconds"]), item.vm, job)
        vault.busy[item.vm.key] = op.id
        self.state.add_operation(op)
        return self.api._item_accepted(req, vault, op)  # pylint: disable=protected-access

    def _finish(self, job, when):
        if job.status == "Cancelling":
            job.status = "Cancelled"
            job.end = when
            return
        if job.status != "InProgress":
            return
        from compute import materialise_restore   # pylint: disable=import-outside-toplevel
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
    @staticmethod
    def cancellable(job):
        return job.operation == "Restore" and job.status == "InProgress"

    def job_extended(self, job, now):
        info = job.restore if getattr(job, "restore", None) else {"type": "RestoreDisks", "point": None, "props": {}, "created": {}}
        rtype = info["type"]
        props = info["props"]
        current = job.end if job.end is not None else now
        total = max((job.due or job.start) - job.start, 0.001)
        done = job.status in ("Completed", "Failed", "Cancelled", "CompletedWithWarnings")
        progress = 100.0 if job.status == "Completed" else min(99.0, round(100.0 * (current - job.start) / total, 1))
        transfer_share = 0.7 if rtype in SECOND_TASK else 1.0
        transfer_end = job.start + total * transfer_share
        cancelling = job.status in ("Cancelling", "Cancelled")
        tasks = [self._task("Transfer data", job, job.start, transfer_end, current, cancelling)]
        if rtype in SECOND_TASK:
            tasks.append(self._task(SECOND_TASK[rtype], job, transfer_end, job.due or transfer_end, current, cancelling))
        # keys as `az backup job show` prints a RestoreDisks job (Azure docs), "Recovery point time " with its trailing space
        bag = {"Job Type": JOB_TYPE_TEXT[rtype]}
        if info["point"] is not None:
            bag["Recovery point time "] = dotnet_general(info["point"]["time"])
        acct = parse_id("storage", props.get("storageAccountId") or (props.get("identityBasedRestoreDetails") or {}).get(
            "targetStorageAccountId"))
        if acct:
            bag["Target Storage Account Name"] = acct[2]
        rg = parse_id("rg", props.get("targetResourceGroupId"))
        if rg:
            bag["Target resource group"] = rg[1]
        vm_parts = parse_id("vm", props.get("targetVirtualMachineId"))
        if rtype == "AlternateLocation" and vm_parts:
            bag["Target VM Name"] = vm_parts[2]
            net = parse_id("vnet", props.get("virtualNetworkId"))
            if net:
                bag["Target VNet Name"] = net[2]
        for key, value in info["created"].get("bag", {}).items():
            bag[key] = value
        ext = {"tasksList": tasks, "propertyBag": bag, "internalPropertyBag": {"restoreLocationType": rtype}}
        ext["progressPercentage"] = progress
        if not done:
            ext["estimatedRemainingDuration"] = iso_duration(max(0.0, (job.due or now) - current))
        return ext

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
            task.update(duration=iso_duration(current - start), status="InProgress", progressPercentage=share,
                        taskExecutionDetails="%d MB transferred" % int(share * 10))
        return task

    # ================================================================== validate (sync and async)
    def _validate_body(self, req, vault):
        body = req.json()
        if not isinstance(body, dict):
            raise _bad("The request body needs properties.objectType 'ValidateIaasVMRestoreOperationRequest'.")
        inner = body.get("properties") if isinstance(body.get("properties"), dict) else body
        if inner.get("objectType") != VALIDATE_TYPE:
            raise _bad("objectType must be '%s'." % VALIDATE_TYPE)
        restore = inner.get("restoreRequest")
        if not isinstance(restore, dict):
            raise _bad("restoreRequest is required.")
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

    def validate(self, req, vault):
        return Response(200, self.validation_results(vault, self._validate_body(req, vault)))

    def trigger_validate(self, req, vault):
        restore = self._validate_body(req, vault)
        now = time.time()
        op = Operation("validate", vault, now, now + float(self.state.config["restore_op_seconds"]))
        op.apply = lambda when, o=op: self._store_validation(o, vault, restore)
        self.state.add_operation(op)
        prefix = self.api._vault_prefix(req, vault)  # pylint: disable=protected-access
        query = self.api._async_query(op.id)  # pylint: disable=protected-access
        return self.api._accepted("%s/backupValidateOperationResults/%s?%s" % (prefix, op.id, query),  # pylint: disable=protected-access
                                  "%s/backupValidateOperationsStatuses/%s?%s" % (prefix, op.id, query))

    def _store_validation(self, op, vault, restore):
        op.validation = self.validation_results(vault, restore)
        return None

    def validate_operation(self, req, vault, kind, op_id):
        op = self.api._find_op(vault, op_id, ("validate",))  # pylint: disable=protected-access
        self.api._check_signature(req, op.id, False)  # pylint: disable=protected-access
        if kind == "backupvalidateoperationsstatuses":
            body = self.api.op_status_body(op)
            if op.status == "Succeeded":
                body["properties"] = {"objectType": "OperationStatusValidateOperationExtendedInfo",
                                      "validateOperationResponse": op.validation["validateOperationResponse"]}
            return Response(200, body)
        if op.status == "InProgress":
            status_url = "%s/backupValidateOperationsStatuses/%s?%s" % (
                self.api._vault_prefix(req, vault), op.id, self.api._async_query(op.id))  # pylint: disable=protected-access
            return Response(202, None, {"Location": req.self_url(), "Azure-AsyncOperation": status_url,
                                        "Retry-After": str(int(self.state.config["retry_after"]))})
        return Response(200, op.validation)
