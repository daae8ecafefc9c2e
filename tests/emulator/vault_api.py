# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Recovery Services vault resource (vault RP) and the vault's backup settings.

- ``Microsoft.RecoveryServices/vaults``: GET / PUT (create 201 + AsyncOp, replace 200) / PATCH (202) /
  DELETE (202), ``operationStatus`` / ``operationResults``, list per resource group and subscription,
  ``extendedInformation/vaultExtendedInfo``;
- resource groups: ``GET|PUT /subscriptions/{s}/resourcegroups/{rg}`` (so a playbook can create one);
- ``backupconfig/vaultconfig`` (GET / PUT / PATCH) and ``backupstorageconfig/vaultstorageconfig``
  (GET / PUT 200, PATCH 204) and how they share state with the vault's own settings.

The soft-delete state lives on ``state.Vault`` (``soft_delete``, ``soft_delete_always_on``,
``soft_delete_days``: the item handlers read it); every other vault setting lives in
``settings(vault)``, a dict this module attaches to the vault. Rules and error codes: README.md.
"""

from __future__ import annotations

import base64
import copy
import re
import time
import uuid
from urllib.parse import quote

from common import ArmError, Response, iso, new_id
from state import Operation, Vault, lkey

VAULT_TYPE = "Microsoft.RecoveryServices/vaults"
IMMUTABLE_LINK = "https://aka.ms/AB-ImmutableVaults-States"
# Vault RP api-versions seen by the clients (CONTRACT-wave2 §0) on top of the backup ones.
VAULT_EXTRA_VERSIONS = ("2015-03-15", "2016-06-01", "2020-02-02", "2022-05-01", "2022-08-01", "2022-09-10",
                        "2023-02-01", "2024-09-30-preview", "2025-02-01", "2025-08-01")
RESOURCE_API_VERSIONS = ("2014-04-01", "2016-09-01", "2018-05-01", "2019-10-01", "2020-06-01", "2021-04-01",
                         "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01")
LOCATIONS = ("eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus", "southcentralus",
             "westcentralus", "canadacentral", "canadaeast", "brazilsouth", "northeurope", "westeurope", "uksouth", "ukwest",
             "francecentral", "germanywestcentral", "norwayeast", "switzerlandnorth", "swedencentral", "italynorth",
             "polandcentral", "spaincentral", "eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral",
             "australiaeast", "australiasoutheast", "centralindia", "southindia", "westindia", "uaenorth",
             "southafricanorth", "qatarcentral", "israelcentral", "mexicocentral", "newzealandnorth",
             "centraluseuap", "eastus2euap")
# A zone-redundant default where the region has zones is how the portal presents it; the emulator keeps the
# service's historical default (GeoRedundant) everywhere except regions without a pair.
NO_PAIR_REGIONS = ("qatarcentral", "israelcentral", "mexicocentral", "polandcentral", "italynorth", "spaincentral",
                   "newzealandnorth")
ENABLED_DISABLED = ("Enabled", "Disabled")
# Older api-versions omit the newer sub-objects: the 2022 az CLI recording (api-version 2021-03-01) shows only these.
OLD_SHAPE_BEFORE = "2022-01-01"
OLD_SHAPE_KEYS = ("provisioningState", "privateEndpointStateForBackup", "privateEndpointStateForSiteRecovery", "moveState",
                  "moveDetails", "upgradeDetails")
VAULT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,49}$")


ENUM_KEYS = {"publicNetworkAccess", "standardTierStorageRedundancy", "crossRegionRestore", "state", "softDeleteState",
             "enhancedSecurityState", "alertsForAllJobFailures", "alertsForAllReplicationIssues", "alertsForAllFailoverIssues",
             "alertsForCriticalOperations", "emailNotificationsForSiteRecovery", "crossSubscriptionRestoreState",
             "granularityLevel", "infrastructureEncryption", "status", "operationIdentityType", "softDeleteFeatureState",
             "storageType", "storageModelType", "storageTypeState"}
ENUM_WORDS = {w.lower(): w for w in (
    "Enabled", "Disabled", "AlwaysON", "Unlocked", "Locked", "Invalid", "PermanentlyDisabled", "LocallyRedundant",
    "GeoRedundant", "ZoneRedundant", "ReadAccessGeoZoneRedundant", "VaultLevel", "ProtectedItemLevel",
    "ProtectedItemWithParentTag", "SystemAssigned", "UserAssigned")}


def canonical(node):
    """A copy of a request body with enum values in the service's spelling (it parses them case-insensitively:
    the 2026 CLI recording sends ``AlwaysOn`` and reads back ``AlwaysON``)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ENUM_KEYS and isinstance(value, str):
                out[key] = ENUM_WORDS.get(value.lower(), value)
            elif key in ("tags", "userAssignedIdentities", "resourceGuardOperationRequests"):
                out[key] = copy.deepcopy(value)
            else:
                out[key] = canonical(value)
        return out
    if isinstance(node, list):
        return [canonical(v) for v in node]
    return node


def _bad(message):
    return ArmError(400, "BMSUserErrorInvalidInput", "Input provided for the call is invalid. " + message)


def _immutable(message):
    return ArmError(400, "BMSUserErrorImmutableVaultOperationNotAllowed",
                    "%s See %s for the operations an immutable vault allows." % (message, IMMUTABLE_LINK))


def normalise_location(text):
    return re.sub(r"\s+", "", str(text or "")).lower()


