# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource Manager handlers composed from one class per resource family, and the dispatch.

Every handler runs with ``state.lock`` held (see server.py) and returns a ``Response`` or
raises ``ArmError``. The shapes follow CONTRACT.md, the spec's examples and, where they
differ, REAL-BEHAVIOUR.md (see README.md for the list).

A new resource family is a module with a class whose methods carry ``@route(...)`` (see
routing.py); it joins by being added to ``FAMILIES`` below.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from arm_resources import ArmOperations, Network, ResourceGroups, Storage
from async_ops import AsyncOperations
from backup_status import BackupStatus
from common import ArmError, Response, lkey
from compute import Compute
from compute_api import Fleet   # fleets: the subscription-wide VM list, vault lists (issue 16)
from discovery import Discovery
from guards import Guards
from jobs import Jobs
from policies import Policies
from protected_items import ProtectedItems
from recovery_points import RecoveryPoints
from restore import Restore
from routing import (API_VERSIONS, BACKUP_API_VERSIONS, RESOURCE_GROUP, RESOURCES_API_VERSIONS, SUBSCRIPTION, VAULT, Router,
                     api_version_error, api_versions_for, bad_input, not_found_vault)
from vaults import Vaults

PAGE_SIZE = 200

# The resource families, one module each. Add a new family (its class) here.
FAMILIES = (AsyncOperations, Vaults, Discovery, ProtectedItems, RecoveryPoints, Restore, Jobs, BackupStatus,
            ArmOperations, ResourceGroups, Compute, Network, Storage, Fleet,
            Policies, Guards)  # wave 2: vaults (Vaults above), policies, resource guards

_NAMESPACES = {"microsoft.recoveryservices": "Microsoft.RecoveryServices", "microsoft.compute": "Microsoft.Compute",
               "microsoft.storage": "Microsoft.Storage", "microsoft.network": "Microsoft.Network",
               "microsoft.dataprotection": "Microsoft.DataProtection"}
_TYPE_NAMES = {"microsoft.recoveryservices": "vaults", "microsoft.compute": "virtualMachines",
               "microsoft.storage": "storageAccounts", "microsoft.network": "virtualNetworks",
               "microsoft.dataprotection": "resourceGuards"}


