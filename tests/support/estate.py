# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small estate on the HTTPS fake ARM (``support.fake_arm``): two subscriptions, VMs on two pages,
vaults in two regions, protected, stopped, soft-deleted and failed items; the shapes and the
routes that serve them (the fleet and scope tests)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC

S1 = "11111111-aaaa-4000-8000-000000000001"
S2 = "22222222-aaaa-4000-8000-000000000002"
NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def vm_id(sub, rg, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s" % (sub, rg, name)


def vault_id(sub, rg, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (sub, rg, name)


def vm(sub, rg, name, location="westus", tags=None):
    body = {"id": vm_id(sub, rg, name), "name": name, "location": location, "properties": {"vmId": "guid-" + name}}
    if tags:
        body["tags"] = tags
    return body


def vault(sub, rg, name, location="westus", days=14):
    return {"id": vault_id(sub, rg, name), "name": name, "location": location,
            "properties": {"securitySettings": {"softDeleteSettings": {"softDeleteRetentionPeriodInDays": days}}}}


def item(sub, vault_rg, vault_name, rg, name, state="Protected", policy="DefaultPolicy", last="2026-03-01T06:00:00Z", status="Completed",
         deleted=None, policy_type=None):
    props = {"friendlyName": name, "virtualMachineId": vm_id(sub, rg, name), "sourceResourceId": vm_id(sub, rg, name),
             "protectionState": state, "healthStatus": "Passed", "lastBackupStatus": status, "lastBackupTime": last,
             "lastRecoveryPoint": last if status == "Completed" else "2026-03-01T02:00:00Z",
             "policyId": vault_id(sub, vault_rg, vault_name) + "/backupPolicies/" + policy if policy else "",
             "policyName": policy}
    if policy_type:
        props["policyType"] = policy_type
    if deleted:
        props.update({"isScheduledForDeferredDelete": True, "deferredDeleteTimeInUTC": deleted, "policyId": "", "policyName": None})
    return {"id": vault_id(sub, vault_rg, vault_name) + "/backupFabrics/Azure/protectionContainers/x/protectedItems/VM;" + name,
            "name": "VM;" + name, "properties": props}


def vms_path(sub):
    return "/subscriptions/%s/providers/Microsoft.Compute/virtualMachines" % sub


def vaults_path(sub):
    return "/subscriptions/%s/providers/Microsoft.RecoveryServices/vaults" % sub


def items_path(sub, rg, name):
    return vault_id(sub, rg, name) + "/backupProtectedItems"


def estate_routes(arm):
    # subscription 1: two pages of VMs, two vaults in westus (one sees web1 too), one eastus vault
    page2 = arm.url + vms_path(S1) + "?api-version=2024-07-01&%24skiptoken=p2"
    arm.route_path("GET", vms_path(S1), lambda req: (200, {"value": [vm(S1, "rg", "web2", tags={"backup": "silver"})]}, {})
                   if "skiptoken" in req.target else
                   (200, {"value": [vm(S1, "rg", "web1", tags={"Backup": "gold"}), vm(S1, "rg", "db1", tags={"backup": "gold"}),
                                    vm(S1, "rg", "old1"), vm(S1, "rg", "gone1"), vm(S1, "rg", "fail1"), vm(S1, "rg", "stop1")],
                          "nextLink": page2}, {}))
    arm.route_path("GET", vaults_path(S1), (200, {"value": [vault(S1, "vrg", "va"), vault(S1, "vrg", "vb", days=10),
                                                            vault(S1, "vrg", "vnorth", location="northeurope")]}, {}))
    arm.route_path("GET", items_path(S1, "vrg", "va"), (200, {"value": [
        item(S1, "vrg", "va", "rg", "web1"),
        item(S1, "vrg", "va", "rg", "old1", last="2026-02-20T06:00:00Z"),
        item(S1, "vrg", "va", "rg", "fail1", status="Failed", last="2026-03-01T10:00:00Z"),
        item(S1, "vrg", "va", "rg", "stop1", state="ProtectionStopped", policy=None)]}, {}))
    arm.route_path("GET", items_path(S1, "vrg", "vb"), (200, {"value": [
        item(S1, "vrg", "vb", "rg", "web1", state="ProtectionStopped", policy=None, deleted="2026-02-25T00:00:00Z"),
        item(S1, "vrg", "vb", "rg", "gone1", state="ProtectionStopped", policy=None, deleted="2026-02-25T00:00:00Z")]}, {}))
    # subscription 2: one VM in eastus, one vault in eastus with nothing protected
    arm.route_path("GET", vms_path(S2), (200, {"value": [vm(S2, "rg2", "app1", location="East US")]}, {}))
    arm.route_path("GET", vaults_path(S2), (200, {"value": [vault(S2, "vrg2", "veast", location="eastus")]}, {}))
    arm.route_path("GET", items_path(S2, "vrg2", "veast"), (200, {"value": []}, {}))
