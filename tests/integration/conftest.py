"""Integration fixtures: one HTTPS emulator per pytest worker, and the ansible-playbook environment."""

import pytest

from emulator_harness import TARGETS, Emulator, collections_path, playbook_env


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = Emulator(str(tmp_path_factory.mktemp("emulator")))
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def ansible_env(emulator, tmp_path_factory):
    """Environment for ansible-playbook runs against the emulator."""
    return playbook_env(emulator, collections_path(str(tmp_path_factory.mktemp("ansible"))), ANSIBLE_ROLES_PATH=TARGETS)
