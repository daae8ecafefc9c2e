"""The per-vault audit (playbooks/audit.yml without rules: vm_onboarding tasks_from audit) over two vaults that see the
same VMs, against the emulator: each VM is one row and counted once, under the vault that protects it; a VM on an
enhanced policy whose vault expects a standard one is a policy_change_refused finding; nothing is written."""
import json

import pytest

from support.emulator import writes
from support.playbook import run_playbook

VMS = ["legacyRG/reportVM", "legacyRG/batchVM", "legacyRG/oldVM", "webRG/webVM", "webRG/idleVM"]


@pytest.fixture
def two_vaults(emulator):
    emulator.reset()
    emulator.seed({
        "resource_groups": ["legacyRG", "webRG"],
        "vms": [{"name": vm.partition("/")[2], "resource_group": vm.partition("/")[0], "location": "westus"} for vm in VMS],
        "vaults": [{"name": "testVault", "resource_group": "testVaultRG", "discovered": VMS},
                   {"name": "otherVault", "resource_group": "otherVaultRG", "discovered": ["webRG/webVM", "webRG/idleVM", "legacyRG/oldVM"]}],
        "protected_items": [
            {"vault": "testVault", "vm": "legacyRG/reportVM", "policy": "EnhancedPolicy"},    # V2; testVault expects DefaultPolicy (V1)
            {"vault": "testVault", "vm": "legacyRG/batchVM", "policy": "DefaultPolicy"},
            {"vault": "testVault", "vm": "legacyRG/oldVM", "state": "ProtectionStopped"},     # stopped here, protected in otherVault
            {"vault": "otherVault", "vm": "legacyRG/oldVM", "policy": "DefaultPolicy"},
            {"vault": "otherVault", "vm": "webRG/webVM", "policy": "DefaultPolicy"},   # testVault does not list it (as Azure)
        ],
    })
    return emulator


def test_per_vault_audit_counts_each_vm_once(two_vaults, ansible_env, tmp_path):
    mark = two_vaults.last_seq()
    done = run_playbook(ansible_env, "playbooks/audit.yml", {
        "vm_onboarding_audit_vaults": [{"name": "testVault", "resource_group": "testVaultRG", "policy": "DefaultPolicy"},
                                       {"name": "otherVault", "resource_group": "otherVaultRG", "policy": "DefaultPolicy"}],
        "vm_onboarding_report_json": str(tmp_path / "audit.json"), "vm_onboarding_report_markdown": str(tmp_path / "audit.md")})
    assert done.returncode == 0, done.stdout[-4000:]
    assert writes(two_vaults.journal(since=mark)) == []
    audit = json.loads((tmp_path / "audit.json").read_text())
    rows = dict((r["label"], r) for r in audit["vms"])
    codes = dict((label, [f["code"] for f in row["findings"]]) for label, row in rows.items())
    # the default scenario's testVM and classicVM (discovered by testVault) are VMs too: 7 VMs, 7 rows, whatever the vaults
    assert len(audit["vms"]) == len(rows) == audit["counts"]["total"] == 7
    assert audit["counts"]["ok"] + audit["counts"]["attention"] == 7
    assert rows["webRG/webVM"]["vault"] == "otherVault" and codes["webRG/webVM"] == []
    # oldVM: stopped in testVault, protected in otherVault: protected, one row, otherVault's; idleVM: seen by both, once
    assert [(s["vault"], s["state"]) for s in rows["legacyRG/oldVM"]["seen_by"]] == [("otherVault", "protected"), ("testVault", "stopped")]
    assert rows["legacyRG/oldVM"]["vault"] == "otherVault" and codes["legacyRG/oldVM"] == []
    assert codes["webRG/idleVM"] == ["not_protected"]
    assert [(s["vault"], s["state"]) for s in rows["webRG/idleVM"]["seen_by"]] == [("testVault", "not_protected"), ("otherVault", "not_protected")]
    assert codes["legacyRG/reportVM"][:2] == ["policy_mismatch", "policy_change_refused"]
    assert "policy_mismatch" not in codes["legacyRG/batchVM"]
    # not_protected: idleVM (once), testVM, classicVM; no protection_stopped: oldVM's stopped item is not its protection
    assert audit["finding_counts"]["not_protected"] == 3 and audit["finding_counts"]["protection_stopped"] == 0
    assert audit["finding_counts"]["policy_change_refused"] == 1
    assert audit["counts"]["protected"] == 4
    vaults = dict((v["vault"], v) for v in audit["vaults"])
    assert (vaults["testVault"]["vms"], vaults["testVault"]["protects"]) == (6, 2)
    assert (vaults["otherVault"]["vms"], vaults["otherVault"]["protects"]) == (3, 2)
    markdown = (tmp_path / "audit.md").read_text()
    assert "7 VMs in 2 vault(s), each counted once (under the vault that protects it): 4 protected" in markdown
    report_line = [line for line in markdown.splitlines() if "legacyRG/reportVM" in line][0]
    assert "policy_change_refused: the vault's expected policy DefaultPolicy is a standard one: Azure does not move" in report_line
    assert [line for line in markdown.splitlines() if "legacyRG/oldVM" in line][0].startswith("| legacyRG/oldVM | otherVault (also testVault: stopped) |")