def default_settings(vault):
    """The vault RP's view of a vault that was seeded or created without settings."""
    location = normalise_location(vault.location)
    return {
        "tags": {}, "sku": {"name": "RS0", "tier": "Standard"}, "identity": None,
        "provisioning": "Succeeded",
        "public_network_access": "Enabled",
        "redundancy": "LocallyRedundant" if location in NO_PAIR_REGIONS else "GeoRedundant",
        "crr": "Disabled",
        "immutability": "Disabled",
        "enhanced_security": "Enabled",
        "alerts": {"alertsForAllJobFailures": "Enabled", "alertsForAllReplicationIssues": "Enabled",
                   "alertsForAllFailoverIssues": "Enabled"},
        "classic_alerts": {"alertsForCriticalOperations": "Disabled", "emailNotificationsForSiteRecovery": "Enabled"},
        "csr": "Enabled",
        "cost": None, "encryption": None, "source_scan": None, "region_of_choice": None,
        "soft_delete_api": None,       # None | "vault" | "backupconfig": which API last wrote the soft-delete state
        "storage_locked": False,
        "storage_version": "V2",
        "proxy": None,                 # the resource guard proxy (guard_api.py)
        "unlocks": {},                 # (request type, resource id lower) -> expiry (guard_api.py)
        "integrity_key": base64.b64encode(uuid.uuid4().bytes).decode(),
    }


def settings(vault):
    """The vault RP settings of ``vault`` (attached on first use)."""
    found = getattr(vault, "rp_settings", None)
    if found is None:
        found = vault.rp_settings = default_settings(vault)
    return found


def storage_locked(vault):
    """storageTypeState: Locked once an item has been protected in the vault (permanent)."""
    conf = settings(vault)
    if vault.items and not conf["storage_locked"]:
        conf["storage_locked"] = True
        conf["storage_version"] = "V2"
    return conf["storage_locked"]


def soft_delete_state(vault):
    return "AlwaysON" if vault.soft_delete_always_on else ("Enabled" if vault.soft_delete else "Disabled")


def soft_deleted_count(vault):
    return sum(1 for item in vault.items.values() if item.soft_deleted)


# ---------------------------------------------------------------------- seeding
def seed_vault(state, vault, spec):
    """Apply the wave-2 seed keys of one vault (README: seed format)."""
    conf = settings(vault)
    simple = {"public_network_access": "public_network_access", "redundancy": "redundancy",
              "cross_region_restore": "crr", "immutability": "immutability", "cross_subscription_restore": "csr",
              "enhanced_security": "enhanced_security", "storage_version": "storage_version"}
    for key, target in simple.items():
        if key in spec:
            conf[target] = spec[key]
    if "tags" in spec:
        conf["tags"] = dict(spec["tags"])
    if "job_failure_alerts" in spec:
        conf["alerts"]["alertsForAllJobFailures"] = "Enabled" if spec["job_failure_alerts"] else "Disabled"
    if "soft_delete_state" in spec:
        wanted = spec["soft_delete_state"]
        vault.soft_delete = wanted != "Disabled"
        vault.soft_delete_always_on = wanted == "AlwaysON"
    if "storage_locked" in spec:
        conf["storage_locked"] = bool(spec["storage_locked"])
    if "soft_delete_api" in spec:
        conf["soft_delete_api"] = spec["soft_delete_api"]
    for pol in spec.get("policies", []):
        if pol.get("properties") is not None:
            import policy_api  # pylint: disable=import-outside-toplevel
            policy = vault.policies[pol["name"].lower()]
            if policy.workload == "AzureIaasVM":       # seeds are trusted: normalised, not validated
                policy.props = policy_api.normalise(pol["properties"])
                policy.policy_type = policy.props["policyType"]
            else:
                policy.props = copy.deepcopy(pol["properties"])
    if spec.get("resource_guard"):
        import guard_api  # pylint: disable=import-outside-toplevel
        guard_api.attach_proxy(state, vault, spec["resource_guard"], spec.get("resource_guard_proxy", "VaultProxy"))


def seed(state, data):
    """Top-level wave-2 seed keys: extra subscriptions and resource guards."""
    for sub in data.get("subscriptions", []):
        state.subscriptions.add(str(sub).lower())
    if data.get("resource_guards"):
        import guard_api  # pylint: disable=import-outside-toplevel
        for spec in data["resource_guards"]:
            guard_api.seed_guard(state, data.get("subscription_id") or state.subscription_id, spec)


def check_config(config):
    """Refuse admin config values the vault / policy handlers do not know (admin.py hook)."""
    import policy_api  # pylint: disable=import-outside-toplevel
    choices = {"vault_create_mode": ("async", "sync"), "vault_default_soft_delete": ("Enabled", "AlwaysON"),
               "vault_soft_delete_writes": ("ignored", "applied"), "policy_put_async": ("auto", "always", "never")}
    for key, allowed in choices.items():
        if config.get(key) not in allowed:
            raise ArmError(400, "InvalidConfig", "%s must be one of %s." % (key, ", ".join(allowed)))
    if int(config.get("policy_delete_status", 202)) not in (200, 202, 204):
        raise ArmError(400, "InvalidConfig", "policy_delete_status must be 200, 202 or 204.")
    unknown = set(config.get("vault_default_policies") or []) - set(policy_api.NEW_VAULT_POLICIES)
    if unknown:
        raise ArmError(400, "InvalidConfig", "vault_default_policies: unknown %s (known: %s)."
                       % (sorted(unknown), sorted(policy_api.NEW_VAULT_POLICIES)))


def ext(state):
    """Extension state kept on ``state`` (reset with it): resource-group locations, guards."""
    found = getattr(state, "vault_ext", None)
    if found is None:
        found = state.vault_ext = {"rg_locations": {}, "guards": {}}
    return found


