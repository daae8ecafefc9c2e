# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Azure CLI login's account (az account show)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import subprocess

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _cli_login
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient
from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AuthError


def test_cli_subscription_from_az_account_show_only_when_not_given(monkeypatch):
    calls = []

    def fake_account(environ=None, run=None):
        calls.append(1)
        return CLI_SUB, "cli-tenant"
    monkeypatch.setattr(_cli_login, "cli_account", fake_account)
    assert ArmClient({"auth_source": "cli", "subscription_id": GIVEN_SUB}, environ={}).subscription_id == GIVEN_SUB
    assert calls == []
    client = ArmClient({"auth_source": "cli"}, environ={})
    assert client.subscription_id == CLI_SUB and client.auth.tenant == "cli-tenant" and calls == [1]


GIVEN_SUB = "00000000-0000-0000-0000-0000000000a1"
CLI_SUB = "00000000-0000-0000-0000-0000000000c1"


def test_cli_account_show_failure_is_one_line():
    def run(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, b"", b"ERROR: Please run 'az login' to setup account.\n")
    with pytest.raises(AuthError) as caught:
        _cli_login.cli_account(run=run)
    assert "az login" in caught.value.message and "\n" not in caught.value.message
