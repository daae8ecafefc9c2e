# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_backup_now_batch end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_backup_now_batch

from support.modules_http import ARGS, accepted, item, job, run


@pytest.mark.parametrize("args, message", [
    (dict(retain_days=0), "retain_days"),
    (dict(retain_until="2001-01-01"), "2001-01-01"),
    (dict(if_last_backup_older_than="soon"), "soon"),
])
def test_backup_batch_bad_options_send_nothing(fake, capsys, args, message):
    result = run(azure_vm_backup_now_batch, dict(ARGS, vms=[{"name": "testVM", "resource_group": "testRG"}], **args), capsys)
    assert result["failed"] and message in result["msg"]
    assert fake.arm == []


def test_backup_batch_guards_each_vm_and_fails_only_the_failed_job(fake, capsys):
    """Same guards as azure_vm_backup_now, per VM: a running job is returned, a failed job fails its VM only."""
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    fake.route("POST", r"/backup$", accepted(fake, job="job-b"))
    fake.route("GET", r"/backupJobs/job-b$", (200, job("job-b", "Failed", errors=[{"errorCode": 1, "errorString": "disk gone"}])))
    result = run(azure_vm_backup_now_batch, dict(ARGS, wait=True, vms=[{"name": "testVM", "resource_group": "testRG"}]), capsys)
    row = result["results"][0]
    assert result["failed"] and row["failed"] and "ended Failed" in row["msg"] and "disk gone" in row["msg"]
    assert row["job_id"] == "job-b" and row["job"]["status"] == "Failed"  # what is known of the job comes with the failure
    assert len([r for r in fake.arm if r.method == "POST"]) == 1
