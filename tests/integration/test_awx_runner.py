"""The onboarding playbook run the way AWX / AAP runs a job: through ansible-runner.

The job's environment is what AWX's "Microsoft Azure Resource Manager" credential injects
(AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT) plus
the trust of the emulator's CA, as an execution environment would carry a private CA
(REQUESTS_CA_BUNDLE), plus the collection being installed (ANSIBLE_COLLECTIONS_PATH; in an
execution environment it is installed in the image). The project holds a one-line playbook that
imports azure_recovery.backup.onboard, as an AWX project would. The set_stats summary is read
where AWX reads it: the artifact_data of the playbook_on_stats event.
"""
import os
import sys

import ansible_runner
import pytest
import yaml

from support.emulator import writes
from support.playbook import collections_path

AWX_CREDENTIAL_VARS = ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_CLOUD_ENVIRONMENT")
VMS = ["testRG/testVM", "testRG/vm01", "testRG/vm02", "appRG/appVM1", "appRG/appVM2"]


@pytest.fixture
def job_environment(emulator, monkeypatch, tmp_path_factory):
    """The environment variables of the job: the credential's, the CA trust, the collection."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "ANSIBLE_")) or name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            monkeypatch.delenv(name)
    # ansible-runner starts ansible-playbook from PATH: the one of this virtualenv
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    envvars = dict(emulator.env)
    assert sorted(envvars) == sorted(AWX_CREDENTIAL_VARS + ("REQUESTS_CA_BUNDLE",))
    envvars["ANSIBLE_COLLECTIONS_PATH"] = collections_path(str(tmp_path_factory.mktemp("awx-collections")))
    # a job starts with no token cache (each AWX job runs in a fresh container), not with what other
    # tests of this session left in ~/.ansible/tmp
    runtime = tmp_path_factory.mktemp("awx-runtime")
    os.chmod(str(runtime), 0o700)
    envvars["XDG_RUNTIME_DIR"] = str(runtime)
    emulator.reset()
    emulator.config(lro_seconds=0.5, refresh_seconds=0.5, backup_op_seconds=0.2, job_seconds=1, retry_after=0)
    return envvars


def _private_data_dir(tmp_path, inventory):
    """An AWX-like job directory: project/onboard.yml importing the collection's playbook."""
    project = tmp_path / "project"
    project.mkdir(parents=True)
    (project / "onboard.yml").write_text(
        "---\n- name: Onboard Azure VMs (collection playbook)\n"
        "  ansible.builtin.import_playbook: azure_recovery.backup.onboard\n")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    return str(tmp_path)


def _run_job(private_data_dir, envvars, extravars, forks=5):
    return ansible_runner.run(private_data_dir=private_data_dir, playbook="onboard.yml", envvars=envvars,
                              extravars=extravars, forks=forks, quiet=True, timeout=600)


def _artifact_data(runner):
    stats = [event for event in runner.events if event.get("event") == "playbook_on_stats"]
    assert stats, "no playbook_on_stats event"
    return stats[-1]["event_data"].get("artifact_data", {})


def _stdout(runner):
    with open(runner.stdout.name, encoding="utf-8") as handle:
        return handle.read()[-8000:]


def _refreshes(entries):
    return [e for e in entries if e["method"] == "POST" and e["path"].lower().endswith("/refreshcontainers")]


def _last_seq(emulator):
    entries = emulator.journal()
    return entries[-1]["seq"] if entries else 0


