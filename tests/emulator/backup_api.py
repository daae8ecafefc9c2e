# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource Manager handlers: Recovery Services backup API, vault, backupStatus, Compute VM GET.

Every handler runs with ``state.lock`` held (see server.py) and returns a
``Response`` or raises ``ArmError``. The shapes follow CONTRACT.md, the spec's
examples and, where they differ, REAL-BEHAVIOUR.md (see README.md for the list).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from urllib.parse import quote

from common import (EPOCH_ZERO, NEVER_BACKED_UP, ArmError, Response, dotnet_general, iso, iso_duration, iso_seconds,
                    parse_filter, parse_time, timespan)
from state import CLASSIC_TYPE, COMPUTE_TYPE, IAAS, Item, Job, Operation, lkey
# VAULT-EMU: the vault RP, vault/storage config, policies and resource guards live in their own modules.
import guard_api
import policy_api
import suspend_api
import vault_api

BACKUP_API_VERSIONS = (
    "2016-06-01", "2016-08-10", "2016-12-01", "2017-07-01", "2018-12-20", "2019-05-13", "2019-06-15", "2020-02-02",
    "2020-07-01", "2020-10-01", "2020-12-01", "2021-01-01", "2021-02-01", "2021-02-10", "2021-03-01", "2021-04-01",
    "2021-06-01", "2021-07-01", "2021-08-01", "2021-10-01", "2021-11-15", "2021-12-01", "2022-01-01", "2022-02-01",
    "2022-03-01", "2022-04-01", "2022-10-01", "2023-01-01", "2023-01-15", "2023-02-01", "2023-04-01", "2023-06-01",
    "2023-08-01", "2024-01-01", "2024-02-01", "2024-04-01", "2024-10-01", "2025-01-01", "2025-02-01", "2025-08-01",
    "2026-01-01", "2026-02-01",
    # Newer than CONTRACT.md's snapshot: the default of azure-mgmt-recoveryservicesbackup 11.2.0 (2026-10),
    # so the live service serves it.
    "2026-10-01",
    "2021-02-01-preview", "2022-06-01-preview", "2022-09-01-preview", "2022-09-30-preview", "2024-04-30-preview",
    "2024-07-30-preview", "2024-11-01-preview", "2025-02-28-preview", "2026-01-31-preview", "2026-03-31-preview",
    "2019-05-13-preview",
)
COMPUTE_API_VERSIONS = (
    "2015-06-15", "2016-03-30", "2016-04-30-preview", "2017-03-30", "2017-12-01", "2018-04-01", "2018-06-01",
    "2018-10-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-06-01", "2020-12-01", "2021-03-01", "2021-04-01",
    "2021-07-01", "2021-11-01", "2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01",
    "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01",
)
ASYNC_API_VERSION = "2016-12-01"          # what the examples' Location / Azure-AsyncOperation URLs carry
REFRESH_STATUS_API_VERSION = "2019-05-13-preview"
PAGE_SIZE = 200
MAX_EXPIRY_SECONDS = 99 * 365.25 * 86400  # on-demand retention limit chosen by the emulator (99 years)

ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems"
JOB_TYPE = "Microsoft.RecoveryServices/vaults/backupJobs"
LOCKED_MESSAGE = "Another operation is in progress on the selected item. Wait for the other operation to complete and retry."


class Request:
    """What a handler needs from an HTTP request."""

    def __init__(self, method, path, segments, query, raw_query, body, headers, endpoint, client_request_id):
        self.method = method
        self.path = path
        self.segments = segments
        self.query = query
        self.raw_query = raw_query
        self.body = body
        self.headers = headers
        self.endpoint = endpoint
        self.client_request_id = client_request_id

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArmError(400, "InvalidRequestContent",
                           "The request content was invalid and could not be deserialized: '%s'." % exc) from exc

    def self_url(self):
        return self.endpoint + self.path + ("?" + self.raw_query if self.raw_query else "")


