# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_backup_now end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, format_utc
from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_backup_now

from support.modules_http import DROP, ITEM_NAME, VM_ARGS, accepted, item, job, run, warnings


def recent():
    return format_utc(datetime.datetime.now(UTC) - datetime.timedelta(hours=1))


def test_backup_now_not_protected(fake, capsys):
    fake.route("GET", r"/protectedItems/", (404, {"error": {"code": "NotFound", "message": "no"}}))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["failed"] and "is not protected by the vault" in result["msg"]
    assert fake.writes() == []


def test_backup_now_skips_when_recent(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item(last_backup=recent())))
    result = run(azure_vm_backup_now, dict(VM_ARGS, if_last_backup_older_than="12h"), capsys)
    assert result["changed"] is False and "newer than 12h" in result["skipped_reason"]
    assert [r.path.rsplit("/", 1)[-1] for r in fake.arm] == [ITEM_NAME]  # a skip needs no job list


def test_backup_now_returns_the_running_job(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": [job("running")]}))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["changed"] is False and result["job_id"] == "running" and "already in progress" in result["skipped_reason"]
    assert fake.writes() == []


def test_backup_now_check_mode(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    result = run(azure_vm_backup_now, dict(VM_ARGS, retain_days=7), capsys, check_mode=True)
    assert result["changed"] and result["job_id"] is None and result["recovery_point_expiry_time"]
    assert fake.writes() == []


def test_backup_now_triggers_and_waits(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    fake.route("POST", r"/backup$", accepted(fake, job="job-b"))
    fake.route("GET", r"/backupJobs/job-b$", (200, job("job-b")), (200, job("job-b", "Completed")))
    result = run(azure_vm_backup_now, dict(VM_ARGS, retain_until="2040-01-01", wait=True), capsys)
    assert result["changed"] and result["job_id"] == "job-b" and result["job"]["status"] == "Completed"
    assert result["recovery_point_expiry_time"] == "2040-01-01T00:00:00Z"
    posts = [r for r in fake.arm if r.method == "POST"]
    assert [p.body for p in posts] == [{"properties": {"objectType": "IaasVMBackupRequest", "recoveryPointExpiryTimeInUTC": "2040-01-01T00:00:00Z"}}]


def test_backup_now_failed_job_fails_with_its_error(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    fake.route("POST", r"/backup$", accepted(fake, job="job-f"))
    errors = [{"errorCode": 400199, "errorTitle": "VMCreationTimeOutStorageErrorV2", "errorString": "Create VM took very long time"}]
    fake.route("GET", r"/backupJobs/job-f$", (200, job("job-f", "Failed", errors=errors)))
    result = run(azure_vm_backup_now, dict(VM_ARGS, wait=True), capsys)
    assert result["failed"] and result["changed"] and result["job_id"] == "job-f"
    assert result["msg"] == "backup job job-f of VM testvm ended Failed: 400199: Create VM took very long time"


def test_backup_now_lost_response_is_not_resent(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}), (200, {"value": []}), (200, {"value": [job("found")]}))
    fake.route("POST", r"/backup$", DROP)
    fake.route("GET", r"/backupJobs/found$", (200, job("found")))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["changed"] and result["job_id"] == "found"
    assert any("response to the backup request was lost" in text for text in warnings(result))
    assert [m for m, _p in fake.writes()] == ["POST"]


@pytest.mark.parametrize("extra,message", [
    ({"retain_until": "2020-01-01"}, "not in the future"), ({"retain_days": 10000}, "9999 days"), ({"retain_days": 0}, "at least 1"),
    ({"retain_until": "2040-01-01T00:00:00+01:00"}, "not in UTC"), ({"if_last_backup_older_than": "soon"}, "invalid duration"),
])
def test_backup_now_refuses_bad_options_before_any_call(fake, capsys, extra, message):
    result = run(azure_vm_backup_now, dict(VM_ARGS, **extra), capsys)
    assert result["failed"] and message in result["msg"]
    assert fake.arm == []


def test_backup_now_stopped_item(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item("ProtectionStopped", policy=None)))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["failed"] and "is stopped (ProtectionStopped)" in result["msg"]
    assert fake.writes() == []
