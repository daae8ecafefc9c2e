# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routing of Resource Manager requests: the request object, the route table, request kinds.

A handler joins the table with the ``route`` decorator on a method of a resource family class
(``vaults.py``, ``jobs.py``, …) that ``backup_api.BackupApi`` composes::

    @route("GET", VAULT, "backupJobs/{job}")
    def get_job(self, req, vault, job_id): ...

The pattern is matched segment by segment, case-insensitively, after the scope's prefix;
``{name}`` captures a segment (passed positionally, in order, in the case the client sent),
``*`` matches any segment without passing it. When several patterns match, the one with more
literal segments wins; a path that matches a pattern but not its method answers 405.

Scopes (and the handler's leading arguments):

- ``VAULT``: after ``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults/{v}/``,
  ``handler(req, vault, *captures)`` (the vault exists; RG and api-version are checked).
- ``RESOURCE_GROUP``: after ``/subscriptions/{s}/resourceGroups/{rg}/``, e.g.
  ``providers/Microsoft.Compute/virtualMachines/{vm}``; ``handler(req, sub, rg, *captures)``. For
  Microsoft.RecoveryServices these are tried before the vault lookup (a vault PUT or list).
- ``SUBSCRIPTION``: after ``/subscriptions/{s}/``, e.g.
  ``providers/Microsoft.RecoveryServices/locations/{location}/backupStatus``; ``handler(req, sub, *captures)``.
"""

from __future__ import annotations

import json
import re

from common import ArmError

VAULT = "vault"
RESOURCE_GROUP = "resourceGroup"
SUBSCRIPTION = "subscription"

BACKUP_API_VERSIONS = (
    "2016-06-01", "2016-08-10", "2016-12-01", "2017-07-01", "2018-12-20", "2019-05-13", "2019-06-15", "2020-02-02",
    "2020-07-01", "2020-10-01", "2020-12-01", "2021-01-01", "2021-02-01", "2021-02-10", "2021-03-01", "2021-04-01",
    "2021-06-01", "2021-07-01", "2021-08-01", "2021-10-01", "2021-11-15", "2021-12-01", "2022-01-01", "2022-02-01",
    "2022-03-01", "2022-04-01", "2022-10-01", "2023-01-01", "2023-01-15", "2023-02-01", "2023-04-01", "2023-06-01",
    "2023-08-01", "2024-01-01", "2024-02-01", "2024-04-01", "2024-10-01", "2025-01-01", "2025-02-01", "2025-08-01",
    "2026-01-01", "2026-02-01",
    # Newer than CONTRACT.md's snapshot: the default of azure-mgmt-recoveryservicesbackup 11.2.0 (2026-10),
    # so the live service serves it.
    "2026-10-01",
    "2021-02-01-preview", "2022-06-01-preview", "2022-09-01-preview", "2022-09-30-preview", "2024-04-30-preview",
    "2024-07-30-preview", "2024-11-01-preview", "2025-02-28-preview", "2026-01-31-preview", "2026-03-31-preview",
    "2019-05-13-preview",
)
COMPUTE_API_VERSIONS = (
    "2015-06-15", "2016-03-30", "2016-04-30-preview", "2017-03-30", "2017-12-01", "2018-04-01", "2018-06-01",
    "2018-10-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-06-01", "2020-12-01", "2021-03-01", "2021-04-01",
    "2021-07-01", "2021-11-01", "2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01",
    "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01",
)
# Microsoft.Resources (resource groups, tags/default, the resource-group delete's operationresults)
RESOURCES_API_VERSIONS = ("2016-09-01", "2018-05-01", "2019-05-01", "2019-10-01", "2020-06-01", "2020-10-01", "2021-01-01",
                          "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01",
                          "2025-04-01")
# Microsoft.Compute/disks has its own api-versions (the disk RP) besides the Compute ones
DISK_API_VERSIONS = ("2019-07-01", "2020-09-30", "2020-12-01", "2021-04-01", "2021-08-01", "2021-12-01", "2022-03-02",
                     "2022-07-02", "2023-01-02", "2023-04-02", "2023-10-02", "2024-03-02", "2025-01-02")
STORAGE_API_VERSIONS = ("2019-06-01", "2021-04-01", "2021-09-01", "2022-05-01", "2022-09-01", "2023-01-01", "2023-04-01",
                        "2023-05-01", "2024-01-01", "2025-01-01")
NETWORK_API_VERSIONS = ("2020-11-01", "2021-05-01", "2022-01-01", "2022-07-01", "2023-04-01", "2023-09-01", "2023-11-01",
                        "2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01")
# wave 2: the vault resource type (vaults.py) also takes the vault RP's versions (CONTRACT-wave2 §0); resource guards
# (Microsoft.DataProtection, guards.py) their own.
VAULT_API_VERSIONS = BACKUP_API_VERSIONS + ("2015-03-15", "2022-05-01", "2022-08-01", "2022-09-10", "2024-09-30-preview")
DATA_PROTECTION_API_VERSIONS = (
    "2021-07-01", "2022-01-01", "2022-03-01", "2022-04-01", "2022-05-01", "2022-09-01-preview", "2022-10-01-preview",
    "2022-11-01-preview", "2022-12-01", "2023-01-01", "2023-05-01", "2023-11-01", "2023-12-01", "2024-03-01", "2024-04-01",
    "2025-01-01", "2025-07-01", "2025-09-01")
# namespace (lower case) -> api-versions the emulator serves for it
API_VERSIONS = {"microsoft.recoveryservices": BACKUP_API_VERSIONS, "microsoft.compute": COMPUTE_API_VERSIONS,
                "microsoft.storage": STORAGE_API_VERSIONS, "microsoft.network": NETWORK_API_VERSIONS,
                "microsoft.dataprotection": DATA_PROTECTION_API_VERSIONS}


def api_versions_for(namespace, segments):
    """The api-versions served for a path of ``namespace`` (``segments``: lower case): ``…/providers/Microsoft.Resources/
    tags/default`` at Microsoft.Resources' versions, Compute disks (and their diskOperations) at Compute's and the disk RP's."""
    if segments[-3:] == ["microsoft.resources", "tags", "default"]:
        return RESOURCES_API_VERSIONS
    if namespace == "microsoft.compute" and ("disks" in segments or "diskoperations" in segments):
        return COMPUTE_API_VERSIONS + DISK_API_VERSIONS
    return API_VERSIONS[namespace]


# ---------------------------------------------------------------------- request kinds (the journal's "kind")
# The last-but-one segment of a GET that reads the status or result of an earlier write.
_POLL_SEGMENTS = frozenset(("operationresults", "operationsstatus", "operationstatus", "backupoperations",
                            "backupoperationresults", "backupvalidateoperationresults", "backupvalidateoperationsstatuses",
                            "getrpextendedinfooperationresult", "diskoperations"))
# POSTs that only read state (they still spend a write token: ARM counts by HTTP method): which vault
# protects a VM (backupStatus), and a restore's validation, sync or async (CONTRACT-wave2 §3.5: it
# "reads, it restores nothing"), which check mode sends.
_READING_POSTS = re.compile(r"(?i)(/providers/Microsoft\.RecoveryServices/locations/[^/]+/backupStatus"
                            r"|/providers/Microsoft\.RecoveryServices/vaults/[^/]+/backup(Trigger)?ValidateOperation)/?$")


def request_kind(method, path):
    """``read``, ``write`` or ``poll`` for a Resource Manager request (the journal's ``kind``).

    The one place for the rule: ``POST …/locations/{l}/backupStatus`` (it asks which vault protects a
    VM) and ``POST …/vaults/{v}/backup[Trigger]ValidateOperation`` (a restore's validation) are reads
    of state although Resource Manager charges them to the writes budget (``rate_limit_bucket``); a GET
    of an operation-status / operation-result URL is a ``poll``.
    """
    method = method.upper()
    if method in ("GET", "HEAD"):
        segments = [s.lower() for s in path.split("/") if s]
        if len(segments) >= 2 and (segments[-2] in _POLL_SEGMENTS
                                   or (segments[-2] == "operations" and ("backuppolicies" in segments or "locations" in segments))):
            return "poll"
        return "read"
    if method == "POST" and _READING_POSTS.search(path):
        return "read"
    return "write"


def rate_limit_bucket(method):
    """Which of Resource Manager's per-subscription token buckets a request spends: by HTTP method only."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    if method == "DELETE":
        return "deletes"
    return "writes"


# ---------------------------------------------------------------------- request
class Request:
    """What a handler needs from an HTTP request."""

    def __init__(self, method, path, segments, query, raw_query, body, headers, endpoint, client_request_id):
        self.method = method
        self.path = path
        self.segments = segments
        self.query = query
        self.raw_query = raw_query
        self.body = body
        self.headers = headers
        self.endpoint = endpoint
        self.client_request_id = client_request_id

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArmError(400, "InvalidRequestContent",
                           "The request content was invalid and could not be deserialized: '%s'." % exc) from exc

    def self_url(self):
        return self.endpoint + self.path + ("?" + self.raw_query if self.raw_query else "")


# ---------------------------------------------------------------------- errors shared by the families
def api_version_error(version, versions, type_name):
    if not version:
        return ArmError(400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all requests.")
    if not re.match(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$", version):
        return ArmError(400, "InvalidApiVersionParameter",
                        "The api-version '%s' is invalid. The supported versions are '%s'." % (version, ",".join(versions)))
    return ArmError(400, "NoRegisteredProviderFound",
                    "No registered resource provider found for location 'westus' and API version '%s' for type '%s'. "
                    "The supported api-versions are '%s'." % (version, type_name, ", ".join(versions)))


def not_found_vault(rg, name):
    return ArmError(404, "ResourceNotFound",
                    "The Resource 'Microsoft.RecoveryServices/vaults/%s' under resource group '%s' was not found. "
                    "For more details please go to https://aka.ms/ARMResourceNotFoundFix" % (name, rg),
                    headers={"x-ms-failure-cause": "gateway"})


def bad_input(message):
    return ArmError(400, "BMSUserErrorInvalidInput", "Input provided for the call is invalid. " + message)


# ---------------------------------------------------------------------- route table
def route(method, scope, pattern):
    """Register the decorated handler for ``method`` on ``pattern`` in ``scope`` (stackable)."""
    def mark(func):
        func.__dict__.setdefault("_routes", []).append((method.upper(), scope, pattern))
        return func
    return mark


def api_versions(versions, type_name):
    """Mark a handler whose resource type takes other api-versions than its namespace's (the dispatch checks them)."""
    def mark(func):
        func.api_versions = (tuple(versions), type_name)
        return func
    return mark


class Router:
    """The routes of an object's ``@route`` methods, by scope, most literal pattern first."""

    def __init__(self, owner):
        self.routes = {}
        seen = set()
        for klass in type(owner).__mro__:
            for name, func in vars(klass).items():
                if name in seen or not hasattr(func, "_routes"):
                    continue
                seen.add(name)
                for method, scope, pattern in func._routes:  # pylint: disable=protected-access
                    parts = tuple(p.lower() for p in pattern.strip("/").split("/")) if pattern.strip("/") else ()
                    self.routes.setdefault(scope, []).append((parts, method, getattr(owner, name)))
        for entries in self.routes.values():
            entries.sort(key=lambda e: -sum(1 for p in e[0] if not p.startswith("{") and p != "*"))

    @staticmethod
    def _captures(parts, lower, raw):
        if len(parts) != len(lower):
            return None
        captures = []
        for part, seg, original in zip(parts, lower, raw):
            if part.startswith("{"):
                captures.append(original)
            elif part != "*" and part != seg:
                return None
        return captures

    def match(self, scope, method, raw, strict=True):
        """(handler, captures) for ``raw`` segments; None if no pattern matches; 405 if only the method
        differs (None with ``strict=False``)."""
        lower = [s.lower() for s in raw]
        matched = False
        for parts, verb, handler in self.routes.get(scope, ()):
            captures = self._captures(parts, lower, raw)
            if captures is None:
                continue
            if verb == method:
                return handler, captures
            matched = True
        if matched and strict:
            raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % method)
        return None
