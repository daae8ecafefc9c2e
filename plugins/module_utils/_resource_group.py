# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A restore drill's own resource group (azure_vm_restore_resource_group): created carrying the drill's tag,
deleted only while it carries that tag and holds nothing.

A resource group DELETE deletes everything inside it, so the drill never adopts a group it did not create (an
existing group without the tag is refused) and never deletes a group that still holds anything (the resources
are listed first through Resource Manager's generic list). Every wait is the core's (``wait_for_operation()``,
``wait_until()``) within the client's one deadline for the task (``wait_timeout``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_api as api
from ansible_collections.azure_recovery.backup.plugins.module_utils._lro import wait_for_operation
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import quote_segment
from ansible_collections.azure_recovery.backup.plugins.module_utils._restore import (
    carries_tag,
    drill_tag,
    parse_resource_group,
    tag_value_of,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._vault import location_option, normal_location
from ansible_collections.azure_recovery.backup.plugins.module_utils._waiter import Waiter

# Microsoft.Resources: resource groups and the generic resource list
RESOURCES_API_VERSION = "2021-04-01"
# Resources named in a refusal (the rest are counted)
NAMED_IN_REFUSAL = 10


def group_path(client, name):
    return "/subscriptions/%s/resourceGroups/%s" % (quote_segment(client.subscription_id), quote_segment(name))


def read_group(client, name):
    """The resource group, or None when it does not exist."""
    return client.get_or_none(group_path(client, name), "reading resource group %s" % name, api_version=RESOURCES_API_VERSION)


def group_resources(client, name):
    """Every resource the group holds (all pages of Resource Manager's generic list)."""
    return client.list(group_path(client, name) + "/resources", "listing the resources of resource group %s" % name,
                       api_version=RESOURCES_API_VERSION)


def group_result(body):
    """A resource group -> the module's resource_group shape."""
    if body is None:
        return None
    return {"id": body.get("id"), "name": body.get("name"), "location": normal_location(body.get("location")),
            "tags": dict(body.get("tags") or {}), "provisioning_state": (body.get("properties") or {}).get("provisioningState")}


def deleting(body):
    return ((body.get("properties") or {}).get("provisioningState") or "").lower() == "deleting"


def _not_ours(name, body, tag_name, tag_value, doing):
    found = tag_value_of(body, tag_name)
    return ValueError("refusing to %s resource group %s: it exists without the tag %s=%s (%s), so this drill did not create it and "
                      "its cleanup would delete someone else's group; nothing was changed. Choose another name"
                      % (doing, name, tag_name, tag_value, "it has no such tag" if found is None else "its value is %r" % found))


def _wait_until_gone(client, name):
    """Poll the group (GET) until it is gone: a DELETE started earlier, within the task's deadline."""
    waiter = Waiter(client, "waiting for resource group %s to be deleted" % name)

    def check():
        body = read_group(client, name)
        waiter.saw("provisioningState %s" % ((body or {}).get("properties") or {}).get("provisioningState") if body else "gone")
        return body is None, None, None
    waiter.until(check)


def _vault_location(client, params):
    """The region of a group to create without ``location``: the vault's (one GET), else a ValueError."""
    if params.get("vault_name") and params.get("vault_resource_group"):
        vpath = api.vault_path(client, params["vault_resource_group"], params["vault_name"])
        vault = api.get_vault(client, vpath, "%s/%s" % (params["vault_resource_group"], params["vault_name"]))
        if not vault.get("location"):
            raise ValueError("vault %s/%s shows no location: give location" % (params["vault_resource_group"], params["vault_name"]))
        return normal_location(vault["location"])
    raise ValueError("location is required to create a resource group (or vault_name and vault_resource_group: the vault's region is used)")


def present(client, params, name, tag_name, tag_value, wanted_location, check_mode):
    body = read_group(client, name)
    if body is not None:
        if not carries_tag(body, tag_name, tag_value):
            raise _not_ours(name, body, tag_name, tag_value, "use")
        if deleting(body):
            raise ValueError("resource group %s is being deleted (provisioningState Deleting): wait until it is gone, or choose another name" % name)
        if wanted_location and normal_location(body.get("location")) != wanted_location:
            raise ValueError("resource group %s exists in region %s, not in %s: a resource group cannot move; nothing was changed"
                             % (name, normal_location(body.get("location")), wanted_location))
        return {"changed": False, "resource_group": group_result(body),
                "msg": "resource group %s exists, tagged %s=%s" % (name, tag_name, tag_value)}
    location = wanted_location or _vault_location(client, params)
    request = {"location": location, "tags": {tag_name: tag_value}}
    if check_mode:
        planned = dict(request, id=group_path(client, name), name=name)
        return {"changed": True, "resource_group": group_result(planned),
                "msg": "would create resource group %s in %s tagged %s=%s" % (name, location, tag_name, tag_value)}
    response = client.send("PUT", group_path(client, name), "creating resource group %s" % name, body=request,
                           api_version=RESOURCES_API_VERSION, ok=(200, 201))
    created = client.read_object(response, "creating resource group %s" % name)
    return {"changed": True, "resource_group": group_result(created),
            "msg": "created resource group %s in %s tagged %s=%s" % (name, location, tag_name, tag_value)}


def absent(client, params, name, tag_name, tag_value, check_mode):
    body = read_group(client, name)
    if body is None:
        return {"changed": False, "resource_group": None, "deleted": [], "msg": "resource group %s does not exist" % name}
    if not carries_tag(body, tag_name, tag_value):
        raise _not_ours(name, body, tag_name, tag_value, "delete")
    result = {"changed": False, "resource_group": group_result(body), "deleted": []}
    if deleting(body):
        if not check_mode:
            _wait_until_gone(client, name)
        result["msg"] = "resource group %s was already being deleted%s" % (name, "" if check_mode else "; it is gone now")
        return result
    held = [resource.get("id") or resource.get("name") for resource in group_resources(client, name)]
    if held:
        shown = "; ".join(str(resource_id) for resource_id in held[:NAMED_IN_REFUSAL])
        more = " and %d more" % (len(held) - NAMED_IN_REFUSAL) if len(held) > NAMED_IN_REFUSAL else ""
        raise ValueError("refusing to delete resource group %s: it still holds %d resource(s), which its deletion would delete too; "
                         "nothing was deleted: %s%s" % (name, len(held), shown, more))
    result.update(changed=True, deleted=[body.get("id") or group_path(client, name)])
    if check_mode:
        result["msg"] = "would delete resource group %s (empty, tagged %s=%s)" % (name, tag_name, tag_value)
        return result
    action = "deleting resource group %s" % name
    response = client.send("DELETE", group_path(client, name), action, api_version=RESOURCES_API_VERSION, ok=(200, 202, 204, 404))
    if response.status_code == 202:
        wait_for_operation(client, response, action)
    result["msg"] = "deleted resource group %s (empty, tagged %s=%s)" % (name, tag_name, tag_value)
    return result


def resource_group(client, params, check_mode=False):
    """azure_vm_restore_resource_group: every option checked before any call, then present() or absent()."""
    name = parse_resource_group(client, params["name"], "resource group")
    tag_name, tag_value = drill_tag(params["tag"])
    wanted_location = location_option(params["location"]) if params.get("location") else None
    if params["state"] == "absent":
        return absent(client, params, name, tag_name, tag_value, check_mode)
    return present(client, params, name, tag_name, tag_value, wanted_location, check_mode)
