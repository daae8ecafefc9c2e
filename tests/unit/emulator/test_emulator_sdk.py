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


def _finished(status):
    """The operation status once it has left InProgress, else None (keep waiting)."""
    return status if status.status != "InProgress" else None


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


OLD_API = "2019-05-13"


def _op_id(headers):
    """The operation id of a 202: the last segment of its Location URL."""
    return headers["Location"].split("?")[0].rstrip("/").split("/")[-1]


def _answer(call, *args, **kwargs):
    """Run an SDK call (without its poller); return the HTTP answer."""
    seen = []
    kwargs["raw_response_hook"] = lambda pipeline: seen.append(pipeline.http_response)
    call(*args, **kwargs)
    return seen[0]


def _accepted(call, *args, **kwargs):
    """The headers of the 202 an SDK call gets."""
    answer = _answer(call, *args, **kwargs)
    assert answer.status_code == 202, answer.status_code
    return answer.headers


@pytest.fixture
def old_client(emu):
    info = emu.info
    credential = identity.ClientSecretCredential(
        info["tenant_id"], info["client_id"], info["client_secret"], authority=emu.endpoint,
        disable_instance_discovery=True, connection_verify=emu.ca_file)
    return sdk.RecoveryServicesBackupClient(
        credential, info["subscription_id"], base_url=emu.endpoint, credential_scopes=[emu.endpoint + "/.default"],
        connection_verify=emu.ca_file, polling_interval=0.2, api_version=OLD_API)


def test_sdk_at_an_older_api_version_polls_the_documented_operation_status_calls(old_client, emu):
    """Issue 12: enable -> backup -> job -> stop -> delete at 2019-05-13, each write followed through the
    spec's own operation-status / operation-result calls (unsigned URLs the SDK builds itself)."""
    client = old_client
    seen_versions = set()
    journal_mark = max([e["seq"] for e in emu.admin("GET", "journal")["entries"]] or [0])

    # discovery: ProtectionContainerRefreshOperationResults_Get, 202 until it answers 204
    op = _op_id(_accepted(client.protection_containers.refresh, VAULT, VAULT_RG, "Azure"))
    _wait(lambda: _answer(client.protection_container_refresh_operation_results.get, VAULT, VAULT_RG, "Azure", op).status_code == 204)
    vm = [i for i in client.backup_protectable_items.list(VAULT, VAULT_RG) if i.properties["friendlyName"] == "vm01"][0]
    vm_id = vm.properties["virtualMachineId"]
    policy = client.protection_policies.get(VAULT, VAULT_RG, "DefaultPolicy")

    def item_op_done(op_id):
        status = _wait(lambda: _finished(client.protected_item_operation_statuses.get(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM, op_id)))
        assert status.status == "Succeeded", status
        return status

    # enable: ProtectedItemOperationStatuses_Get, then ProtectedItemOperationResults_Get gives the item
    body = models.ProtectedItemResource(properties=models.AzureIaaSComputeVMProtectedItem(source_resource_id=vm_id, policy_id=policy.id))
    op = _op_id(_accepted(client.protected_items.begin_create_or_update, VAULT, VAULT_RG, "Azure", CONTAINER, ITEM, body, polling=False))
    enable_job = item_op_done(op).properties.job_id
    enabled = client.protected_item_operation_results.get(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM, op)
    assert enabled.properties["protectionState"] == "IRPending"
    assert client.job_details.get(VAULT, VAULT_RG, enable_job).properties["operation"] == "ConfigureBackup"

    # backup: the operation names the job; the job runs to Completed; ProtectionContainerOperationResults_Get agrees
    op = _op_id(_accepted(client.backups.trigger, VAULT, VAULT_RG, "Azure", CONTAINER, ITEM,
                          models.BackupRequestResource(properties=models.IaasVMBackupRequest())))
    backup_job = item_op_done(op).properties.job_id
    assert _answer(client.protection_container_operation_results.get, VAULT, VAULT_RG, "Azure", CONTAINER, op).status_code == 204
    _wait(lambda: client.job_details.get(VAULT, VAULT_RG, backup_job).properties["status"] == "Completed")
    assert client.job_details.get(VAULT, VAULT_RG, backup_job).properties["operation"] == "Backup"

    # stop protection
    stop = models.ProtectedItemResource(properties=models.AzureIaaSComputeVMProtectedItem(
        source_resource_id=vm_id, protection_state="ProtectionStopped", policy_id=""))
    op = _op_id(_accepted(client.protected_items.begin_create_or_update, VAULT, VAULT_RG, "Azure", CONTAINER, ITEM, stop, polling=False))
    item_op_done(op)
    stopped = client.protected_items.get(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM)
    assert stopped.properties["protectionState"] == "ProtectionStopped"

    # delete: BackupOperationStatuses_Get / BackupOperationResults_Get (vault level)
    op = _op_id(_accepted(client.protected_items.delete, VAULT, VAULT_RG, "Azure", CONTAINER, ITEM))
    status = _wait(lambda: _finished(client.backup_operation_statuses.get(VAULT, VAULT_RG, op)))
    assert status.status == "Succeeded"
    assert _answer(client.backup_operation_results.get, VAULT, VAULT_RG, op).status_code == 204
    deleted = client.protected_items.get(VAULT, VAULT_RG, "Azure", CONTAINER, ITEM)
    assert deleted.properties["isScheduledForDeferredDelete"] is True

    # every call went out at the old api-version, and none was refused
    for entry in emu.admin("GET", "journal?since=%d" % journal_mark)["entries"]:
        if entry["path"].lower().startswith("/subscriptions/"):
            seen_versions.update(v for k, v in [p.split("=", 1) for p in entry["query"].split("&") if "=" in p] if k == "api-version")
            assert entry["status"] < 400, entry
    assert seen_versions == {OLD_API}
