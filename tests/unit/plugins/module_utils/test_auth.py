# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_auth: an option's value, else the first non-empty of its environment variables (AWX's names)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import ENV_FALLBACKS, AuthError, first_env, option_or_env


def test_first_env_takes_the_first_non_empty_name():
    assert first_env({"A": "", "B": "b", "C": "c"}, ["A", "B", "C"]) == "b"
    assert first_env({"A": ""}, ["A", "B"]) is None
    assert first_env({}, []) is None


@pytest.mark.parametrize("name, params, environ, expected", [
    ("secret", {"secret": "opt"}, {"AZURE_SECRET": "env"}, "opt"),
    ("secret", {"secret": None}, {"AZURE_SECRET": "env", "AZURE_CLIENT_SECRET": "other"}, "env"),
    ("secret", {"secret": ""}, {"AZURE_CLIENT_SECRET": "other"}, "other"),
    ("tenant", {}, {"AZURE_TENANT_ID": "t2"}, "t2"),
    ("tenant", {"tenant": None}, {"AZURE_TENANT": "t1", "AZURE_TENANT_ID": "t2"}, "t1"),
])
def test_option_or_env_option_first_then_the_environment_in_order(name, params, environ, expected):
    assert option_or_env(params, environ, name) == expected


def test_an_option_without_fallback_reads_no_environment():
    assert option_or_env({}, {"WAIT": "1"}, "wait") is None
    assert "wait" not in ENV_FALLBACKS and ENV_FALLBACKS["cloud_environment"] == ["AZURE_CLOUD_ENVIRONMENT"]


def test_auth_error_keeps_its_code():
    error = AuthError("AADSTS7000215: invalid client secret", code="AADSTS7000215")
    assert str(error) == error.message == "AADSTS7000215: invalid client secret" and error.code == "AADSTS7000215"
