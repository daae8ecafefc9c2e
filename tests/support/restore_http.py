# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore modules' shapes and routes on the transport fake of ``support.modules_http``: recovery
points, restore jobs, the reads a restore makes, restored disks, a protection change still running."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, format_utc

from support.modules_http import ARGS, ITEM, SUB, VAULT, VM_ARGS, item, running_job

OTHER_SUB = "11111111-1111-1111-1111-111111111111"
TAG = {"restore_drill": "d1"}
STORAGE = "/subscriptions/%s/resourceGroups/stagingRG/providers/Microsoft.Storage/storageAccounts/staging01" % SUB
VNET = "/subscriptions/%s/resourceGroups/netRG/providers/Microsoft.Network/virtualNetworks/isolated" % SUB
DISKS_ARGS = dict(VM_ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG")
NEW_VM_ARGS = dict(VM_ARGS, staging_storage_account=STORAGE, target_resource_group="drillRG", restore_type="new_vm",
                   target_vm_name="testVM-drill", virtual_network=VNET, subnet="default")


def ago(**delta):
    return datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(**delta)


def point(name="111", when=None, tiers=(("InstantRP", "Valid"), ("HardenedRP", "Valid")), luns=(0, 1)):
    when = when or ago(hours=2)
    return {"id": ITEM + "/recoveryPoints/" + name, "name": name,
            "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints",
            "properties": {"objectType": "IaasVMRecoveryPoint", "recoveryPointType": "AppConsistent", "recoveryPointTime": format_utc(when),
                           "isSourceVMEncrypted": False, "isManagedVirtualMachine": True, "originalStorageAccountOption": False,
                           "virtualMachineSize": "Standard_D1", "zones": ["1"],
                           "recoveryPointTierDetails": [{"type": t, "status": s} for t, s in tiers],
                           "recoveryPointDiskConfiguration": {
                               "numberOfDisksIncludedInBackup": len(luns) + 1, "numberOfDisksAttachedToVm": len(luns) + 1,
                               "includedDiskList": [{"lun": -1, "name": "os"}] + [{"lun": lun, "name": "d%d" % lun} for lun in luns],
                               "excludedDiskList": [{"lun": 5, "name": "d5"}]},
                           "recoveryPointProperties": {"expiryTime": "2027-01-01T00:00:00Z", "ruleName": "DailyRule"}}}


def restore_job(name, status="Completed", rp=None, rtype="RestoreDisks", bag=None, activity="a", actions=None):
    rp = rp or point()
    when = rp["properties"]["recoveryPointTime"]
    shown = datetime.datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").strftime("%m/%d/%Y %I:%M:%S %p")
    props = {"status": status, "operation": "Restore", "startTime": format_utc(ago(minutes=30)), "entityFriendlyName": "testVM",
             "containerName": "iaasvmcontainerv2;testrg;testvm", "duration": "PT1M11.5S", "activityId": activity, "jobType": "AzureIaaSVMJob",
             "extendedInfo": {"propertyBag": dict({"Recovery point time": shown, "Target Storage Account Name": "staging01",
                                                   "Target resource group": "drillRG", "Config Blob Uri": "https://staging01/config.json",
                                                   "Template Blob Uri": "https://staging01/template.json"}, **(bag or {})),
                              "internalPropertyBag": {"restoreLocationType": rtype}}}
    if status != "InProgress":
        props["endTime"] = format_utc(ago(minutes=1))
    if actions is not None:
        props["actionsInfo"] = actions
    return {"id": VAULT + "/backupJobs/" + name, "name": name, "properties": props}


def reads(session, points=None, storage_region="westus", vnet_region="westus", jobs=()):
    session.route("GET", r"/backupJobs/([^/]+)$", lambda r: (200, restore_job(r.path.rsplit("/", 1)[-1], "InProgress")))
    session.route("GET", r"/protectedItems/[^/]+$", (200, item()))
    session.route("GET", r"/recoveryPoints$", (200, {"value": points if points is not None else [point("111", ago(days=2)), point("222")]}))
    session.route("GET", r"/recoveryPoints/(\d+)$", lambda r: (200, point(r.path.rsplit("/", 1)[-1])))
    session.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    session.route("GET", r"/storageAccounts/staging01$", (200, {"id": STORAGE, "location": storage_region}))
    network = {"id": VNET, "location": vnet_region, "properties": {"subnets": [{"name": "default"}]}}
    session.route("GET", r"/virtualNetworks/isolated$", (200, network))
    session.route("GET", r"/backupJobs$", (200, {"value": [dict(j, properties=dict(j["properties"], extendedInfo=None)) for j in jobs]}))
    for one in jobs:
        session.route("GET", r"/backupJobs/%s$" % one["name"], (200, one))
    session.route("GET", r"/Microsoft.Compute/disks$", (200, {"value": []}))
    session.route("GET", r"/backupResourceGuardProxies$", (200, {"value": []}))


GUARD = "/subscriptions/%s/resourceGroups/guardRG/providers/Microsoft.DataProtection/resourceGuards/g1" % OTHER_SUB
RESTORE_REQUEST = GUARD + "/triggerRestoreRequests/default"


def guard_proxy(session, request_types=("triggerRestoreRequests", "updateProtectedItemRequests")):
    """The vault is under resource guard g1 (MUA), whose proxy lists the requests of ``request_types``."""
    details = [{"vaultCriticalOperation": "Microsoft.DataProtection/resourceGuards/" + kind, "defaultResourceRequest": "%s/%s/default" % (GUARD, kind)}
               for kind in request_types]
    session.route("GET", r"/backupResourceGuardProxies$", (200, {"value": [{
        "id": VAULT + "/backupResourceGuardProxies/VaultProxy", "name": "VaultProxy",
        "properties": {"resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": details}}]}))


def proxy_reads(session):
    return [r for r in session.arm if r.method == "GET" and r.path.endswith("/backupResourceGuardProxies")]


def restore_posts(session):
    return [r for r in session.arm if r.method == "POST" and r.path.endswith("/restore")]


def restored_disk(tags=None):
    return {"id": "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testvm-osdisk-1" % SUB, "name": "testvm-osdisk-1",
            "tags": tags or {}, "properties": {"timeCreated": format_utc(ago(minutes=10))}}


OTHER_ITEM_RP = ITEM.replace("testvm", "othervm") + "/recoveryPoints/1"
OTHER_VAULT_RP = ITEM.replace("vaults/testVault", "vaults/otherVault") + "/recoveryPoints/1"
JOB_ARGS = dict(ARGS, job_id="job-c")
DISK_ID = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/disks/testvm-os" % SUB
NEW_VM_ID = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Compute/virtualMachines/testVM-drill" % SUB
NIC_ID = "/subscriptions/%s/resourceGroups/drillRG/providers/Microsoft.Network/networkInterfaces/nic1" % SUB
AUTH_ARGS = dict((key, value) for key, value in ARGS.items() if not key.startswith("vault_"))


def running_write(session, operation="DisableBackup"):
    """The vault's running jobs hold ``operation`` on testVM (job-run, ending at its second read); no earlier restores."""
    def listing(request):
        running = "status eq 'InProgress'" in request.query["$filter"][0]
        return (200, {"value": [running_job("job-run", operation), running_job("other", "Backup")] if running else []})
    session.route("GET", r"/backupJobs$", listing)
    session.route("GET", r"/backupJobs/job-run$", (200, running_job("job-run", operation)),
                  (200, running_job("job-run", operation, status="Completed")))
