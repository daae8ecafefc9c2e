"""Issue 6, safety: nothing lost that the user did not ask to lose.

- check mode writes nothing, for every module and state;
- only state=stopped or state=absent reduce protection; a mistyped or empty policy never does;
- state=absent on a soft-delete vault leaves the item recoverable, and says so;
- two runs onboarding the same VM at once end consistent.
The emulator's journal (writes) and its state after each case (items, recovery points) are the proof.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from support.playbook import ROOT
from test_reliability import FAST, FQCN, PLAYBOOKS, VAULT, Case, batch, protected, run_cases, trust_emulator

VM = {"vm_name": "testVM", "vm_resource_group": "testRG"}
ENABLE = dict(VM, policy="DefaultPolicy")
PROTECTED = {"protected_items": [protected()]}
STOPPED = {"protected_items": [protected(state="ProtectionStopped")]}
SOFT_DELETED = {"protected_items": [protected(state="SoftDeleted")]}


def _unchanged(case):
    """The item is as seeded: same state, policy and recovery points."""
    seeded = (case.seed or {}).get("protected_items") or []
    item = case.item()
    if not seeded:
        assert item is None, case.describe()
        return
    expected = seeded[0]
    assert item is not None, "the item is gone:\n" + case.describe()
    assert item["recovery_points"] >= expected["recovery_points"], case.describe()
    if expected["state"] == "SoftDeleted":
        assert item["soft_deleted"] is True, case.describe()
    else:
        assert item["state"] == expected["state"] and not item["soft_deleted"], case.describe()
        if expected["state"] != "ProtectionStopped":
            assert item["policy"] == expected["policy"], case.describe()


def check_mode_cases():
    """(case, changed expected)."""
    def cm(case_id, module, args, seed=None):
        return Case(case_id, module, args, check_mode=True, seed=seed, capture_state=True)
    return [
        (cm("check-enable-undiscovered-vm", "azure_vm_protection", dict(ENABLE, vm_name="vm01")), True),
        (cm("check-enable", "azure_vm_protection", ENABLE), True),
        (cm("check-change-policy", "azure_vm_protection", dict(ENABLE, policy="EnhancedPolicy"), PROTECTED), True),
        (cm("check-change-disks", "azure_vm_protection", dict(ENABLE, include_disk_luns=[0]), PROTECTED), True),
        (cm("check-resume", "azure_vm_protection", ENABLE, STOPPED), True),
        (cm("check-undelete-and-protect", "azure_vm_protection", dict(ENABLE, undelete=True), SOFT_DELETED), True),
        (cm("check-stop", "azure_vm_protection", dict(VM, state="stopped"), PROTECTED), True),
        (cm("check-undelete-stopped", "azure_vm_protection", dict(VM, state="stopped", undelete=True), SOFT_DELETED), True),
        (cm("check-absent", "azure_vm_protection", dict(VM, state="absent"), PROTECTED), True),
        (cm("check-absent-stopped", "azure_vm_protection", dict(VM, state="absent"), STOPPED), True),
        (cm("check-absent-soft-deleted", "azure_vm_protection", dict(VM, state="absent"), SOFT_DELETED), False),
        (cm("check-present-unchanged", "azure_vm_protection", ENABLE, PROTECTED), False),
        (cm("check-backup-now", "azure_vm_backup_now", dict(VM, wait=True), PROTECTED), True),
        (cm("check-refresh", "azure_backup_refresh", {"vms": ["testRG/vm01", "appRG/appVM1"]}), True),
        (cm("check-protection-info", "azure_vm_protection_info", {"include_unprotected": True}, PROTECTED), False),
        (cm("check-job-info", "azure_backup_job_info", {}, PROTECTED), False),
    ]


@pytest.mark.parametrize("part", range(2))
def test_check_mode_writes_nothing(part, emulator, ansible_env, tmp_path, subtests):
    entries = batch(check_mode_cases(), part, 2)
    run_cases(emulator, ansible_env, tmp_path, [entry[0] for entry in entries], name="check")
    for case, changed in entries:
        with subtests.test(msg=case.id):
            assert case.status == "ok", case.describe()
            assert case.result["changed"] is changed, case.describe()
            assert not case.writes, "check mode wrote:\n" + case.describe()
            _unchanged(case)


def _soft_deleted_and_said_so(case):
    """Item soft-deleted, recovery points kept, result and message say until when."""
    assert case.status == "ok" and case.result["changed"], case.describe()
    item = case.item()
    assert item is not None and item["soft_deleted"] and item["recovery_points"] == 1, "not recoverable:\n" + case.describe()
    assert case.result["protected_item"]["soft_deleted"] is True, case.describe()
    assert case.result["protected_item"]["deferred_delete_time"], case.describe()
    assert "soft-deleted" in case.msg and case.result["protected_item"]["deferred_delete_time"][:10] in case.msg, case.describe()
    # purged 14 days (the vault's retention) after the delete, which was now; never "until <now>" (issue 12)
    assert case.result["protected_item"]["purge_in_days"] in (13, 14), case.describe()
    assert case.result["protected_item"]["purge_time"] in case.msg, case.describe()


def _recovered(case):
    """Undeleted and protected again with its recovery points."""
    assert case.status == "ok", case.describe()
    item = case.item()
    assert item["state"] in ("Protected", "IRPending") and not item["soft_deleted"] and item["recovery_points"] == 1, case.describe()
    assert item["policy"] == "DefaultPolicy", case.describe()


def _stopped_with_data(case):
    """ProtectionStopped, recovery points kept."""
    assert case.status == "ok", case.describe()
    item = case.item()
    assert item["state"] == "ProtectionStopped" and item["recovery_points"] == 1 and not item["soft_deleted"], case.describe()


def _refused_and_kept(case):
    """Fails in one line, no write, item unchanged."""
    assert case.failed, case.describe()
    assert "\n" not in case.msg and "Traceback" not in case.msg, case.describe()
    assert not case.writes, case.describe()
    _unchanged(case)


def _ok_and_kept(case):
    """Succeeds, no PUT/DELETE, item unchanged."""
    assert case.status == "ok", case.describe()
    assert not [e for e in case.writes if e["method"] in ("PUT", "DELETE")], case.describe()
    _unchanged(case)


def _two_gets(case):
    """No change, exactly two GETs (the item, the vault's running jobs), item unchanged."""
    _ok_and_kept(case)
    assert case.result["changed"] is False, case.describe()
    assert [e["method"] for e in case.arm] == ["GET", "GET"], "more than two calls for an unchanged VM:\n" + case.describe()
    assert case.arm[1]["path"].endswith("/backupJobs"), case.describe()


def safety_cases():
    def real(case_id, module, args, seed=None, check=None, **kw):
        return Case(case_id, module, args, seed=seed, capture_state=True, check=check, **kw)
    return [
        real("empty-policy-keeps-protection", "azure_vm_protection", dict(VM, policy=""), PROTECTED, _refused_and_kept),
        real("blank-policy-keeps-protection", "azure_vm_protection", dict(VM, policy=" "), PROTECTED, _refused_and_kept),
        real("mistyped-policy-keeps-protection", "azure_vm_protection", dict(VM, policy="DefualtPolicy"), PROTECTED, _refused_and_kept),
        real("wrong-workload-policy-keeps-protection", "azure_vm_protection", dict(VM, policy="SqlPolicy"), PROTECTED, _refused_and_kept),
        real("missing-policy-keeps-protection", "azure_vm_protection", dict(VM), PROTECTED, _refused_and_kept),
        real("mistyped-policy-keeps-stopped-data", "azure_vm_protection", dict(VM, policy="nope"), STOPPED, _refused_and_kept),
        real("mistyped-state-keeps-protection", "azure_vm_protection", dict(VM, state="stop"), PROTECTED, _refused_and_kept),
        real("present-soft-deleted-without-undelete", "azure_vm_protection", ENABLE, SOFT_DELETED, _refused_and_kept),
        real("present-unchanged-costs-two-gets", "azure_vm_protection", ENABLE, PROTECTED, _two_gets),
        real("backup-now-keeps-protection", "azure_vm_backup_now", VM, PROTECTED, _ok_and_kept),
        real("refresh-keeps-protection", "azure_backup_refresh", {"vms": ["testRG/testVM", "testRG/vm01"]}, PROTECTED, _ok_and_kept),
        real("stopped-keeps-recovery-points", "azure_vm_protection", dict(VM, state="stopped"), PROTECTED, _stopped_with_data),
        real("stopped-on-soft-deleted-keeps-it", "azure_vm_protection", dict(VM, state="stopped"), SOFT_DELETED, _ok_and_kept),
        real("absent-on-soft-delete-vault-is-recoverable", "azure_vm_protection", dict(VM, state="absent"), PROTECTED, _soft_deleted_and_said_so),
        real("undelete-after-absent", "azure_vm_protection", dict(ENABLE, undelete=True), PROTECTED, _recovered,
             before=[("azure_vm_protection", dict(VM, state="absent"))]),
    ]


@pytest.mark.parametrize("part", range(2))
def test_only_stop_and_absent_reduce_protection(part, emulator, ansible_env, tmp_path, subtests):
    cases = batch(safety_cases(), part, 2)
    run_cases(emulator, ansible_env, tmp_path, cases, name="safety")
    for case in cases:
        with subtests.test(msg=case.id):
            case.check(case)


def _playbook(path, task):
    path.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]))
    return str(path)


