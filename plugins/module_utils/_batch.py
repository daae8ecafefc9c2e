# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Many VMs in one module process: the ``vms`` entries checked before any call, each VM's work
on one of ``concurrency`` threads that share one ArmClient, and one result with a row per VM.

Used by azure_vm_protection_batch, azure_vm_backup_now_batch and azure_vm_restore_batch
(``on_threads()`` also by azure_vm_restore_cleanup, to wait for its deletions side by side). The client is thread-safe
(one token request for all threads, one write budget, one connection per thread and host).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import vm_ref
from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line

MAX_LISTED = 20


def entry_params(params, entry, overrides=()):
    """The one-VM module's options for one entry of ``vms``: the task's options, the entry's VM,
    and the entry's own values of ``overrides`` where it gives them."""
    one = dict((key, params[key]) for key in params if key not in ("vms", "concurrency"))
    one.update(vm_name=entry.get("name"), vm_resource_group=entry.get("resource_group"), vm_id=entry.get("id"))
    for key in overrides:
        one.setdefault(key, None)
        if entry.get(key) is not None:
            one[key] = entry[key]
    return one


def check_entries(client, entries, check=None):
    """Errors of the entries (``vms[i] (label): why``), before any call: the VM's name or ID,
    ``check(one_params)`` (raises ValueError), and the same VM given twice."""
    errors, seen = [], {}
    for index, one in enumerate(entries):
        where = "vms[%d]" % index
        try:
            vm = vm_ref(client.subscription_id, one["vm_name"], one["vm_resource_group"], one["vm_id"])
            where += " (%s)" % vm.label
            if check is not None:
                check(one)
        except ValueError as exc:
            errors.append("%s: %s" % (where, exc))
            continue
        key = vm.id.lower()
        if key in seen:
            errors.append("%s: the same VM as vms[%d]" % (where, seen[key]))
        seen.setdefault(key, index)
    if errors:
        raise ValueError("%d of %d entries of vms are not valid, nothing was sent: %s" % (
            len(errors), len(entries), "; ".join(errors[:MAX_LISTED]) + ("; ..." if len(errors) > MAX_LISTED else "")))


def run(client, entries, work, return_keys, concurrency, check_mode=False, diff=False, warn=None):
    """``work(one_params, warn)`` for every entry (already checked), ``concurrency`` at a time; returns
    the module result: ``results`` (one row per entry, in order: ``vm``, ``failed``, ``msg``,
    ``warnings`` and the ``return_keys`` of what ``work`` returned), ``counts``, ``changed``,
    ``msg``, ``failed`` when any VM failed, and ``diff`` (a list) in diff mode."""
    results = [None] * len(entries)

    def one(index):
        params = entries[index]
        vm = vm_ref(client.subscription_id, params["vm_name"], params["vm_resource_group"], params["vm_id"])
        row = {"vm": vm.label, "failed": False, "warnings": []}
        try:
            outcome = work(params, row["warnings"].append)
        except (ArmError, ValueError) as exc:
            row.update(failed=True, changed=False, msg=str(exc))
            if isinstance(exc, ArmError):
                row["error"] = exc.to_dict()
            # what is known besides the failure (JobFailed: the job)
            row.update((key, value) for key, value in (getattr(exc, "result", None) or {}).items() if key in return_keys and key != "msg")
        except Exception as exc:  # pylint: disable=broad-except  # one VM's bug must not lose the others' results
            row.update(failed=True, changed=False, msg="unexpected error: %s: %s" % (type(exc).__name__, one_line(exc, 500)))
        else:
            row.update((key, outcome[key]) for key in return_keys if key in outcome)
        results[index] = row

    workers = max(1, min(concurrency, len(entries)))
    if workers == 1:
        for index in range(len(entries)):
            one(index)
    else:
        on_threads(one, len(entries), workers)
    return summarise(results, check_mode, diff, warn)


def summarise(results, check_mode, diff, warn):
    failed = [row for row in results if row["failed"]]
    changed = [row for row in results if row.get("changed")]
    counts = {"total": len(results), "changed": len(changed), "unchanged": len(results) - len(changed) - len(failed), "failed": len(failed)}
    result = {"changed": bool(changed), "results": results, "counts": counts}
    if diff:
        result["diff"] = [dict(row["diff"], before_header=row["vm"], after_header=row["vm"]) for row in changed if row.get("diff")]
    result["msg"] = "%d VM(s): %d %s, %d unchanged, %d failed" % (
        len(results), len(changed), "would change" if check_mode else "changed", counts["unchanged"], len(failed))
    if failed:
        result["failed"] = True
        result["msg"] += ": " + "; ".join("%s: %s" % (row["vm"], row["msg"]) for row in failed[:10]) + ("; ..." if len(failed) > 10 else "")
    warned = [row for row in results if row["warnings"]]
    if warned and warn:  # one line for the task, not one per VM; each VM's own are in its row
        warn("%d VM(s) have warnings, see 'warnings' in their results; the first: %s: %s"
             % (len(warned), warned[0]["vm"], warned[0]["warnings"][0]))
    return result


def on_threads(work, count, workers):
    """work(0) ... work(count - 1) on ``workers`` daemon threads that take the next index from a shared
    iterator; returns when all are done. ``work`` must catch its own exceptions (one that escapes ends
    its thread). Used by run() and by azure_vm_restore_cleanup's waits."""
    lock = threading.Lock()
    todo = iter(range(count))

    def worker():
        while True:
            with lock:
                index = next(todo, None)
            if index is None:
                return
            work(index)

    threads = [threading.Thread(target=worker, name="vm-%d" % number) for number in range(workers)]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join()
