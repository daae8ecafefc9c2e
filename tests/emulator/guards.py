# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Multi-user authorisation: seeded resource guards (``Microsoft.DataProtection/resourceGuards``, GET only),
the vault's resource guard proxy (``P/backupResourceGuardProxies/{name}``: list / get / put / delete /
unlockDelete) and the check every critical operation makes (CONTRACT-wave2 §6).

A critical operation on a vault with a proxy must carry ``{guardId}/{requestType}/default`` among its
``resourceGuardOperationRequests`` when the guard protects that request type; deletes (protected item,
the proxy itself) need an ``unlockDelete`` first, valid ``unlock_delete_seconds``.
"""

from __future__ import annotations

import re
import time

from common import ArmError, Response, iso
from routing import RESOURCE_GROUP, VAULT, bad_input, route
from vault_settings import ext, settings

GUARD_TYPE = "Microsoft.DataProtection/resourceGuards"
PROXY_TYPE = "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies"
# The request types of CONTRACT-wave2 §6.3 (plus the encryption one the PUTVault_ResourceGuardEnabled example sends).
REQUEST_TYPES = ("updateProtectionPolicyRequests", "updateProtectedItemRequests", "stopProtectionWithRetainDataRequests",
                 "deleteProtectedItemRequests", "disableSoftDeleteRequests", "reduceImmutabilityStateRequests",
                 "deleteResourceGuardProxyRequests", "getBackupSecurityPINRequests", "triggerRestoreRequests",
                 "modifyEncryptionSettings")
GUARD_ID = re.compile(r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.DataProtection/"
                      r"resourceGuards/([^/]+)$")


def _refused(guard_id, request_type, what, reason):
    return ArmError(400, "BMSUserErrorResourceGuardOperationNotAuthorized",
                    "The operation '%s' is protected by resource guard '%s' (%s): %s" % (what, guard_id, request_type, reason))


# ---------------------------------------------------------------------- seeding
def seed_guard(state, sub, spec):
    """``{"id"}`` or ``{"subscription_id"?, "resource_group", "name"}``, ``location``, ``excluded_operations``."""
    if spec.get("id"):
        match = GUARD_ID.match(spec["id"])
        if not match:
            raise ValueError("resource guard id %r is not a Microsoft.DataProtection/resourceGuards id" % spec["id"])
        gsub, rg, name = match.groups()
    else:
        gsub, rg, name = spec.get("subscription_id", sub), spec["resource_group"], spec["name"]
    excluded = set(spec.get("excluded_operations", []))
    unknown = excluded - set(REQUEST_TYPES)
    if unknown:
        raise ValueError("resource guard %s: unknown excluded operations %s" % (name, sorted(unknown)))
    guard = {"id": "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (gsub, rg, GUARD_TYPE, name), "name": name,
             "location": spec.get("location", "westus"), "excluded": excluded}
    ext(state)["guards"][guard["id"].lower()] = guard
    state.subscriptions.add(gsub.lower())
    state.resource_groups.add((gsub.lower(), rg.lower()))
    return guard


def find_guard(state, guard_id):
    return ext(state)["guards"].get(str(guard_id or "").lower())


def attach_proxy(state, vault, guard_id, name="VaultProxy"):
    guard = find_guard(state, guard_id)
    if guard is None:
        raise ValueError("vault %s: resource guard %r is not seeded (seed resource_guards first)" % (vault.name, guard_id))
    settings(vault)["proxy"] = {"name": name, "guard": guard["id"], "updated": time.time()}


# ---------------------------------------------------------------------- checks used by the other handlers
def protected_types(state, vault):
    """(guard id, set of request types the guard protects) for a vault with MUA on, else (None, set())."""
    proxy = settings(vault)["proxy"]
    if proxy is None:
        return None, set()
    guard = find_guard(state, proxy["guard"])
    excluded = guard["excluded"] if guard else set()
    return proxy["guard"], set(REQUEST_TYPES) - excluded


def require(state, vault, request_type, tokens, what):
    """Raise unless the request carries the guard's token for ``request_type`` (or MUA does not cover it)."""
    guard_id, types = protected_types(state, vault)
    if guard_id is None or request_type not in types:
        return
    wanted = ("%s/%s/default" % (guard_id, request_type)).lower()
    given = [str(t).lower() for t in tokens or [] if t]
    if wanted in given:
        return
    if given:
        raise _refused(guard_id, request_type, what, "the request carries %s, not the guard's %s request." % (
            ", ".join(tokens), request_type))
    raise _refused(guard_id, request_type, what, "send resourceGuardOperationRequests ['%s/%s/default'] and hold the "
                   "rights the guard asks for." % (guard_id, request_type))


def require_unlocked(state, vault, request_type, resource_id, what):
    """Deletes on an MUA vault: an unlockDelete for this request type (and resource) must be valid now."""
    guard_id, types = protected_types(state, vault)
    if guard_id is None or request_type not in types:
        return
    unlocks = settings(vault)["unlocks"]
    expiry = unlocks.get((request_type, (resource_id or "").lower()))
    if expiry is not None and expiry >= time.time():
        return
    reason = "the unlock expired; call unlockDelete again." if expiry is not None else \
        "call backupResourceGuardProxies/{name}/unlockDelete with the guard's %s request first." % request_type
    raise _refused(guard_id, request_type, what, reason)