# ---------------------------------------------------------------------- the API
class VaultApi:
    """Vault RP, resource groups, vault config and storage config. ``api`` is the BackupApi (helpers)."""

    def __init__(self, api):
        self.api = api
        self.state = api.state

    # ------------------------------------------------------------------ helpers
    def _versions(self):
        from backup_api import BACKUP_API_VERSIONS  # pylint: disable=import-outside-toplevel
        return tuple(BACKUP_API_VERSIONS) + VAULT_EXTRA_VERSIONS

    def _check_version(self, req, versions, type_name):
        self.api._check_version(req, versions, type_name)  # pylint: disable=protected-access

    @staticmethod
    def _not_found(rg, name):
        from backup_api import _not_found_vault  # pylint: disable=import-outside-toplevel
        return _not_found_vault(rg, name)

    def _retry_after(self):
        return str(int(self.state.config["retry_after"]))

    @staticmethod
    def _prefix(req):
        """The vault path as the client sent it (the examples echo it) under the endpoint."""
        return "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (
            req.endpoint, req.segments[1], req.segments[3], req.segments[7])

    def _start(self, req, vault, action, apply, seconds=None):
        now = time.time()
        seconds = float(self.state.config["vault_lro_seconds"]) if seconds is None else seconds
        op = Operation("vault", vault, now, now + seconds)
        op.id = base64.b64encode(("%s;%s" % (uuid.uuid4(), uuid.uuid4())).encode()).decode()
        op.action = action
        op.apply = apply
        op.vault_path = (req.segments[1], req.segments[3], req.segments[7])
        self.state.add_operation(op)
        return op

    def _async_headers(self, req, op, location=True):
        # The request's api-version plus ARM's signature (t, c, s, h), as the 2026 CLI recording shows.
        query = self.api._async_query(op.id, req.query.get("api-version"))  # pylint: disable=protected-access
        prefix = self._prefix(req)
        headers = {"Azure-AsyncOperation": "%s/operationStatus/%s?%s" % (prefix, op.id, query),
                   "Retry-After": self._retry_after()}
        if location:
            headers["Location"] = "%s/operationResults/%s?%s" % (prefix, op.id, query)
        return headers

    # ------------------------------------------------------------------ routing (hooks in backup_api.py)
    def handle_subscription(self, req, sub, rest):
        """``/subscriptions/{s}/providers/Microsoft.RecoveryServices/vaults`` (None when not ours)."""
        if rest == ["providers", "microsoft.recoveryservices", "vaults"] and req.method == "GET":
            self._check_version(req, self._versions(), "vaults")
            vaults = [v for v in self.state.vaults.values() if v.sub.lower() == sub.lower()]
            return self._list(req, vaults)
        return None

    def handle_resource_group(self, req, sub, rest):
        """``/subscriptions/{s}/resourcegroups/{rg}`` GET / PUT (None when not ours)."""
        if len(rest) != 2 or rest[0] != "resourcegroups":
            return None
        self._check_version(req, RESOURCE_API_VERSIONS, "resourceGroups")
        rg = req.segments[3]
        known = lkey(sub, rg) in self.state.resource_groups
        locations = ext(self.state)["rg_locations"]
        if req.method == "GET":
            if not known:
                self.api._check_rg(sub, rg)  # pylint: disable=protected-access
            return Response(200, self._rg_body(sub, rg, locations.get(lkey(sub, rg), "westus")))
        if req.method == "PUT":
            body = req.json()
            location = normalise_location(body.get("location") if isinstance(body, dict) else None)
            if not location:
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            if location not in LOCATIONS:
                raise ArmError(400, "LocationNotAvailableForResourceGroup",
                               "The provided location '%s' is not available for resource group. List of available "
                               "regions is '%s'." % (location, ",".join(LOCATIONS)))
            self.state.resource_groups.add(lkey(sub, rg))
            locations.setdefault(lkey(sub, rg), location)
            return Response(200 if known else 201, self._rg_body(sub, rg, locations[lkey(sub, rg)]))
        raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)

    @staticmethod
    def _rg_body(sub, rg, location):
        return {"id": "/subscriptions/%s/resourceGroups/%s" % (sub, rg), "name": rg, "type": "Microsoft.Resources/resourceGroups",
                "location": location, "properties": {"provisioningState": "Succeeded"}}

    def handle_vaults(self, req, sub, rg, rest):
        """Vault-RP paths under ``…/providers/Microsoft.RecoveryServices/vaults`` (None when not ours)."""
        n = len(rest)
        if n == 5 and req.method == "GET":                 # the list of a resource group
            self._check_version(req, self._versions(), "vaults")
            self.api._check_rg(sub, rg)  # pylint: disable=protected-access
            vaults = [v for v in self.state.vaults.values() if lkey(v.sub, v.resource_group) == lkey(sub, rg)]
            return self._list(req, vaults)
        if n == 6 or (n == 8 and rest[6] in ("operationstatus", "operationresults")) or \
                (n == 8 and rest[6:] == ["extendedinformation", "vaultextendedinfo"]):
            self._check_version(req, self._versions(), "vaults")
            self.api._check_rg(sub, rg)  # pylint: disable=protected-access
            name = req.segments[7]
            vault = self.state.find_vault(sub, rg, name)
            if n == 8 and rest[6] in ("operationstatus", "operationresults"):
                if req.method != "GET":
                    raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported." % req.method)
                return self.operation(req, sub, rg, name, rest[6], req.segments[9])
            if n == 8:
                if vault is None:
                    raise self._not_found(rg, name)
                return self.extended_info(req, vault)
            if req.method == "GET":
                if vault is None:
                    raise self._not_found(rg, name)
                return Response(200, self.vault_body(req, vault))
            if req.method == "PUT":
                return self.put_vault(req, sub, rg, name, vault)
            if vault is None:
                raise self._not_found(rg, name)
            if req.method == "PATCH":
                return self.patch_vault(req, vault)
            if req.method == "DELETE":
                return self.delete_vault(req, vault)
            raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)
        return None

    @staticmethod
    def check_ready(vault):
        """Backup calls on a vault still being created are refused (CONTRACT-wave2 §4.2: they work once it is Succeeded)."""
        if settings(vault)["provisioning"] != "Succeeded":
            raise ArmError(409, "BMSUserErrorVaultNotReady",
                           "Vault '%s' is still being created (provisioningState %s); wait for its creation to complete."
                           % (vault.name, settings(vault)["provisioning"]))

    def child_routes(self, req, vault, rest):
        """Routes for ``P/backupconfig/vaultconfig`` and ``P/backupstorageconfig/vaultstorageconfig``."""
        if rest == ["backupconfig", "vaultconfig"]:
            return [("GET", self.get_vault_config, ()), ("PATCH", self.write_vault_config, ()),
                    ("PUT", self.write_vault_config, ())]
        if rest == ["backupstorageconfig", "vaultstorageconfig"]:
            return [("GET", self.get_storage_config, ()), ("PATCH", self.write_storage_config, ()),
                    ("PUT", self.write_storage_config, ())]
        return None

    # ------------------------------------------------------------------ bodies
    def vault_body(self, req, vault):
        conf = settings(vault)
        storage_locked(vault)
        sd_state = soft_delete_state(vault)
        proxy = conf["proxy"]
        props = {
            "provisioningState": conf["provisioning"],
            "privateEndpointStateForBackup": "None", "privateEndpointStateForSiteRecovery": "None",
            "backupStorageVersion": conf["storage_version"],
            "publicNetworkAccess": conf["public_network_access"],
            "redundancySettings": {"standardTierStorageRedundancy": conf["redundancy"], "crossRegionRestore": conf["crr"]},
            "securitySettings": {
                "immutabilitySettings": {"state": conf["immutability"]},
                "softDeleteSettings": {"softDeleteRetentionPeriodInDays": vault.soft_delete_days, "softDeleteState": sd_state,
                                       "enhancedSecurityState": conf["enhanced_security"]},
                "multiUserAuthorization": "Enabled" if proxy else "Disabled"},
            "monitoringSettings": {"azureMonitorAlertSettings": dict(conf["alerts"]),
                                   "classicAlertSettings": dict(conf["classic_alerts"])},
            "restoreSettings": {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": conf["csr"]}},
            "secureScore": self._secure_score(vault), "bcdrSecurityLevel": self._bcdr_level(vault),
        }
        props["securitySettings"]["sourceScanConfiguration"] = copy.deepcopy(conf["source_scan"] or {"state": "Disabled"})
        if conf["cost"] is not None:
            props["costManagementSettings"] = dict(conf["cost"])
        if conf["encryption"] is not None:
            props["encryption"] = copy.deepcopy(conf["encryption"])
        props["regionOfChoiceSettings"] = dict(conf["region_of_choice"] or {"status": "Disabled"})
        body = {"location": vault.location, "name": vault.name,
                "etag": "W/\"datetime'%s'\"" % quote(iso(vault.etag_time)),
                "tags": dict(conf["tags"]), "properties": props, "id": vault.id, "type": VAULT_TYPE,
                "sku": dict(conf["sku"])}
        if conf["identity"] is not None:
            body["identity"] = copy.deepcopy(conf["identity"])
        if str(req.query.get("api-version", "9999"))[:10] < OLD_SHAPE_BEFORE:
            body["properties"] = {k: v for k, v in props.items() if k in OLD_SHAPE_KEYS}
        return body

    def _secure_score(self, vault):
        """Emulator's reading of the portal's security levels (soft delete, immutability, MUA)."""
        conf = settings(vault)
        points = (vault.soft_delete_always_on, conf["immutability"] == "Locked", conf["proxy"] is not None)
        if all(points):
            return "Maximum"
        if vault.soft_delete_always_on or (vault.soft_delete and conf["immutability"] != "Disabled"):
            return "Adequate"       # AlwaysON soft delete alone reads Adequate / Good (2026 CLI recording)
        return "Minimum" if vault.soft_delete else "None"

    def _bcdr_level(self, vault):
        return {"Maximum": "Excellent", "Adequate": "Good", "Minimum": "Fair", "None": "Poor"}[self._secure_score(vault)]

    def extended_info(self, req, vault):
        if req.method != "GET":
            raise ArmError(405, "HttpMethodNotAllowed", "The HTTP method '%s' is not supported for this resource." % req.method)
        return Response(200, {"id": vault.id + "/extendedInformation/vaultExtendedInfo", "name": "vaultExtendedInfo",
                              "type": VAULT_TYPE + "/extendedInformation", "etag": str(uuid.uuid5(uuid.NAMESPACE_URL, vault.id)),
                              "properties": {"integrityKey": settings(vault)["integrity_key"], "algorithm": "None"}})

    def _list(self, req, vaults):
        size = max(1, int(self.state.config["vault_list_page_size"]))
        entries = [self.vault_body(req, v) for v in sorted(vaults, key=lambda v: (v.resource_group.lower(), v.name.lower()))]
        start = 0
        token = req.query.get("$skipToken") or req.query.get("$skiptoken")
        if token:
            try:
                start = int(base64.urlsafe_b64decode(token.encode() + b"==").decode())
            except (ValueError, UnicodeDecodeError) as exc:
                raise _bad("Invalid $skipToken.") from exc
        body = {"value": entries[start:start + size]}
        if start + size < len(entries):
            next_token = base64.urlsafe_b64encode(str(start + size).encode()).decode().rstrip("=")
            body["nextLink"] = "%s%s?api-version=%s&$skipToken=%s" % (req.endpoint, req.path, req.query.get("api-version"),
                                                                      next_token)
        return Response(200, body)

    # ------------------------------------------------------------------ PUT / PATCH / DELETE
    def put_vault(self, req, sub, rg, name, vault):
        body = req.json()
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                           "the body must be a Vault object.")
        location = normalise_location(body.get("location"))
        if not location:
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        if location not in LOCATIONS:
            raise ArmError(400, "LocationNotAvailableForResourceType",
                           "The provided location '%s' is not available for resource type 'Microsoft.RecoveryServices/vaults'. "
                           "List of available regions for the resource type is '%s'." % (body.get("location"), ",".join(LOCATIONS)))
        sku = body.get("sku")
        if not isinstance(sku, dict) or sku.get("name") not in ("Standard", "RS0"):
            raise _bad("sku.name must be 'Standard' or 'RS0'.")
        if vault is not None:
            if normalise_location(vault.location) != location:
                raise ArmError(400, "InvalidResourceLocation",
                               "The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the "
                               "same name cannot be created in location '%s'. Please select a new resource name."
                               % (name, vault.location, rg, location))
            patch = self._check_patch(vault, body, replace=True)
            self._apply_patch(vault, patch, replace=True)
            return Response(200, self.vault_body(req, vault))
        self.api._check_rg(sub, rg)  # pylint: disable=protected-access
        if not VAULT_NAME.match(name):
            raise ArmError(400, "BMSUserErrorInvalidResourceName",
                           "Vault name '%s' is invalid: use 2 to 50 characters, letters, digits and hyphens, starting with "
                           "a letter." % name)
        vault = Vault(sub, rg, name, location, soft_delete=True, soft_delete_days=14)
        # "Secure by default" regions make a new vault's soft delete AlwaysON (vault_default_soft_delete).
        vault.soft_delete_always_on = self.state.config.get("vault_default_soft_delete") == "AlwaysON"
        conf = settings(vault)
        conf["storage_version"] = "Unassigned"
        conf["provisioning"] = "Provisioning"
        patch = self._check_patch(vault, body, replace=True, creating=True)
        self._apply_patch(vault, patch, replace=True)
        import policy_api  # pylint: disable=import-outside-toplevel
        for policy in policy_api.new_vault_policies(self.state.config.get("vault_default_policies") or ["DefaultPolicy"]):
            vault.policies[policy.name.lower()] = policy
        self.state.vaults[vault.key] = vault
        if self.state.config.get("vault_create_mode") == "sync":
            conf["provisioning"] = "Succeeded"
            return Response(201, self._created_body(req, vault))

        def apply(when):
            conf["provisioning"] = "Succeeded"
            vault.etag_time = when
        op = self._start(req, vault, "create", apply)
        headers = self._async_headers(req, op, location=False)
        return Response(201, self._created_body(req, vault), headers)

    def _created_body(self, req, vault):
        """The create answer: as the 2026 CLI recording shows, MUA reads Invalid and there is no backupStorageVersion yet."""
        body = self.vault_body(req, vault)
        body["properties"].pop("backupStorageVersion", None)
        body["properties"]["securitySettings"]["multiUserAuthorization"] = "Invalid"
        return body

    def patch_vault(self, req, vault):
        body = req.json()
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                           "the body must be a PatchVault object.")
        if body.get("location") and normalise_location(body["location"]) != normalise_location(vault.location):
            raise _bad("The location of a vault cannot be changed.")
        patch = self._check_patch(vault, body, replace=False)

        def apply(when):
            if self.state.find_vault(vault.sub, vault.resource_group, vault.name) is vault:
                self._apply_patch(vault, patch, replace=False)
                vault.etag_time = when
        op = self._start(req, vault, "update", apply)
        return Response(202, None, self._async_headers(req, op))

    def delete_vault(self, req, vault):
        items = len(vault.items)
        soft = soft_deleted_count(vault)
        names = {i.vm.name for i in vault.items.values()}
        names |= {c.get("friendly_name") or c["name"] for c in vault.workload_containers.values()}
        containers = sorted(names)
        if items or containers:
            raise ArmError(400, "ServiceResourceNotEmptyWithContainerDetails",
                           "Vault cannot be deleted as there are existing resources within the vault (%d backup items, %d of "
                           "them soft-deleted). Please ensure there are no backup items, protected servers or backup "
                           "management servers associated with this vault. Unregister the following containers associated "
                           "with this vault before proceeding for deletion : %s. Unregister all containers from the vault "
                           "and then retry to delete vault." % (items, soft, ", ".join(containers)))

        def apply(when):
            if self.state.vaults.get(vault.key) is vault:
                del self.state.vaults[vault.key]
        op = self._start(req, vault, "delete", apply)
        return Response(202, None, self._async_headers(req, op))

    def operation(self, req, sub, rg, name, kind, op_id):
        op = self.state.operations.get(op_id.lower())
        if op is None or op.kind != "vault" or lkey(*op.vault_path) != lkey(sub, rg, name) or op.id != op_id:
            raise ArmError(404, "ResourceNotFound", "The operation '%s' was not found for vault '%s'." % (op_id, name))
        self.api._check_signature(req, op.id, False)  # pylint: disable=protected-access  (rebuilt, unsigned URLs work)
        if kind == "operationstatus":
            # The 2026 CLI recording shows {id, name, status} only (no startTime / endTime).
            body = {"id": "%s/operationStatus/%s" % (op.vault.id, op.id), "name": op.id, "status": op.status}
            if op.status == "Failed":
                body["error"] = {"code": op.error[1], "message": op.error[2]}
            return Response(200, body)
        if op.status == "InProgress":
            return Response(202, None, {"Location": req.self_url(), "Retry-After": self._retry_after()})
        if op.status == "Failed":
            status, code, message = op.error
            raise ArmError(status, code, message)
        if op.action == "delete" or self.state.vaults.get(op.vault.key) is not op.vault:
            return Response(204)
        return Response(200, self.vault_body(req, op.vault))

    # ------------------------------------------------------------------ rules
    def _ignored(self, body, creating=False):
        """Drop the settings the admin config says the service silently ignores (vault_ignored_settings)."""
        body = copy.deepcopy(body)
        for path in self.state.config.get("vault_ignored_settings") or []:
            parts = [p for p in str(path).split(".") if p]
            node = body
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and parts:
                node.pop(parts[-1], None)
        if not creating and self.state.config.get("vault_soft_delete_writes") != "applied":
            # azure-rest-api-specs #34218 / #34530: an update through the vault API answers 200/202 and leaves soft
            # delete as it was (a create applies it: 2026 az CLI recording test_vault_soft_delete_basic).
            security = (body.get("properties") or {}).get("securitySettings")
            if isinstance(security, dict):
                security.pop("softDeleteSettings", None)
        return body

    @staticmethod
    def _enum(value, allowed, name):
        if value is not None and value not in allowed:
            raise _bad("%s must be one of %s, not %r." % (name, ", ".join(allowed), value))
        return value

    def _check_patch(self, vault, body, replace, creating=False):
        """Validate a PUT/PATCH body against the vault's state; return what to apply (already filtered)."""
        import guard_api  # pylint: disable=import-outside-toplevel
        body = canonical(body)
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise _bad("properties must be an object.")
        tokens = props.get("resourceGuardOperationRequests") or []
        conf = settings(vault)
        if body.get("sku") is not None:
            if not isinstance(body["sku"], dict) or body["sku"].get("name") not in ("Standard", "RS0"):
                raise _bad("sku.name must be 'Standard' or 'RS0'.")
        if body.get("tags") is not None and not isinstance(body["tags"], dict):
            raise _bad("tags must be an object.")
        identity = body.get("identity")
        if identity is not None:
            if not isinstance(identity, dict):
                raise _bad("identity must be an object.")
            self._enum(identity.get("type"), ("SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None"),
                       "identity.type")
        self._enum(props.get("publicNetworkAccess"), ENABLED_DISABLED, "publicNetworkAccess")
        redundancy = props.get("redundancySettings") or {}
        new_red = self._enum(redundancy.get("standardTierStorageRedundancy"),
                             ("LocallyRedundant", "GeoRedundant", "ZoneRedundant"), "standardTierStorageRedundancy")
        new_crr = self._enum(redundancy.get("crossRegionRestore"), ENABLED_DISABLED, "crossRegionRestore")
        check_storage_change(vault, new_red, new_crr)
        security = props.get("securitySettings") or {}
        immut = (security.get("immutabilitySettings") or {}).get("state")
        self._enum(immut, ("Disabled", "Unlocked", "Locked"), "immutabilitySettings.state")
        if immut is not None and immut != conf["immutability"]:
            current = conf["immutability"]
            if current == "Locked":
                raise _immutable("Immutability is locked for this vault and cannot be changed.")
            if current == "Disabled" and immut == "Locked":
                raise _immutable("Immutability must be enabled (Unlocked) before it can be locked.")
            if current == "Unlocked" and immut == "Disabled":
                guard_api.require(self.state, vault, "reduceImmutabilityStateRequests", tokens, "disable immutability")
        soft = security.get("softDeleteSettings")
        if isinstance(soft, dict) and (creating or self.state.config.get("vault_soft_delete_writes") == "applied"):
            check_soft_delete(self.state, vault, soft.get("softDeleteState"), soft.get("softDeleteRetentionPeriodInDays"),
                              soft.get("enhancedSecurityState"), tokens, ("AlwaysON", "Enabled", "Disabled"))
        monitoring = props.get("monitoringSettings") or {}
        for key, value in (monitoring.get("azureMonitorAlertSettings") or {}).items():
            self._enum(value, ENABLED_DISABLED, "azureMonitorAlertSettings." + key)
        for key, value in (monitoring.get("classicAlertSettings") or {}).items():
            self._enum(value, ENABLED_DISABLED, "classicAlertSettings." + key)
        csr = ((props.get("restoreSettings") or {}).get("crossSubscriptionRestoreSettings") or {}).get(
            "crossSubscriptionRestoreState")
        self._enum(csr, ("Enabled", "Disabled", "PermanentlyDisabled"), "crossSubscriptionRestoreState")
        if csr is not None and conf["csr"] == "PermanentlyDisabled" and csr != "PermanentlyDisabled":
            raise ArmError(400, "BMSUserErrorCrossSubscriptionRestoreStateChangeNotAllowed",
                           "Cross subscription restore is permanently disabled for this vault and cannot be enabled again.")
        cost = props.get("costManagementSettings")
        if cost is not None:
            self._enum((cost or {}).get("granularityLevel"), ("VaultLevel", "ProtectedItemLevel", "ProtectedItemWithParentTag"),
                       "costManagementSettings.granularityLevel")
        return self._ignored(body, creating)

    def _apply_patch(self, vault, body, replace):
        conf = settings(vault)
        props = body.get("properties") or {}
        if "tags" in body or replace:
            conf["tags"] = dict(body.get("tags") or {})
        if body.get("sku"):
            # The service echoes the SKU as written (recordings: {"name": "Standard"}); RS0/Standard for portal vaults.
            conf["sku"] = {k: v for k, v in body["sku"].items() if k in ("name", "tier")}
        if "identity" in body:
            conf["identity"] = self._identity(body["identity"], conf["identity"])
        if props.get("publicNetworkAccess"):
            conf["public_network_access"] = props["publicNetworkAccess"]
        redundancy = props.get("redundancySettings") or {}
        if redundancy.get("standardTierStorageRedundancy"):
            conf["redundancy"] = redundancy["standardTierStorageRedundancy"]
        if redundancy.get("crossRegionRestore"):
            conf["crr"] = redundancy["crossRegionRestore"]
        security = props.get("securitySettings") or {}
        immut = (security.get("immutabilitySettings") or {}).get("state")
        if immut:
            conf["immutability"] = immut
        soft = security.get("softDeleteSettings")
        if isinstance(soft, dict):
            apply_soft_delete(vault, soft.get("softDeleteState"), soft.get("softDeleteRetentionPeriodInDays"),
                              soft.get("enhancedSecurityState"))
            conf["soft_delete_api"] = "vault"
        if "sourceScanConfiguration" in security:
            conf["source_scan"] = copy.deepcopy(security["sourceScanConfiguration"])
        monitoring = props.get("monitoringSettings") or {}
        conf["alerts"].update(monitoring.get("azureMonitorAlertSettings") or {})
        conf["classic_alerts"].update(monitoring.get("classicAlertSettings") or {})
        csr = ((props.get("restoreSettings") or {}).get("crossSubscriptionRestoreSettings") or {}).get(
            "crossSubscriptionRestoreState")
        if csr:
            conf["csr"] = csr
        if props.get("costManagementSettings"):
            conf["cost"] = dict(props["costManagementSettings"])
        if props.get("encryption"):
            merged = copy.deepcopy(conf["encryption"] or {})
            merged.update(copy.deepcopy(props["encryption"]))
            kek = merged.get("kekIdentity") or {}
            if kek.get("useSystemAssignedIdentity"):     # the service states the identity kind explicitly
                merged["kekIdentity"] = {"useSystemAssignedIdentity": True}
            elif kek:
                kek["useSystemAssignedIdentity"] = False
            merged.setdefault("infrastructureEncryption", "Disabled")
            conf["encryption"] = merged
        if props.get("regionOfChoiceSettings"):
            conf["region_of_choice"] = dict(props["regionOfChoiceSettings"])

    def _identity(self, wanted, current):
        kind = wanted.get("type") if isinstance(wanted, dict) else None
        if not kind or kind == "None":
            return None
        out = {"type": kind}
        if "SystemAssigned" in kind:
            out["principalId"] = (current or {}).get("principalId") or new_id()
            out["tenantId"] = self.state.tenant_id
        if "UserAssigned" in kind:
            out["userAssignedIdentities"] = {
                key: {"principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, key.lower())),
                      "clientId": str(uuid.uuid5(uuid.NAMESPACE_DNS, key.lower()))}
                for key in (wanted.get("userAssignedIdentities") or {})}
        return out

    # ------------------------------------------------------------------ backupconfig/vaultconfig
    def vault_config_body(self, vault):
        conf = settings(vault)
        return {"id": vault.id + "/backupconfig/vaultconfig", "name": "vaultconfig",
                "type": "Microsoft.RecoveryServices/vaults/backupconfig",
                "properties": {"enhancedSecurityState": conf["enhanced_security"],
                               "softDeleteFeatureState": soft_delete_state(vault),
                               "softDeleteRetentionPeriodInDays": vault.soft_delete_days,
                               "isSoftDeleteFeatureStateEditable": not vault.soft_delete_always_on}}

    def get_vault_config(self, req, vault):
        return Response(200, self.vault_config_body(vault))

    def write_vault_config(self, req, vault):
        body = canonical(req.json() or {})
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise _bad("The request body needs 'properties'.")
        state_wanted = props.get("softDeleteFeatureState")
        days = props.get("softDeleteRetentionPeriodInDays")
        enhanced = props.get("enhancedSecurityState")
        conf = settings(vault)
        touches = state_wanted is not None or days is not None
        if touches and conf["soft_delete_api"] == "vault":
            raise ArmError(400, "BMSUserErrorSoftDeleteUseVaultApi",
                           "Soft delete state for this vault cannot be modified using this API. Since the Vault API was "
                           "previously used to update the soft delete property for this vault, you must again use the Vault "
                           "API to make any further changes to this property.")
        check_soft_delete(self.state, vault, state_wanted, days, enhanced, props.get("resourceGuardOperationRequests") or [],
                          ("AlwaysON", "Enabled", "Disabled"))
        apply_soft_delete(vault, state_wanted, days, enhanced)
        if touches:
            conf["soft_delete_api"] = "backupconfig"
        vault.etag_time = time.time()
        return Response(200, self.vault_config_body(vault))

    # ------------------------------------------------------------------ backupstorageconfig/vaultstorageconfig
    def storage_config_body(self, vault):
        conf = settings(vault)
        return {"id": vault.id + "/backupstorageconfig/vaultstorageconfig", "name": "vaultstorageconfig",
                "type": "Microsoft.RecoveryServices/vaults/backupstorageconfig",
                "properties": {"storageModelType": conf["redundancy"], "storageType": conf["redundancy"],
                               "storageTypeState": "Locked" if storage_locked(vault) else "Unlocked",
                               "crossRegionRestoreFlag": conf["crr"] == "Enabled",
                               "dedupState": "Disabled", "xcoolState": "Disabled"}}

    def get_storage_config(self, req, vault):
        return Response(200, self.storage_config_body(vault))

    def write_storage_config(self, req, vault):
        body = canonical(req.json() or {})
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise _bad("The request body needs 'properties'.")
        kinds = ("LocallyRedundant", "GeoRedundant", "ZoneRedundant", "ReadAccessGeoZoneRedundant")
        storage = self._enum(props.get("storageType") or props.get("storageModelType"), kinds, "storageType")
        self._enum(props.get("storageTypeState"), ("Locked", "Unlocked", "Invalid"), "storageTypeState")
        flag = props.get("crossRegionRestoreFlag")
        if flag is not None and not isinstance(flag, bool):
            raise _bad("crossRegionRestoreFlag must be true or false.")
        crr = None if flag is None else ("Enabled" if flag else "Disabled")
        check_storage_change(vault, storage, crr)
        conf = settings(vault)
        if storage:
            conf["redundancy"] = storage
        if crr:
            conf["crr"] = crr
        vault.etag_time = time.time()
        if req.method == "PATCH":
            return Response(204)
        return Response(200, self.storage_config_body(vault))


