# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The vault, vault config, storage config, backup policy and resource guard proxy calls of
azure_backup_vault / azure_backup_policy (and their _info modules), as plain functions over an
ArmClient (CONTRACT-wave2.md sections 4-8).

Every wait for a long-running operation of these modules goes through ``wait()``: the core's
``_lro.wait_for_operation``, whose polls draw on the task's deadline (``client.set_deadline``,
from wait_timeout). Nothing here decides what should happen.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils._lro import wait_for_operation
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import quote_segment

VAULT_API_VERSION = "2026-02-01"
GUARD_PROXY_NAME = "VaultProxy"


def wait(client, response, action):
    """The one wait of the vault and policy modules: follow the operation ``response`` started to
    its end (``_lro.wait_for_operation``) and return its OperationResult; raises ArmError when it
    fails, or OperationTimeout when the task's deadline (wait_timeout) passes first."""
    return wait_for_operation(client, response, action)


# ---------------------------------------------------------------------------------------
# The vault (Microsoft.RecoveryServices/vaults)
# ---------------------------------------------------------------------------------------

def get_vault(client, vpath, label):
    """The vault, or None when it does not exist (404)."""
    return client.get_or_none(vpath, "reading vault %s" % label, api_version=VAULT_API_VERSION)


def list_vaults(client, resource_group=None):
    path = "/subscriptions/%s" % quote_segment(client.subscription_id)
    if resource_group:
        path += "/resourceGroups/%s" % quote_segment(resource_group)
    return client.list(path + "/providers/Microsoft.RecoveryServices/vaults", "listing Recovery Services vaults", api_version=VAULT_API_VERSION)


def create_vault(client, vpath, body, label):
    """PUT of a new vault: 201 + Azure-AsyncOperation, followed to the end."""
    action = "creating vault %s" % label
    response = client.send("PUT", vpath, action, body=body, ok=(200, 201, 202), api_version=VAULT_API_VERSION)
    return wait(client, response, action)


def patch_vault(client, vpath, body, label):
    """PATCH (a merge) of the vault: 202 + Location/AsyncOp, or a synchronous 200."""
    action = "updating vault %s" % label
    response = client.send("PATCH", vpath, action, body=body, ok=(200, 202), api_version=VAULT_API_VERSION)
    return wait(client, response, action)


def delete_vault(client, vpath, label):
    action = "deleting vault %s" % label
    response = client.send("DELETE", vpath, action, ok=(200, 202, 204), api_version=VAULT_API_VERSION)
    if response.status_code == 202:
        return wait(client, response, action)
    return None


def list_items(client, vpath, label):
    """Every backup item of the vault (any workload, soft-deleted ones included)."""
    return client.list(vpath + "/backupProtectedItems", "listing the backup items of vault %s" % label)


# ---------------------------------------------------------------------------------------
# backupconfig/vaultconfig and backupstorageconfig/vaultstorageconfig (synchronous)
# ---------------------------------------------------------------------------------------

def get_vault_config(client, vpath, label):
    return client.get(vpath + "/backupconfig/vaultconfig", "reading the backup configuration of vault %s" % label)


def patch_vault_config(client, vpath, properties, label):
    response = client.send("PATCH", vpath + "/backupconfig/vaultconfig", "changing the soft-delete settings of vault %s" % label,
                           body={"properties": properties}, ok=(200,))
    return response.json() if response.content else None


def get_storage_config(client, vpath, label):
    return client.get(vpath + "/backupstorageconfig/vaultstorageconfig", "reading the storage configuration of vault %s" % label)


# ---------------------------------------------------------------------------------------
# Resource guard proxies (multi-user authorization)
# ---------------------------------------------------------------------------------------

def list_guard_proxies(client, vpath, label):
    return client.list(vpath + "/backupResourceGuardProxies", "reading the resource guard of vault %s" % label)


def put_guard_proxy(client, vpath, guard_id, label, name=GUARD_PROXY_NAME):
    response = client.send("PUT", "%s/backupResourceGuardProxies/%s" % (vpath, quote_segment(name)),
                           "associating resource guard %s with vault %s" % (guard_id, label),
                           body={"properties": {"resourceGuardResourceId": guard_id}}, ok=(200, 201))
    return response.json() if response.content else None


def unlock_delete_guard_proxy(client, vpath, name, requests, label, resource=None):
    body = {"resourceGuardOperationRequests": list(requests)}
    if resource:
        body["resourceToBeDeleted"] = resource
    response = client.send("POST", "%s/backupResourceGuardProxies/%s/unlockDelete" % (vpath, quote_segment(name)),
                           "unlocking the removal of the resource guard of vault %s" % label, body=body, ok=(200,), idempotent=True)
    return response.json() if response.content else {}


def delete_guard_proxy(client, vpath, name, label):
    client.send("DELETE", "%s/backupResourceGuardProxies/%s" % (vpath, quote_segment(name)),
                "removing the resource guard of vault %s" % label, ok=(200, 204))


# ---------------------------------------------------------------------------------------
# Backup policies
# ---------------------------------------------------------------------------------------

def policy_path(vpath, name):
    return "%s/backupPolicies/%s" % (vpath, quote_segment(name))


def list_policies(client, vpath, label, vm_only=True):
    query = {"$filter": "backupManagementType eq 'AzureIaasVM'"} if vm_only else None
    return client.list(vpath + "/backupPolicies", "listing the backup policies of vault %s" % label, query=query)


def put_policy(client, vpath, name, body, action):
    """PUT of a policy: 200 with the policy, or 202 followed to the end. -> the policy when known."""
    response = client.send("PUT", policy_path(vpath, name), action, body=body, ok=(200, 201, 202))
    done = wait(client, response, action)
    resource = done.resource if isinstance(done.resource, dict) and done.resource.get("properties") else None
    return resource


def delete_policy(client, vpath, name, action):
    response = client.send("DELETE", policy_path(vpath, name), action, ok=(200, 202, 204))
    if response.status_code == 202:
        wait(client, response, action)
