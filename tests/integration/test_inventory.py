"""The inventory plugin azure_recovery.backup.azure_vms through ansible-inventory against the emulator:
groups and host variables of a seeded estate over several subscriptions, constructed groups, the
cache, the reads it costs (journal), and an AWX-style inventory source through ansible-runner."""
import datetime
import json
import os
import subprocess
import sys

import ansible_runner
import pytest
import yaml

from support.playbook import ROOT, collections_path

SUB2 = "aaaaaaaa-0000-4000-8000-000000000002"
SUB3 = "aaaaaaaa-0000-4000-8000-000000000003"    # a subscription not in scope


def _inventory(env, path, *args):
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(path)] + list(args)
    done = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600, check=False,
                          universal_newlines=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _source(tmp_path, name="fleet.azure_vms.yml", **options):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(dict({"plugin": "azure_recovery.backup.azure_vms"}, **options)))
    return path


def _last_seq(emulator):
    entries = emulator.journal()
    return entries[-1]["seq"] if entries else 0


def _plain(value):
    """Values as --list shows them, without ansible-core 2.19's unsafe markers ({"__ansible_unsafe": value}: variables
    from an inventory plugin are not trusted as templates, which is right for what Azure returns)."""
    if isinstance(value, dict):
        if list(value) == ["__ansible_unsafe"]:
            return value["__ansible_unsafe"]
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _hosts(listing, group):
    return sorted(listing.get(group, {}).get("hosts", []))


@pytest.fixture
def fleet(emulator):
    """Two subscriptions in scope (the default one and SUB2) and one out of scope."""
    emulator.reset()
    emulator.seed({
        "subscriptions": [SUB2, SUB3],
        "vms": [{"name": "web1", "resource_group": "webRG", "location": "westus", "tags": {"backup": "gold", "env": "prod"}},
                {"name": "idleVM", "resource_group": "webRG", "location": "westus", "tags": {"backup": "gold"}},
                {"name": "db2", "resource_group": "dataRG", "location": "westus", "subscription_id": SUB2, "tags": {"backup": "gold"},
                 "zones": ["1"]},
                {"name": "web1", "resource_group": "webRG2", "location": "westus", "subscription_id": SUB2},
                {"name": "far", "resource_group": "farRG", "location": "westus", "subscription_id": SUB3}],
        "vaults": [{"name": "vault2", "resource_group": "vaultRG2", "location": "westus", "subscription_id": SUB2,
                    "policies": [{"name": "DefaultPolicy"}]}],
        "protected_items": [
            {"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"},
            {"vault": "testVault", "vm": "testRG/vm01", "policy": "EnhancedPolicy", "recovery_points": 0},
            {"vault": "testVault", "vm": "appRG/appVM1", "state": "SoftDeleted"},
            {"vault": "testVault", "vm": "appRG/appVM2", "state": "ProtectionStopped"},
            # webRG/idleVM: seen by both vaults of the subscription (stopped in one, protected in the other): one host
            {"vault": "otherVault", "vm": "webRG/idleVM", "policy": "DefaultPolicy"},
            {"vault": "testVault", "vm": "webRG/idleVM", "state": "ProtectionStopped"},
            {"vault": "vault2", "vm": "dataRG/db2", "policy": "DefaultPolicy"},
        ],
        "jobs": [],
    })
    return emulator


def test_graph_and_list(fleet, ansible_env, tmp_path):
    source = _source(tmp_path, subscriptions=[fleet.subscription_id, SUB2],
                     keyed_groups=[{"key": "location", "prefix": "region"}, {"key": "vm_tags.backup | default('untagged')", "prefix": "tier"}],
                     groups={"needs_attention": "backup_state != 'protected' or backup_stale or backup_failed"},
                     compose={"vault_label": "backup_vault | default('none', true)"})
    mark = _last_seq(fleet)
    listing = _plain(json.loads(_inventory(ansible_env, source, "--list").stdout))
    entries = fleet.journal(since=mark)
    hostvars = listing["_meta"]["hostvars"]
    # the VM names of both subscriptions; the two web1 get their resource group; classic VMs are not Compute VMs
    assert sorted(hostvars) == sorted(["testVM", "testSQL", "vm01", "vm02", "appVM1", "appVM2", "eastVM", "web1_webRG", "idleVM",
                                       "db2", "web1_webRG2"])
    assert _hosts(listing, "protected") == ["db2", "idleVM", "testVM", "vm01"]
    assert _hosts(listing, "stopped") == ["appVM2"]
    assert _hosts(listing, "soft_deleted") == ["appVM1"]
    assert _hosts(listing, "stale") == ["vm01"]
    assert _hosts(listing, "unprotected") == ["eastVM", "testSQL", "vm02", "web1_webRG", "web1_webRG2"]
    assert _hosts(listing, "region_westus") == sorted(set(hostvars) - {"eastVM"})
    assert _hosts(listing, "tier_gold") == ["db2", "idleVM", "web1_webRG"]
    assert "vm01" in _hosts(listing, "needs_attention") and "testVM" not in _hosts(listing, "needs_attention")

    idle = hostvars["idleVM"]
    assert idle["backup_vault"] == "otherVault" and idle["backup_state"] == "protected" and idle["vault_label"] == "otherVault"
    assert idle["other_vaults"] and idle["other_vaults"][0].endswith("/vaults/testVault")
    db2 = hostvars["db2"]
    assert db2["subscription_id"] == SUB2 and db2["backup_vault_subscription_id"] == SUB2 and db2["vm_zones"] == ["1"]
    assert db2["vm_onboarding_vm_id"] == db2["vm_id"] and db2["vm_id"].startswith("/subscriptions/%s/" % SUB2)
    vm01 = hostvars["vm01"]
    # protected, never backed up, not IRPending: no successful backup within the age limit
    assert vm01["backup_policy"] == "EnhancedPolicy" and vm01["last_recovery_point"] is None and vm01["backup_stale"] is True
    gone = hostvars["appVM1"]
    deleted = datetime.datetime.strptime(gone["delete_time"], "%Y-%m-%dT%H:%M:%SZ")
    assert datetime.datetime.strptime(gone["purge_time"], "%Y-%m-%dT%H:%M:%SZ") - deleted == datetime.timedelta(days=14)
    assert gone["soft_deleted"] is True and gone["backup_vault"] == "testVault"
    assert hostvars["vm02"]["backup_vault"] is None and hostvars["vm02"]["vm_tags"] == {}

    # reads only: one VM list and one vault list per subscription, one item list per vault (westus ones)
    arm = [e for e in entries if e["path"].startswith("/subscriptions/")]
    assert all(e["method"] == "GET" for e in arm)
    items = [e["path"] for e in arm if e["path"].endswith("/backupProtectedItems")]
    assert len(items) == 3 and len(set(items)) == 3
    assert len([e for e in arm if e["path"].endswith("/virtualMachines")]) == 2

    graph = _inventory(ansible_env, source, "--graph").stdout
    assert "@soft_deleted:\n  |  |--appVM1" in graph and "@protected_elsewhere:" in graph


