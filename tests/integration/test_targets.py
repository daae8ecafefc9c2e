"""Run every integration target (tests/integration/targets/<name>/tasks/main.yml) against the emulator.

Each target runs as a role on localhost, on an emulator reset to its default scenario,
with the emulator's endpoint, admin URL and CA file as variables and AWX-style AZURE_*
credentials in the environment.
"""
import os

import pytest

from support.playbook import TARGETS, run_playbook


def _targets():
    names = []
    for name in sorted(os.listdir(TARGETS)):
        if os.path.exists(os.path.join(TARGETS, name, "tasks", "main.yml")):
            names.append(name)
    return names


@pytest.mark.parametrize("target", _targets())
def test_target(target, emulator, ansible_env, tmp_path):
    emulator.reset()
    playbook = tmp_path / "run_target.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  roles:\n"
        "    - role: %s\n" % target
    )
    result = run_playbook(ansible_env, str(playbook), extra_vars={
        "emulator_endpoint": emulator.endpoint,
        "emulator_admin": emulator.admin_url,
        "emulator_ca_file": emulator.ca_file,
        "subscription_id": emulator.subscription_id,
    })
    assert result.returncode == 0, "target %s failed:\n%s" % (target, result.stdout[-12000:])
    assert "failed=0" in result.stdout
