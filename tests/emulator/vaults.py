# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vault, its backup configuration (soft delete) and its backup policies (reads; config PATCH)."""

from __future__ import annotations

import time
from urllib.parse import quote

from common import ArmError, Response, iso, parse_filter
from routing import VAULT, bad_input, route
from state import IAAS

POLICY_TYPE = "Microsoft.RecoveryServices/vaults/backupPolicies"


class Vaults:
    """Mixin of BackupApi: vault, vaultconfig, policies."""

    @route("GET", VAULT, "")
    def get_vault(self, req, vault):
        state = "AlwaysON" if vault.soft_delete_always_on else ("Enabled" if vault.soft_delete else "Disabled")
        body = {
            "location": vault.location, "name": vault.name,
            "etag": "W/\"datetime'%s'\"" % quote(iso(vault.etag_time)),
            "tags": {},
            "properties": {
                "provisioningState": "Succeeded",
                "privateEndpointStateForBackup": "None", "privateEndpointStateForSiteRecovery": "None",
                "backupStorageVersion": "V2",
                "securitySettings": {
                    "immutabilitySettings": {"state": "Disabled"},
                    "softDeleteSettings": {"softDeleteRetentionPeriodInDays": vault.soft_delete_days,
                                           "softDeleteState": state, "enhancedSecurityState": "Enabled"},
                    "multiUserAuthorization": "Disabled"},
                "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Disabled"},
                "secureScore": "None", "bcdrSecurityLevel": "Poor", "publicNetworkAccess": "Enabled",
            },
            "id": vault.id, "type": "Microsoft.RecoveryServices/vaults", "sku": {"name": "RS0", "tier": "Standard"},
        }
        return Response(200, body)

    def _vault_config(self, vault):
        state = "AlwaysON" if vault.soft_delete_always_on else ("Enabled" if vault.soft_delete else "Disabled")
        return {"id": vault.id + "/backupconfig/vaultconfig", "name": "vaultconfig",
                "type": "Microsoft.RecoveryServices/vaults/backupconfig",
                "properties": {"enhancedSecurityState": "Enabled", "softDeleteFeatureState": state,
                               "softDeleteRetentionPeriodInDays": vault.soft_delete_days,
                               "isSoftDeleteFeatureStateEditable": not vault.soft_delete_always_on}}

    @route("GET", VAULT, "backupconfig/vaultconfig")
    def get_vault_config(self, req, vault):
        return Response(200, self._vault_config(vault))

    @route("PATCH", VAULT, "backupconfig/vaultconfig")
    @route("PUT", VAULT, "backupconfig/vaultconfig")
    def patch_vault_config(self, req, vault):
        body = req.json() or {}
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise bad_input("The request body needs 'properties'.")
        wanted = props.get("softDeleteFeatureState")
        if wanted is not None:
            if wanted not in ("Enabled", "Disabled", "AlwaysON"):
                raise bad_input("softDeleteFeatureState must be Enabled, Disabled or AlwaysON.")
            if vault.soft_delete_always_on and wanted != "AlwaysON":
                raise ArmError(400, "BMSUserErrorSoftDeleteStateChangeNotAllowed",
                               "Soft delete is AlwaysON for this vault and cannot be changed.")
            vault.soft_delete = wanted != "Disabled"
            vault.soft_delete_always_on = wanted == "AlwaysON"
            vault.etag_time = time.time()
        return Response(200, self._vault_config(vault))

    @route("GET", VAULT, "backupPolicies")
    def list_policies(self, req, vault):
        flt = parse_filter(req.query.get("$filter"), {"backupmanagementtype", "workloadtype", "fabricname"})
        out = []
        for policy in sorted(vault.policies.values(), key=lambda p: p.name.lower()):
            body = self.policy_body(vault, policy)
            if "backupmanagementtype" in flt and flt["backupmanagementtype"].lower() != policy.workload.lower():
                continue
            wtype = "VM" if policy.workload == IAAS else body["properties"].get("workLoadType", "")
            if "workloadtype" in flt and flt["workloadtype"].lower() != wtype.lower():
                continue
            out.append(body)
        return Response(200, {"value": out})

    @route("GET", VAULT, "backupPolicies/{policy}")
    def get_policy(self, req, vault, name):
        policy = vault.policies.get(name.lower())
        if policy is None:
            raise ArmError(404, "BMSUserErrorPolicyNotFound", "Policy '%s' not found in the vault." % name)
        return Response(200, self.policy_body(vault, policy))

    def policy_id(self, vault, policy):
        return "%s/backupPolicies/%s" % (vault.id, policy.name)

    def policy_body(self, vault, policy):
        count = sum(1 for i in vault.items.values() if i.policy is policy and not i.soft_deleted)
        sched_time = policy.schedule_time
        retention = {"retentionPolicyType": "LongTermRetentionPolicy",
                     "dailySchedule": {"retentionTimes": [sched_time],
                                       "retentionDuration": {"count": policy.retention_days, "durationType": "Days"}}}
        if policy.workload == IAAS:
            if policy.policy_type == "V2":
                schedule = {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": "Hourly",
                            "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": sched_time, "scheduleWindowDuration": 12}}
            else:
                schedule = {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                            "scheduleRunTimes": [sched_time], "scheduleWeeklyFrequency": 0}
            props = {"backupManagementType": IAAS, "protectedItemsCount": count, "retentionPolicy": retention,
                     "schedulePolicy": schedule, "instantRpRetentionRangeInDays": 2, "timeZone": policy.time_zone,
                     "policyType": policy.policy_type}
        elif policy.workload == "AzureStorage":
            props = {"backupManagementType": "AzureStorage", "workLoadType": "AzureFileShare", "protectedItemsCount": count,
                     "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                                        "scheduleRunTimes": [sched_time], "scheduleWeeklyFrequency": 0},
                     "retentionPolicy": retention, "timeZone": policy.time_zone}
        else:
            props = {"backupManagementType": policy.workload, "workLoadType": "SQLDataBase", "protectedItemsCount": count,
                     "settings": {"timeZone": policy.time_zone, "issqlcompression": False, "isCompression": False},
                     "subProtectionPolicy": [{
                         "policyType": "Full",
                         "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                                            "scheduleRunTimes": [sched_time], "scheduleWeeklyFrequency": 0},
                         "retentionPolicy": retention}]}
        return {"id": "/Subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupPolicies/%s" % (
            vault.sub, vault.resource_group, vault.name, policy.name), "name": policy.name, "type": POLICY_TYPE,
            "properties": props}
