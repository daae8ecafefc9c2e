# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for many protected-item writes at once through the vault's job list (azure_vm_protection_batch).

Polling every write's operation does not scale: 2,000 operations polled every few seconds are far over
Resource Manager's 25 reads/s per subscription. Every write of an item starts a job in the vault
(ConfigureBackup, DisableBackup, DeleteBackupData, Undelete) whose ``activityId`` is the write's
``x-ms-client-request-id``, so one list of the vault's jobs per round answers for all the writes of that
vault. A write is done only when its job says so (Completed, CompletedWithWarnings); a Failed or Cancelled
job fails its VM with the service's error (its operation is read once for the error the one-VM module would
report). A write whose job does not show in the list has its operation read instead, so the wait never
depends on the job list alone. The rounds follow the one poll schedule (``_waiter.poll_interval``: the age
of the oldest write still running) within the task's deadline, where a write still running fails naming
its job or operation. docs/internals.md has the contract.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, display_url, parse_retry_after
from ansible_collections.azure_recovery.backup.plugins.module_utils._lro import operation_done
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import item_of
from ansible_collections.azure_recovery.backup.plugins.module_utils._results import job_is_for
from ansible_collections.azure_recovery.backup.plugins.module_utils._waiter import poll_interval

JOB_SUCCEEDED = ("completed", "completedwithwarnings")
JOB_FAILED = ("failed", "cancelled", "canceled")
# A write whose job has not shown in this many rounds, and for this long, has its operation read (each round).
FALLBACK_ROUNDS = 2
FALLBACK_SECONDS = 10.0
# Ended writes of one vault read back by one protected-items list (pages of up to 200 items) from this many on;
# fewer are read with one GET each.
LIST_ITEMS_FROM = 10


class _Open(object):
    def __init__(self, write):
        self.write = write
        self.job = None          # the write's job, as last listed
        self.unseen = 0          # rounds in which its job did not show


def _props(job):
    return job.get("properties") or {}


