# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Recovery Services backup calls the modules make, as plain functions over an ArmClient.

Every function takes the client and the vault path (``vault_path()``) first. Reads return
the service's JSON; writes follow their long-running operation and return its
``OperationResult``. Nothing here decides what should happen: that is the modules' job.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmAmbiguousWrite, ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._lro import OperationResult, wait_for_operation
from ansible_collections.azure_recovery.backup.plugins.module_utils._waiter import Waiter
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import (
    BACKUP_MANAGEMENT_TYPE,
    CLASSIC_VM_PROVIDER,
    FABRIC_NAME,
    VM_PROVIDER,
    quote_segment,
    validate_resource_group,
    validate_vault_name,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import job_is_for
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, format_filter_time, format_utc

IAAS_VM_FILTER = "backupManagementType eq '%s'" % BACKUP_MANAGEMENT_TYPE
JOB_RUNNING = ("InProgress", "Cancelling")
# How long after a lost backup request a job for it may take to show in the job list.
AMBIGUOUS_CHECKS = (0, 2, 5, 10)
# The same for a PUT/DELETE of a protected item, which is sent again when no job shows up.
LOST_WRITE_CHECKS = (0, 2)
# Job waits: the first read again after 2 s, then x1.5 up to 30 s (a backup takes an hour or more).
JOB_POLL_FIRST = 2.0
JOB_POLL_CAP = 30.0


def _filter(*clauses):
    return " and ".join(clause for clause in clauses if clause)


def _eq(field, value):
    # Values come from validated names or fixed choices; a quote would end the literal.
    return "%s eq '%s'" % (field, str(value).replace("'", "''"))


def vault_path(client, resource_group, vault_name):
    """The vault's path; ValueError for names Azure would not accept (before any call)."""
    validate_resource_group(resource_group, "vault resource group")
    validate_vault_name(vault_name)
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (
        quote_segment(client.subscription_id), quote_segment(resource_group), quote_segment(vault_name))


def item_path(vpath, vm):
    return "%s/backupFabrics/%s/protectionContainers/%s/protectedItems/%s" % (
        vpath, FABRIC_NAME, quote_segment(vm.container_name), quote_segment(vm.protected_item_name))


# ---------------------------------------------------------------------------------------
# Vault and policies
# ---------------------------------------------------------------------------------------

def get_vault(client, vpath, label):
    return client.get(vpath, "reading vault %s" % label)


def get_policy(client, vpath, name):
    """The policy, or None when the vault has no policy of that name."""
    return client.get_or_none("%s/backupPolicies/%s" % (vpath, quote_segment(name)), "reading backup policy %s" % name)


def list_policies(client, vpath):
    return client.list(vpath + "/backupPolicies", "listing backup policies", query={"$filter": IAAS_VM_FILTER})


# ---------------------------------------------------------------------------------------
# Discovery
# ---------------------------------------------------------------------------------------

# Another operation holds the vault's container list (e.g. a refresh started by another job slice).
OBJECT_LOCKED = "BMSUserErrorObjectLocked"
REFRESH_LOCKED_WAIT = 5.0


def refresh_containers(client, vpath, wait=True):
    """POST refreshContainers for the Azure fabric and follow its operation to the end (202 ... 204).

    A refresh while another refresh of the vault runs fails inside its operation with
    BMSUserErrorObjectLocked: wait a little and refresh again, within the task's deadline."""
    action = "refreshing the vault's list of virtual machines"
    while True:
        response = client.send("POST", "%s/backupFabrics/%s/refreshContainers" % (vpath, FABRIC_NAME), action,
                               query={"$filter": IAAS_VM_FILTER}, idempotent=True)
        if not wait:
            return None
        try:
            return wait_for_operation(client, response, action)
        except ArmError as err:
            if err.code != OBJECT_LOCKED:
                raise
            seen = "%s: another refresh of the vault was running" % OBJECT_LOCKED
            client.pause(REFRESH_LOCKED_WAIT, action, seen)
        client.retries.append("%s: another refresh of the vault was running (%s), waited %.0fs" % (action, OBJECT_LOCKED, REFRESH_LOCKED_WAIT))


def list_protectable_items(client, vpath, friendly_name=None):
    """VMs the vault sees (all pages); with friendly_name, only those of that name (any resource group)."""
    query = {"$filter": _filter(IAAS_VM_FILTER, friendly_name and _eq("friendlyName", friendly_name))}
    return client.list(vpath + "/backupProtectableItems", "listing the VMs the vault can protect", query=query)


def list_protected_items(client, vpath, friendly_name=None, policy_name=None):
    query = {"$filter": _filter(IAAS_VM_FILTER, _eq("itemType", "VM"),
                                friendly_name and _eq("friendlyName", friendly_name),
                                policy_name and _eq("policyName", policy_name))}
    return client.list(vpath + "/backupProtectedItems", "listing protected VMs", query=query)


def backup_status(client, location, vm_id):
    """Which vault, if any, protects a VM (a POST that only reads)."""
    path = "/subscriptions/%s/providers/Microsoft.RecoveryServices/locations/%s/backupStatus" % (
        quote_segment(client.subscription_id), quote_segment(location))
    action = "reading the backup status of VM %s" % vm_id
    response = client.send("POST", path, action, body={"resourceType": "VM", "resourceId": vm_id}, ok=(200,), idempotent=True)
    return client.read_object(response, action)


# ---------------------------------------------------------------------------------------
# Protected items
# ---------------------------------------------------------------------------------------

def get_protected_item(client, vpath, vm):
    """The VM's protected item in this vault, or None (404)."""
    return client.get_or_none(item_path(vpath, vm), "reading the protection of VM %s" % vm.label)


def _item_type(vm):
    return CLASSIC_VM_PROVIDER if vm.classic else VM_PROVIDER


def protect_body(vm, vm_id, policy_id, disk_exclusion, reset_disks=False):
    """Enable, change or resume protection (the walkthrough's body, plus the disk selection)."""
    properties = {"protectedItemType": _item_type(vm), "sourceResourceId": vm_id, "policyId": policy_id}
    if disk_exclusion:
        properties["extendedProperties"] = {"diskExclusionProperties": {
            "diskLunList": list(disk_exclusion["lun_list"]), "isInclusionList": disk_exclusion["is_inclusion_list"]}}
    elif reset_disks:
        properties["extendedProperties"] = {"diskExclusionProperties": {"diskLunList": [], "isInclusionList": False}}
    return {"properties": properties}


def stop_body(vm, vm_id):
    return {"properties": {"protectedItemType": _item_type(vm), "sourceResourceId": vm_id,
                           "protectionState": "ProtectionStopped", "policyId": ""}}


def undelete_body(vm, vm_id):
    return {"properties": {"protectedItemType": _item_type(vm), "sourceResourceId": vm_id,
                           "protectionState": "ProtectionStopped", "policyId": None, "isRehydrate": True}}


def _write(client, vpath, vm, method, path, action, wait, body=None, operation=None, defer=False):
    """PUT or DELETE of a protected item, never repeated when it may already have happened. With ``defer`` an
    accepted write returns a PendingWrite instead of waiting (its caller waits for many at once).

    It is sent as a non-idempotent write: when its outcome is unknown (connection dropped or
    timed out after sending, a gateway error), the job list is checked for the job the request
    started (its activityId is the request's x-ms-client-request-id). Found: that job is followed
    and the request is not sent again. Not found: the service did not act, so it is sent again."""
    ok = (200, 201, 202, 204, 404) if method == "DELETE" else (200, 201, 202, 204)
    started = datetime.datetime.now(UTC) - datetime.timedelta(minutes=2)
    try:
        response = client.send(method, path, action, body=body, idempotent=False, ok=ok)
    except ArmAmbiguousWrite as exc:
        job = job_of_lost_request(client, vpath, vm, exc.client_request_id, started, operation, LOST_WRITE_CHECKS)
        if job is None:
            client.retries.append("%s %s: %s; no job of it in the job list, sent again" % (method, path, exc.message))
            response = client.send(method, path, action, body=body, idempotent=True, ok=ok)
        else:
            client.retries.append("%s %s: %s; found its job %s, not sent again" % (method, path, exc.message, job.get("name")))
            return _follow_job(client, vpath, job, action, wait or defer)
    if response.status_code == 404:
        return None
    if defer and (response.headers.get("Azure-AsyncOperation") or response.headers.get("Location")):
        return PendingWrite(client, response, action, vpath, vm, operation, started)
    if not wait:
        return None
    return wait_for_operation(client, response, action)


class PendingWrite(object):
    """A protected-item write the service accepted and nobody waited for yet (``defer``): a batch waits for all
    of them at once through the vault's job list (_job_watch). ``client_request_id`` is what the write's job
    carries as ``activityId``; ``since`` (2 minutes before the write, for clock skew) bounds the job list."""

    def __init__(self, client, response, action, vpath, vm, operation, since):
        self.response = response
        self.action = action
        self.vpath = vpath
        self.vm = vm
        self.operation = operation
        self.since = since
        self.sent = client.clock()
        self.client_request_id = getattr(response, "client_request_id", None) or response.headers.get("x-ms-client-request-id")


def _follow_job(client, vpath, job, action, wait):
    """The OperationResult of a write known only by its job (its response was lost)."""
    job_id = job.get("name")
    if wait:
        job = wait_for_job(client, vpath, job_id)
    status = (job.get("properties") or {}).get("status") or ""
    if status.lower() in ("failed", "cancelled", "canceled"):
        details = (job.get("properties") or {}).get("errorDetails") or [{}]
        raise ArmError(action, code=str(details[0].get("errorCode") or "Job%s" % status),
                       message="its job %s ended %s: %s" % (job_id, status, details[0].get("errorString") or details[0].get("errorTitle") or "no details"))
    return OperationResult("Succeeded", body=job, job_id=job_id)


def job_of_lost_request(client, vpath, vm, client_request_id, since, operation=None, checks=None, any_of_vm=False):
    """The job a write whose response was lost started, or None: a job of this VM that started
    since ``since`` and whose activityId is the request's x-ms-client-request-id (any status:
    a short job may already have ended); with ``any_of_vm``, else the newest such job of the VM.
    Asked after each delay in ``checks`` (waited within the task's deadline)."""
    for delay in checks or LOST_WRITE_CHECKS:
        client.pause(delay, "looking for the job of a request whose answer was lost", "no job with activityId %s yet" % client_request_id)
        jobs = [job for job in list_jobs(client, vpath, operation=operation, start_time=since) if job_is_for(job, vm.name, vm.container_name)]
        for job in jobs:
            activity = (job.get("properties") or {}).get("activityId") or ""
            if client_request_id and activity.lower() == client_request_id.lower():
                return job
        if any_of_vm and jobs:
            return sorted(jobs, key=lambda job: (job.get("properties") or {}).get("startTime") or "", reverse=True)[0]
    return None


def put_protected_item(client, vpath, vm, body, action, wait=True, defer=False):
    properties = body.get("properties") or {}
    if properties.get("isRehydrate"):
        operation = "Undelete"
    elif properties.get("protectionState") in ("ProtectionStopped", "BackupsSuspended"):
        # a suspend is a DisableBackup job too (protection stopped, data kept as the policy says)
        operation = "DisableBackup"
    else:
        operation = "ConfigureBackup"
    return _write(client, vpath, vm, "PUT", item_path(vpath, vm), action, wait, body=body, operation=operation, defer=defer)


def delete_protected_item(client, vpath, vm, action, wait=True, defer=False):
    return _write(client, vpath, vm, "DELETE", item_path(vpath, vm), action, wait, operation="DeleteBackupData", defer=defer)


# ---------------------------------------------------------------------------------------
# Backups and jobs
# ---------------------------------------------------------------------------------------

def get_job(client, vpath, job_id):
    return client.get("%s/backupJobs/%s" % (vpath, quote_segment(job_id)), "reading backup job %s" % job_id)


def list_jobs(client, vpath, status=None, operation=None, start_time=None, end_time=None):
    """Jobs of the vault's VMs; times are aware datetimes (the service wants both or neither)."""
    if start_time and not end_time:
        end_time = datetime.datetime.now(UTC) + datetime.timedelta(minutes=5)
    if end_time and not start_time:
        start_time = end_time - datetime.timedelta(days=30)
    clauses = [IAAS_VM_FILTER, status and _eq("status", status), operation and _eq("operation", operation)]
    if start_time:
        clauses += [_eq("startTime", format_filter_time(start_time)), _eq("endTime", format_filter_time(end_time))]
    return client.list(vpath + "/backupJobs", "listing backup jobs", query={"$filter": _filter(*clauses)})


def running_backup_jobs(client, vpath, vm, since=None):
    """In-progress backup jobs of one VM, newest first."""
    jobs = list_jobs(client, vpath, status="InProgress", operation="Backup", start_time=since)
    mine = [job for job in jobs if job_is_for(job, vm.name, vm.container_name)]
    return sorted(mine, key=lambda job: (job.get("properties") or {}).get("startTime") or "", reverse=True)


def wait_for_job(client, vpath, job_id):
    """Poll a job until it is no longer running (2 s, growing to 30 s between reads), within the
    task's deadline: ArmError code OperationTimeout naming the job's last status."""
    waiter = Waiter(client, "waiting for backup job %s" % job_id, min_interval=JOB_POLL_FIRST, max_interval=JOB_POLL_CAP, cap=JOB_POLL_CAP)

    def check():
        job = get_job(client, vpath, job_id)
        status = (job.get("properties") or {}).get("status")
        waiter.saw("job status %s" % status)
        return status not in JOB_RUNNING, job, None
    return waiter.until(check)


def trigger_backup(client, vpath, vm, expiry, now=None):
    """POST an on-demand backup and follow its operation; returns (job_id, found_after_lost_response).

    The POST is not idempotent: when its response is lost (ArmAmbiguousWrite), the job list
    is checked for a backup of this VM that started since, and the POST is never re-sent.
    """
    body = {"properties": {"objectType": "IaasVMBackupRequest", "recoveryPointExpiryTimeInUTC": format_utc(expiry)}}
    # a backup of the VM that started meanwhile (ours, or another run's) is as good: never a second one
    return start_job(client, vpath, vm, item_path(vpath, vm) + "/backup", body, "Backup", "starting an on-demand backup of VM %s" % vm.label,
                     now, AMBIGUOUS_CHECKS, any_of_vm=True,
                     unresolved="no backup job of the VM appeared in the job list; it was not sent again. Re-run the task: a backup "
                                "already in progress is found and not started twice")


def start_job(client, vpath, vm, path, body, operation, action, now, checks, unresolved, any_of_vm=False):
    """POST a request that starts a job of ``operation`` ("Backup", "Restore") on the VM and follow its operation
    to the job; returns (job_id, found_after_lost_response). The POST is never sent again: when its answer is
    lost (ArmAmbiguousWrite), the job list is read for the job (``job_of_lost_request()``, any status: a short
    job may have ended by then); none found is ArmError code "Ambiguous<operation>Request" ending in ``unresolved``."""
    started = (now or datetime.datetime.now(UTC)) - datetime.timedelta(minutes=2)
    try:
        response = client.send("POST", path, action, body=body)
    except ArmAmbiguousWrite as exc:
        job = job_of_lost_request(client, vpath, vm, exc.client_request_id, started, operation, checks, any_of_vm=any_of_vm)
        if job is not None:
            return job.get("name"), True
        raise ArmError(action, status=exc.status, code="Ambiguous%sRequest" % operation, request_id=exc.request_id,
                       message="the response to the %s request was lost (%s) and %s" % (operation.lower(), exc.message, unresolved))
    result = wait_for_operation(client, response, action)
    return result.job_id, False


# ---------------------------------------------------------------------------------------
# Operations still running on items
# ---------------------------------------------------------------------------------------

def running_jobs(client, vpath):
    """Every job of the vault that is still InProgress (all VMs, all operations): one read answers,
    for every VM of the vault, whether a write on its item is still running in the service."""
    return list_jobs(client, vpath, status="InProgress")
