# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The default scenario (same JSON shape as ``POST /_emulator/seed`` and ``--scenario FILE``)."""

from __future__ import annotations

import copy

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
CLIENT_ID = "22222222-2222-2222-2222-222222222222"
CLIENT_SECRET = "emulator-client-secret"

_DEFAULT = {
    "subscription_id": SUBSCRIPTION_ID,
    "resource_groups": ["testVaultRG", "otherVaultRG", "testRG", "appRG", "classicRG", "eastRG", "restoreRG"],
    "vaults": [
        {
            "name": "testVault", "resource_group": "testVaultRG", "location": "westus", "soft_delete": True,
            "policies": [
                {"name": "DefaultPolicy", "workload": "AzureIaasVM", "policy_type": "V1", "retention_days": 30},
                {"name": "EnhancedPolicy", "workload": "AzureIaasVM", "policy_type": "V2", "retention_days": 30},
                {"name": "FileSharePolicy", "workload": "AzureStorage"},
                {"name": "SqlPolicy", "workload": "AzureWorkload"},
            ],
            "discovered": ["testRG/testVM", "classicRG/classicVM"],
            "workload_containers": [
                {"name": "VMAppContainer;Compute;testRG;testSQL", "friendly_name": "testSQL", "vm": "testRG/testSQL"},
            ],
        },
        {
            "name": "otherVault", "resource_group": "otherVaultRG", "location": "westus", "soft_delete": False,
            "policies": [
                {"name": "DefaultPolicy", "workload": "AzureIaasVM", "policy_type": "V1", "retention_days": 30},
            ],
            "discovered": [],
        },
    ],
    "vms": [
        {"name": "testVM", "resource_group": "testRG", "location": "westus", "data_disk_luns": [0, 1]},
        {"name": "testSQL", "resource_group": "testRG", "location": "westus", "data_disk_luns": [0]},
        {"name": "vm01", "resource_group": "testRG", "location": "westus", "data_disk_luns": [0, 1, 2]},
        {"name": "vm02", "resource_group": "testRG", "location": "westus", "data_disk_luns": []},
        {"name": "appVM1", "resource_group": "appRG", "location": "westus", "data_disk_luns": [0]},
        {"name": "appVM2", "resource_group": "appRG", "location": "westus", "data_disk_luns": [0, 1]},
        {"name": "classicVM", "resource_group": "classicRG", "location": "westus", "classic": True, "data_disk_luns": [0]},
        {"name": "eastVM", "resource_group": "eastRG", "location": "eastus", "data_disk_luns": []},
    ],
    "protected_items": [],
    "jobs": [],
    # restore targets (resources.py): a staging account and a network in the vaults' region, one of each
    # in eastus (for region-mismatch cases), and an empty resource group to restore into
    "storage_accounts": [
        {"name": "stagingwestus", "resource_group": "restoreRG", "location": "westus"},
        {"name": "stagingeastus", "resource_group": "eastRG", "location": "eastus"},
    ],
    "virtual_networks": [
        {"name": "restoreVnet", "resource_group": "restoreRG", "location": "westus", "subnets": ["default", "restore"]},
        {"name": "eastVnet", "resource_group": "eastRG", "location": "eastus", "subnets": ["default"]},
    ],
}


def default_scenario():
    """A fresh copy of the default scenario."""
    return copy.deepcopy(_DEFAULT)