@pytest.mark.parametrize("policies", [("DefaultPolicy", "DefaultPolicy"), ("DefaultPolicy", "EnhancedPolicy")], ids=["same-policy", "two-policies"])
def test_two_runs_onboarding_one_vm_at_once(policies, emulator, ansible_env, tmp_path):
    """Two ansible-playbook runs protect the same (not yet discovered) VM at the same moment: both
    succeed, or one fails with one clear line; the vault ends with one item, protected with one of
    the policies asked for, and at most one enable per run and one repeated refresh in all."""
    trust_emulator(emulator)
    emulator.reset()
    emulator.config(**dict(FAST, lro_seconds=1.5, refresh_seconds=1))
    since = max([e["seq"] for e in emulator.journal(0)[-1:]] or [0])
    processes = []
    for number, policy in enumerate(policies):
        results = tmp_path / ("run%d.jsonl" % number)
        env = dict(ansible_env, ANSIBLE_CALLBACK_PLUGINS=os.path.join(PLAYBOOKS, "callback_plugins"),
                   ANSIBLE_CALLBACKS_ENABLED="reliability_record", RELIABILITY_RESULTS=str(results))
        task = {"name": "onboard", FQCN + "azure_vm_protection": dict(VAULT, vm_name="vm01", vm_resource_group="testRG", policy=policy),
                "ignore_errors": True}
        playbook = _playbook(tmp_path / ("run%d.yml" % number), task)
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook]
        processes.append((subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                           universal_newlines=True), results))
    outcomes = []
    for process, results in processes:
        output = process.communicate(timeout=300)[0]
        entries = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
        assert entries, output[-4000:]
        outcomes.append(entries[-1])
    journal = emulator.journal(since)
    description = json.dumps([(o["status"], o["result"].get("msg")) for o in outcomes]) + "\n" + json.dumps(
        [(e["method"], e["path"][-60:], e["status"]) for e in journal])
    for outcome in outcomes:
        if outcome["status"] != "ok":
            msg = outcome["result"].get("msg", "")
            assert msg and "\n" not in msg and "Traceback" not in msg and "unexpected error" not in msg, description
    assert any(outcome["status"] == "ok" for outcome in outcomes), description
    state = emulator.admin("GET", "state")
    vault = [v for v in state["vaults"] if v["name"] == "testVault"][0]
    items = [item for item in vault["items"] if item["vm"].lower() == "testrg/vm01"]
    assert len(items) == 1, description
    assert items[0]["policy"] in policies and items[0]["state"] in ("IRPending", "Protected"), description
    for outcome in outcomes:
        if outcome["status"] == "ok":
            # what a successful run reports is what the vault holds, or what it asked for when the other run won
            assert outcome["result"]["protected_item"]["policy_name"] in policies, description
    refreshes = [e for e in journal if e["method"] == "POST" and e["path"].endswith("/refreshContainers") and e["status"] == 202]
    enables = [e for e in journal if e["method"] == "PUT" and e["status"] == 202]
    # a refresh that finds the other run's refresh of the vault still going is repeated once that one is over
    assert len(refreshes) <= 3 and len(enables) <= 2, description