# ---------------------------------------------------------------------- shared rules
def check_storage_change(vault, redundancy, crr):
    """Redundancy only while no item is protected (storage locked); CRR needs GRS and is one-way."""
    conf = settings(vault)
    target = redundancy or conf["redundancy"]
    if redundancy and redundancy != conf["redundancy"] and storage_locked(vault):
        raise ArmError(400, "BMSUserErrorStorageTypeChangeNotAllowed",
                       "The storage redundancy of vault '%s' cannot be changed from %s to %s: the storage type is locked "
                       "because %d item(s) are or were protected in the vault." % (vault.name, conf["redundancy"], redundancy,
                                                                                   len(vault.items)))
    if crr == "Disabled" and conf["crr"] == "Enabled":
        raise ArmError(400, "BMSUserErrorCrossRegionRestoreDisableNotAllowed",
                       "Cross Region Restore cannot be disabled once it has been enabled for a vault.")
    wants_crr = crr == "Enabled" or (crr is None and conf["crr"] == "Enabled")
    if wants_crr and target == "ZoneRedundant":
        raise ArmError(400, "BMSUserErrorCrossRegionRestoreZRSVaultNotPossible",
                       "Cross Region Restore cannot be enabled in ZRS vault. Please use a GRS vault to enable Cross Region "
                       "Restore.")
    if wants_crr and target != "GeoRedundant":
        raise ArmError(400, "BMSUserErrorCrossRegionRestoreNotSupportedForStorageType",
                       "Cross Region Restore can only be enabled for a GeoRedundant vault (this vault is %s)." % target)


