# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup jobs: list (filters, paging), GET with extendedInfo, cancel; the backup job's progress (a Restore job's: restore.py)."""

from __future__ import annotations

import time

from async_ops import REFRESH_STATUS_API_VERSION
from common import EPOCH_ZERO, ArmError, Response, dotnet_general, iso, iso_duration, parse_filter, parse_time
from resources import new_point
from routing import VAULT, bad_input, route
from state import IAAS, Job, Operation

JOB_TYPE = "Microsoft.RecoveryServices/vaults/backupJobs"


class Jobs:
    """Mixin of BackupApi: backupJobs."""

    @route("GET", VAULT, "backupJobs")
    def list_jobs(self, req, vault):
        flt = parse_filter(req.query.get("$filter"), {"status", "operation", "starttime", "endtime", "backupmanagementtype",
                                                      "jobid"})
        try:
            start = parse_time(flt["starttime"]) if "starttime" in flt else None
            end = parse_time(flt["endtime"]) if "endtime" in flt else None
        except ValueError as exc:
            raise bad_input("startTime / endTime are not dates: %s" % exc) from exc
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

    @route("GET", VAULT, "backupJobs/{job}")
    def get_job(self, req, vault, job_id):
        job = vault.jobs.get(job_id.lower())
        if job is None:
            raise ArmError(404, "BMSUserErrorJobNotFound", "Job '%s' was not found in the vault." % job_id)
        return Response(200, self.job_body(job, True))

    @route("POST", VAULT, "backupJobs/{job}/cancel")
    def cancel_job(self, req, vault, job_id):
        job = vault.jobs.get(job_id.lower())
        if job is None:
            raise ArmError(404, "BMSUserErrorJobNotFound", "Job '%s' was not found in the vault." % job_id)
        if job.operation not in ("Backup", "Restore") or job.status != "InProgress":
            raise ArmError(400, "BMSUserErrorJobNotCancellable",
                           "Job '%s' (%s, %s) cannot be cancelled." % (job_id, job.operation, job.status))
        now = time.time()
        job.status = "Cancelling"
        self.state.schedule(now + min(2.0, self.state.duration("job_seconds")),
                            lambda when, j=job: self._finish_backup(j, when))
        op = Operation("cancel", vault, now, now)
        op.job = job
        self.state.add_operation(op)
        prefix = "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupJobs/%s" % (
            req.endpoint, req.segments[1], req.segments[3], req.segments[7], job_id)
        return self._accepted("%s/operationResults/%s?%s" % (prefix, op.id, self._async_query(op.id, req.query["api-version"])),
                              "%s/operationsStatus/%s?%s" % (prefix, op.id, self._async_query(op.id, REFRESH_STATUS_API_VERSION)))

    def _start_item_job(self, req, vault, vm, operation, seconds, finish, **details):
        """A Backup / Restore job on ``vm``'s item (``seconds``: its job and trigger-operation settings, ``finish`` runs
        when it is due) and its trigger, an item operation: every operation-status path answers it. The 202."""
        now = time.time()
        job = Job(vault, operation, vm, now, req.client_request_id)
        for key, value in details.items():
            setattr(job, key, value)
        job.due = now + self.state.duration(seconds[0])
        self.state.add_job(job)
        self.state.schedule(job.due, lambda when, j=job: finish(j, when))
        op = Operation("backup", vault, now, now + self.state.duration(seconds[1]), vm, job)
        vault.busy[vm.key] = op.id
        self.state.add_operation(op)
        return self._item_accepted(req, vault, op)

    @staticmethod
    def _job_runs_out(job, when):
        """Whether a job due at ``when`` still ends by itself (a cancelling one becomes Cancelled instead)."""
        if job.status == "Cancelling":
            job.status = "Cancelled"
            job.end = when
            item = job.vault.items.get(job.vm.key) if job.vm is not None else None
            if job.operation == "Restore" and item is not None:
                # az CLI test_backup_job.yaml (2022): the item right after `backup job stop` of its restore
                item.restore_kpi = {"resourceHealthStatus": "TransientDegraded", "resourceHealthDetails": [
                    {"code": 400158, "title": "UserErrorJobSuccessfullyCancelled", "message": "Job is cancelled.", "recommendations": []}]}
        return job.status == "InProgress"

    def _finish_backup(self, job, when):
        if not self._job_runs_out(job, when):
            return
        job.status = "Completed"
        job.end = when
        item = job.vault.items.get(job.vm.key)
        if item is not None and item.vm is job.vm:
            item.recovery_points.append(new_point(job.start, job.rp_expiry))
            item.last_backup_status = "Completed"
            item.last_backup_time = job.start
            if item.state == "IRPending":
                item.state = "Protected"

    def job_body(self, job, detail):
        now = time.time()
        props = {"jobType": "AzureIaaSVMJob"}
        if job.operation in ("Backup", "Restore"):
            # kept after the job ends: a Completed restore still reads actionsInfo [1] (azure-powershell
            # TestAzureManagedVMRestore.json, 2022), as a Completed backup does (az CLI test_backup_job.yaml)
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
        if job.operation == "Restore":
            return self.restore_job_extended(job, now)
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
