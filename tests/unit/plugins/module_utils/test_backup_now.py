# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_backup_now without HTTP: the last successful backup, what blocks an on-demand backup, a job's
outcome. (backup_now() and run_batch() over HTTP: tests/unit/plugins/modules/test_azure_vm_backup_now*.py.)"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_now
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC

from support.modules_http import item


def test_last_successful_backup():
    assert _backup_now.last_successful_backup(item()) is None
    assert _backup_now.last_successful_backup(item(last_backup="2026-01-01T00:00:00Z")) == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    failed = item(last_backup="2026-01-01T00:00:00Z")
    failed["properties"]["lastBackupStatus"] = "Failed"
    assert _backup_now.last_successful_backup(failed) is None
    failed["properties"]["lastRecoveryPoint"] = "2025-12-31T00:00:00Z"
    assert _backup_now.last_successful_backup(failed) == datetime.datetime(2025, 12, 31, tzinfo=UTC)


def test_last_successful_backup_takes_the_newer_of_the_two_and_reads_no_item_as_none():
    newer_point = item(last_backup="2026-01-01T00:00:00Z")
    newer_point["properties"]["lastRecoveryPoint"] = "2026-01-02T03:04:05Z"
    assert _backup_now.last_successful_backup(newer_point) == datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    warned = item(last_backup="2026-01-03T00:00:00Z")
    warned["properties"]["lastBackupStatus"] = "CompletedWithWarnings"
    assert _backup_now.last_successful_backup(warned) == datetime.datetime(2026, 1, 3, tzinfo=UTC)
    assert _backup_now.last_successful_backup(None) is None
    assert _backup_now.last_successful_backup({"properties": None}) is None


def test_backup_blocker_names_why_and_what_to_do():
    assert _backup_now.backup_blocker(item(), "testRG/testVM") is None
    assert _backup_now.backup_blocker(None, "testRG/testVM") == (
        "VM testRG/testVM is not protected by the vault: protect it first (azure_recovery.backup.azure_vm_protection)")
    assert "soft-deleted" in _backup_now.backup_blocker(item(soft_deleted=True), "testRG/testVM")
    for state in ("ProtectionStopped", "ProtectionPaused", "BackupsSuspended", "protectionstopped"):
        blocker = _backup_now.backup_blocker(item(state, policy=None), "testRG/testVM")
        assert blocker.startswith("protection of VM testRG/testVM is stopped (%s)" % state) and "state=present" in blocker
    for state in ("Protected", "IRPending", "ProtectionError"):
        assert _backup_now.backup_blocker(item(state), "testRG/testVM") is None


def _waited(status, errors=()):
    return {"job_id": "job-1", "job": {"status": status, "error_details": list(errors)}}


@pytest.mark.parametrize("status", ["Completed", "CompletedWithWarnings", "completed"])
def test_job_outcome_of_a_successful_job_is_its_status(status):
    assert _backup_now.job_outcome(_waited(status), "backup", "testRG/testVM") == status


def test_job_outcome_of_a_failed_job_is_one_line_carrying_the_result():
    result = _waited("Failed", [{"error_code": "UserErrorX", "error_string": "disk\ngone"}, {"error_code": 2, "error_title": "second"}])
    with pytest.raises(_backup_now.JobFailed) as caught:
        _backup_now.job_outcome(result, "backup", "testRG/testVM")
    assert str(caught.value) == "backup job job-1 of VM testRG/testVM ended Failed: UserErrorX: disk gone; 2: second"
    assert caught.value.result is result
    with pytest.raises(_backup_now.JobFailed, match=r"^restore job job-1 of VM testRG/testVM ended Cancelled$"):
        _backup_now.job_outcome(_waited("Cancelled"), "restore", "testRG/testVM")
