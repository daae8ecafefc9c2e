# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_backup_job (cancel) end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.restore_http``; the ``fake`` fixture is in conftest.py): every request is
recorded, so what is sent, and that nothing is written before a refusal, is asserted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.modules import azure_backup_job

from support.modules_http import ARGS, ENDPOINT, VAULT, run
from support.restore_http import JOB_ARGS, restore_job


def test_cancel_running_job_posts_once_and_waits_until_cancelled(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "InProgress", actions=["Cancellable"])),
               (200, restore_job("job-c", "Cancelling")), (200, restore_job("job-c", "Cancelled")))
    location = ENDPOINT + VAULT + "/backupJobs/job-c/operationResults/op-c?api-version=2017-07-01"
    fake.route("POST", r"/backupJobs/job-c/cancel$", (202, "", {"Location": location}))
    fake.route("GET", r"/backupJobs/job-c/operationResults/op-c$", (202, ""), (204, ""))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["changed"] and result["job"]["status"] == "Cancelled"
    assert fake.writes() == [("POST", VAULT + "/backupJobs/job-c/cancel")]


@pytest.mark.parametrize("actions", [[1], ["Cancellable"]])
def test_cancel_check_mode_sends_nothing(fake, capsys, actions):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "InProgress", actions=actions)))
    result = run(azure_backup_job, JOB_ARGS, capsys, check_mode=True)
    assert result["changed"] and "would cancel" in result["msg"] and fake.writes() == []


@pytest.mark.parametrize("status", ["Completed", "Cancelled", "Failed"])
def test_cancel_of_an_ended_job_is_unchanged(fake, capsys, status):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", status)))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["changed"] is False and result["job"]["status"] == status and fake.writes() == []


def test_cancel_of_a_cancelling_job_follows_it(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "Cancelling")), (200, restore_job("job-c", "Cancelled")))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["changed"] is False and result["job"]["status"] == "Cancelled" and fake.writes() == []


def test_cancel_refuses_a_job_that_is_not_cancellable(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (200, restore_job("job-c", "InProgress", actions=[])))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["failed"] and "cannot be cancelled" in result["msg"] and fake.writes() == []


def test_cancel_refuses_a_job_of_another_vault(fake, capsys):
    fake.route("GET", r"/backupJobs/job-c$", (404, {"error": {"code": "BMSUserErrorJobNotFound", "message": "no such job"}}))
    result = run(azure_backup_job, JOB_ARGS, capsys)
    assert result["failed"] and result["msg"] == "job job-c is not a job of vault testVaultRG/testVault" and fake.writes() == []


@pytest.mark.parametrize("job_id", ["../x", "job-c\n", "", "a b"])
def test_cancel_refuses_malformed_ids_before_any_call(fake, capsys, job_id):
    result = run(azure_backup_job, dict(ARGS, job_id=job_id), capsys)
    assert result["failed"] and fake.arm == []
