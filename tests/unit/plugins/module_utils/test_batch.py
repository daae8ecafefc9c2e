# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_batch without HTTP: one entry's options, the entries checked before any call, one row per VM in
order whatever fails, the counts and the task's message, the worker threads. (The batch modules over
HTTP: tests/unit/plugins/modules/test_azure_vm_*_batch.py.)"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _batch
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._backup_now import JobFailed

SUB = "00000000-0000-0000-0000-000000000000"


class Client:
    subscription_id = SUB


def entries(*vms, **params):
    task = dict(vault_name="v", wait=False, concurrency=4, vms=[dict(vm) for vm in vms], **params)
    return [_batch.entry_params(task, vm) for vm in task["vms"]]


def test_entry_params_take_the_tasks_options_and_the_entrys_vm_and_overrides():
    task = {"vault_name": "v", "policy": "P", "vms": [], "concurrency": 3}
    one = _batch.entry_params(task, {"name": "vm1", "resource_group": "rg", "policy": "Q", "other": 1}, overrides=("policy", "disks"))
    assert one == {"vault_name": "v", "policy": "Q", "disks": None, "vm_name": "vm1", "vm_resource_group": "rg", "vm_id": None}
    assert _batch.entry_params(task, {"id": "/x"}, overrides=("policy",))["policy"] == "P"


def test_check_entries_accepts_good_entries():
    _batch.check_entries(Client(), entries({"name": "vm1", "resource_group": "rg"}, {"name": "vm2", "resource_group": "rg"}))


def test_check_entries_lists_every_bad_entry_and_sends_nothing():
    vm_id = "/subscriptions/%s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1" % SUB
    bad = entries({"name": "vm1", "resource_group": "rg"}, {"name": "vm 2", "resource_group": "rg"}, {"id": vm_id},
                  {"name": "vm3", "resource_group": "rg"})

    def check(one):
        if one["vm_name"] == "vm3":
            raise ValueError("no vm3 here")
    with pytest.raises(ValueError) as caught:
        _batch.check_entries(Client(), bad, check=check)
    message = str(caught.value)
    assert message.startswith("3 of 4 entries of vms are not valid, nothing was sent: vms[1]: ")
    assert "vms[2] (RG/VM1): the same VM as vms[0]" in message and message.endswith("vms[3] (rg/vm3): no vm3 here")


def test_check_entries_lists_at_most_twenty():
    many = entries(*({"name": "vm %d" % n, "resource_group": "rg"} for n in range(25)))
    with pytest.raises(ValueError) as caught:
        _batch.check_entries(Client(), many)
    assert str(caught.value).startswith("25 of 25 entries") and str(caught.value).count("vms[") == 20 and str(caught.value).endswith("; ...")


def test_run_keeps_the_order_and_one_failure_does_not_stop_the_others():
    vms = [{"name": "vm%d" % n, "resource_group": "rg"} for n in range(6)]

    def work(one, warn):
        name = one["vm_name"]
        if name == "vm1":
            raise ValueError("bad vm1")
        if name == "vm2":
            raise ArmError("reading vm2", "busy", status=409, code="Conflict", request_id="r-1")
        if name == "vm3":
            raise JobFailed("job j3 ended Failed", {"job_id": "j3", "job": {"status": "Failed"}, "msg": "not this", "other": 1})
        if name == "vm4":
            raise KeyError("boom")
        warn("careful with %s" % name)
        return {"changed": name == "vm0", "job_id": "j-" + name, "ignored": True}
    warnings = []
    result = _batch.run(Client(), entries(*vms), work, ("changed", "job_id", "job"), concurrency=3, warn=warnings.append)
    rows = result["results"]
    assert [row["vm"] for row in rows] == ["rg/vm%d" % n for n in range(6)]
    assert rows[0] == {"vm": "rg/vm0", "failed": False, "warnings": ["careful with vm0"], "changed": True, "job_id": "j-vm0"}
    assert rows[1]["failed"] and rows[1]["msg"] == "bad vm1" and "error" not in rows[1]
    assert rows[2]["failed"] and rows[2]["error"] == {"code": "Conflict", "status": 409, "request_id": "r-1"}
    assert rows[3]["failed"] and rows[3]["job_id"] == "j3" and rows[3]["job"] == {"status": "Failed"} and "other" not in rows[3]
    assert rows[3]["msg"] == "job j3 ended Failed"
    assert rows[4]["failed"] and rows[4]["msg"] == "unexpected error: KeyError: 'boom'"
    assert result["counts"] == {"total": 6, "changed": 1, "unchanged": 1, "failed": 4}
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("6 VM(s): 1 changed, 1 unchanged, 4 failed: rg/vm1: bad vm1; ")
    assert warnings == ["2 VM(s) have warnings, see 'warnings' in their results; the first: rg/vm0: careful with vm0"]


def test_summarise_in_check_mode_and_with_diffs():
    rows = [{"vm": "rg/a", "failed": False, "warnings": [], "changed": True, "diff": {"before": {}, "after": {"x": 1}}},
            {"vm": "rg/b", "failed": False, "warnings": [], "changed": False}]
    result = _batch.summarise(rows, check_mode=True, diff=True, warn=None)
    assert result["msg"] == "2 VM(s): 1 would change, 1 unchanged, 0 failed" and "failed" not in result
    assert result["diff"] == [{"before": {}, "after": {"x": 1}, "before_header": "rg/a", "after_header": "rg/a"}]


def test_on_threads_does_each_index_once_on_at_most_the_workers_given():
    done, names, lock = [], set(), threading.Lock()

    def work(index):
        with lock:
            done.append(index)
            names.add(threading.current_thread().name)
    _batch.on_threads(work, 50, 4)
    assert sorted(done) == list(range(50))
    assert names <= {"vm-0", "vm-1", "vm-2", "vm-3"}
