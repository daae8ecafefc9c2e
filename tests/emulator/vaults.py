# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Recovery Services vault resource (vault RP) and the vault's backup settings.

- ``Microsoft.RecoveryServices/vaults``: GET / PUT (create 201 + AsyncOp, replace 200) / PATCH (202) /
  DELETE (202), ``operationStatus`` / ``operationResults``, list per resource group and subscription,
  ``extendedInformation/vaultExtendedInfo``;
- ``backupconfig/vaultconfig`` (GET / PUT / PATCH) and ``backupstorageconfig/vaultstorageconfig``
  (GET / PUT 200, PATCH 204) and how they share state with the vault's own settings;
- the wave-2 seed keys of vaults (``seed``, ``seed_vault``: called by ``State.seed``).

The settings themselves and the rules other families share are in vault_settings.py. Rules and error
codes: README.md ("Vaults, vault settings, policies, …").
"""

from __future__ import annotations

import base64
import copy
import re
import time
import uuid
from urllib.parse import quote

import guards
import policies
from common import ArmError, Response, iso, new_id
from routing import RESOURCE_GROUP, SUBSCRIPTION, VAULT, VAULT_API_VERSIONS, api_versions, bad_input, not_found_vault, route
from state import IAAS, Operation, Vault, lkey
from vault_settings import immutable_error, normalise_location, settings, soft_delete_state, soft_deleted_count, storage_locked

VAULT_TYPE = "Microsoft.RecoveryServices/vaults"
LOCATIONS = ("eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus", "southcentralus",
             "westcentralus", "canadacentral", "canadaeast", "brazilsouth", "northeurope", "westeurope", "uksouth", "ukwest",
             "francecentral", "germanywestcentral", "norwayeast", "switzerlandnorth", "swedencentral", "italynorth",
             "polandcentral", "spaincentral", "eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral",
             "australiaeast", "australiasoutheast", "centralindia", "southindia", "westindia", "uaenorth",
             "southafricanorth", "qatarcentral", "israelcentral", "mexicocentral", "newzealandnorth",
             "centraluseuap", "eastus2euap")
ENABLED_DISABLED = ("Enabled", "Disabled")
# Older api-versions omit the newer sub-objects: the 2022 az CLI recording (api-version 2021-03-01) shows only these.
OLD_SHAPE_BEFORE = "2022-01-01"
OLD_SHAPE_KEYS = ("provisioningState", "privateEndpointStateForBackup", "privateEndpointStateForSiteRecovery", "moveState",
                  "moveDetails", "upgradeDetails")
VAULT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,49}$")
VAULT_PATH = "providers/Microsoft.RecoveryServices/vaults/{vault}"

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


def _enum(value, allowed, name):
    if value is not None and value not in allowed:
        raise bad_input("%s must be one of %s, not %r." % (name, ", ".join(allowed), value))
    return value


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
            policy = vault.policies[pol["name"].lower()]
            if policy.workload == IAAS:       # seeds are trusted: normalised, not validated
                policy.props = policies.normalise(pol["properties"])
                policy.policy_type = policy.props["policyType"]
            else:
                policy.props = copy.deepcopy(pol["properties"])
    if spec.get("resource_guard"):
        guards.attach_proxy(state, vault, spec["resource_guard"], spec.get("resource_guard_proxy", "VaultProxy"))


def seed(state, data):
    """Top-level wave-2 seed keys: extra subscriptions and resource guards."""
    for sub in data.get("subscriptions", []):
        state.subscriptions.add(str(sub).lower())
    for spec in data.get("resource_guards") or []:
        guards.seed_guard(state, data.get("subscription_id") or state.subscription_id, spec)


# ---------------------------------------------------------------------- the family
class Vaults:
    """Mixin of BackupApi: vault RP, vault config and storage config (resource groups: arm_resources.ResourceGroups)."""

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _vault_rp_prefix(req):
        """The vault path as the client sent it (the examples echo it) under the endpoint."""
        return "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (
            req.endpoint, req.segments[1], req.segments[3], req.segments[7])

    def _find_vault(self, sub, rg, name):
        vault = self.state.find_vault(sub, rg, name)
        if vault is None:
            raise not_found_vault(rg, name)
        return vault

    def _start_vault_op(self, req, vault, action, apply):
        now = time.time()
        op = Operation("vault", vault, now, now + self.state.duration("vault_lro_seconds"))
        op.id = base64.b64encode(("%s;%s" % (uuid.uuid4(), uuid.uuid4())).encode()).decode()
        op.action = action
        op.apply = apply
        op.vault_path = (req.segments[1], req.segments[3], req.segments[7])
        self.state.add_operation(op)
        return op

    def _vault_async_headers(self, req, op, location=True):
        # The request's api-version plus ARM's signature (t, c, s, h), as the 2026 CLI recording shows.
        query = self._async_query(op.id, req.query.get("api-version"))
        prefix = self._vault_rp_prefix(req)
        headers = {"Azure-AsyncOperation": "%s/operationStatus/%s?%s" % (prefix, op.id, query),
                   "Retry-After": self._retry_after()}
        if location:
            headers["Location"] = "%s/operationResults/%s?%s" % (prefix, op.id, query)
        return headers

    @staticmethod
    def _check_vault_ready(vault):
        """Backup calls on a vault still being created are refused (CONTRACT-wave2 §4.2: they work once it is Succeeded)."""
        if settings(vault)["provisioning"] != "Succeeded":
            raise ArmError(409, "BMSUserErrorVaultNotReady",
                           "Vault '%s' is still being created (provisioningState %s); wait for its creation to complete."
                           % (vault.name, settings(vault)["provisioning"]))

    # ------------------------------------------------------------------ lists
    @route("GET", SUBSCRIPTION, "providers/Microsoft.RecoveryServices/vaults")
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def list_vaults_of_subscription(self, req, sub):
        return self._vault_list(req, [v for v in self.state.vaults.values() if v.sub.lower() == sub.lower()])

    @route("GET", RESOURCE_GROUP, "providers/Microsoft.RecoveryServices/vaults")
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def list_vaults_of_resource_group(self, req, sub, rg):
        return self._vault_list(req, [v for v in self.state.vaults.values() if lkey(v.sub, v.resource_group) == lkey(sub, rg)])

    def _vault_list(self, req, vaults):
        entries = [self.vault_body(req, v) for v in sorted(vaults, key=lambda v: (v.resource_group.lower(), v.name.lower()))]
        return self._page(req, entries, max(1, int(self.state.config["vault_list_page_size"])))

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

    @route("GET", RESOURCE_GROUP, VAULT_PATH + "/extendedInformation/vaultExtendedInfo")
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def get_vault_extended_info(self, req, sub, rg, name):
        vault = self._find_vault(sub, rg, name)
        return Response(200, {"id": vault.id + "/extendedInformation/vaultExtendedInfo", "name": "vaultExtendedInfo",
                              "type": VAULT_TYPE + "/extendedInformation", "etag": str(uuid.uuid5(uuid.NAMESPACE_URL, vault.id)),
                              "properties": {"integrityKey": settings(vault)["integrity_key"], "algorithm": "None"}})

    # ------------------------------------------------------------------ GET / PUT / PATCH / DELETE
    @route("GET", RESOURCE_GROUP, VAULT_PATH)
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def get_vault(self, req, sub, rg, name):
        return Response(200, self.vault_body(req, self._find_vault(sub, rg, name)))

    @route("PUT", RESOURCE_GROUP, VAULT_PATH)
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def put_vault(self, req, sub, rg, name):
        vault = self.state.find_vault(sub, rg, name)
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
            raise bad_input("sku.name must be 'Standard' or 'RS0'.")
        if vault is not None:
            if normalise_location(vault.location) != location:
                raise ArmError(400, "InvalidResourceLocation",
                               "The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the "
                               "same name cannot be created in location '%s'. Please select a new resource name."
                               % (name, vault.location, rg, location))
            patch = self._check_vault_patch(vault, body)
            self._apply_vault_patch(vault, patch, replace=True)
            return Response(200, self.vault_body(req, vault))
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
        patch = self._check_vault_patch(vault, body, creating=True)
        self._apply_vault_patch(vault, patch, replace=True)
        for policy in policies.new_vault_policies(self.state.config.get("vault_default_policies") or ["DefaultPolicy"]):
            vault.policies[policy.name.lower()] = policy
        self.state.vaults[vault.key] = vault
        if self.state.config.get("vault_create_mode") == "sync":
            conf["provisioning"] = "Succeeded"
            return Response(201, self._created_body(req, vault))

        def apply(when):
            conf["provisioning"] = "Succeeded"
            vault.etag_time = when
        op = self._start_vault_op(req, vault, "create", apply)
        headers = self._vault_async_headers(req, op, location=False)
        return Response(201, self._created_body(req, vault), headers)

    def _created_body(self, req, vault):
        """The create answer: as the 2026 CLI recording shows, MUA reads Invalid and there is no backupStorageVersion yet."""
        body = self.vault_body(req, vault)
        body["properties"].pop("backupStorageVersion", None)
        body["properties"]["securitySettings"]["multiUserAuthorization"] = "Invalid"
        return body

    @route("PATCH", RESOURCE_GROUP, VAULT_PATH)
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def patch_vault(self, req, sub, rg, name):
        vault = self._find_vault(sub, rg, name)
        body = req.json()
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                           "the body must be a PatchVault object.")
        if body.get("location") and normalise_location(body["location"]) != normalise_location(vault.location):
            raise bad_input("The location of a vault cannot be changed.")
        patch = self._check_vault_patch(vault, body)

        def apply(when):
            if self.state.find_vault(vault.sub, vault.resource_group, vault.name) is vault:
                self._apply_vault_patch(vault, patch, replace=False)
                vault.etag_time = when
        op = self._start_vault_op(req, vault, "update", apply)
        return Response(202, None, self._vault_async_headers(req, op))

    @route("DELETE", RESOURCE_GROUP, VAULT_PATH)
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def delete_vault(self, req, sub, rg, name):
        vault = self._find_vault(sub, rg, name)
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
        op = self._start_vault_op(req, vault, "delete", apply)
        return Response(202, None, self._vault_async_headers(req, op))

    # The vault's operations stay readable after the vault is gone (a delete): looked up by path, not by vault.
    def _vault_op(self, req, sub, rg, name, op_id):
        op = self.state.operations.get(op_id.lower())
        if op is None or op.kind != "vault" or lkey(*op.vault_path) != lkey(sub, rg, name) or op.id != op_id:
            raise ArmError(404, "ResourceNotFound", "The operation '%s' was not found for vault '%s'." % (op_id, name))
        self._check_signature(req, op.id)      # rebuilt, unsigned URLs work
        return op

    @route("GET", RESOURCE_GROUP, VAULT_PATH + "/operationStatus/{op}")
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def vault_rp_operation_status(self, req, sub, rg, name, op_id):
        op = self._vault_op(req, sub, rg, name, op_id)
        # The 2026 CLI recording shows {id, name, status} only (no startTime / endTime).
        body = {"id": "%s/operationStatus/%s" % (op.vault.id, op.id), "name": op.id, "status": op.status}
        if op.status == "Failed":
            body["error"] = {"code": op.error[1], "message": op.error[2]}
        return Response(200, body)

    @route("GET", RESOURCE_GROUP, VAULT_PATH + "/operationResults/{op}")
    @api_versions(VAULT_API_VERSIONS, "vaults")
    def vault_rp_operation_result(self, req, sub, rg, name, op_id):
        op = self._vault_op(req, sub, rg, name, op_id)
        final = None
        if op.status == "Succeeded" and op.action != "delete" and self.state.vaults.get(op.vault.key) is op.vault:
            final = self.vault_body(req, op.vault)
        return self._result_response(req, op, final)

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

    def _check_vault_patch(self, vault, body, creating=False):
        """Validate a PUT/PATCH body against the vault's state; return what to apply (already filtered)."""
        body = canonical(body)
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise bad_input("properties must be an object.")
        tokens = props.get("resourceGuardOperationRequests") or []
        conf = settings(vault)
        if body.get("sku") is not None:
            if not isinstance(body["sku"], dict) or body["sku"].get("name") not in ("Standard", "RS0"):
                raise bad_input("sku.name must be 'Standard' or 'RS0'.")
        if body.get("tags") is not None and not isinstance(body["tags"], dict):
            raise bad_input("tags must be an object.")
        identity = body.get("identity")
        if identity is not None:
            if not isinstance(identity, dict):
                raise bad_input("identity must be an object.")
            _enum(identity.get("type"), ("SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None"),
                  "identity.type")
        _enum(props.get("publicNetworkAccess"), ENABLED_DISABLED, "publicNetworkAccess")
        redundancy = props.get("redundancySettings") or {}
        new_red = _enum(redundancy.get("standardTierStorageRedundancy"),
                        ("LocallyRedundant", "GeoRedundant", "ZoneRedundant"), "standardTierStorageRedundancy")
        new_crr = _enum(redundancy.get("crossRegionRestore"), ENABLED_DISABLED, "crossRegionRestore")
        check_storage_change(vault, new_red, new_crr)
        security = props.get("securitySettings") or {}
        immut = (security.get("immutabilitySettings") or {}).get("state")
        _enum(immut, ("Disabled", "Unlocked", "Locked"), "immutabilitySettings.state")
        if immut is not None and immut != conf["immutability"]:
            current = conf["immutability"]
            if current == "Locked":
                raise immutable_error("Immutability is locked for this vault and cannot be changed.")
            if current == "Disabled" and immut == "Locked":
                raise immutable_error("Immutability must be enabled (Unlocked) before it can be locked.")
            if current == "Unlocked" and immut == "Disabled":
                guards.require(self.state, vault, "reduceImmutabilityStateRequests", tokens, "disable immutability")
        soft = security.get("softDeleteSettings")
        if isinstance(soft, dict) and (creating or self.state.config.get("vault_soft_delete_writes") == "applied"):
            check_soft_delete(self.state, vault, soft.get("softDeleteState"), soft.get("softDeleteRetentionPeriodInDays"),
                              soft.get("enhancedSecurityState"), tokens, ("AlwaysON", "Enabled", "Disabled"))
        monitoring = props.get("monitoringSettings") or {}
        for key, value in (monitoring.get("azureMonitorAlertSettings") or {}).items():
            _enum(value, ENABLED_DISABLED, "azureMonitorAlertSettings." + key)
        for key, value in (monitoring.get("classicAlertSettings") or {}).items():
            _enum(value, ENABLED_DISABLED, "classicAlertSettings." + key)
        csr = ((props.get("restoreSettings") or {}).get("crossSubscriptionRestoreSettings") or {}).get(
            "crossSubscriptionRestoreState")
        _enum(csr, ("Enabled", "Disabled", "PermanentlyDisabled"), "crossSubscriptionRestoreState")
        if csr is not None and conf["csr"] == "PermanentlyDisabled" and csr != "PermanentlyDisabled":
            raise ArmError(400, "BMSUserErrorCrossSubscriptionRestoreStateChangeNotAllowed",
                           "Cross subscription restore is permanently disabled for this vault and cannot be enabled again.")
        cost = props.get("costManagementSettings")
        if cost is not None:
            _enum((cost or {}).get("granularityLevel"), ("VaultLevel", "ProtectedItemLevel", "ProtectedItemWithParentTag"),
                  "costManagementSettings.granularityLevel")
        return self._ignored(body, creating)

    def _apply_vault_patch(self, vault, body, replace):
        conf = settings(vault)
        props = body.get("properties") or {}
        if "tags" in body or replace:
            conf["tags"] = dict(body.get("tags") or {})
        if body.get("sku"):
            # The service echoes the SKU as written (recordings: {"name": "Standard"}); RS0/Standard for portal vaults.
            conf["sku"] = {k: v for k, v in body["sku"].items() if k in ("name", "tier")}
        if "identity" in body:
            conf["identity"] = self._vault_identity(body["identity"], conf["identity"])
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

    def _vault_identity(self, wanted, current):
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

    @route("GET", VAULT, "backupconfig/vaultconfig")
    def get_vault_config(self, req, vault):
        return Response(200, self.vault_config_body(vault))

    @route("PATCH", VAULT, "backupconfig/vaultconfig")
    @route("PUT", VAULT, "backupconfig/vaultconfig")
    def write_vault_config(self, req, vault):
        body = canonical(req.json() or {})
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise bad_input("The request body needs 'properties'.")
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

    @route("GET", VAULT, "backupstorageconfig/vaultstorageconfig")
    def get_storage_config(self, req, vault):
        return Response(200, self.storage_config_body(vault))

    @route("PATCH", VAULT, "backupstorageconfig/vaultstorageconfig")
    @route("PUT", VAULT, "backupstorageconfig/vaultstorageconfig")
    def write_storage_config(self, req, vault):
        body = canonical(req.json() or {})
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise bad_input("The request body needs 'properties'.")
        kinds = ("LocallyRedundant", "GeoRedundant", "ZoneRedundant", "ReadAccessGeoZoneRedundant")
        storage = _enum(props.get("storageType") or props.get("storageModelType"), kinds, "storageType")
        _enum(props.get("storageTypeState"), ("Locked", "Unlocked", "Invalid"), "storageTypeState")
        flag = props.get("crossRegionRestoreFlag")
        if flag is not None and not isinstance(flag, bool):
            raise bad_input("crossRegionRestoreFlag must be true or false.")
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
    if wanted is not None and wanted not in allowed:
        raise bad_input("softDeleteFeatureState must be one of %s." % ", ".join(allowed))
    if enhanced is not None and enhanced not in ("Enabled", "Disabled", "AlwaysON"):
        raise bad_input("enhancedSecurityState must be Enabled, Disabled or AlwaysON.")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 14 <= days <= 180):
        raise bad_input("softDeleteRetentionPeriodInDays must be an integer from 14 to 180, not %r." % (days,))
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
        guards.require(state, vault, "disableSoftDeleteRequests", tokens, "disable soft delete")
    if enhanced == "Disabled" and settings(vault)["enhanced_security"] != "Disabled":
        guards.require(state, vault, "disableSoftDeleteRequests", tokens, "disable enhanced security")


def apply_soft_delete(vault, wanted, days, enhanced):
    if wanted is not None:
        vault.soft_delete = wanted != "Disabled"
        vault.soft_delete_always_on = wanted == "AlwaysON"
    if days is not None:
        vault.soft_delete_days = int(days)
    if enhanced is not None:
        settings(vault)["enhanced_security"] = enhanced