# ------------------------------------------------------------------ a write still running in the service (issue 11, item 1)
# The emulator shows what the service shows while an item's write runs: the item GET keeps the old state,
# the job list has the InProgress ConfigureBackup / DisableBackup job of the VM, a second write is 409.
# long enough for a second ansible-playbook to start (2-4 s, more on a loaded machine) while the write runs
SLOW_WRITE = dict(FAST, lro_seconds=12, retry_after=1)
ITEM_PUT = re.compile(r"/protectedItems/VM(;|%3B)iaasvmcontainerv2(;|%3B)testrg(;|%3B)testvm$", re.I)


def _start(tmp_path, ansible_env, name, args, module="azure_vm_protection", check_mode=False):
    """ansible-playbook with one task of ``module``, in its own process group; returns (process, results file)."""
    results = tmp_path / ("%s.jsonl" % name)
    env = dict(ansible_env, ANSIBLE_CALLBACK_PLUGINS=os.path.join(PLAYBOOKS, "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="reliability_record", RELIABILITY_RESULTS=str(results))
    task = {"name": name, FQCN + module: dict(VAULT, **args), "ignore_errors": True, "check_mode": check_mode}
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
           _playbook(tmp_path / ("%s.yml" % name), task)]
    process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                               universal_newlines=True, start_new_session=True)
    return process, results