class JobWatch(object):
    """The writes of one batch still running in the service, keyed by the caller. ``add()`` each accepted write
    (a ``_backup_api.PendingWrite``); ``maybe_poll()`` lets the batch's threads make a round when one is due
    while others still send; ``wait()`` makes rounds until every write has ended. ``ended[key]`` is then
    ``(job or None, None)`` for a write that succeeded and ``(job or None, ArmError)`` for one that did not.
    ``read_back(keys)`` reads the items of the writes that succeeded. Thread-safe."""

    def __init__(self, client):
        self.client = client
        self.ended = {}
        self.rounds = 0
        self.lists = 0              # job-list reads (pages not counted)
        self.operation_reads = 0    # operations read because their job did not show (or failed)
        self._open = {}
        self._writes = {}
        self._lock = threading.Lock()
        self._round_lock = threading.Lock()
        self._next_round = None

    def add(self, key, write):
        with self._lock:
            self._open[key] = _Open(write)
            self._writes[key] = write
            if self._next_round is None:
                self._next_round = write.sent + poll_interval(0.0)

    def open_count(self):
        with self._lock:
            return len(self._open)

    def maybe_poll(self):
        """One round if one is due and no other thread is making one (never waits)."""
        if self._next_round is None or self.client.clock() < self._next_round:
            return
        if not self._round_lock.acquire(False):
            return
        try:
            self._round()
        finally:
            self._round_lock.release()

    def wait(self):
        """Rounds until no write runs, each when the schedule says, within the task's deadline: the writes still
        running at the deadline end with its OperationTimeout, naming what was last seen of each."""
        client = self.client
        while self.open_count():
            delay = self._next_round - client.clock()
            if delay > 0:
                remaining = client.deadline.remaining()
                if remaining <= 0:
                    break
                client.sleep(min(delay, remaining))
            with self._round_lock:
                self._round()
            if client.deadline.expired():
                break
        self._time_out()

    # -- one round ---------------------------------------------------------------------------

    def _round(self):
        client = self.client
        with self._lock:
            running = list(self._open.items())
        vaults = {}
        for key, entry in running:
            vaults.setdefault(entry.write.vpath.lower(), []).append((key, entry))
        for group in vaults.values():
            self._vault_round(group)
        self.rounds += 1
        now = client.clock()
        with self._lock:
            left = list(self._open.values())
        if left:
            oldest = min(left, key=lambda entry: entry.write.sent)
            self._next_round = now + poll_interval(now - oldest.write.sent, parse_retry_after(oldest.write.response.headers))

    def _vault_round(self, group):
        client = self.client
        writes = [entry.write for _key, entry in group]
        operations = set(write.operation for write in writes)
        try:
            jobs = api.list_jobs(client, writes[0].vpath, operation=operations.pop() if len(operations) == 1 else None,
                                 start_time=min(write.since for write in writes))
            self.lists += 1
        except ArmError as exc:
            client.retries.append("listing the jobs of vault %s failed (%s): reading each write's operation instead"
                                  % (writes[0].vpath.rsplit("/", 1)[-1], exc))
            jobs = None
        by_activity = {}
        for job in jobs or ():
            activity = (_props(job).get("activityId") or "").lower()
            if activity:
                by_activity[activity] = job
        for key, entry in group:
            job = self._job_of(entry.write, jobs or (), by_activity)
            if job is not None:
                entry.job = job
                status = (_props(job).get("status") or "").lower()
                if status in JOB_SUCCEEDED:
                    self._end(key, job, None)
                elif status in JOB_FAILED:
                    self._end(key, job, self._failure(entry.write, job))
                continue
            entry.unseen += 1
            if jobs is None or (entry.unseen >= FALLBACK_ROUNDS and client.clock() - entry.write.sent >= FALLBACK_SECONDS):
                self._read_operation(key, entry)

    @staticmethod
    def _job_of(write, jobs, by_activity):
        """The write's job: the one whose activityId is the write's x-ms-client-request-id; for a job that carries
        no activityId, the newest of the VM with the write's operation (the list starts at the write's ``since``)."""
        request_id = (write.client_request_id or "").lower()
        if request_id and request_id in by_activity:
            return by_activity[request_id]
        vm = write.vm
        unnamed = [job for job in jobs if not _props(job).get("activityId") and job_is_for(job, vm.name, vm.container_name)
                   and (_props(job).get("operation") or "").lower() == write.operation.lower()]
        unnamed.sort(key=lambda job: _props(job).get("startTime") or "", reverse=True)
        return unnamed[0] if unnamed else None

    def _read_operation(self, key, entry):
        self.operation_reads += 1
        try:
            if operation_done(self.client, entry.write.response, entry.write.action):
                self._end(key, entry.job, None)
        except ArmError as exc:
            self._end(key, entry.job, exc)

    def _failure(self, write, job):
        """The error of a write whose job failed: its operation's, as the one-VM module reports it, else the job's."""
        self.operation_reads += 1
        try:
            operation_done(self.client, write.response, write.action)
        except ArmError as exc:
            return exc
        props = _props(job)
        detail = (props.get("errorDetails") or [{}])[0]
        return ArmError(write.action, "its job %s ended %s: %s" % (
            job.get("name"), props.get("status"), detail.get("errorString") or detail.get("errorTitle") or "no details"),
            code=str(detail.get("errorTitle") or detail.get("errorCode") or "Job%s" % props.get("status")))

    def _end(self, key, job, error):
        with self._lock:
            if self._open.pop(key, None) is not None:
                self.ended[key] = (job, error)

    def _time_out(self):
        with self._lock:
            left = list(self._open.items())
        for key, entry in left:
            write = entry.write
            if entry.job is not None:
                seen = "its job %s %s" % (entry.job.get("name"), _props(entry.job).get("status"))
            else:
                seen = "no job of it in the vault's job list"
            url = write.response.headers.get("Azure-AsyncOperation") or write.response.headers.get("Location")
            if url:
                seen += "; its operation: %s" % display_url(url)
            self._end(key, entry.job, self.client.deadline.error(write.action, seen, url=display_url(url) if url else None))

    # -- the items afterwards ----------------------------------------------------------------

    def read_back(self, keys):
        """{key: the item (raw) or None when it is gone} for the writes ``keys`` that succeeded: one protected-items
        list per vault with at least LIST_ITEMS_FROM of them, else one GET each. A key whose read fails maps to
        its ArmError."""
        client = self.client
        found = {}
        vaults = {}
        for key in keys:
            write = self._writes[key]
            vaults.setdefault(write.vpath.lower(), []).append((key, write))
        for group in vaults.values():
            listed = None
            if len(group) >= LIST_ITEMS_FROM:
                try:
                    listed = api.list_protected_items(client, group[0][1].vpath)
                except ArmError as exc:
                    client.retries.append("listing the protected items failed (%s): reading each item instead" % exc)
            for key, write in group:
                item = item_of(listed, write.vm) if listed is not None else None
                if item is None and (listed is None or write.operation != "DeleteBackupData"):
                    try:
                        item = api.get_protected_item(client, write.vpath, write.vm)
                    except ArmError as exc:
                        item = exc
                found[key] = item
        return found
