# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_protection.py: a write still running on an item (follow_running_write) and the per-vault reads (VaultReads)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _protection as protection
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import VmRef

SUB = "00000000-0000-0000-0000-000000000000"
VM = VmRef(SUB, "testRG", "testVM")
VPATH = "/subscriptions/%s/resourceGroups/v/providers/Microsoft.RecoveryServices/vaults/v" % SUB


def job(name, operation, status="InProgress", vm="testVM"):
    return {"id": VPATH + "/backupJobs/" + name, "name": name,
            "properties": {"operation": operation, "status": status, "entityFriendlyName": vm,
                           "containerName": "iaasvmcontainerv2;testrg;%s" % vm.lower(), "startTime": "2026-03-01T10:00:00Z"}}


@pytest.fixture
def waited(monkeypatch):
    """The job ids waited for; each wait ends Completed."""
    calls = []

    def wait_for_job(client, vpath, job_id):
        calls.append(job_id)
        return job(job_id, "DisableBackup", status="Completed")
    monkeypatch.setattr(protection.api, "wait_for_job", wait_for_job)
    return calls


def test_nothing_running_on_the_item(waited):
    jobs = [job("b", "Backup"), job("o", "DisableBackup", vm="otherVM")]
    assert protection.follow_running_write(None, VPATH, VM, jobs, False, True, None) is None
    assert waited == []


def test_a_running_write_is_waited_for_and_returned_with_its_final_status(waited):
    found = protection.follow_running_write(None, VPATH, VM, [job("b", "Backup"), job("d", "DisableBackup")], False, True, None)
    assert waited == ["d"] and found["name"] == "d" and found["properties"]["status"] == "Completed"


def test_check_mode_warns_and_never_waits(waited):
    warnings = []
    found = protection.follow_running_write(None, VPATH, VM, [job("c", "ConfigureBackup")], True, True, warnings.append)
    assert found["properties"]["status"] == "InProgress" and waited == []
    assert len(warnings) == 1 and "ConfigureBackup job c of VM testRG/testVM is still running" in warnings[0]


def test_wait_false_refuses_naming_the_job(waited):
    with pytest.raises(ValueError, match=r"DeleteBackupData job x of VM testRG/testVM is still running .*started 2026-03-01T10:00:00Z"):
        protection.follow_running_write(None, VPATH, VM, [job("x", "DeleteBackupData")], False, False, None)
    assert waited == []


def test_vault_reads_read_the_running_jobs_once_for_all_threads(monkeypatch):
    calls = []
    gate = threading.Event()

    def running_jobs(client, vpath):
        calls.append(vpath)
        gate.wait(1)
        return [job("d", "DisableBackup")]
    monkeypatch.setattr(protection.api, "running_jobs", running_jobs)
    reads = protection.VaultReads(client=None, whole_lists=True)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(reads.running_jobs(VPATH.upper() if len(seen) % 2 else VPATH))) for _thread in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(seen) == 8 and all(value[0]["name"] == "d" for value in seen)


@pytest.mark.parametrize("current_type, target_type, refused", [
    ("V2", "V1", True),
    ("V2", None, True),             # a standard policy may omit policyType
    ("enhanced", "standard", True),  # azure_backup_policy_info's words
    ("V2", "standard", True),
    ("V2", "enhanced", False),
    ("V1", "V2", False),            # standard -> enhanced is allowed
    ("standard", "V1", False),
    (None, "V1", False),            # the item does not say: the service decides
    ("", None, False),
])
def test_policy_change_refused_is_one_rule_for_both_spellings(current_type, target_type, refused):
    assert protection.policy_change_refused(current_type, target_type) is refused


@pytest.mark.parametrize("current_type, target_type, refused", [
    ("V2", "V1", True),     # enhanced -> standard: Azure refuses it
    ("V2", None, True),     # a standard policy may omit policyType
    ("v2", "V2", False),
    ("V1", "V2", False),    # standard -> enhanced is allowed
    (None, "V1", False),    # the item does not say: the service decides
])
def test_enhanced_to_standard_is_refused_before_the_write(current_type, target_type, refused):
    current = {"policy_type": current_type, "policy_name": "EnhancedPolicy"}
    policy = {"name": "DefaultPolicy", "properties": {"policyType": target_type} if target_type else {}}
    if refused:
        with pytest.raises(ValueError, match=r"^VM testRG/testVM is protected by the enhanced \(V2\) policy EnhancedPolicy .* DefaultPolicy"):
            protection.refuse_enhanced_to_standard(current, policy, VM)
    else:
        assert protection.refuse_enhanced_to_standard(current, policy, VM) is None