def _outcome(process, results):
    output = process.communicate(timeout=300)[0]
    entries = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    assert entries, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    return entries[-1]


def _puts(emulator, since):
    return [(e["status"], e.get("seq")) for e in emulator.journal(since) if e["method"] == "PUT" and ITEM_PUT.search(e["path"])]


def _wait_for_accepted_put(emulator, since, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(status == 202 for status, _seq in _puts(emulator, since)):
            return
        time.sleep(0.2)
    raise AssertionError("no accepted PUT: %s" % emulator.journal(since))


def _interrupted_stop(emulator, ansible_env, tmp_path):
    """A state=stopped run, interrupted (SIGINT, as Ctrl-C) once its PUT was accepted: the stop runs on in the service."""
    trust_emulator(emulator)
    emulator.reset()
    emulator.config(**SLOW_WRITE)
    emulator.seed(PROTECTED)
    since = max([e["seq"] for e in emulator.journal(0)[-1:]] or [0])
    process, _results = _start(tmp_path, ansible_env, "interrupted-stop", dict(VM, state="stopped"))
    _wait_for_accepted_put(emulator, since)
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=60)
    return since


def _state(emulator):
    return [item for item in emulator.admin("GET", "state")["vaults"][0]["items"]
            if item["vm"].lower() == "testrg/testvm"]


def test_rerun_of_an_interrupted_stop_follows_its_job_and_sends_nothing(emulator, ansible_env, tmp_path):
    since = _interrupted_stop(emulator, ansible_env, tmp_path)
    outcome = _outcome(*_start(tmp_path, ansible_env, "rerun-stop", dict(VM, state="stopped")))
    result = outcome["result"]
    description = json.dumps([result.get("msg"), emulator.journal(since)])[-6000:]
    assert outcome["status"] == "ok" and result["changed"] is False, description
    assert result["pending_operation"]["operation"] == "DisableBackup" and result["pending_operation"]["status"] == "Completed", description
    assert result["protected_item"]["protection_state"] == "ProtectionStopped", description
    # the journal: the interrupted run's one PUT, and no second one (it was PUT 202, PUT 409 x5, PUT 202)
    assert [status for status, _seq in _puts(emulator, since)] == [202], description
    assert _state(emulator)[0]["state"] == "ProtectionStopped", description


