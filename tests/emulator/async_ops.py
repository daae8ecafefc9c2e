# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Asynchronous operations: the 202 answers of writes, signed async URLs, and every documented
operation-status / operation-result path (item, container, fabric, vault and job level).

Which forms exist (bms.json; REAL-BEHAVIOUR.md; the recorded sessions):

- item: ``…/protectedItems/{i}/operationResults/{op}`` (ProtectedItemOperationResults_Get),
  ``…/protectedItems/{i}/operationsStatus/{op}`` (ProtectedItemOperationStatuses_Get);
- container: ``…/protectionContainers/{c}/operationResults/{op}`` (ProtectionContainerOperationResults_Get);
- fabric: ``backupFabrics/{f}/operationResults/{op}`` (ProtectionContainerRefreshOperationResults_Get),
  ``backupFabrics/{f}/operationsStatus/{op}`` (the refresh's Azure-AsyncOperation, REAL-BEHAVIOUR.md);
- vault: ``backupOperationResults/{op}`` (BackupOperationResults_Get), ``backupOperations/{op}``
  (BackupOperationStatuses_Get; PowerShell and the CLI poll it rebuilt, unsigned);
- job: ``backupJobs/{job|Azure}/operationResults/{op}`` (JobOperationResults_Get),
  ``backupJobs/{job}/operationsStatus/{op}`` (a cancel's Azure-AsyncOperation, recording).

Every form answers every operation of the vault (item and container forms: only those of that item /
container), signed or not, at every api-version the emulator serves. A signature, when the URL
carries one, must be the one issued (see README: "Async URLs and their signature").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from common import EPOCH_ZERO, ArmError, Response, iso
from routing import VAULT, route
from state import lkey

ASYNC_API_VERSION = "2016-12-01"          # what the examples' Location / Azure-AsyncOperation URLs carry
REFRESH_STATUS_API_VERSION = "2019-05-13-preview"
SIGNATURE_PARAMS = ("t", "c", "s", "h")
ITEM = "backupFabrics/*/protectionContainers/{container}/protectedItems/{item}"


class AsyncOperations:
    """Mixin of BackupApi: issuing and answering asynchronous operations."""

    signing_key = hashlib.sha256(str(time.time()).encode() + b"emulator").digest()

    # ------------------------------------------------------------------ issuing
    def _sign(self, op_id, ticks):
        digest = hmac.new(self.signing_key, ("%s|%s" % (op_id.lower(), ticks)).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _async_query(self, op_id, api_version=ASYNC_API_VERSION):
        ticks = int(time.time() * 10 ** 7) + 621355968000000000
        cert = base64.urlsafe_b64encode(hashlib.sha256(b"emulator-async-signing-cert").digest() * 4).decode().rstrip("=")
        sig = self._sign(op_id, ticks)
        digest = base64.urlsafe_b64encode(hashlib.sha256(("%s|%s" % (ticks, sig)).encode()).digest()).decode().rstrip("=")
        return "api-version=%s&t=%d&c=%s&s=%s&h=%s" % (api_version, ticks, cert, sig, digest)

    def _retry_after(self):
        return str(int(self.state.config["retry_after"]))

    def _accepted(self, location, async_url=None):
        headers = {"Location": location, "Retry-After": self._retry_after()}
        if async_url:
            headers["Azure-AsyncOperation"] = async_url
        return Response(202, None, headers)

    @staticmethod
    def _vault_prefix(req, vault):
        """``/Subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults/{v}`` as the examples write it."""
        return "%s/Subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (
            req.endpoint, req.segments[1], req.segments[3], req.segments[7])

    def _item_accepted(self, req, vault, op):
        item_path = "%s/backupFabrics/Azure/protectionContainers/%s/protectedItems/%s" % (
            self._vault_prefix(req, vault), req.segments[11], req.segments[13])
        return self._accepted("%s/operationResults/%s?%s" % (item_path, op.id, self._async_query(op.id)),
                              "%s/operationsStatus/%s?%s" % (item_path, op.id, self._async_query(op.id)))

    def _vault_accepted(self, req, vault, op):
        prefix = self._vault_prefix(req, vault)
        return self._accepted("%s/backupOperationResults/%s?%s" % (prefix, op.id, self._async_query(op.id)),
                              "%s/backupOperations/%s?%s" % (prefix, op.id, self._async_query(op.id)))

    # ------------------------------------------------------------------ answering
    def _check_signature(self, req, op_id):
        """Unsigned: accepted (unless ``require_async_signature``); signed: the signature must be the one issued."""
        if not any(name in req.query for name in SIGNATURE_PARAMS):
            if self.state.config.get("require_async_signature"):
                raise ArmError(403, "AuthorizationFailed",
                               "The async operation URL is missing its signature (the emulator's require_async_signature is set); "
                               "follow the Location / Azure-AsyncOperation URL exactly as returned (query parameters t, c, s, h).")
            return
        sig = req.query.get("s")
        ticks = req.query.get("t")
        if sig is None or ticks is None or not hmac.compare_digest(sig, self._sign(op_id, ticks)):
            raise ArmError(403, "AuthorizationFailed",
                           "The async operation URL's signature is invalid; follow the Location / Azure-AsyncOperation "
                           "URL exactly as returned (query parameters t, c, s, h).")

    def _find_op(self, req, vault, op_id, vm=None):
        """The vault's operation ``op_id`` (of ``vm``'s item if given), its signature checked; else 404."""
        op = self.state.operations.get(op_id.lower())
        if op is None or op.vault is not vault or (vm is not None and op.vm is not vm):
            raise ArmError(404, "BMSUserErrorOperationNotFound", "Operation '%s' was not found." % op_id)
        self._check_signature(req, op.id)
        return op

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

    def _result_response(self, req, op, final_body=None, async_url=None):
        """operationResults: 202 + Location to itself while running; then 200 (body) / 204; or the error."""
        if op.status == "InProgress":
            headers = {"Location": req.self_url(), "Retry-After": self._retry_after()}
            if async_url:
                headers["Azure-AsyncOperation"] = async_url
            return Response(202, None, headers)
        if op.status == "Failed":
            status, code, message = op.error
            raise ArmError(status, code, message)
        if final_body is not None:
            return Response(200, final_body)
        return Response(204)

    def _status(self, req, vault, op_id, vm=None):
        return Response(200, self.op_status_body(self._find_op(req, vault, op_id, vm)))

    def _container_vm(self, vault, container, op_id):
        """The VM of an ``IaasVMContainer;iaasvmcontainerv2;rg;vm`` container name (404 if none)."""
        parts = container.split(";")
        vm = None
        if len(parts) == 4 and parts[0].lower() == "iaasvmcontainer":
            vm = self.state.vms.get(lkey(vault.sub, parts[2], parts[3]))
            if vm is not None and vm.container_type != parts[1].lower():
                vm = None
        if vm is None:
            raise ArmError(404, "BMSUserErrorOperationNotFound", "Operation '%s' was not found for container '%s'." % (op_id, container))
        return vm

    def _item_vm(self, vault, container, item_name, op_id):
        vm = self._resolve(vault, container, item_name)
        if vm is None:
            raise ArmError(404, "BMSUserErrorOperationNotFound", "Operation '%s' was not found for item '%s'." % (op_id, item_name))
        return vm

    # item level: ProtectedItemOperationStatuses_Get / ProtectedItemOperationResults_Get
    @route("GET", VAULT, ITEM + "/operationsStatus/{op}")
    def item_operation_status(self, req, vault, container, item_name, op_id):
        return self._status(req, vault, op_id, self._item_vm(vault, container, item_name, op_id))

    @route("GET", VAULT, ITEM + "/operationResults/{op}")
    def item_operation_result(self, req, vault, container, item_name, op_id):
        vm = self._item_vm(vault, container, item_name, op_id)
        op = self._find_op(req, vault, op_id, vm)
        final = None
        if op.kind == "protect" and op.status == "Succeeded":
            item = vault.items.get(vm.key)
            final = self.item_body(req, item) if item is not None else None
        status_url = "%s/operationsStatus/%s?%s" % (req.self_url().split("/operationResults/")[0], op.id, self._async_query(op.id))
        return self._result_response(req, op, final, status_url)

    # container level: ProtectionContainerOperationResults_Get (the container's item operations)
    @route("GET", VAULT, "backupFabrics/*/protectionContainers/{container}/operationResults/{op}")
    def container_operation_result(self, req, vault, container, op_id):
        return self._result_response(req, self._find_op(req, vault, op_id, self._container_vm(vault, container, op_id)))

    # fabric level: ProtectionContainerRefreshOperationResults_Get / ProtectionContainerRefreshOperationStatuses_Get
    @route("GET", VAULT, "backupFabrics/*/operationsStatus/{op}")
    def fabric_operation_status(self, req, vault, op_id):
        return self._status(req, vault, op_id)

    @route("GET", VAULT, "backupFabrics/*/operationResults/{op}")
    def fabric_operation_result(self, req, vault, op_id):
        return self._result_response(req, self._find_op(req, vault, op_id))

    # vault level: BackupOperationStatuses_Get / BackupOperationResults_Get
    @route("GET", VAULT, "backupOperations/{op}")
    def vault_operation_status(self, req, vault, op_id):
        return self._status(req, vault, op_id)

    @route("GET", VAULT, "backupOperationResults/{op}")
    def vault_operation_result(self, req, vault, op_id):
        op = self._find_op(req, vault, op_id)
        status_url = "%s/backupOperations/%s?%s" % (self._vault_prefix(req, vault), op.id, self._async_query(op.id))
        return self._result_response(req, op, None, status_url)

    # job level: JobOperationResults_Get; the job segment is the job's id, or "Azure" as PowerShell rebuilds it
    @route("GET", VAULT, "backupJobs/*/operationsStatus/{op}")
    def job_operation_status(self, req, vault, op_id):
        return self._status(req, vault, op_id)

    @route("GET", VAULT, "backupJobs/*/operationResults/{op}")
    def job_operation_result(self, req, vault, op_id):
        return self._result_response(req, self._find_op(req, vault, op_id))
