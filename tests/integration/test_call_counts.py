"""Calls per task, counted in the emulator's journal (behaviour, not timing).

A VM already protected with the asked policy costs two Resource Manager GETs (its item, and the vault's
running jobs: a write still running on the item does not show in the item) and no write;
the first task of a run asks AAD for one token and reads the URL cloud's metadata document;
later tasks (new processes) take both from the token cache and make neither request;
enabling protection sends exactly one write.
"""
import os

from support.emulator import writes
from support.playbook import run_playbook

VAULT = {"name": "countVault", "resource_group": "countVaultRG", "location": "westus", "soft_delete": True,
         "policies": [{"name": "DefaultPolicy", "workload": "AzureIaasVM", "policy_type": "V1", "retention_days": 30}],
         "discovered": ["countRG/countNoop", "countRG/countNew"]}

TASK = """\
- name: Count the calls of one task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Protect the VM
      azure_recovery.backup.azure_vm_protection:
        vault_name: countVault
        vault_resource_group: countVaultRG
        vm_name: "{{ vm }}"
        vm_resource_group: countRG
        policy: DefaultPolicy
      register: protection

    - name: Show the result
      ansible.builtin.assert:
        that:
          - protection.action == expected_action
"""


def _seed(emulator):
    # A REQUESTS_CA_BUNDLE in the environment would override the admin session's CA file.
    emulator.admin_session.trust_env = False
    emulator.reset()
    emulator.config(lro_seconds=1, retry_after=1)
    emulator.seed({
        "resource_groups": ["countVaultRG", "countRG"],
        "vms": [{"name": "countNoop", "resource_group": "countRG", "location": "westus"},
                {"name": "countNew", "resource_group": "countRG", "location": "westus"}],
        "vaults": [VAULT],
        "protected_items": [{"vault": "countVault", "vault_resource_group": "countVaultRG", "vm": "countRG/countNoop",
                             "policy": "DefaultPolicy", "state": "Protected"}],
    })


def _setup(emulator, ansible_env, tmp_path):
    """The seeded emulator, an environment with an empty private token cache, and the playbook."""
    _seed(emulator)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    os.chmod(str(runtime), 0o700)
    playbook = tmp_path / "count.yml"
    playbook.write_text(TASK)
    return dict(ansible_env, XDG_RUNTIME_DIR=str(runtime)), str(playbook)


def _last_seq(emulator):
    return max([entry["seq"] for entry in emulator.journal()] or [0])


def _run(emulator, env, playbook, vm, expected_action):
    mark = _last_seq(emulator)
    result = run_playbook(env, playbook, extra_vars={"vm": vm, "expected_action": expected_action})
    assert result.returncode == 0, result.stdout[-6000:]
    entries = emulator.journal(mark)
    arm = [e for e in entries if e["path"].lower().startswith("/subscriptions/")]
    # the emulator marks each entry read / write / poll (backupStatus, a POST that only reads: read)
    return {
        "arm_reads": [e for e in arm if e not in writes(arm)],
        "arm_writes": writes(arm),
        "tokens": [e for e in entries if e["method"] == "POST" and "/oauth2/" in e["path"].lower()],
        "metadata": [e for e in entries if e["path"].lower().startswith("/metadata/endpoints")],
    }


def test_noop_costs_two_gets_and_the_token_is_shared(emulator, ansible_env, tmp_path):
    env, playbook = _setup(emulator, ansible_env, tmp_path)

    first = _run(emulator, env, playbook, "countNoop", "none")
    assert len(first["arm_reads"]) == 2 and "/protectedItems/" in first["arm_reads"][0]["path"], first["arm_reads"]
    assert first["arm_reads"][1]["path"].endswith("/backupJobs"), first["arm_reads"]
    assert first["arm_writes"] == []
    assert len(first["tokens"]) == 1, "the first task of a run asks for exactly one token"
    assert len(first["metadata"]) == 1, "the first task reads the URL cloud's metadata once"

    second = _run(emulator, env, playbook, "countNoop", "none")
    assert len(second["arm_reads"]) == 2, second["arm_reads"]
    assert second["arm_writes"] == []
    assert second["tokens"] == [], "a later task takes the token from the token cache"
    assert second["metadata"] == [], "a later task takes the cloud's metadata from the token cache"


def test_enabling_protection_sends_one_write(emulator, ansible_env, tmp_path):
    env, playbook = _setup(emulator, ansible_env, tmp_path)

    counted = _run(emulator, env, playbook, "countNew", "enable")
    assert [(e["method"], e["status"]) for e in counted["arm_writes"]] == [("PUT", 202)], counted["arm_writes"]
    assert "/protecteditems/" in counted["arm_writes"][0]["path"].lower()
    assert len(counted["tokens"]) <= 1