def test_present_after_an_interrupted_stop_waits_for_it_and_resumes(emulator, ansible_env, tmp_path):
    since = _interrupted_stop(emulator, ansible_env, tmp_path)
    outcome = _outcome(*_start(tmp_path, ansible_env, "present-after", ENABLE))
    result = outcome["result"]
    description = json.dumps([result.get("msg"), emulator.journal(since)])[-6000:]
    # it was "already as asked (Protected)", and 25 s later the VM was ProtectionStopped
    assert outcome["status"] == "ok" and result["changed"] is True and result["action"] == "resume", description
    assert result["pending_operation"]["operation"] == "DisableBackup", description
    assert [status for status, _seq in _puts(emulator, since)] == [202, 202], description
    assert _state(emulator)[0]["state"] in ("Protected", "IRPending") and _state(emulator)[0]["policy"] == "DefaultPolicy", description


@pytest.mark.parametrize("first,second,final", [
    (dict(VM, state="stopped"), ENABLE, "DefaultPolicy"),
    (dict(ENABLE, policy="EnhancedPolicy"), ENABLE, "DefaultPolicy"),
], ids=["stop-then-present", "policy-then-other-policy"])
def test_two_overlapping_runs_end_as_the_later_one_asked(first, second, final, emulator, ansible_env, tmp_path):
    """The second run starts while the first one's write runs: it must not say "already as asked" on the item's
    old state; it waits for the first write and then makes its own."""
    trust_emulator(emulator)
    emulator.reset()
    emulator.config(**SLOW_WRITE)
    emulator.seed(PROTECTED)
    since = max([e["seq"] for e in emulator.journal(0)[-1:]] or [0])
    one = _start(tmp_path, ansible_env, "first", first)
    _wait_for_accepted_put(emulator, since)
    two = _start(tmp_path, ansible_env, "second", second)
    outcomes = [_outcome(*one), _outcome(*two)]
    description = json.dumps([[o["status"], o["result"].get("msg")] for o in outcomes] + [
        (e["method"], e["path"][-70:], e["status"], e["time"][11:23]) for e in emulator.journal(since)])
    assert [o["status"] for o in outcomes] == ["ok", "ok"], description
    assert outcomes[1]["result"]["changed"] is True and outcomes[1]["result"]["pending_operation"] is not None, description
    assert [status for status, _seq in _puts(emulator, since)] == [202, 202], description  # no 409: it waited
    item = _state(emulator)[0]
    assert item["state"] in ("Protected", "IRPending") and item["policy"] == final, description


def test_info_and_check_mode_say_a_write_is_still_running(emulator, ansible_env, tmp_path):
    """While the interrupted stop runs: azure_vm_protection_info names it on the item (which still reads Protected),
    and a check-mode run reports it without waiting for it; neither writes."""
    since = _interrupted_stop(emulator, ansible_env, tmp_path)
    info = _outcome(*_start(tmp_path, ansible_env, "info", {"vm_name": "testVM"}, module="azure_vm_protection_info"))
    entry = info["result"]["protected_items"][0]
    description = json.dumps([info["result"].get("msg"), entry])
    assert entry["protection_state"] == "Protected" and entry["pending_operation"]["operation"] == "DisableBackup", description
    assert entry["pending_operation"]["status"] == "InProgress", description
    outcome = _outcome(*_start(tmp_path, ansible_env, "check", ENABLE, check_mode=True))
    assert outcome["result"]["pending_operation"]["job_id"] == entry["pending_operation"]["job_id"], json.dumps(outcome["result"])
    assert outcome["result"]["pending_operation"]["status"] == "InProgress", json.dumps(outcome["result"])
    assert [status for status, _seq in _puts(emulator, since)] == [202], json.dumps(emulator.journal(since))
