# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An independent client drives the emulator: Microsoft's generated Python SDK.

azure-mgmt-recoveryservicesbackup (a development requirement only) goes through
discover -> enable protection -> on-demand backup -> job -> stop -> delete with its own
serialisation, LRO pollers and api-version, over HTTPS, with a token from azure-identity.
The SDK does not resolve nested discriminators (ProtectedItem -> AzureIaaSVMProtectedItem ->
Microsoft.Compute/virtualMachines), so properties are read as the mapping they are.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest
from azure import identity
import azure.mgmt.recoveryservicesbackup as sdk
from azure.mgmt.recoveryservicesbackup import models

VAULT, VAULT_RG = "testVault", "testVaultRG"
CONTAINER = "IaasVMContainer;iaasvmcontainerv2;testRG;vm01"
ITEM = "VM;iaasvmcontainerv2;testRG;vm01"


def _wait(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached within %ss" % timeout)


@pytest.fixture
def client(emu):
    info = emu.info
    credential = identity.ClientSecretCredential(
        info["tenant_id"], info["client_id"], info["client_secret"], authority=emu.endpoint,
        disable_instance_discovery=True, connection_verify=emu.ca_file)
    return sdk.RecoveryServicesBackupClient(
        credential, info["subscription_id"], base_url=emu.endpoint, credential_scopes=[emu.endpoint + "/.default"],
        connection_verify=emu.ca_file, polling_interval=0.2)


def test_sdk_walkthrough_discover_protect_backup_stop_delete(client, emu):
    assert client._config.api_version not in ("2016-12-01", "2019-05-13")  # pylint: disable=protected-access

    def protectable():
        items = client.backup_protectable_items.list(VAULT, VAULT_RG, filter="backupManagementType eq 'AzureIaasVM'")
        return {item.properties["friendlyName"].lower(): item for item in items}

    assert "vm01" not in protectable()  # not discovered yet
    client.protection_containers.refresh(VAULT, VAULT_RG, "Azure")
    vm = _wait(lambda: protectable().get("vm01"))
    vm_id = vm.properties["virtualMachineId"]
    assert vm.properties["protectionState"] == "NotProtected"

    policy = client.protection_policies.get(VAULT, VAULT_RG, "DefaultPolicy")
    body = models.ProtectedItemResource(properties=models.AzureIaaSComputeVMProtectedItem(source_resource_id=vm_id, policy_id=policy.id))
    enabled = client.protected_items.begin_create_or_update(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM, body).result()
    assert enabled.properties["protectionState"] == "IRPending"
    assert enabled.properties["policyId"].lower() == policy.id.lower()
    got = client.protected_items.get(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM)
    assert got.name == "VM;iaasvmcontainerv2;testrg;vm01"

    client.backups.trigger(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM,
                           models.BackupRequestResource(properties=models.IaasVMBackupRequest()))
    job = _wait(lambda: [j for j in client.backup_jobs.list(VAULT, VAULT_RG, filter="operation eq 'Backup'")
                         if j.properties["entityFriendlyName"] == "vm01"])[0]
    details = client.job_details.get(VAULT, VAULT_RG, job.name)
    assert details.properties["operation"] == "Backup"
    _wait(lambda: client.job_details.get(VAULT, VAULT_RG, job.name).properties["status"] == "Completed")

    stop = models.ProtectedItemResource(properties=models.AzureIaaSComputeVMProtectedItem(
        source_resource_id=vm_id, protection_state="ProtectionStopped"))
    stopped = client.protected_items.begin_create_or_update(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM, stop).result()
    assert stopped.properties["protectionState"] == "ProtectionStopped"

    client.protected_items.delete(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM)
    deleted = _wait(lambda: client.protected_items.get(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM).properties.get("isScheduledForDeferredDelete"))
    assert deleted is True  # testVault has soft delete on: the item stays, recoverable

    status = client.backup_status.get("westus", models.BackupStatusRequest(resource_type="VM", resource_id=vm_id))
    assert status.protection_status == "NotProtected"
