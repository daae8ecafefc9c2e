"""Integration fixtures: one HTTPS emulator per pytest worker, and the ansible-playbook environment."""

import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)  # the shared test support package ``support``

from support.emulator import Emulator  # noqa: E402 pylint: disable=wrong-import-position
from support.playbook import TARGETS, collections_path, playbook_env  # noqa: E402 pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = Emulator(str(tmp_path_factory.mktemp("emulator")))
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def ansible_env(emulator, tmp_path_factory):
    """Environment for ansible-playbook runs against the emulator."""
    return playbook_env(emulator, collections_path(str(tmp_path_factory.mktemp("ansible"))), ANSIBLE_ROLES_PATH=TARGETS)