# ---------------------------------------------------------------------- handlers
class Guards:
    """Mixin of BackupApi: seeded resource guards (read-only) and the vault's resource guard proxy."""

    @route("GET", RESOURCE_GROUP, "providers/Microsoft.DataProtection/resourceGuards/{guard}")
    def get_resource_guard(self, req, sub, rg, name):
        guard_id = "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (sub, rg, GUARD_TYPE, name)
        guard = find_guard(self.state, guard_id)
        if guard is None:
            raise ArmError(404, "ResourceNotFound", "The Resource 'Microsoft.DataProtection/resourceGuards/%s' under resource "
                           "group '%s' was not found." % (name, rg), headers={"x-ms-failure-cause": "gateway"})
        operations = [{"vaultCriticalOperation": "%s/%s" % (GUARD_TYPE, t), "requestResourceType": "%s/%s" % (GUARD_TYPE, t)}
                      for t in REQUEST_TYPES if t not in guard["excluded"]]
        return Response(200, {"id": guard["id"], "name": guard["name"], "type": GUARD_TYPE, "location": guard["location"],
                              "tags": {}, "properties": {
                                  "provisioningState": "Succeeded", "allowAutoApprovals": False,
                                  "resourceGuardOperations": operations,
                                  "vaultCriticalOperationExclusionList": ["%s/%s" % (GUARD_TYPE, t) for t in sorted(guard["excluded"])],
                                  "description": "Resource guard (emulator)"}})

    def proxy_body(self, vault):
        proxy = settings(vault)["proxy"]
        guard_id, types = protected_types(self.state, vault)
        details = [{"vaultCriticalOperation": "%s/%s" % (GUARD_TYPE, t), "defaultResourceRequest": "%s/%s/default" % (guard_id, t)}
                   for t in REQUEST_TYPES if t in types]
        return {"id": "%s/backupResourceGuardProxies/%s" % (vault.id, proxy["name"]), "name": proxy["name"], "type": PROXY_TYPE,
                "properties": {"resourceGuardResourceId": proxy["guard"], "resourceGuardOperationDetails": details,
                               "lastUpdatedTime": iso(proxy["updated"]),
                               "description": "Please take JIT access before performing any of the critical operation"}}

    def _find_proxy(self, vault, name):
        proxy = settings(vault)["proxy"]
        if proxy is None or proxy["name"].lower() != name.lower():
            raise ArmError(404, "BMSUserErrorResourceGuardProxyNotFound",
                           "Resource guard proxy '%s' was not found in vault '%s'." % (name, vault.name))
        return proxy

    @route("GET", VAULT, "backupResourceGuardProxies")
    def list_proxies(self, req, vault):
        return Response(200, {"value": [self.proxy_body(vault)] if settings(vault)["proxy"] else []})

    @route("GET", VAULT, "backupResourceGuardProxies/{proxy}")
    def get_proxy(self, req, vault, name):
        self._find_proxy(vault, name)
        return Response(200, self.proxy_body(vault))

    @route("PUT", VAULT, "backupResourceGuardProxies/{proxy}")
    def put_proxy(self, req, vault, name):
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        guard_id = props.get("resourceGuardResourceId") if isinstance(props, dict) else None
        if not guard_id or not GUARD_ID.match(str(guard_id)):
            raise bad_input("properties.resourceGuardResourceId must be a Microsoft.DataProtection/resourceGuards ARM id.")
        guard = find_guard(self.state, guard_id)
        if guard is None:
            raise ArmError(400, "BMSUserErrorResourceGuardNotFound",
                           "Resource guard '%s' was not found or the caller has no access to it." % guard_id)
        current = settings(vault)["proxy"]
        if current is not None and current["name"].lower() != name.lower():
            raise ArmError(400, "BMSUserErrorResourceGuardProxyAlreadyExists",
                           "Vault '%s' already has the resource guard proxy '%s'; only one is allowed."
                           % (vault.name, current["name"]))
        if current is not None and current["guard"].lower() != guard["id"].lower():
            require_unlocked(self.state, vault, "deleteResourceGuardProxyRequests", "", "replace the resource guard")
        settings(vault)["proxy"] = {"name": current["name"] if current else name, "guard": guard["id"], "updated": time.time()}
        return Response(200, self.proxy_body(vault))

    @route("DELETE", VAULT, "backupResourceGuardProxies/{proxy}")
    def delete_proxy(self, req, vault, name):
        proxy = settings(vault)["proxy"]
        if proxy is None or proxy["name"].lower() != name.lower():
            return Response(204)
        require_unlocked(self.state, vault, "deleteResourceGuardProxyRequests", "", "delete the resource guard proxy")
        settings(vault)["proxy"] = None
        settings(vault)["unlocks"].clear()
        return Response(200)

    @route("POST", VAULT, "backupResourceGuardProxies/{proxy}/unlockDelete")
    def unlock_delete(self, req, vault, name):
        proxy = self._find_proxy(vault, name)
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("resourceGuardOperationRequests"), list):
            raise bad_input("The body needs resourceGuardOperationRequests (a list).")
        guard_id = proxy["guard"]
        resource = body.get("resourceToBeDeleted") or ""
        granted = None
        for token in body["resourceGuardOperationRequests"]:
            text = str(token)
            for request_type in ("deleteProtectedItemRequests", "deleteResourceGuardProxyRequests"):
                if text.lower() == ("%s/%s/default" % (guard_id, request_type)).lower():
                    granted = request_type
        if granted is None:
            raise _refused(guard_id, "unlockDelete", "unlock delete",
                           "resourceGuardOperationRequests must hold the guard's deleteProtectedItemRequests or "
                           "deleteResourceGuardProxyRequests request.")
        if granted == "deleteProtectedItemRequests" and not resource:
            raise bad_input("resourceToBeDeleted (the protected item's ARM id) is required with deleteProtectedItemRequests.")
        expiry = time.time() + float(self.state.config["unlock_delete_seconds"])
        key = (granted, resource.lower() if granted == "deleteProtectedItemRequests" else "")
        settings(vault)["unlocks"][key] = expiry
        return Response(200, {"unlockDeleteExpiryTime": iso(expiry)})