def test_onboarding_job_template(emulator, job_environment, tmp_path):
    """A job template on localhost with the VMs in its extra variables; then the same job again."""
    data_dir = _private_data_dir(tmp_path, {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}})
    extravars = {
        "vm_onboarding_vault_name": "testVault",
        "vm_onboarding_vault_resource_group": "testVaultRG",
        "vm_onboarding_policy": "DefaultPolicy",
        "vm_onboarding_vms": VMS,
        "vm_onboarding_backup_now": True,
        "vm_onboarding_report_json": str(tmp_path / "summary.json"),
    }
    mark = _last_seq(emulator)
    runner = _run_job(data_dir, job_environment, extravars)
    assert runner.status == "successful" and runner.rc == 0, _stdout(runner)

    summary = _artifact_data(runner)["vm_onboarding_summary"]
    assert summary["counts"] == {"total": 5, "protected": 5, "changed": 0, "unchanged": 0, "failed": 0}
    assert summary["changed"] is True and summary["check_mode"] is False
    assert sorted(summary["protected"]) == sorted(VMS)
    assert summary["failed"] == {}
    assert summary["refreshed_vaults"] == ["testVault"]
    assert summary["reports"] == [str(tmp_path / "summary.json")]
    assert (tmp_path / "summary.json").exists()

    entries = emulator.journal(since=mark)
    assert len(_refreshes(entries)) == 1, "one refresh of the vault, not one per VM"
    puts = [e for e in entries if e["method"] == "PUT"]
    assert len(puts) == 5 and all(e["status"] in (200, 202) for e in puts)
    backups = [e for e in entries if e["method"] == "POST" and e["path"].lower().endswith("/backup")]
    assert len(backups) == 5
    assert len(writes(entries)) == 11
    # the credential's service principal got the tokens (client credentials against the emulator's tenant)
    assert any("/oauth2/" in e["path"] for e in entries)

    # The same job again: nothing to do, nothing written.
    mark = _last_seq(emulator)
    again = _run_job(data_dir, job_environment, extravars)
    assert again.status == "successful", _stdout(again)
    summary = _artifact_data(again)["vm_onboarding_summary"]
    assert summary["counts"] == {"total": 5, "protected": 0, "changed": 0, "unchanged": 5, "failed": 0}
    assert summary["changed"] is False and summary["refreshed_vaults"] == []
    assert emulator.writes(mark) == []
    assert all(count == 0 for count in again.stats["changed"].values()), again.stats


def test_sliced_job_per_host(emulator, job_environment, tmp_path):
    """Per-host mode, as a sliced job: every inventory host is a VM, each slice gets part of them.

    AWX job slicing runs one job per slice with hosts[i::n] of the inventory; the slices here
    run one after the other. The first slice's refresh lets the vault discover the VMs of both.
    """
    hosts = {
        "testVM": {"vm_onboarding_vm_resource_group": "testRG"},
        "vm01": {"vm_onboarding_vm_resource_group": "testRG"},
        "vm02": {"vm_onboarding_vm_resource_group": "testRG"},
        "appVM1": {"vm_onboarding_vm_resource_group": "appRG"},
        "app-vm-2": {"vm_onboarding_vm_name": "appVM2", "vm_onboarding_vm_resource_group": "appRG",
                     "vm_onboarding_policy": "EnhancedPolicy"},
    }
    group_vars = {"vm_onboarding_vault_name": "testVault", "vm_onboarding_vault_resource_group": "testVaultRG",
                  "vm_onboarding_policy": "DefaultPolicy"}
    names = sorted(hosts)
    slices = [names[0::2], names[1::2]]
    mark = _last_seq(emulator)
    results = []
    for number, part in enumerate(slices):
        inventory = {"all": {"children": {"backup_vms": {"vars": group_vars, "hosts": {h: hosts[h] for h in part}}}}}
        data_dir = _private_data_dir(tmp_path / ("slice%d" % number), inventory)
        runner = _run_job(data_dir, job_environment, {"onboard_hosts": "backup_vms"}, forks=10)
        assert runner.status == "successful" and runner.rc == 0, _stdout(runner)
        summary = _artifact_data(runner)["vm_onboarding_summary"]
        assert summary["counts"]["protected"] == len(part) and summary["counts"]["failed"] == 0
        # every host of the slice has its own result in the recap (one change each)
        assert sorted(h for h, n in runner.stats["changed"].items() if n) == sorted(part)
        results.append(summary)

    assert results[0]["refreshed_vaults"] == ["testVault"] and results[1]["refreshed_vaults"] == []
    entries = emulator.journal(since=mark)
    assert len(_refreshes(entries)) == 1
    puts = [e for e in entries if e["method"] == "PUT"]
    assert len(puts) == 5
