# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's route table in-process: how a new resource family joins, and the journal's request kinds."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sys

import pytest

from conftest import EMULATOR_DIR

if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

import backup_api  # noqa: E402  pylint: disable=wrong-import-position,import-error
from common import ArmError, Response  # noqa: E402  pylint: disable=wrong-import-position,import-error
from routing import RESOURCE_GROUP, SUBSCRIPTION, VAULT, Request, rate_limit_bucket, request_kind, route  # noqa: E402  pylint: disable=wrong-import-position,import-error
from state import State  # noqa: E402  pylint: disable=wrong-import-position,import-error

SUB = "00000000-0000-0000-0000-000000000000"
VAULT_PATH = "/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault" % SUB


class ItemRecovery:
    """A family as a helper would add one (file recovery: an operation the emulator does not serve)."""

    @route("POST", VAULT, "backupFabrics/*/protectionContainers/{container}/protectedItems/{item}/recoveryPoints/{rp}/"
                          "provisionInstantItemRecovery")
    def provision_ilr(self, req, vault, container, item, point):
        return Response(202, {"vault": vault.name, "container": container, "item": item, "point": point})

    @route("GET", VAULT, "backupJobs/special")
    def special_job(self, req, vault):
        return Response(200, {"literal": True})

    @route("PUT", RESOURCE_GROUP, "providers/Microsoft.RecoveryServices/vaults/{vault}/emulatorProbe")
    def create_vault(self, req, sub, rg, name):
        return Response(201, {"created": name, "rg": rg})

    @route("GET", SUBSCRIPTION, "providers/Microsoft.Compute/virtualMachineScaleSets")
    def list_subscription_scale_sets(self, req, sub):
        return Response(200, {"sub": sub})


class Extended(backup_api.BackupApi, ItemRecovery):
    pass


def _call(api, method, path, version="2026-02-01"):
    segments = [s for s in path.split("/") if s]
    req = Request(method, path, segments, {"api-version": version}, "api-version=" + version, b"", {}, "https://emu", "rid")
    with api.state.lock:
        return api.handle(req)


def test_every_route_is_registered_once():
    api = backup_api.BackupApi(State())
    seen = set()
    for scope, routes in api.router.routes.items():
        for parts, method, _handler in routes:
            assert (scope, method, parts) not in seen
            seen.add((scope, method, parts))
    assert len(seen) >= 30


def test_families_share_no_method_names():
    """The families are mixed into one class: a second method of the same name would silently
    replace the first one's handler or helper."""
    owners = {}
    for family in backup_api.FAMILIES:
        for name, value in vars(family).items():
            if callable(value) or isinstance(value, (staticmethod, classmethod, property)):
                owners.setdefault(name, []).append(family.__name__)
    assert {name: families for name, families in owners.items() if len(families) > 1} == {}


def test_a_new_family_joins_by_its_route_lines():
    api = Extended(State())
    item = "/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;testRG;testVM/protectedItems/VM;x;y;z"
    answer = _call(api, "POST", VAULT_PATH + item + "/recoveryPoints/123/provisionInstantItemRecovery")
    assert answer.status == 202 and answer.body == {"vault": "testVault", "container": "IaasVMContainer;iaasvmcontainerv2;testRG;testVM",
                                                    "item": "VM;x;y;z", "point": "123"}
    assert _call(api, "GET", VAULT_PATH + "/backupJobs/SPECIAL").body == {"literal": True}     # literal beats {job}
    created = _call(api, "PUT", "/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/newVault/"
                    "emulatorProbe" % SUB)      # answered before the vault lookup: newVault does not exist
    assert created.status == 201 and created.body == {"created": "newVault", "rg": "testVaultRG"}
    assert _call(api, "GET", VAULT_PATH).body["name"] == "testVault"                         # GET still the vault family's
    listed = _call(api, "GET", "/subscriptions/%s/providers/Microsoft.Compute/virtualMachineScaleSets" % SUB, version="2024-03-01")
    assert listed.body == {"sub": SUB}
    with pytest.raises(ArmError) as err:
        _call(api, "DELETE", VAULT_PATH + "/backupJobs/SPECIAL")
    assert err.value.status == 405


@pytest.mark.parametrize("method, path, kind, bucket", [
    ("GET", VAULT_PATH, "read", "reads"),
    ("POST", "/subscriptions/s/providers/Microsoft.RecoveryServices/locations/westus/backupStatus", "read", "writes"),
    ("POST", VAULT_PATH + "/backupFabrics/Azure/refreshContainers", "write", "writes"),
    ("PUT", VAULT_PATH + "/backupFabrics/Azure/protectionContainers/c/protectedItems/i", "write", "writes"),
    ("DELETE", VAULT_PATH + "/backupFabrics/Azure/protectionContainers/c/protectedItems/i", "write", "deletes"),
    ("GET", VAULT_PATH + "/backupFabrics/Azure/protectionContainers/c/protectedItems/i/operationsStatus/op", "poll", "reads"),
    ("GET", VAULT_PATH + "/backupFabrics/Azure/operationResults/op", "poll", "reads"),
    ("GET", VAULT_PATH + "/backupOperations/op", "poll", "reads"),
    ("GET", VAULT_PATH + "/backupOperationResults/op", "poll", "reads"),
    ("GET", VAULT_PATH + "/backupJobs/Azure/operationResults/op", "poll", "reads"),
    ("GET", VAULT_PATH + "/backupPolicies/p/operations/op", "poll", "reads"),
    ("GET", VAULT_PATH + "/backupJobs/op", "read", "reads"),
    ("POST", VAULT_PATH + "/backupFabrics/Azure/protectionContainers/c/protectedItems/i/recoveryPoints/1/restore", "write", "writes"),
    ("GET", VAULT_PATH + "/backupValidateOperationsStatuses/op", "poll", "reads"),
    # a restore's validation reads (CONTRACT-wave2 3.5), and spends a write token like every POST
    ("POST", VAULT_PATH + "/backupValidateOperation", "read", "writes"),
    ("POST", VAULT_PATH + "/backupTriggerValidateOperation", "read", "writes"),
    ("POST", VAULT_PATH + "/backupValidateOperation/x", "write", "writes"),
    ("DELETE", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", "write", "deletes"),
    ("GET", "/subscriptions/s/providers/Microsoft.Compute/locations/westus/operations/op", "poll", "reads"),
    ("GET", "/subscriptions/s/providers/Microsoft.Compute/locations/westus/DiskOperations/op", "poll", "reads"),
    ("GET", "/subscriptions/s/providers/Microsoft.Network/locations/westus/operationResults/op", "poll", "reads"),
    ("GET", "/subscriptions/s/operationresults/token", "poll", "reads"),
    ("GET", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d", "read", "reads"),
])
def test_request_kind_and_bucket(method, path, kind, bucket):
    assert request_kind(method, path) == kind
    assert rate_limit_bucket(method) == bucket
