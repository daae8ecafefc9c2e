# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulator behaviour: restores on a vault under a resource guard (MUA, CONTRACT-wave2 §3.1 and §6.3). A guard that
protects triggerRestoreRequests refuses a restore without its request, the way it refuses the other critical
operations; validation is a read and needs none."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from test_emulator_restore import Q, _error, _latest, _protect, _request, _restore, _restore_job
from vault_helpers import GUARD

TOKEN = GUARD + "/triggerRestoreRequests/default"
REFUSED = "BMSUserErrorResourceGuardOperationNotAuthorized"


@pytest.fixture(autouse=True)
def fast_restores(emu):
    emu.admin("POST", "config", {"restore_op_seconds": 0.2, "restore_job_seconds": 1.0})


def _guarded(emu, excluded=()):
    """testVault under GUARD (which protects every critical operation but ``excluded``); testVM protected, one point."""
    emu.admin("POST", "seed", {"resource_guards": [{"id": GUARD, "excluded_operations": list(excluded)}],
                               "vaults": [{"name": "testVault", "resource_group": "testVaultRG", "resource_guard": GUARD}]})
    _protect(emu)


def _restore_jobs(emu, arm):
    resp = arm.get(emu.vault_url() + "/backupJobs", params=dict(Q, **{"$filter": "operation eq 'Restore'"}))
    assert resp.status_code == 200, resp.text
    return resp.json()["value"]


def test_the_proxy_lists_the_restore_request_of_a_guard_that_protects_restores(emu, arm):
    _guarded(emu)
    [proxy] = arm.get(emu.vault_url() + "/backupResourceGuardProxies", params=Q).json()["value"]
    assert TOKEN.lower() in [d["defaultResourceRequest"].lower() for d in proxy["properties"]["resourceGuardOperationDetails"]]


@pytest.mark.parametrize("tokens", [None, [], [GUARD + "/updateProtectedItemRequests/default"],
                                    [GUARD.replace("teamGuard", "otherGuard") + "/triggerRestoreRequests/default"]],
                         ids=["absent", "empty", "another-request-type", "another-guard"])
def test_a_restore_without_the_guards_request_is_refused_and_starts_nothing(emu, arm, tokens):
    _guarded(emu)
    point = _latest(emu, arm)
    extra = {} if tokens is None else {"resourceGuardOperationRequests": tokens}
    message = _error(_restore(emu, arm, point, _request(emu, point, **extra)), 400, REFUSED)
    assert "teamGuard" in message and "triggerRestoreRequests" in message
    assert _restore_jobs(emu, arm) == []
    # the refusal left nothing behind: the item is not locked, the same restore with the request goes through
    job_id = _restore_job(emu, arm, point, _request(emu, point, resourceGuardOperationRequests=[TOKEN]))
    assert emu.wait_job(arm, job_id)["properties"]["status"] == "Completed"


def test_the_refusal_has_the_shape_of_the_other_guard_refusals(emu, arm):
    """Same status and code as a guarded stop of protection (the real code is not recorded: CONTRACT-wave2 §10)."""
    _guarded(emu)
    point = _latest(emu, arm)
    restore = _restore(emu, arm, point, _request(emu, point)).json()["error"]
    stop = arm.put(emu.item_url("testRG", "testVM"), params=Q, json={"properties": {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": emu.vm_id("testRG", "testVM"),
        "protectionState": "ProtectionStopped"}})
    assert stop.status_code == 400 and stop.json()["error"]["code"] == restore["code"] == REFUSED
    assert sorted(restore) == sorted(stop.json()["error"])


def test_the_request_is_compared_case_insensitively_and_the_restore_runs(emu, arm):
    _guarded(emu)
    point = _latest(emu, arm)
    job_id = _restore_job(emu, arm, point, _request(emu, point, resourceGuardOperationRequests=[TOKEN.upper()]))
    job = emu.wait_job(arm, job_id)
    assert job["properties"]["status"] == "Completed" and job["properties"]["operation"] == "Restore"


def test_a_guard_that_does_not_protect_restores_needs_no_request(emu, arm):
    _guarded(emu, excluded=["triggerRestoreRequests"])
    [proxy] = arm.get(emu.vault_url() + "/backupResourceGuardProxies", params=Q).json()["value"]
    assert TOKEN.lower() not in [d["defaultResourceRequest"].lower() for d in proxy["properties"]["resourceGuardOperationDetails"]]
    point = _latest(emu, arm)
    assert emu.wait_job(arm, _restore_job(emu, arm, point, _request(emu, point)))["properties"]["status"] == "Completed"


def test_validate_is_a_read_and_needs_no_request(emu, arm):
    _guarded(emu)
    point = _latest(emu, arm)
    body = {"properties": {"objectType": "ValidateIaasVMRestoreOperationRequest", "restoreRequest": _request(emu, point)["properties"]}}
    sync = arm.post(emu.vault_url() + "/backupValidateOperation", params=Q, json=body)
    assert sync.status_code == 200 and sync.json()["validateOperationResponse"]["validationResults"] == []
    started = arm.post(emu.vault_url() + "/backupTriggerValidateOperation", params=Q, json=body)
    assert started.status_code == 202, started.text
    status = emu.wait_op(arm, started)
    assert status["status"] == "Succeeded" and status["properties"]["validateOperationResponse"]["validationResults"] == []


def test_requests_that_are_not_a_list_are_bad_input(emu, arm):
    _guarded(emu)
    point = _latest(emu, arm)
    _error(_restore(emu, arm, point, _request(emu, point, resourceGuardOperationRequests=TOKEN)), 400, "BMSUserErrorInvalidInput")
    assert _restore_jobs(emu, arm) == []
