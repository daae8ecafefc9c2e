# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: one emulator subprocess per session (HTTPS, its own CA; the shared launcher and client
``support.emulator.Emulator``), reset before each test."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from support.emulator import API, EMULATOR_DIR, ROOT as REPO_ROOT, Emulator  # noqa: F401 pylint: disable=unused-import

API_DIR = os.environ.get("AZURE_BACKUP_API_DIR", os.path.join(os.path.dirname(REPO_ROOT), "shared", "azure-backup-api"))
TEST_CONFIG = {"lro_seconds": 0.4, "backup_op_seconds": 0.2, "refresh_seconds": 0.3, "job_seconds": 1.0, "retry_after": 1}


@pytest.fixture(scope="session")
def emulator_session(tmp_path_factory):
    emulator = Emulator(str(tmp_path_factory.mktemp("emulator")))
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(emulator_session):
    """The emulator, reset to the default scenario with fast timings."""
    emulator_session.admin("POST", "reset")
    emulator_session.admin("POST", "config", TEST_CONFIG)
    return emulator_session


@pytest.fixture
def arm(emu):
    """An authenticated requests session."""
    return emu.session()
