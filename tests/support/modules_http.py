# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules end to end through AnsibleModule and the real ArmClient, with HTTP faked at the
transport: ``modules_fake(monkeypatch)`` makes every module's ArmClient use one ``FakeArm`` as its
transport (real ``_transport.Response`` objects, every request recorded, so call counts are
asserted); ``run`` runs a module's ``main()`` and returns its result; the service's shapes of the
default test VM (testRG/testVM in testVaultRG/testVault)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

import pytest

from ansible.module_utils.testing import patch_module_args

from support.fake_arm import DROP, FakeArm  # noqa: F401 pylint: disable=unused-import
from support.fakes import FakeCredential

ENDPOINT = "https://arm.test"
SUB = "00000000-0000-0000-0000-000000000000"
VAULT = "/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault" % SUB
CONTAINER = "IaasVMContainer;iaasvmcontainerv2;testrg;testvm"
ITEM_NAME = "VM;iaasvmcontainerv2;testrg;testvm"
ITEM = "%s/backupFabrics/Azure/protectionContainers/%s/protectedItems/%s" % (VAULT, CONTAINER, ITEM_NAME)
VM_ID = "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB
POLICY_ID = VAULT + "/backupPolicies/DefaultPolicy"
ARGS = {"vault_name": "testVault", "vault_resource_group": "testVaultRG", "subscription_id": SUB, "client_id": "app", "secret": "s3cret",
        "tenant": "tenant-1", "cloud_environment": ENDPOINT, "token_cache": False}
VM_ARGS = dict(ARGS, vm_name="testVM", vm_resource_group="testRG")


def modules_fake(monkeypatch):
    """A FakeArm that every module's ArmClient uses as its transport (instant sleeps, a fake credential)."""
    from ansible_collections.azure_recovery.backup.plugins.module_utils import _common
    from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient

    session = FakeArm(ENDPOINT, audience=ENDPOINT + "/", idle_jobs=True)

    def client_factory(params, warn=None):
        client = ArmClient(params, warn=warn, environ={}, transport=session)
        client.tokens.credential_factory = lambda config, cloud, verify: FakeCredential(lifetime=10 ** 9)
        client.sleep = lambda seconds: None
        return client
    monkeypatch.setattr(_common, "ArmClient", client_factory)
    from ansible.module_utils.common import warnings as module_warnings
    monkeypatch.setattr(module_warnings, "_global_warnings", {})
    return session


def run(module, args, capsys, check_mode=False, diff=False):
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def warnings(result):
    """Warning texts (ansible-core 2.19 returns WarningSummary dicts, older ones strings)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


# --------------------------------------------------------------------------- service shapes

def item(state="Protected", policy="DefaultPolicy", soft_deleted=False, last_backup=None, disks=None):
    props = {"protectedItemType": "Microsoft.Compute/virtualMachines", "friendlyName": "testVM", "virtualMachineId": VM_ID,
             "sourceResourceId": VM_ID, "protectionState": state, "protectionStatus": "Healthy", "healthStatus": "Passed",
             "containerName": "iaasvmcontainerv2;testrg;testvm", "lastBackupStatus": "Completed" if last_backup else "",
             "lastBackupTime": last_backup or "2001-01-01T00:00:00Z", "policyId": VAULT + "/backupPolicies/" + policy if policy else ""}
    if policy:
        props["policyName"] = policy
    if soft_deleted:
        props.update(isScheduledForDeferredDelete=True, deferredDeleteTimeInUTC="2026-12-13T00:00:00Z")
    if disks:
        props["extendedProperties"] = {"diskExclusionProperties": disks}
    return {"id": ITEM, "name": ITEM_NAME, "properties": props}


def accepted(session, op="op-1", job="job-1", status="Succeeded"):
    """A 202 for a write on the item; its operation ends at the first poll."""
    body = {"status": status, "properties": {"objectType": "OperationStatusJobExtendedInfo", "jobId": job}}
    if status == "Failed":
        body["error"] = {"code": "UserErrorX", "message": "it broke"}
    session.route("GET", r"/operationsStatus/%s$" % op, (200, body))
    return (202, "", {"Azure-AsyncOperation": ENDPOINT + ITEM + "/operationsStatus/" + op + "?api-version=2019-05-13"})


def protectable(name="testVM", rg="testRG"):
    vm_id = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s" % (SUB, rg, name)
    return {"name": "iaasvmcontainerv2;%s;%s" % (rg.lower(), name.lower()),
            "properties": {"friendlyName": name, "virtualMachineId": vm_id, "protectableItemType": "Microsoft.Compute/virtualMachines",
                           "protectionState": "NotProtected", "resourceGroup": rg}}


def job(name="job-1", status="InProgress", start="2026-03-01T11:00:00Z", errors=None):
    props = {"status": status, "operation": "Backup", "startTime": start, "entityFriendlyName": "testvm",
             "containerName": "iaasvmcontainerv2;testrg;testvm", "duration": "PT1M", "activityId": "a"}
    if status != "InProgress":
        props["endTime"] = "2026-03-01T12:00:00Z"
    if errors:
        props["errorDetails"] = errors
    return {"id": VAULT + "/backupJobs/" + name, "name": name, "properties": props}


def enable_reads(session, policy=True, protectable_items=None, status=None):
    """The reads an enable makes: item (404), policy, vault, backupStatus, protectable items."""
    session.route("GET", r"/protectedItems/%s$" % re.escape(ITEM_NAME), (404, {"error": {"code": "BMSUserErrorItemNotFound", "message": "no"}}))
    if policy:
        session.route("GET", r"/backupPolicies/DefaultPolicy$", (200, {"id": POLICY_ID, "name": "DefaultPolicy",
                                                                       "properties": {"backupManagementType": "AzureIaasVM"}}))
    session.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    session.route("POST", r"/locations/westus/backupStatus$", (200, status or {"protectionStatus": "NotProtected"}))
    session.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable()] if protectable_items is None else protectable_items}))


# --------------------------------------------------------------------------- a write still running on the item

def running_job(name="job-run", operation="DisableBackup", vm="testVM", status="InProgress"):
    return {"id": VAULT + "/backupJobs/" + name, "name": name,
            "properties": {"operation": operation, "status": status, "entityFriendlyName": vm, "backupManagementType": "AzureIaasVM",
                           "containerName": "iaasvmcontainerv2;testrg;%s" % vm.lower(), "startTime": "2026-03-01T10:00:00Z"}}


def item_while_running(fake, before, after, job="job-run", operation="DisableBackup"):
    """The item shows ``before`` until the job (read by its id) has ended; then ``after``."""
    fake.route("GET", r"/backupJobs$", (200, {"value": [running_job(job, operation), running_job("other", "Backup")]}))
    fake.route("GET", r"/backupJobs/%s$" % job, (200, running_job(job, operation)), (200, running_job(job, operation, status="Completed")))
    fake.route("GET", r"/protectedItems/", (200, before), (200, after))
