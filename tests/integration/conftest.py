"""Integration fixtures: one HTTPS emulator per pytest worker, and the ansible-playbook environment."""
import os
import sys

import pytest

from emulator_harness import TARGETS, Emulator, collections_path


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = Emulator(str(tmp_path_factory.mktemp("emulator")))
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def ansible_env(emulator, tmp_path_factory):
    """Environment for ansible-playbook runs against the emulator."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("AZURE_"):
            del env[name]
    env.update(emulator.env)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path(str(tmp_path_factory.mktemp("ansible"))),
        "ANSIBLE_ROLES_PATH": TARGETS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    })
    return env
