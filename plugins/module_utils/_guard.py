# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Multi-user authorization (MUA): the vault's resource guard proxy, and the operation requests a
critical write must carry (CONTRACT-wave2.md section 6).

The requests are taken exactly as the proxy lists them (``resourceGuardOperationDetails[]
.defaultResourceRequest``), never built from the guard's ID: ``Guard.requests_for()`` is the one
place that picks them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils import _vault_api as vapi
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, ArmNotFound

# The request types of the critical operations (CONTRACT-wave2.md 6.3), by what the modules do.
UPDATE_POLICY = "updateProtectionPolicyRequests"
UPDATE_ITEM = "updateProtectedItemRequests"
STOP_PROTECTION = "stopProtectionWithRetainDataRequests"
DELETE_ITEM = "deleteProtectedItemRequests"
DISABLE_SOFT_DELETE = "disableSoftDeleteRequests"
REDUCE_IMMUTABILITY = "reduceImmutabilityStateRequests"
DELETE_PROXY = "deleteResourceGuardProxyRequests"
TRIGGER_RESTORE = "triggerRestoreRequests"

OPERATION_NAMES = {
    UPDATE_POLICY: "changing a backup policy",
    UPDATE_ITEM: "changing the protection of a VM",
    STOP_PROTECTION: "stopping protection",
    DELETE_ITEM: "deleting backup data",
    DISABLE_SOFT_DELETE: "disabling soft delete",
    REDUCE_IMMUTABILITY: "reducing immutability",
    DELETE_PROXY: "removing the resource guard",
    TRIGGER_RESTORE: "restoring a VM",
}


def request_type_of(request):
    """'<guard id>/<requestType>/default' -> requestType ('' when the shape is not that)."""
    parts = (request or "").rstrip("/").split("/")
    return parts[-2] if len(parts) >= 2 else ""


class Guard(object):
    """The vault's resource guard proxy (None from ``read()`` when the vault has none)."""

    def __init__(self, proxy):
        props = proxy.get("properties") or {}
        self.proxy_name = proxy.get("name") or vapi.GUARD_PROXY_NAME
        self.guard_id = props.get("resourceGuardResourceId") or ""
        self.details = [d for d in (props.get("resourceGuardOperationDetails") or []) if isinstance(d, dict)]

    @classmethod
    def read(cls, client, vpath, label):
        """The vault's guard, or None. A 404 of the list (the service answers [] for a vault without a guard)
        counts as none: the write that follows fails on its own when the vault is not there."""
        try:
            proxies = vapi.list_guard_proxies(client, vpath, label)
        except ArmNotFound:
            return None
        return cls(proxies[0]) if proxies else None

    @property
    def name(self):
        return self.guard_id.rstrip("/").rsplit("/", 1)[-1]

    def requests_for(self, request_type):
        """The proxy's requests for a critical operation (a list, empty when the guard does not protect it)."""
        return [d["defaultResourceRequest"] for d in self.details
                if d.get("defaultResourceRequest") and request_type_of(d["defaultResourceRequest"]).lower() == request_type.lower()]

    def protects(self, request_type):
        return bool(self.requests_for(request_type))

    def blocked(self, err, request_type):
        """An ArmError on a write the guard protects -> one line naming the guard and the operation."""
        return ArmError(err.action, "%s was refused with the request resource guard %s (%s) lists for it (%s): %s; when the guard "
                        "blocks it, a guard owner must first grant access to this operation (Backup MUA Operator on the guard)"
                        % (OPERATION_NAMES.get(request_type, request_type), self.name, self.guard_id, request_type, err.message),
                        status=err.status, code=err.code, request_id=err.request_id, url=getattr(err, "url", None))


def guard_requests(guard, request_type):
    """The requests to send with a critical write (empty without a guard or when the guard does not protect it)."""
    return guard.requests_for(request_type) if guard is not None else []


def guarded(guard, request_type, write):
    """Run ``write(requests)`` with the guard's requests for the operation; a refusal of a write the
    guard protects names the guard and the operation (one line)."""
    requests = guard_requests(guard, request_type)
    try:
        return write(requests)
    except ArmError as err:
        if requests and err.status in (400, 401, 403, 409, 412):
            raise guard.blocked(err, request_type)
        raise