def test_protected_elsewhere_and_cache(fleet, ansible_env, tmp_path):
    # testVault cannot be read: its region's unprotected-looking VMs are asked about (backupStatus) instead
    fleet.faults([{"method": "GET", "path": "testVault/backupProtectedItems", "status": 403,
                   "body": {"error": {"code": "AuthorizationFailed", "message": "no access to testVault"}}}])
    try:
        source = _source(tmp_path, resource_groups=["testRG"], cache=True, cache_plugin="ansible.builtin.jsonfile",
                         cache_connection=str(tmp_path / "cache"), cache_timeout=600)
        done = _inventory(ansible_env, source, "--list")
        listing = _plain(json.loads(done.stdout))
        assert "AuthorizationFailed" in done.stderr
    finally:
        fleet.admin("DELETE", "faults")
    assert _hosts(listing, "protected_elsewhere") == ["testVM", "vm01"]
    assert listing["_meta"]["hostvars"]["testVM"]["backup_vault"] == "testVault"
    assert _hosts(listing, "unprotected") == ["testSQL", "vm02"]
    # the second run is answered from the cache: no Resource Manager call
    mark = _last_seq(fleet)
    again = _plain(json.loads(_inventory(ansible_env, source, "--list").stdout))
    assert _hosts(again, "protected_elsewhere") == ["testVM", "vm01"]
    assert not [e for e in fleet.journal(since=mark) if e["path"].startswith("/subscriptions/")]


def test_bad_source_fails_before_any_call(fleet, ansible_env, tmp_path):
    source = _source(tmp_path, tags="backup=gold")
    mark = _last_seq(fleet)
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(source), "--list"]
    done = subprocess.run(cmd, env=dict(ansible_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="1"), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300, check=False, universal_newlines=True)
    assert done.returncode != 0
    assert "dict" in done.stdout or "dictionary" in done.stdout
    assert not [e for e in fleet.journal(since=mark) if e["path"].startswith("/subscriptions/")]


def test_seeded_estate_counts(emulator, ansible_env, tmp_path):
    emulator.reset()
    summary = emulator.admin("POST", "seed_estate", {"subscriptions": 3, "regions": 4, "vaults": 8, "vms": 900, "seed": 3})
    listing = json.loads(_inventory(ansible_env, _source(tmp_path, subscriptions=summary["subscriptions"]), "--list").stdout)
    counts = summary["counts"]
    assert len(listing["_meta"]["hostvars"]) == 900
    assert len(_hosts(listing, "protected")) == counts["protected"] + counts["failed"] + counts["stale"]
    for group in ("stopped", "soft_deleted", "failed", "stale", "unprotected"):
        assert len(_hosts(listing, group)) == counts[group], group


def test_awx_inventory_source(emulator, ansible_env, tmp_path, monkeypatch):
    """An AWX inventory source: only the credential's variables (and the CA trust), the file in the project."""
    emulator.reset()
    emulator.seed({"protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"}]})
    for name in list(os.environ):
        if name.startswith(("AZURE_", "ANSIBLE_")) or name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    envvars = dict(emulator.env)
    envvars["ANSIBLE_COLLECTIONS_PATH"] = collections_path(str(tmp_path / "awx-collections"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "fleet.azure_vms.yml").write_text("plugin: azure_recovery.backup.azure_vms\n")
    (project / "report.yml").write_text(
        "---\n- name: Report the unprotected VMs\n  hosts: unprotected\n  gather_facts: false\n  tasks:\n"
        "    - name: Publish the unprotected VMs\n      ansible.builtin.set_stats:\n        data:\n"
        "          unprotected: ['{{ inventory_hostname }}']\n      delegate_to: localhost\n")
    runner = ansible_runner.run(private_data_dir=str(tmp_path), playbook="report.yml", inventory=str(project / "fleet.azure_vms.yml"),
                                envvars=envvars, quiet=True, timeout=300)
    assert runner.status == "successful", runner.stdout.read()[-3000:]
    stats = [e for e in runner.events if e.get("event") == "playbook_on_stats"][-1]["event_data"]["artifact_data"]
    assert sorted(stats["unprotected"]) == ["appVM1", "appVM2", "eastVM", "testSQL", "vm01", "vm02"]
