# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_guard: the resource guard's requests as its proxy lists them, and the refusal of a guarded write."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _guard as mua

SHARED = "/work/shared/azure-backup-api/examples-wave2"
GUARD = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/guardRG/providers/Microsoft.DataProtection/resourceGuards/g1"


def example(*path):
    with open(os.path.join(SHARED, *path)) as handle:
        return json.load(handle)


def test_the_guards_requests_are_taken_from_the_proxy_as_listed():
    proxy = example("2026-02-01", "ResourceGuardProxyCRUD", "GetResourceGuardProxy.json")["responses"]["200"]["body"]
    guard = mua.Guard(proxy)
    # the spec's proxy lists this request under another resource group than the guard's ID: it is sent as listed
    assert guard.requests_for(mua.DISABLE_SOFT_DELETE) == [
        "/subscriptions/c999d45b-944f-418c-a0d8-c3fcfd1802c8/resourceGroups/resourceguardRGNew/providers/Microsoft.DataProtection/"
        "resourceGuards/VaultGuardTestNew/disableSoftDeleteRequests/default"]
    assert guard.requests_for(mua.UPDATE_POLICY) == []
    assert guard.name == "VaultGuardTestNew"
    assert mua.guard_requests(None, mua.UPDATE_POLICY) == []


def test_a_refusal_of_a_guarded_write_names_the_guard_and_the_operation():
    from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
    guard = mua.Guard({"properties": {"resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": [
        {"vaultCriticalOperation": "x", "defaultResourceRequest": GUARD + "/disableSoftDeleteRequests/default"}]}})
    sent = []

    def write(requests):
        sent.append(requests)
        raise ArmError("changing soft delete", "not authorized", status=400, code="BMSUserErrorResourceGuardOperationNotAuthorized")
    with pytest.raises(ArmError) as err:
        mua.guarded(guard, mua.DISABLE_SOFT_DELETE, write)
    assert sent == [[GUARD + "/disableSoftDeleteRequests/default"]]
    line = str(err.value)
    assert "resource guard g1" in line and "disabling soft delete was refused" in line and "\n" not in line