def _api_version_error(version, versions, type_name):
    if not version:
        return ArmError(400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all requests.")
    if not re.match(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$", version):
        return ArmError(400, "InvalidApiVersionParameter",
                        "The api-version '%s' is invalid. The supported versions are '%s'." % (version, ",".join(versions)))
    return ArmError(400, "NoRegisteredProviderFound",
                    "No registered resource provider found for location 'westus' and API version '%s' for type '%s'. "
                    "The supported api-versions are '%s'." % (version, type_name, ", ".join(versions)))


def _not_found_vault(rg, name):
    return ArmError(404, "ResourceNotFound",
                    "The Resource 'Microsoft.RecoveryServices/vaults/%s' under resource group '%s' was not found. "
                    "For more details please go to https://aka.ms/ARMResourceNotFoundFix" % (name, rg),
                    headers={"x-ms-failure-cause": "gateway"})


def _bad_input(message):
    return ArmError(400, "BMSUserErrorInvalidInput", "Input provided for the call is invalid. " + message)


class BackupApi:
    """Routes and answers Resource Manager requests against ``state``."""

    def __init__(self, state):
        self.state = state
        self.signing_key = hashlib.sha256(str(time.time()).encode() + b"emulator").digest()
        self.vault_rp = vault_api.VaultApi(self)       # VAULT-EMU hook
        self.policies = policy_api.PolicyApi(self)     # VAULT-EMU hook
        self.guards = guard_api.GuardApi(self)         # VAULT-EMU hook
        self.item_hooks = suspend_api.ItemHooks(self)  # VAULT-EMU hook: suspend, MUA, immutability on items

    # ================================================================== routing
    def handle(self, req):
        segs = [s.lower() for s in req.segments]
        st = self.state
        if len(segs) < 2 or segs[0] != "subscriptions":
            raise ArmError(404, "InvalidResourceType", "The requested path '%s' is not a Resource Manager path." % req.path)
        sub = req.segments[1]
        if sub.lower() not in st.subscriptions:
            raise ArmError(404, "SubscriptionNotFound", "The subscription '%s' could not be found." % sub)
        rest = segs[2:]
        answer = self.vault_rp.handle_subscription(req, sub, rest) or self.vault_rp.handle_resource_group(req, sub, rest)
        if answer is not None:                          # VAULT-EMU hook: subscription vault list, resource groups
            return answer
        if len(rest) >= 3 and rest[0] == "providers" and rest[1] == "microsoft.recoveryservices":
            self._check_version(req, BACKUP_API_VERSIONS, "locations")
            if len(rest) == 5 and rest[2] == "locations" and rest[4] == "backupstatus" and req.method == "POST":
                return self.backup_status(req, sub, req.segments[6])
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace "
                           "'Microsoft.RecoveryServices' for api version '%s'." % req.query.get("api-version"))
        if len(rest) < 4 or rest[0] != "resourcegroups" or rest[2] != "providers":
            raise ArmError(404, "InvalidResourceType", "The requested resource type is not supported by the emulator.")
        rg = req.segments[3]
        namespace = rest[3]
        if namespace == "microsoft.compute":
            self._check_version(req, COMPUTE_API_VERSIONS, "virtualMachines")
            self._check_rg(sub, rg)
            if len(rest) == 6 and rest[4] == "virtualmachines" and req.method == "GET":
                return self.get_vm(req, sub, rg, req.segments[7])
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace 'Microsoft.Compute'.")
        if namespace == "microsoft.dataprotection":      # VAULT-EMU hook: seeded resource guards
            answer = self.guards.handle_guard(req, sub, rg, rest)
            if answer is not None:
                return answer
        if namespace == "microsoft.recoveryservices" and len(rest) >= 5 and rest[4] == "vaults":
            answer = self.vault_rp.handle_vaults(req, sub, rg, rest)   # VAULT-EMU hook: vault RP
            if answer is not None:
                return answer
        if namespace != "microsoft.recoveryservices" or len(rest) < 6 or rest[4] != "vaults":
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found for api version '%s'."
                           % req.query.get("api-version"))
        self._check_version(req, BACKUP_API_VERSIONS, "vaults")
        self._check_rg(sub, rg)
        vault = st.find_vault(sub, rg, req.segments[7])
        if vault is None:
            raise _not_found_vault(rg, req.segments[7])
        return self._vault_route(req, vault, segs[8:], req.segments[8:])

    def _check_version(self, req, versions, type_name):
        version = req.query.get("api-version")
        if version not in versions:
            raise _api_version_error(version, versions, type_name)

    def _check_rg(self, sub, rg):
        if lkey(sub, rg) not in self.state.resource_groups:
            raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg,
                           headers={"x-ms-failure-cause": "gateway"})

    def _vault_route(self, req, vault, rest, raw):
        method = req.method
        n = len(rest)
        # VAULT-EMU hook: vault/storage config, policies, guard proxies (vault_api / policy_api / guard_api)
        self.vault_rp.check_ready(vault)
        routes = (self.vault_rp.child_routes(req, vault, rest) or self.policies.child_routes(req, vault, rest, raw)
                  or self.guards.child_routes(req, vault, rest, raw) or [])
        if routes:
            pass
        elif rest == ["backupprotectableitems"]:
            routes = [("GET", self.list_protectable, ())]
        elif rest == ["backupprotecteditems"]:
            routes = [("GET", self.list_protected, ())]
        elif rest[0] == "backupjobs":
            if n == 1:
                routes = [("GET", self.list_jobs, ())]
            elif n == 2:
                routes = [("GET", self.get_job, (raw[1],))]
            elif n == 3 and rest[2] == "cancel":
                routes = [("POST", self.cancel_job, (raw[1],))]
            elif n == 4 and rest[2] in ("operationresults", "operationsstatus"):
                routes = [("GET", self.job_operation, (raw[1], rest[2], raw[3]))]
        elif rest[0] == "backupoperationresults" and n == 2:
            routes = [("GET", self.vault_operation_result, (raw[1],))]
        elif rest[0] == "backupoperations" and n == 2:
            routes = [("GET", self.vault_operation_status, (raw[1],))]
        elif rest[0] == "backupfabrics" and n >= 3:
            self._check_fabric(raw[1])
            sub_rest = rest[2:]
            if sub_rest == ["refreshcontainers"]:
                routes = [("POST", self.refresh, (raw[1],))]
            elif sub_rest[0] in ("operationresults", "operationsstatus") and len(sub_rest) == 2:
                routes = [("GET", self.fabric_operation, (raw[1], sub_rest[0], raw[3]))]
            elif sub_rest[0] == "protectioncontainers" and len(sub_rest) == 2:
                routes = [("GET", self.get_container, (raw[3],))]
            elif sub_rest[0] == "protectioncontainers" and len(sub_rest) >= 4 and sub_rest[2] == "protecteditems":
                container, item = raw[3], raw[5]
                tail = sub_rest[4:]
                if not tail:
                    routes = [("GET", self.get_item, (container, item)), ("PUT", self.put_item, (container, item)),
                              ("DELETE", self.delete_item, (container, item))]
                elif tail == ["backup"]:
                    routes = [("POST", self.trigger_backup, (container, item))]
                elif tail[0] in ("operationresults", "operationsstatus") and len(tail) == 2:
                    routes = [("GET", self.item_operation, (container, item, tail[0], raw[7]))]
                elif tail == ["recoverypoints"]:
                    routes = [("GET", self.list_points, (container, item))]
                elif tail[0] == "recoverypoints" and len(tail) == 2:
                    routes = [("GET", self.get_point, (container, item, raw[7]))]
        if not routes:
            raise ArmError(404, "InvalidResourceType", "The resource type '%s' could not be found in the namespace "
                           "'Microsoft.RecoveryServices' for api version '%s'." % ("/".join(raw), req.query.get("api-version")))
        for verb, handler, args in routes:
            if verb == method:
                return handler(req, vault, *args)
        raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % method)

    @staticmethod
    def _check_fabric(name):
        if name.lower() != "azure":
            raise ArmError(400, "BMSUserErrorInvalidInput", "Input provided for the call is invalid. Fabric '%s' is not supported; "
                           "use 'Azure'." % name)

    # ================================================================== helpers
    def _ts(self):
        return time.time()

    def _sign(self, op_id, ticks):
        digest = hmac.new(self.signing_key, ("%s|%s" % (op_id.lower(), ticks)).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _async_query(self, op_id, api_version=ASYNC_API_VERSION):
        ticks = int(time.time() * 10 ** 7) + 621355968000000000
        cert = base64.urlsafe_b64encode(hashlib.sha256(b"emulator-async-signing-cert").digest() * 4).decode().rstrip("=")
        sig = self._sign(op_id, ticks)
        digest = base64.urlsafe_b64encode(hashlib.sha256(("%s|%s" % (ticks, sig)).encode()).digest()).decode().rstrip("=")
        return "api-version=%s&t=%d&c=%s&s=%s&h=%s" % (api_version, ticks, cert, sig, digest)

    def _check_signature(self, req, op_id, required):
        sig = req.query.get("s")
        ticks = req.query.get("t")
        if sig is None and ticks is None and not (required and self.state.config.get("require_async_signature")):
            return
        if sig is None or ticks is None or not hmac.compare_digest(sig, self._sign(op_id, ticks)):
            raise ArmError(403, "AuthorizationFailed",
                           "The async operation URL is missing its signature or the signature is invalid; "
                           "follow the Location / Azure-AsyncOperation URL exactly as returned (query parameters t, c, s, h).")

    @staticmethod
    def _vault_prefix(req, vault):
        """``/Subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults/{v}`` as the examples write it."""
        return "%s/Subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (
            req.endpoint, req.segments[1], req.segments[3], req.segments[7])

    def _accepted(self, location, async_url=None):
        headers = {"Location": location, "Retry-After": str(int(self.state.config["retry_after"]))}
        if async_url:
            headers["Azure-AsyncOperation"] = async_url
        return Response(202, None, headers)

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

    # ================================================================== bodies
    def item_id(self, item):
        vault = item.vault
        return "%s/backupFabrics/Azure/protectionContainers/IaasVMContainer;%s/protectedItems/VM;%s" % (
            vault.id, item.vm.container_name, item.vm.container_name)

    def policy_id(self, vault, policy):
        return "%s/backupPolicies/%s" % (vault.id, policy.name)

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
            props["deferredDeleteTimeInUTC"] = iso(item.deferred_delete_time)
            props["deferredDeleteTimeRemaining"] = timespan(item.deferred_delete_time - time.time())
        props["vaultId"] = req.endpoint + vault.id
        props["isArchiveEnabled"] = False
        props["softDeleteRetentionPeriod"] = vault.soft_delete_days if item.soft_deleted else 0
        return {"id": self.item_id(item), "name": "VM;" + vm.container_name, "type": ITEM_TYPE, "properties": props}

    def job_body(self, job, detail):
        now = time.time()
        props = {"jobType": "AzureIaaSVMJob"}
        if job.operation == "Backup":
            props["actionsInfo"] = ["Cancellable"]
        props["containerName"] = job.container_name
        end = job.end if job.end is not None else now
        props["duration"] = iso_duration(end - job.start)
        if job.error_details:
            props["errorDetails"] = job.error_details
        props["virtualMachineVersion"] = "Classic" if job.classic else "Compute"
        if detail:
            props["extendedInfo"] = self._job_extended(job, now)
        props.update({"entityFriendlyName": job.friendly_name, "backupManagementType": IAAS, "operation": job.operation,
                      "status": job.status, "startTime": iso(job.start)})
        if job.end is not None:
            props["endTime"] = iso(job.end)
        props["activityId"] = job.activity_id
        return {"id": "%s/backupJobs/%s" % (job.vault.id, job.id), "name": job.id, "type": JOB_TYPE, "properties": props}

    def _job_extended(self, job, now):
        bag = {"VM Name": job.vm.name if job.vm else job.friendly_name}
        if job.operation != "Backup":
            return {"tasksList": [], "propertyBag": bag}
        if job.rp_expiry:
            bag["Recovery Point Expiry Time in UTC"] = dotnet_general(job.rp_expiry)
        total = max((job.due or job.start) - job.start, 0.001)
        snap_end = job.start + total * 0.4
        current = job.end if job.end is not None else now
        done = job.status in ("Completed", "Failed", "Cancelled", "CompletedWithWarnings")
        cancelling = job.status in ("Cancelling", "Cancelled")
        if current >= snap_end:
            snap = {"taskId": "Take Snapshot", "startTime": iso(job.start), "endTime": iso(snap_end),
                    "duration": iso_duration(snap_end - job.start), "status": "Completed", "taskType": "Normal"}
            transfer_status = "Completed" if done else "InProgress"
            transfer = {"taskId": "Transfer data to vault", "startTime": iso(snap_end),
                        "endTime": iso(current) if done else EPOCH_ZERO, "duration": iso_duration(current - snap_end),
                        "status": job.status if cancelling else transfer_status, "taskType": "Normal"}
        else:
            snap = {"taskId": "Take Snapshot", "startTime": iso(job.start), "endTime": EPOCH_ZERO,
                    "duration": iso_duration(current - job.start), "status": job.status if cancelling else "InProgress",
                    "taskType": "Normal"}
            transfer = {"taskId": "Transfer data to vault", "startTime": EPOCH_ZERO, "endTime": EPOCH_ZERO,
                        "duration": "PT0S", "status": job.status if cancelling else "NotStarted", "taskType": "Normal"}
        if job.status == "Completed":
            bag["Backup Size"] = "%d MB" % (1024 + len(job.id))
        return {"tasksList": [snap, transfer], "propertyBag": bag, "internalPropertyBag": {"IsInstantRpJob": "True"}}

    @staticmethod
    def op_status_body(op):
        body = {"id": op.id, "name": op.id, "status": op.status, "startTime": iso(op.start)}
        if op.status == "InProgress":
            body["endTime"] = EPOCH_ZERO
        else:
            body["endTime"] = iso(op.start)   # the service answers endTime == startTime
        if op.status == "Succeeded" and op.job is not None:
            body["properties"] = {"objectType": "OperationStatusJobExtendedInfo", "jobId": op.job.id}
        if op.status == "Failed":
            body["error"] = {"code": op.error[1], "message": op.error[2]}
        return body

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

    # ================================================================== paging
    def _page(self, req, entries):
        start = 0
        token = req.query.get("$skiptoken")
        if token:
            try:
                start = int(base64.urlsafe_b64decode(token.encode() + b"==").decode())
            except (ValueError, UnicodeDecodeError) as exc:
                raise _bad_input("Invalid $skipToken.") from exc
        page = entries[start:start + PAGE_SIZE]
        body = {"value": page}
        if start + PAGE_SIZE < len(entries):
            next_token = base64.urlsafe_b64encode(str(start + PAGE_SIZE).encode()).decode().rstrip("=")
            params = [("api-version", req.query.get("api-version"))]
            if req.query.get("$filter"):
                params.append(("$filter", req.query["$filter"]))
            params.append(("$skipToken", next_token))
            body["nextLink"] = req.endpoint + req.path + "?" + "&".join("%s=%s" % (k, quote(v, safe="")) for k, v in params)
        return Response(200, body)

    # ================================================================== containers
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

    # ================================================================== discovery
    def refresh(self, req, vault, fabric):
        now = time.time()
        op = Operation("refresh", vault, now, now + float(self.state.config["refresh_seconds"]))
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

    def fabric_operation(self, req, vault, fabric, kind, op_id):
        op = self._find_op(vault, op_id, ("refresh",))
        self._check_signature(req, op.id, True)
        if kind == "operationsstatus":
            return Response(200, self.op_status_body(op))
        return self._result_response(req, op, None)

    def _find_op(self, vault, op_id, kinds):
        op = self.state.operations.get(op_id.lower())
        if op is None or op.vault is not vault or op.kind not in kinds:
            raise ArmError(404, "BMSUserErrorOperationNotFound", "Operation '%s' was not found." % op_id)
        return op

    def _result_response(self, req, op, final_body, async_url=None):
        """operationResults: 202 + Location to itself while running; then 200 (body) / 204; or the error."""
        if op.status == "InProgress":
            headers = {"Location": req.self_url(), "Retry-After": str(int(self.state.config["retry_after"]))}
            if async_url:
                headers["Azure-AsyncOperation"] = async_url
            return Response(202, None, headers)
        if op.status == "Failed":
            status, code, message = op.error
            raise ArmError(status, code, message)
        if final_body is not None:
            return Response(200, final_body)
        return Response(204)

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

    # ================================================================== protected items
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

    def get_item(self, req, vault, container, item_name):
        item = self._get_item(vault, container, item_name)
        flt = parse_filter(req.query.get("$filter"), {"expand"})
        return Response(200, self.item_body(req, item, expand=flt.get("expand", "").lower() == "extendedinfo"))

    def _parse_policy(self, vault, policy_id):
        match = re.match(r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.RecoveryServices/vaults/"
                         r"([^/]+)/backupPolicies/([^/]+)$", policy_id or "")
        if not match:
            raise _bad_input("policyId '%s' is not a backup policy ID." % policy_id)
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
            raise _bad_input("extendedProperties must be an object.")
        disks = ext.get("diskExclusionProperties")
        if disks is None:
            return None
        if not isinstance(disks, dict) or not isinstance(disks.get("diskLunList"), list) or \
                not isinstance(disks.get("isInclusionList"), bool):
            raise _bad_input("diskExclusionProperties needs diskLunList (list of int) and isInclusionList (bool).")
        if vm.classic:
            raise _bad_input("Selective disk backup is not supported for classic virtual machines.")
        luns = disks["diskLunList"]
        bad = [lun for lun in luns if not isinstance(lun, int) or isinstance(lun, bool) or lun not in vm.luns]
        if bad:
            raise ArmError(400, "BMSUserErrorInvalidDiskLun",
                           "The disk LUN(s) %s are not data disks of virtual machine '%s' (data disk LUNs: %s)."
                           % (bad, vm.name, vm.luns))
        return {"diskLunList": list(luns), "isInclusionList": disks["isInclusionList"]}

    def put_item(self, req, vault, container, item_name):
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise _bad_input("The request body needs 'properties'.")
        ptype = props.get("protectedItemType")
        if ptype not in (COMPUTE_TYPE, CLASSIC_TYPE, "AzureIaaSVMProtectedItem"):
            raise _bad_input("properties.protectedItemType is required and must be '%s' or '%s'." % (COMPUTE_TYPE, CLASSIC_TYPE))
        vm = self._resolve(vault, container, item_name)
        if vm is None or vm.key not in vault.discovered:
            raise ArmError(400, "BMSUserErrorInvalidConfigureProtectionRequest",
                           "The virtual machine '%s' is not discovered by the vault. Run refreshContainers (discovery) and "
                           "retry; check that the VM exists in the vault's region." % item_name)
        if ptype != "AzureIaaSVMProtectedItem" and ptype != vm.item_type:
            raise _bad_input("protectedItemType '%s' does not match the virtual machine (%s)." % (ptype, vm.item_type))
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
                raise _bad_input("An undelete request must not carry a policyId.")
            return self._start_item_op(req, vault, vm, "Undelete", self._apply_undelete(vault, vm))
        if rehydrate:
            raise _bad_input("isRehydrate is only valid for a soft-deleted item.")
        answer = self.item_hooks.before_write(req, vault, vm, item, props)   # VAULT-EMU hook: suspend, MUA
        if answer is not None:
            return answer
        if state_wanted == "ProtectionStopped" and not policy_id:
            if item is None:
                raise self._item_not_found(item_name)
            return self._start_item_op(req, vault, vm, "DisableBackup", self._apply_stop(vault, vm))
        if state_wanted not in (None, "", "Protected", "IRPending", "Invalid"):
            raise _bad_input("protectionState '%s' cannot be set by a request." % state_wanted)
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
            if item.state in ("ProtectionStopped", "BackupsSuspended"):   # VAULT-EMU: resume after suspend
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
                item.soft_deleted = False
                item.deferred_delete_time = None
                item.state = "ProtectionStopped"
                item.policy = None
            return None
        return apply

    def _start_item_op(self, req, vault, vm, job_operation, apply, kind="protect"):
        now = time.time()
        job = Job(vault, job_operation, vm, now, req.client_request_id)
        self.state.add_job(job)
        op = Operation(kind, vault, now, now + float(self.state.config["lro_seconds"]), vm, job)
        op.apply = apply
        vault.busy[vm.key] = op.id
        self.state.add_operation(op)
        if kind == "delete":
            prefix = self._vault_prefix(req, vault)
            return self._accepted("%s/backupOperationResults/%s?%s" % (prefix, op.id, self._async_query(op.id)),
                                  "%s/backupOperations/%s?%s" % (prefix, op.id, self._async_query(op.id)))
        return self._item_accepted(req, vault, op)

    def _item_accepted(self, req, vault, op):
        item_path = "%s/backupFabrics/Azure/protectionContainers/%s/protectedItems/%s" % (
            self._vault_prefix(req, vault), req.segments[11], req.segments[13])
        return self._accepted("%s/operationResults/%s?%s" % (item_path, op.id, self._async_query(op.id)),
                              "%s/operationsStatus/%s?%s" % (item_path, op.id, self._async_query(op.id)))

    def delete_item(self, req, vault, container, item_name):
        vm = self._resolve(vault, container, item_name)
        item = vault.items.get(vm.key) if vm else None
        if item is None:
            return Response(204)
        self._check_unlocked(vault, vm)
        self.item_hooks.before_delete(vault, item)     # VAULT-EMU hook: immutability, MUA unlockDelete
        soft = vault.soft_delete

        def apply(when):
            current = vault.items.get(vm.key)
            if current is None:
                return None
            if soft:
                if not current.soft_deleted:
                    current.soft_deleted = True
                    current.state = "ProtectionStopped"
                    current.policy = None
                    current.deferred_delete_time = when + vault.soft_delete_days * 86400
                    self.state.schedule(current.deferred_delete_time, lambda t, it=current: self._purge(vault, it))
            else:
                del vault.items[vm.key]
            return None
        return self._start_item_op(req, vault, vm, "DeleteBackupData", apply, kind="delete")

    @staticmethod
    def _purge(vault, item):
        if vault.items.get(item.vm.key) is item and item.soft_deleted:
            del vault.items[item.vm.key]

    def trigger_backup(self, req, vault, container, item_name):
        item = self._get_item(vault, container, item_name)
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict) or props.get("objectType") != "IaasVMBackupRequest":
            raise _bad_input("properties.objectType must be 'IaasVMBackupRequest'.")
        now = time.time()
        expiry_text = props.get("recoveryPointExpiryTimeInUTC")
        if expiry_text is None:
            expiry = now + 30 * 86400
        else:
            try:
                expiry = parse_time(str(expiry_text))
            except ValueError as exc:
                raise _bad_input("recoveryPointExpiryTimeInUTC '%s' is not a date-time." % expiry_text) from exc
            if expiry <= now:
                raise _bad_input("recoveryPointExpiryTimeInUTC must be in the future.")
            if expiry > now + MAX_EXPIRY_SECONDS:
                raise _bad_input("recoveryPointExpiryTimeInUTC must be at most 99 years from now.")
        if item.soft_deleted or item.state not in ("Protected", "IRPending"):
            raise ArmError(400, "UserErrorBcmDatasourceNotPresent",
                           "Backup failed: This virtual machine is not (actively) protected by Azure Backup.")
        self._check_unlocked(vault, item.vm)
        for job in vault.jobs.values():
            if job.operation == "Backup" and job.vm is item.vm and job.status in ("InProgress", "Cancelling"):
                raise ArmError(400, "UserErrorBackupOperationInProgress",
                               "A backup job (%s) is already in progress for this item. Wait for it to finish." % job.id)
        job = Job(vault, "Backup", item.vm, now, req.client_request_id)
        job.rp_expiry = expiry
        job.due = now + float(self.state.config["job_seconds"])
        self.state.add_job(job)
        self.state.schedule(job.due, lambda when, j=job: self._finish_backup(j, when))
        op = Operation("backup", vault, now, now + float(self.state.config["backup_op_seconds"]), item.vm, job)
        vault.busy[item.vm.key] = op.id
        self.state.add_operation(op)
        return self._item_accepted(req, vault, op)

    def _finish_backup(self, job, when):
        if job.status == "Cancelling":
            job.status = "Cancelled"
            job.end = when
            return
        if job.status != "InProgress":
            return
        job.status = "Completed"
        job.end = when
        item = job.vault.items.get(job.vm.key)
        if item is not None and item.vm is job.vm:
            item.recovery_points.append(self.state._new_point(job.start, job.rp_expiry))  # pylint: disable=protected-access
            item.last_backup_status = "Completed"
            item.last_backup_time = job.start
            if item.state == "IRPending":
                item.state = "Protected"

    def item_operation(self, req, vault, container, item_name, kind, op_id):
        op = self._find_op(vault, op_id, ("protect", "backup"))
        vm = self._resolve(vault, container, item_name)
        if vm is None or op.vm is not vm:
            raise ArmError(404, "BMSUserErrorOperationNotFound", "Operation '%s' was not found for this item." % op_id)
        self._check_signature(req, op.id, True)
        if kind == "operationsstatus":
            return Response(200, self.op_status_body(op))
        final = None
        if op.kind == "protect" and op.status == "Succeeded":
            item = vault.items.get(vm.key)
            final = self.item_body(req, item) if item is not None else None
        status_url = "%s/operationsStatus/%s?%s" % (req.self_url().split("/operationResults/")[0], op.id, self._async_query(op.id))
        return self._result_response(req, op, final, status_url)

    def vault_operation_result(self, req, vault, op_id):
        op = self._find_op(vault, op_id, ("protect", "backup", "delete"))
        self._check_signature(req, op.id, True)
        if op.status == "InProgress":
            prefix = self._vault_prefix(req, vault)
            headers = {"Location": req.self_url(), "Retry-After": str(int(self.state.config["retry_after"])),
                       "Azure-AsyncOperation": "%s/backupOperations/%s?%s" % (prefix, op.id, self._async_query(op.id))}
            return Response(202, None, headers)
        return self._result_response(req, op, None)

    def vault_operation_status(self, req, vault, op_id):
        op = self._find_op(vault, op_id, ("protect", "backup", "delete", "refresh", "cancel"))
        # PowerShell and the CLI poll this URL rebuilt, without the signature (recordings): accepted unsigned.
        self._check_signature(req, op.id, False)
        return Response(200, self.op_status_body(op))

    # ================================================================== recovery points
    def list_points(self, req, vault, container, item_name):
        item = self._get_item(vault, container, item_name)
        return self._page(req, [self._point_body(item, p) for p in reversed(item.recovery_points)])

    def get_point(self, req, vault, container, item_name, point):
        item = self._get_item(vault, container, item_name)
        for entry in item.recovery_points:
            if entry["name"] == point:
                return Response(200, self._point_body(item, entry))
        raise ArmError(404, "BMSUserErrorRecoveryPointNotFound", "Recovery point '%s' not found." % point)

    def _point_body(self, item, point):
        return {"id": "%s/recoveryPoints/%s" % (self.item_id(item), point["name"]), "name": point["name"],
                "type": ITEM_TYPE + "/recoveryPoints",
                "properties": {"objectType": "IaasVMRecoveryPoint", "recoveryPointType": "AppConsistent",
                               "recoveryPointTime": iso(point["time"]), "isInstantIlrSessionActive": False,
                               "recoveryPointTierDetails": [{"type": "InstantRP", "status": "Valid"},
                                                            {"type": "HardenedRP", "status": "Valid"}],
                               "recoveryPointProperties": {"expiryTime": iso(point["expiry"])}}}

    # ================================================================== jobs
    def list_jobs(self, req, vault):
        flt = parse_filter(req.query.get("$filter"), {"status", "operation", "starttime", "endtime", "backupmanagementtype",
                                                      "jobid"})
        try:
            start = parse_time(flt["starttime"]) if "starttime" in flt else None
            end = parse_time(flt["endtime"]) if "endtime" in flt else None
        except ValueError as exc:
            raise _bad_input("startTime / endTime are not dates: %s" % exc) from exc
        if "backupmanagementtype" in flt and flt["backupmanagementtype"].lower() != IAAS.lower():
            return Response(200, {"value": []})
        entries = []
        for job in sorted(vault.jobs.values(), key=lambda j: j.start, reverse=True):
            if "status" in flt and job.status.lower() != flt["status"].lower():
                continue
            if "operation" in flt and job.operation.lower() != flt["operation"].lower():
                continue
            if "jobid" in flt and job.id.lower() != flt["jobid"].lower():
                continue
            if start is not None and job.start < start:
                continue
            if end is not None and job.start > end:
                continue
            entries.append(self.job_body(job, False))
        return self._page(req, entries)

    def get_job(self, req, vault, job_id):
        job = vault.jobs.get(job_id.lower())
        if job is None:
            raise ArmError(404, "BMSUserErrorJobNotFound", "Job '%s' was not found in the vault." % job_id)
        return Response(200, self.job_body(job, True))

    def cancel_job(self, req, vault, job_id):
        job = vault.jobs.get(job_id.lower())
        if job is None:
            raise ArmError(404, "BMSUserErrorJobNotFound", "Job '%s' was not found in the vault." % job_id)
        if job.operation != "Backup" or job.status != "InProgress":
            raise ArmError(400, "BMSUserErrorJobNotCancellable",
                           "Job '%s' (%s, %s) cannot be cancelled." % (job_id, job.operation, job.status))
        now = time.time()
        job.status = "Cancelling"
        self.state.schedule(now + min(2.0, float(self.state.config["job_seconds"])),
                            lambda when, j=job: self._finish_backup(j, when))
        op = Operation("cancel", vault, now, now)
        op.job = job
        self.state.add_operation(op)
        prefix = "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupJobs/%s" % (
            req.endpoint, req.segments[1], req.segments[3], req.segments[7], job_id)
        return self._accepted("%s/operationResults/%s?%s" % (prefix, op.id, self._async_query(op.id, req.query["api-version"])),
                              "%s/operationsStatus/%s?%s" % (prefix, op.id, self._async_query(op.id, REFRESH_STATUS_API_VERSION)))

    def job_operation(self, req, vault, job_segment, kind, op_id):
        op = self._find_op(vault, op_id, ("cancel",))
        self._check_signature(req, op.id, False)
        if kind == "operationsstatus":
            return Response(200, self.op_status_body(op))
        return self._result_response(req, op, None)

    # ================================================================== subscription level
    def backup_status(self, req, sub, location):
        body = req.json()
        if not isinstance(body, dict) or not body.get("resourceId"):
            raise _bad_input("The body needs resourceType and resourceId.")
        if str(body.get("resourceType", "VM")).lower() != "vm":
            raise _bad_input("resourceType '%s' is not supported; use 'VM'." % body.get("resourceType"))
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
