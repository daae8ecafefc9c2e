# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vault and policy modules' shapes on the transport fake of ``support.modules_http``: a vault, its
backup configuration, a policy as the service returns it, the writes sent to the vault."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.azure_recovery.backup.plugins.module_utils import _policy as pol

from support.modules_http import ARGS, VAULT

GUARD = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/guardRG/providers/Microsoft.DataProtection/resourceGuards/g1"


def vault_body(**props):
    base = {"id": VAULT, "name": "testVault", "location": "westus", "sku": {"name": "RS0", "tier": "Standard"}, "tags": {},
            "properties": {"provisioningState": "Succeeded", "publicNetworkAccess": "Enabled",
                           "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Disabled"},
                           "securitySettings": {"softDeleteSettings": {"softDeleteState": "Enabled", "softDeleteRetentionPeriodInDays": 14,
                                                                       "enhancedSecurityState": "Enabled"},
                                                "immutabilitySettings": {"state": "Disabled"}, "multiUserAuthorization": "Disabled"},
                           "monitoringSettings": {"azureMonitorAlertSettings": {"alertsForAllJobFailures": "Enabled"}}}}
    base["properties"].update(props)
    return base


def config_body(state="Enabled", days=14):
    props = {"softDeleteFeatureState": state, "softDeleteRetentionPeriodInDays": days, "enhancedSecurityState": "Enabled"}
    return {"id": VAULT + "/backupconfig/vaultconfig", "properties": props}


def writes(session):
    return [(r.method, r.path[len(VAULT):]) for r in session.arm if r.method != "GET"]


def policy_rest(daily=30, count=2, name="DailyPolicy"):
    model = pol.model_from_options({"name": name, "schedule": {"frequency": "daily", "time": "23:00"}, "retention": {"daily": daily}})
    body = copy.deepcopy(pol.policy_body(model))
    body["properties"]["schedulePolicy"]["scheduleRunTimes"] = ["2019-03-01T23:00:00+00:00"]
    body["properties"]["retentionPolicy"]["dailySchedule"]["retentionTimes"] = ["2019-03-01T23:00:00+00:00"]
    body["properties"]["protectedItemsCount"] = count
    body.update(id=VAULT + "/backupPolicies/" + name, name=name)
    return body


POLICY_ARGS = dict(ARGS, name="DailyPolicy", schedule={"frequency": "daily", "time": "23:00"}, retention={"daily": 30})
