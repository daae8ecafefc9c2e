# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_restore_batch end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.restore_http``; the ``fake`` fixture is in conftest.py): every request is
recorded, so what is sent, and that nothing is written before a refusal, is asserted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils._times import format_utc
from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_restore_batch

from support.modules_http import ARGS, SUB, accepted, item, run
from support.restore_http import STORAGE, ago, restore_job, reads, restore_posts


def test_restore_batch_checks_every_entry_first_and_restores_each(fake, capsys):
    result = run(azure_vm_restore_batch, dict(ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG",
                                              vms=[{"name": "testVM", "resource_group": "testRG"}, {"name": "bad name", "resource_group": "rg"}]),
                 capsys)
    assert result["failed"] and "1 of 2 entries of vms are not valid, nothing was sent" in result["msg"] and fake.arm == []


def test_restore_batch_one_vm(fake, capsys):
    reads(fake)
    fake.route("POST", r"/restore$", accepted(fake, job="job-b"))
    fake.route("GET", r"/backupJobs/job-b$", (200, restore_job("job-b")))
    disk = {"id": "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testvm-os" % SUB, "name": "testvm-os",
            "properties": {"timeCreated": format_utc(ago(minutes=10))}}
    fake.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": [disk]}))
    result = run(azure_vm_restore_batch, dict(ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG",
                                              vms=[{"name": "testVM", "resource_group": "testRG"}]), capsys)
    [row] = result["results"]
    assert row["vm"] == "testRG/testVM" and row["job_id"] == "job-b" and row["created"]["disk_ids"] == [disk["id"]]
    assert row["rto_seconds"] is not None and row["rto_seconds"] >= 0 and result["counts"]["changed"] == 1


def test_restore_batch_reads_the_vault_staging_account_and_job_list_once(fake, capsys):
    reads(fake)
    fake.route("GET", r"/protectedItems/[^/]+$", lambda r: (200, item()))
    fake.route("POST", r"/restore$", accepted(fake, job="job-x"))
    result = run(azure_vm_restore_batch, dict(ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG", wait=False, concurrency=2,
                                              vms=[{"name": "testVM", "resource_group": "testRG"}, {"name": "vm2", "resource_group": "testRG"}]),
                 capsys)
    assert result["counts"] == {"total": 2, "changed": 2, "unchanged": 0, "failed": 0}
    paths = [r.path for r in fake.arm if r.method == "GET"]
    assert len([p for p in paths if p.endswith("/vaults/testVault")]) == 1
    assert len([p for p in paths if p.endswith("/storageAccounts/staging01")]) == 1
    job_lists = [r.query["$filter"][0] for r in fake.arm if r.method == "GET" and r.path.endswith("/backupJobs")]
    assert len(job_lists) == 2  # one for the whole batch each: the running writes, the earlier restores
    assert len([f for f in job_lists if "status eq 'InProgress'" in f]) == 1 and len([f for f in job_lists if "operation eq 'Restore'" in f]) == 1
    assert len(restore_posts(fake)) == 2
