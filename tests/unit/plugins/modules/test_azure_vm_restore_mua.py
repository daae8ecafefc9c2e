# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_restore and azure_vm_restore_batch on a vault under a resource guard (multi-user authorization,
CONTRACT-wave2 §3.1 and §6.3), end to end through AnsibleModule and the real ArmClient with HTTP faked at the
transport: the guard proxy is read once (per task, per vault of a batch) and, when the guard protects restores,
the restore request carries the request the proxy lists; check mode says so and validates without it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_restore, azure_vm_restore_batch

from support.modules_http import ARGS, VAULT, accepted, item, run
from support.restore_http import (
    DISKS_ARGS, GUARD, RESTORE_REQUEST, STORAGE, guard_proxy, proxy_reads, reads, restore_job, restore_posts, restored_disk,
)


def test_a_restore_on_a_vault_whose_guard_protects_restores_carries_the_listed_request(fake, capsys):
    reads(fake)
    guard_proxy(fake)
    fake.route("POST", r"/recoveryPoints/222/restore$", accepted(fake, job="job-g"))
    fake.route("GET", r"/backupJobs/job-g$", (200, restore_job("job-g")))
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": [restored_disk()]}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result["changed"] and result["job"]["status"] == "Completed"
    assert result["resource_guard_requests"] == [RESTORE_REQUEST]
    [post] = restore_posts(fake)
    assert post.body["properties"]["resourceGuardOperationRequests"] == [RESTORE_REQUEST]
    assert post.body["properties"]["recoveryType"] == "RestoreDisks"
    assert len(proxy_reads(fake)) == 1 and len(fake.writes()) == 1


@pytest.mark.parametrize("request_types", [None, ("updateProtectedItemRequests", "disableSoftDeleteRequests")],
                         ids=["no-guard", "guard-without-restores"])
def test_a_restore_carries_no_request_when_no_guard_protects_restores(fake, capsys, request_types):
    reads(fake)
    if request_types is not None:
        guard_proxy(fake, request_types)
    fake.route("POST", r"/restore$", accepted(fake, job="job-p"))
    result = run(azure_vm_restore, dict(DISKS_ARGS, wait=False), capsys)
    assert result["changed"] and result["job_id"] == "job-p" and result["resource_guard_requests"] == []
    assert "resourceGuardOperationRequests" not in restore_posts(fake)[0].body["properties"]
    assert "resource guard" not in result["msg"] and len(proxy_reads(fake)) == 1


def test_check_mode_reads_the_guard_says_the_restore_would_carry_its_request_and_validates_without_it(fake, capsys):
    reads(fake)
    guard_proxy(fake)
    fake.route("POST", r"/backupValidateOperation$", (200, {"validateOperationResponse": {"validationResults": []}}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys, check_mode=True)
    assert result["changed"] and result["job_id"] is None and result["validation"] == []
    assert result["resource_guard_requests"] == [RESTORE_REQUEST]
    assert result["restore_request"]["resourceGuardOperationRequests"] == [RESTORE_REQUEST]
    assert "with the request of resource guard g1" in result["msg"] and "found no problem" in result["msg"]
    assert fake.writes() == [("POST", VAULT + "/backupValidateOperation")] and len(proxy_reads(fake)) == 1
    [validate] = [r for r in fake.arm if r.method == "POST"]
    sent = validate.body["properties"]["restoreRequest"]
    assert "resourceGuardOperationRequests" not in sent and sent["recoveryType"] == "RestoreDisks"


@pytest.mark.parametrize("status", [400, 403])
def test_a_refusal_by_the_guard_is_one_line_naming_the_guard_and_nothing_is_sent_again(fake, capsys, status):
    reads(fake)
    guard_proxy(fake)
    fake.route("POST", r"/restore$", (status, {"error": {"code": "BMSUserErrorResourceGuardOperationNotAuthorized",
                                                         "message": "The caller has no access to\nthe resource guard."}},
                                      {"x-ms-request-id": "req-mua"}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result["failed"] and "\n" not in result["msg"]
    assert "restoring a VM was refused" in result["msg"] and "resource guard g1 (%s)" % GUARD in result["msg"]
    assert "triggerRestoreRequests" in result["msg"] and "BMSUserErrorResourceGuardOperationNotAuthorized" in result["msg"]
    assert "Backup MUA Operator" in result["msg"] and "req-mua" in result["msg"]
    assert len(restore_posts(fake)) == 1


def test_a_rerun_that_finds_the_earlier_restore_sends_nothing_and_needs_no_guard(fake, capsys):
    reads(fake, jobs=[restore_job("done")])
    guard_proxy(fake)
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": [restored_disk()]}))
    result = run(azure_vm_restore, DISKS_ARGS, capsys)
    assert result["changed"] is False and result["job_id"] == "done" and result["resource_guard_requests"] is None
    assert fake.writes() == [] and proxy_reads(fake) == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_batch_reads_the_guard_once_and_every_restore_carries_its_request(fake, capsys, check_mode):
    reads(fake)
    guard_proxy(fake)
    fake.route("GET", r"/protectedItems/[^/]+$", lambda r: (200, item()))
    fake.route("POST", r"/restore$", accepted(fake, job="job-x"))
    fake.route("POST", r"/backupValidateOperation$", (200, {"validateOperationResponse": {"validationResults": []}}))
    vms = [{"name": "testVM", "resource_group": "testRG"}, {"name": "vm2", "resource_group": "testRG"}, {"name": "vm3", "resource_group": "appRG"}]
    result = run(azure_vm_restore_batch, dict(ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG", wait=False, concurrency=3,
                                              vms=vms), capsys, check_mode=check_mode)
    assert result["counts"] == {"total": 3, "changed": 3, "unchanged": 0, "failed": 0}
    assert [row["resource_guard_requests"] for row in result["results"]] == [[RESTORE_REQUEST]] * 3
    assert len(proxy_reads(fake)) == 1
    if check_mode:
        assert restore_posts(fake) == [] and all("resource guard g1" in row["msg"] for row in result["results"])
    else:
        assert [post.body["properties"]["resourceGuardOperationRequests"] for post in restore_posts(fake)] == [[RESTORE_REQUEST]] * 3
