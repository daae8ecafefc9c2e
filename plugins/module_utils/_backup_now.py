# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An on-demand backup of one VM: guards, trigger, optional wait. Shared by azure_vm_backup_now
(one VM per task) and azure_vm_backup_now_batch (many VMs in one task, on threads)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils import _batch as batch
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import vm_ref
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import VaultReads, follow_running_write
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import job_is_for, job_result
from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import (
    UTC,
    format_utc,
    parse_duration,
    parse_service_time,
    retention_expiry,
)

NOT_BACKUP_READY = ("protectionstopped", "protectionpaused", "backupssuspended")
SUCCESSFUL = ("completed", "completedwithwarnings")


class JobFailed(ValueError):
    """A waited-for job (backup, restore) ended without success; ``result`` is what the module returns
    with the failure (AzureBackupModule.run() and _batch.run() add it to the failed result)."""

    def __init__(self, message, result):
        super(JobFailed, self).__init__(message)
        self.result = result


def job_outcome(result, what, label):
    """The status of ``result['job']`` (the job shape of a waited-for job) when it succeeded; otherwise
    JobFailed carrying ``result``: "<what> job <id> of VM <label> ended <status>: <code>: <error>; ..." (one line)."""
    status = result["job"]["status"] or ""
    if status.lower() in SUCCESSFUL:
        return status
    detail = "; ".join("%s: %s" % (e.get("error_code"), e.get("error_string") or e.get("error_title")) for e in result["job"]["error_details"])
    raise JobFailed(one_line("%s job %s of VM %s ended %s%s" % (what, result["job_id"], label, status, (": " + detail) if detail else ""), 1000),
                    result)


def last_successful_backup(item):
    """The newest of lastRecoveryPoint and a successful lastBackupTime, or None."""
    props = (item or {}).get("properties") or {}
    times = [parse_service_time(props.get("lastRecoveryPoint"))]
    if (props.get("lastBackupStatus") or "").lower() in SUCCESSFUL:
        times.append(parse_service_time(props.get("lastBackupTime")))
    times = [moment for moment in times if moment]
    return max(times) if times else None


def backup_blocker(item, label):
    """Why this item cannot be backed up on demand, or None."""
    if item is None:
        return "VM %s is not protected by the vault: protect it first (azure_recovery.backup.azure_vm_protection)" % label
    props = item.get("properties") or {}
    if props.get("isScheduledForDeferredDelete"):
        return "the backup data of VM %s is soft-deleted: undelete and protect it before backing up" % label
    state = props.get("protectionState") or ""
    if state.lower() in NOT_BACKUP_READY:
        return "protection of VM %s is stopped (%s): resume it with azure_vm_protection state=present before backing up" % (label, state)
    return None


def _limits(params, now):
    """(recovery point expiry, minimum age of the last backup or None) from the options; ValueError
    for a retention or an age that cannot be asked, before any call."""
    expiry = retention_expiry(now, params["retain_until"], params["retain_days"])
    min_age = parse_duration(params["if_last_backup_older_than"]) if params["if_last_backup_older_than"] else None
    return expiry, min_age