class BackupApi(*FAMILIES):
    """Routes and answers Resource Manager requests against ``state``."""

    def __init__(self, state):
        self.state = state
        self.router = Router(self)

    # ================================================================== dispatch
    def handle(self, req):
        segs = [s.lower() for s in req.segments]
        st = self.state
        if len(segs) < 2 or segs[0] != "subscriptions":
            raise ArmError(404, "InvalidResourceType", "The requested path '%s' is not a Resource Manager path." % req.path)
        sub = req.segments[1]
        if sub.lower() not in st.subscriptions:
            raise ArmError(404, "SubscriptionNotFound", "The subscription '%s' could not be found." % sub)
        rest = segs[2:]
        raw = req.segments[2:]
        if len(rest) == 3 and rest[0] == "resourcegroups" and rest[2] == "resources":
            # Microsoft.Resources' generic list of what a resource group holds
            self._check_version(req, RESOURCES_API_VERSIONS, "resources")
            return self._route(SUBSCRIPTION, req, raw, sub)
        if len(rest) == 2 and rest[0] in ("resourcegroups", "operationresults"):
            # a resource group itself, and the operationresults of its DELETE (Microsoft.Resources)
            self._check_version(req, RESOURCES_API_VERSIONS, "resourceGroups" if rest[0] == "resourcegroups" else "operationresults")
            return self._route(SUBSCRIPTION, req, raw, sub)
        if len(rest) >= 3 and rest[0] == "providers" and rest[1] in API_VERSIONS:
            found = self._routed(SUBSCRIPTION, req, raw, api_versions_for(rest[1], rest),
                                 "locations" if rest[1] == "microsoft.recoveryservices" else "locations/operations")
            if found:
                return found[0](req, sub, *found[1])
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace "
                           "'%s' for api version '%s'." % (_NAMESPACES[rest[1]], req.query.get("api-version")))
        if len(rest) < 4 or rest[0] != "resourcegroups" or rest[2] != "providers":
            raise ArmError(404, "InvalidResourceType", "The requested resource type is not supported by the emulator.")
        rg = req.segments[3]
        namespace = rest[3]
        if namespace == "microsoft.recoveryservices" and len(rest) >= 6 and rest[4] == "vaults":
            found = self._routed(RESOURCE_GROUP, req, raw[2:], BACKUP_API_VERSIONS, "vaults", strict=False)
            self._check_rg(sub, rg)
            if found:
                return found[0](req, sub, rg, *found[1])
            vault = st.find_vault(sub, rg, req.segments[7])
            if vault is None:
                raise not_found_vault(rg, req.segments[7])
            return self._vault_route(req, vault, segs[8:], req.segments[8:])
        if namespace in API_VERSIONS:
            found = self._routed(RESOURCE_GROUP, req, raw[2:], api_versions_for(namespace, rest),
                                 raw[4] if len(raw) > 4 else _TYPE_NAMES[namespace])
            self._check_rg(sub, rg)
            if found:
                return found[0](req, sub, rg, *found[1])
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace '%s'."
                           % _NAMESPACES[namespace])
        raise ArmError(404, "InvalidResourceType", "The resource type could not be found for api version '%s'."
                       % req.query.get("api-version"))

    def _route(self, scope, req, raw, *leading):
        found = self.router.match(scope, req.method, raw)
        if not found:
            raise ArmError(404, "InvalidResourceType", "The resource type '%s' could not be found." % "/".join(raw))
        return found[0](req, *leading, *found[1])

    def _vault_route(self, req, vault, rest, raw):
        if len(rest) >= 3 and rest[0] == "backupfabrics":
            self._check_fabric(raw[1])
        found = self.router.match(VAULT, req.method, raw)
        if not found:
            raise ArmError(404, "InvalidResourceType", "The resource type '%s' could not be found in the namespace "
                           "'Microsoft.RecoveryServices' for api version '%s'." % ("/".join(raw), req.query.get("api-version")))
        self._check_vault_ready(vault)      # wave 2: backup calls wait for a vault's creation (vaults.py)
        return found[0](req, vault, *found[1])

    def _routed(self, scope, req, raw, versions, type_name, strict=True):
        """The route of ``raw`` in ``scope`` (None if none) after the api-version check: the route's own versions
        (``routing.api_versions``) or the namespace's."""
        found = self.router.match(scope, req.method, raw, strict)
        own = getattr(found[0], "api_versions", None) if found else None
        self._check_version(req, *(own or (versions, type_name)))
        return found

    def _check_version(self, req, versions, type_name):
        version = req.query.get("api-version")
        if version not in versions:
            raise api_version_error(version, versions, type_name)

    def _check_rg(self, sub, rg):
        if lkey(sub, rg) not in self.state.resource_groups:
            raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg,
                           headers={"x-ms-failure-cause": "gateway"})

    @staticmethod
    def _check_fabric(name):
        if name.lower() != "azure":
            raise ArmError(400, "BMSUserErrorInvalidInput", "Input provided for the call is invalid. Fabric '%s' is not supported; "
                           "use 'Azure'." % name)

    # ================================================================== paging (lists of every family)
    def _page(self, req, entries, size=PAGE_SIZE):
        start = 0
        token = req.query.get("$skiptoken")
        if token:
            try:
                start = int(base64.urlsafe_b64decode(token.encode() + b"==").decode())
            except (ValueError, UnicodeDecodeError) as exc:
                raise bad_input("Invalid $skipToken.") from exc
        page = entries[start:start + size]
        body = {"value": page}
        if start + size < len(entries):
            next_token = base64.urlsafe_b64encode(str(start + size).encode()).decode().rstrip("=")
            params = [("api-version", req.query.get("api-version"))]
            if req.query.get("$filter"):
                params.append(("$filter", req.query["$filter"]))
            params.append(("$skipToken", next_token))
            body["nextLink"] = req.endpoint + req.path + "?" + "&".join("%s=%s" % (k, quote(v, safe="")) for k, v in params)
        return Response(200, body)
