# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_backup_job_info end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.modules import azure_backup_job_info

from support.modules_http import ARGS, job, run


def test_job_info_by_id_and_wait(fake, capsys):
    fake.route("GET", r"/backupJobs/job-1$", (200, job()), (200, job(status="Completed")))
    result = run(azure_backup_job_info, dict(ARGS, job_id="job-1", wait=True), capsys)
    assert result["jobs"][0]["status"] == "Completed"
    assert len(fake.arm) == 2


def test_job_info_list_filters(fake, capsys):
    fake.route("GET", r"/backupJobs$", (200, {"value": [job("a", start="2026-01-01T00:00:00Z"), job("b", start="2026-01-02T00:00:00Z")]}))
    args = dict(ARGS, status="InProgress", operation="Backup", vm_name="testVM", start_time="2026-01-01", end_time="2026-01-03T00:00:00Z")
    result = run(azure_backup_job_info, args, capsys)
    assert [j["job_id"] for j in result["jobs"]] == ["b", "a"]
    assert fake.arm[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM' and status eq 'InProgress' and operation eq 'Backup' and "
                                            "startTime eq '2026-01-01 12:00:00 AM' and endTime eq '2026-01-03 12:00:00 AM'"]


def test_job_info_refuses_bad_ids(fake, capsys):
    result = run(azure_backup_job_info, dict(ARGS, job_id="../x"), capsys)
    assert result["failed"] and "invalid job ID" in result["msg"] and fake.arm == []
