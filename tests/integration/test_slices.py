"""AWX job slicing by subscription and region: the azure_vms inventory with host_per: cell (one host per
subscription and region) and the vm_onboarding rule mode, run as two slices through ansible-runner with only
AWX's credential variables. AWX gives slice k of N the hosts whose index modulo N is k; each slice must write
only in its own cells, and together they protect every VM the rule selects, once."""
import json
import os
import re
import subprocess
import sys

import ansible_runner
import pytest
import yaml

from support.playbook import ROOT, collections_path


def _plain(value):
    if isinstance(value, dict):
        if list(value) == ["__ansible_unsafe"]:
            return value["__ansible_unsafe"]
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.fixture
def awx_env(emulator, monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("AZURE_", "ANSIBLE_")) or name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    envvars = dict(emulator.env)
    envvars["ANSIBLE_COLLECTIONS_PATH"] = collections_path(str(tmp_path / "awx-collections"))
    return envvars


def _writes(entries):
    return [e for e in entries if e["path"].lower().startswith("/subscriptions/") and e["method"] != "GET"
            and not e["path"].lower().endswith("/backupstatus")]


def _cell_of_write(path):
    """(subscription, region) of a write on vault rsv-<region>-NN."""
    match = re.match(r"(?i)^/subscriptions/([^/]+)/resourceGroups/[^/]+/providers/Microsoft\.RecoveryServices/vaults/rsv-([a-z]+)-\d+/", path)
    assert match, path
    return match.group(1).lower(), match.group(2)


def test_two_slices(emulator, awx_env, tmp_path):
    emulator.reset()
    emulator.config(lro_seconds=0.3, refresh_seconds=0.3, backup_op_seconds=0.2, job_seconds=1, retry_after=0)
    spec = {"subscriptions": 2, "regions": 2, "vaults": 4, "vms": 48, "protected_fraction": 0.3, "stopped_fraction": 0,
            "soft_deleted_fraction": 0, "failed_fraction": 0, "stale_fraction": 0, "seed": 5}
    estate = emulator.admin("POST", "seed_estate", spec)
    subs = estate["subscriptions"]
    project = tmp_path / "project"
    project.mkdir()
    (project / "onboard_rules.yml").write_text(
        "---\n- name: Protect Azure VMs by rule (collection playbook)\n  ansible.builtin.import_playbook: azure_recovery.backup.onboard_rules\n")
    inventory = project / "cells.azure_vms.yml"
    inventory.write_text(yaml.safe_dump({"plugin": "azure_recovery.backup.azure_vms", "host_per": "cell", "subscriptions": subs}))
    listing = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(inventory), "--list"],
                             env=dict(os.environ, **awx_env), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                             check=True, universal_newlines=True)
    hosts = sorted(_plain(json.loads(listing.stdout))["_meta"]["hostvars"])
    assert len(hosts) == 4
    # the VMs and their tags, from the same plugin (one host per VM)
    vm_inventory = project / "vms.azure_vms.yml"
    vm_inventory.write_text(yaml.safe_dump({"plugin": "azure_recovery.backup.azure_vms", "subscriptions": subs}))
    vms = _plain(json.loads(subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(vm_inventory),
                                            "--list"], env=dict(os.environ, **awx_env), cwd=ROOT, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, timeout=300, check=True, universal_newlines=True).stdout))
    gold = dict((v["vm_name"], v) for v in vms["_meta"]["hostvars"].values() if v["vm_tags"].get("backup") == "gold")
    assert gold

    extravars = {
        "onboard_hosts": "all",
        "vm_onboarding_rules": [{"name": "gold", "tags": {"backup": "gold"}, "policy": "DefaultPolicy",
                                 "vaults": [{"name": v["name"], "resource_group": v["resource_group"], "subscription_id": v["subscription_id"]}
                                            for v in estate["vaults"]]}],
    }
    slices = [hosts[0::2], hosts[1::2]]
    for index, limit in enumerate(slices):
        mark = emulator.journal()[-1]["seq"] if emulator.journal() else 0
        (tmp_path / ("job%d" % index)).mkdir()
        runner = ansible_runner.run(private_data_dir=str(tmp_path / ("job%d" % index)), project_dir=str(project), playbook="onboard_rules.yml",
                                    inventory=str(inventory), limit=",".join(limit), envvars=awx_env, extravars=extravars, quiet=True,
                                    timeout=600)
        assert runner.status == "successful", runner.stdout.read()[-4000:]
        stats = [e for e in runner.events if e.get("event") == "playbook_on_stats"][-1]["event_data"]["artifact_data"]
        assert stats["vm_onboarding_fleet"]["counts"]["failed"] == 0
        cells = set((h.split("_", 1)[1].lower(), h.split("_", 1)[0]) for h in limit)
        writes = _writes(emulator.journal(since=mark))
        assert writes, "slice %d wrote nothing" % index
        assert set(_cell_of_write(e["path"]) for e in writes) <= cells, "slice %d wrote outside its cells" % index
        assert stats["vm_onboarding_fleet"]["counts"]["vms"] == sum(1 for v in vms["_meta"]["hostvars"].values()
                                                                    if (v["subscription_id"].lower(), v["location"]) in cells)

    state = emulator.admin("GET", "state")
    protected = dict((i["vm"].split("/")[1], (v["name"], i["policy"])) for v in state["vaults"] for i in v["items"])
    for name, vm in gold.items():
        assert protected[name] == ("rsv-%s-%s" % (vm["location"], protected[name][0].rsplit("-", 1)[1]), "DefaultPolicy"), name

    # both slices again: nothing to change, nothing written
    mark = emulator.journal()[-1]["seq"]
    for index, limit in enumerate(slices):
        (tmp_path / ("again%d" % index)).mkdir()
        runner = ansible_runner.run(private_data_dir=str(tmp_path / ("again%d" % index)), project_dir=str(project), playbook="onboard_rules.yml",
                                    inventory=str(inventory), limit=",".join(limit), envvars=awx_env, extravars=extravars, quiet=True,
                                    timeout=600)
        assert runner.status == "successful"
    assert _writes(emulator.journal(since=mark)) == []