def backup_now(client, params, check_mode=False, warn=None, now=None, reads=None):
    """azure_vm_backup_now for one VM (its options in ``params``): the result; raises ValueError for a VM
    that cannot be backed up and JobFailed (with the result) when a waited-for job fails. ``reads``: a
    VaultReads shared by the VMs of a batch (one read of a vault's running jobs for all its VMs)."""
    warn = warn or (lambda message: None)
    now = now or datetime.datetime.now(UTC)
    expiry, min_age = _limits(params, now)
    vm = vm_ref(client.subscription_id, params["vm_name"], params["vm_resource_group"], params["vm_id"])
    vpath = api.vault_path(client, params["vault_resource_group"], params["vault_name"])

    item = api.get_protected_item(client, vpath, vm)
    jobs = None
    if not _recent(item, min_age, now):
        # a backup skipped for a recent one needs no more than the item: whatever runs on it, no backup is started
        jobs = reads.running_jobs(vpath) if reads is not None else api.running_jobs(client, vpath)
        item, jobs = _settled(client, params, check_mode, warn, vpath, vm, item, jobs)
    blocker = backup_blocker(item, vm.label)
    if blocker:
        raise ValueError(blocker)
    last = last_successful_backup(item)
    result = {"changed": False, "job_id": None, "job": None, "recovery_point_expiry_time": None, "skipped_reason": None,
              "last_backup_time": format_utc(last) if last else None}
    if _recent(item, min_age, now):
        result["skipped_reason"] = "the last successful backup of %s, at %s, is newer than %s" % (
            vm.label, result["last_backup_time"], params["if_last_backup_older_than"])
        result["msg"] = result["skipped_reason"]
        return result

    running = _running_backups(jobs, vm)
    if running:
        job = running[0]
        result.update(job_id=job.get("name"), job=job_result(job),
                      skipped_reason="a backup job of %s is already in progress" % vm.label)
        result["msg"] = result["skipped_reason"]
        return _waited(client, params, check_mode, vpath, result)

    result.update(changed=True, recovery_point_expiry_time=format_utc(expiry))
    if check_mode:
        result["msg"] = "would start a backup of %s, kept until %s" % (vm.label, result["recovery_point_expiry_time"])
        return result
    job_id, response_lost = api.trigger_backup(client, vpath, vm, expiry, now=now)
    if response_lost:
        warn("the response to the backup request was lost; its job %s was found in the job list (the request was not sent again)" % job_id)
    if not job_id:
        # the operation named no job: the newest running backup of the VM is ours
        running = api.running_backup_jobs(client, vpath, vm, since=now - datetime.timedelta(minutes=2))
        job_id = running[0].get("name") if running else None
    result["job_id"] = job_id
    result["msg"] = "started a backup of %s (job %s), kept until %s" % (vm.label, job_id, result["recovery_point_expiry_time"])
    if job_id:
        result["job"] = job_result(api.get_job(client, vpath, job_id)) if not params["wait"] else None
        return _waited(client, params, check_mode, vpath, result)
    return result


def _recent(item, min_age, now):
    """True when ``if_last_backup_older_than`` skips the backup of this (backup-ready) item."""
    last = last_successful_backup(item)
    return min_age is not None and last is not None and backup_blocker(item, "") is None and now - last < min_age


def _running_backups(jobs, vm):
    """The running backup jobs of one VM among the vault's running jobs, newest first."""
    mine = [job for job in jobs if ((job.get("properties") or {}).get("operation") or "").lower() == "backup"
            and job_is_for(job, vm.name, vm.container_name)]
    return sorted(mine, key=lambda job: (job.get("properties") or {}).get("startTime") or "", reverse=True)


def _settled(client, params, check_mode, warn, vpath, vm, item, jobs):
    """(item, running jobs) once no protection change of the VM runs in the service (follow_running_write): a
    backup is never started, or refused, on the state an item shows before a running enable, stop or delete."""
    pending = follow_running_write(client, vpath, vm, jobs, check_mode, params["wait"], warn)
    if pending is None or check_mode:
        return item, jobs
    warn("waited for the running %s job %s of VM %s before deciding" % (
        (pending.get("properties") or {}).get("operation"), pending.get("name"), vm.label))
    return api.get_protected_item(client, vpath, vm), api.running_jobs(client, vpath)


def _waited(client, params, check_mode, vpath, result):
    """With wait=true, wait for the job and fail when it fails."""
    if not params["wait"] or check_mode:
        return result
    job = api.wait_for_job(client, vpath, result["job_id"])
    result["job"] = job_result(job)
    status = job_outcome(result, "backup", result["job"]["entity_friendly_name"])
    result["msg"] = "backup job %s of %s ended %s" % (result["job_id"], result["job"]["entity_friendly_name"], status)
    return result


# -- many VMs in one process (azure_vm_backup_now_batch) ----------------------------------------

RETURN_KEYS = ("changed", "job_id", "job", "recovery_point_expiry_time", "skipped_reason", "last_backup_time", "msg")


def run_batch(client, params, check_mode=False, warn=None):
    """azure_vm_backup_now_batch: every entry of ``params['vms']`` through backup_now(), on threads sharing
    ``client``. Raises ValueError (nothing sent) when an entry is not valid."""
    entries = [batch.entry_params(params, entry) for entry in params["vms"]]
    now = datetime.datetime.now(UTC)
    _limits(params, now)  # the same for every VM: refused here, before any call
    batch.check_entries(client, entries)

    reads = VaultReads(client)

    def work(one, warn_vm):
        return backup_now(client, one, check_mode=check_mode, warn=warn_vm, now=now, reads=reads)
    return batch.run(client, entries, work, RETURN_KEYS, params["concurrency"], check_mode=check_mode, warn=warn)
