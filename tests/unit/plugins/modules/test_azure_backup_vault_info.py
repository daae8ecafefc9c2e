# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_backup_vault_info end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.vault_http``; the ``fake`` and ``arm`` fixtures are in conftest.py): call counts,
bodies, and what happens when the service answers a write with success and changes nothing."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.modules import azure_backup_vault_info

from support.modules_http import ARGS, run
from support.vault_http import config_body, policy_rest, vault_body


def test_vault_info_findings(arm, capsys):
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("GET", r"/backupconfig/vaultconfig$", (200, config_body(state="Disabled")))
    arm.route("GET", r"/backupResourceGuardProxies$", (200, {"value": []}))
    arm.route("GET", r"/backupPolicies$", (200, {"value": [policy_rest(daily=7)]}))
    result = run(azure_backup_vault_info, dict(ARGS, min_retention_days=10), capsys)
    assert [f["code"] for f in result["findings"]] == ["soft_delete_off", "immutability_off", "no_resource_guard", "short_retention"]
    assert result["policies"][0]["retention"] == {"daily": 7}