def check_soft_delete(state, vault, wanted, days, enhanced, tokens, allowed):
    """Validate a soft-delete change (vaultconfig write or, when applied, the vault's softDeleteSettings)."""
    import guard_api  # pylint: disable=import-outside-toplevel
    if wanted is not None and wanted not in allowed:
        raise _bad("softDeleteFeatureState must be one of %s." % ", ".join(allowed))
    if enhanced is not None and enhanced not in ("Enabled", "Disabled", "AlwaysON"):
        raise _bad("enhancedSecurityState must be Enabled, Disabled or AlwaysON.")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 14 <= days <= 180):
        raise _bad("softDeleteRetentionPeriodInDays must be an integer from 14 to 180, not %r." % (days,))
    disabling = wanted is not None and wanted != "AlwaysON" and soft_delete_state(vault) != wanted and (
        wanted == "Disabled" or vault.soft_delete_always_on)
    if disabling and vault.soft_delete_always_on:
        raise ArmError(400, "BMSUserErrorDisablingSoftDeleteStateNotAllowed",
                       "Disabling soft delete or enhanced security state is not allowed for this vault: soft delete is "
                       "AlwaysON, which cannot be turned off.")
    if wanted == "Disabled" and vault.soft_delete:
        count = soft_deleted_count(vault)
        if count:
            raise ArmError(400, "BMSUserErrorDisablingSoftDeleteStateNotAllowed",
                           "Soft delete cannot be disabled while %d item(s) of the vault are in soft-deleted state. Undelete "
                           "or wait for their permanent deletion first." % count)
        guard_api.require(state, vault, "disableSoftDeleteRequests", tokens, "disable soft delete")
    if enhanced == "Disabled" and settings(vault)["enhanced_security"] != "Disabled":
        guard_api.require(state, vault, "disableSoftDeleteRequests", tokens, "disable enhanced security")


def apply_soft_delete(vault, wanted, days, enhanced):
    if wanted is not None:
        vault.soft_delete = wanted != "Disabled"
        vault.soft_delete_always_on = wanted == "AlwaysON"
    if days is not None:
        vault.soft_delete_days = int(days)
    if enhanced is not None:
        settings(vault)["enhanced_security"] = enhanced


def check_not_immutable(vault, what):
    """Refuse an operation an immutable vault (Unlocked or Locked) does not allow."""
    state = settings(vault)["immutability"]
    if state != "Disabled":
        raise _immutable("The operation '%s' is not allowed because vault '%s' is immutable (%s)." % (what, vault.name, state))
