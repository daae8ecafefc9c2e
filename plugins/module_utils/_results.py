# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The snake_case result shapes the modules return, converted once, here, from the service's JSON:
protected items (with their soft-delete purge dates), protectable items, jobs, and the operation
still running on an item.

Pure functions only. A body of the wrong shape raises ``ValueError`` (never read as "absent").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.azure_recovery.backup.plugins.module_utils._names import (
    CLASSIC_VM_PROVIDER,
    container_name,
    parse_vm_id,
    policy_name_of,
    protected_item_name,
    segment_after,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, service_time, soft_delete_times

# Jobs of an item that change its protection (not Backup or Restore): while one runs, the item GET shows the old state.
NOT_PROTECTION_CHANGES = ("backup", "restore", "crossregionrestore")


def _shape(body, what):
    """``body`` when it is a resource (a JSON object whose properties, if any, are an object); ValueError otherwise."""
    if not isinstance(body, dict) or not isinstance(body.get("properties", {}), dict):
        raise ValueError("the service answered %s with a body that is not a resource (%s); nothing was changed"
                         % (what, type(body).__name__ if not isinstance(body, dict) else "properties of the wrong type"))
    return body


def disk_exclusion_of(properties):
    """extendedProperties.diskExclusionProperties -> {lun_list, is_inclusion_list}; None means all disks."""
    extended = (properties or {}).get("extendedProperties") or {}
    exclusion = extended.get("diskExclusionProperties") or None
    if not exclusion:
        return None
    luns = sorted(set(int(lun) for lun in (exclusion.get("diskLunList") or [])))
    inclusion = bool(exclusion.get("isInclusionList"))
    if not luns and not inclusion:
        return None
    return {"lun_list": luns, "is_inclusion_list": inclusion}


def protected_item_result(item, now=None, vault_retention_days=None):
    """A ProtectedItemResource -> the modules' protected_item shape (None, a 404, stays None; any other
    body that is not an object is a ValueError, never "not protected"). ``now`` and ``vault_retention_days``
    (the vault's softDeleteRetentionPeriodInDays, when read) date the purge of soft-deleted data."""
    if item is None:
        return None
    props = _shape(item, "a protected item read").get("properties") or {}
    item_id = item.get("id") or ""
    vm_id = props.get("virtualMachineId") or props.get("sourceResourceId")
    try:
        vm = parse_vm_id(vm_id)
        resource_group = vm.resource_group
    except ValueError:
        resource_group = None
    policy_id = props.get("policyId") or None
    result = {
        "id": item_id,
        "name": item.get("name"),
        "container_name": segment_after(item_id, "protectionContainers"),
        "protected_item_name": item.get("name") or segment_after(item_id, "protectedItems"),
        "vm_id": vm_id,
        "friendly_name": props.get("friendlyName"),
        "resource_group": resource_group,
        "policy_id": policy_id,
        "policy_name": props.get("policyName") or policy_name_of(policy_id),
        "policy_type": props.get("policyType") or None,
        "protection_state": props.get("protectionState"),
        "protection_status": props.get("protectionStatus"),
        "health_status": props.get("healthStatus"),
        "last_backup_status": props.get("lastBackupStatus") or None,
        "last_backup_time": service_time(props.get("lastBackupTime")),
        "last_recovery_point": service_time(props.get("lastRecoveryPoint")),
        "soft_deleted": bool(props.get("isScheduledForDeferredDelete")),
        "disk_exclusion": disk_exclusion_of(props),
    }
    result.update(soft_delete_times(props, now or datetime.datetime.now(UTC), vault_retention_days))
    # the purge time under its 1.0 name (it used to pass the service's deferredDeleteTimeInUTC through, the time of the delete)
    result["deferred_delete_time"] = result["purge_time"]
    return result


def protectable_item_result(item):
    """A protectable item (WorkloadProtectableItemResource) -> the protectable_items shape."""
    props = _shape(item, "a list of protectable VMs").get("properties") or {}
    vm_id = props.get("virtualMachineId")
    classic = (props.get("protectableItemType") or "").lower() == CLASSIC_VM_PROVIDER.lower()
    friendly = props.get("friendlyName")
    resource_group = props.get("resourceGroup")
    try:
        vm = parse_vm_id(vm_id)
        resource_group, friendly, classic = vm.resource_group, friendly or vm.name, vm.classic
    except ValueError:
        # e.g. 'iaasvmcontainerv2;rg;vm' or 'VM;iaasvmcontainerv2;rg;vm'
        parts = (item.get("name") or "").split(";")
        if not resource_group and len(parts) >= 3:
            resource_group = parts[-2]
    return {
        "name": item.get("name"),
        "friendly_name": friendly,
        "resource_group": resource_group,
        "vm_id": vm_id,
        "protection_state": props.get("protectionState"),
        "container_name": container_name(resource_group, friendly, classic) if resource_group and friendly else None,
        "protected_item_name": protected_item_name(resource_group, friendly, classic) if resource_group and friendly else None,
        "classic": classic,
    }


def job_result(job):
    """A JobResource -> the job shape."""
    if job is None:
        return None
    props = _shape(job, "a backup job read").get("properties") or {}
    errors = []
    for detail in props.get("errorDetails") or []:
        errors.append({
            "error_code": detail.get("errorCode"),
            "error_title": detail.get("errorTitle"),
            "error_string": detail.get("errorString"),
            "recommendations": detail.get("recommendations") or [],
        })
    extended = props.get("extendedInfo") or {}
    return {
        "id": job.get("id"),
        "job_id": job.get("name") or segment_after(job.get("id"), "backupJobs"),
        "status": props.get("status"),
        "operation": props.get("operation"),
        "start_time": service_time(props.get("startTime")),
        "end_time": service_time(props.get("endTime")),
        "duration": props.get("duration"),
        "entity_friendly_name": props.get("entityFriendlyName"),
        "container_name": props.get("containerName"),
        "progress_percentage": extended.get("progressPercentage"),
        "error_details": errors,
    }


def job_is_for(job, friendly_name, container):
    """True when a job (raw resource) concerns the VM with this friendly name / container name."""
    props = job.get("properties") or {}
    job_container = (props.get("containerName") or "").lower()
    if job_container and container:
        wanted = container.lower()
        return job_container == wanted or wanted.endswith(";" + job_container) or job_container.endswith(";" + wanted)
    return (props.get("entityFriendlyName") or "").lower() == (friendly_name or "").lower()


def protection_change_of(jobs, friendly_name, container):
    """The running job (raw) among ``jobs`` (the vault's InProgress jobs) that changes the protection of the VM
    with this friendly name / container name (ConfigureBackup, DisableBackup, DeleteBackupData, Undelete...),
    the oldest first; None when there is none."""
    mine = [job for job in jobs or () if isinstance(job, dict) and job_is_for(job, friendly_name, container)
            and ((job.get("properties") or {}).get("operation") or "").lower() not in NOT_PROTECTION_CHANGES]
    mine.sort(key=lambda job: (job.get("properties") or {}).get("startTime") or "")
    return mine[0] if mine else None


def pending_operation_result(job):
    """A running job -> the pending_operation shape {job_id, operation, status, start_time}; None stays None."""
    if job is None:
        return None
    props = job.get("properties") or {}
    return {"job_id": job.get("name") or segment_after(job.get("id"), "backupJobs"), "operation": props.get("operation"),
            "status": props.get("status"), "start_time": service_time(props.get("startTime"))}
