# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_backup_policy end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.vault_http``; the ``fake`` and ``arm`` fixtures are in conftest.py): call counts,
bodies, and what happens when the service answers a write with success and changes nothing."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.modules import azure_backup_policy

from support.modules_http import ARGS, ENDPOINT, VAULT, run
from support.vault_http import GUARD, POLICY_ARGS, policy_rest, vault_body, writes


def test_policy_unchanged_costs_one_get(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()))
    result = run(azure_backup_policy, POLICY_ARGS, capsys)
    assert result["changed"] is False and len(arm.arm) == 1


def test_policy_change_in_use_reports_the_items(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()), (200, policy_rest(daily=40)))
    arm.route("PUT", r"/backupPolicies/DailyPolicy$", (200, policy_rest(daily=40)))
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 40}), capsys, diff=True)
    assert result["changed"] and result["affected_items"] == 2 and "2 protected item(s)" in result["msg"]
    assert result["diff"]["before"]["retention"] == {"daily": 30} and result["diff"]["after"]["retention"] == {"daily": 40}
    put = [r for r in arm.arm if r.method == "PUT"][0]
    assert "resourceGuardOperationRequests" not in put.body["properties"]
    assert [r.method for r in arm.arm] == ["GET", "PUT"]


def test_policy_retention_cut_on_a_guarded_vault_sends_the_listed_request(arm, capsys):
    listed = GUARD + "/updateProtectionPolicyRequests/default"
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()))
    arm.route("GET", r"/vaults/testVault$", (200, vault_body()))
    arm.route("GET", r"/backupResourceGuardProxies$", (200, {"value": [{"name": "VaultProxy", "properties": {
        "resourceGuardResourceId": GUARD, "resourceGuardOperationDetails": [{"defaultResourceRequest": listed}]}}]}))
    arm.route("PUT", r"/backupPolicies/DailyPolicy$", (200, policy_rest(daily=10)))
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 10}), capsys)
    assert result["changed"] and result["retention_cuts"] == ["daily retention 30 -> 10"], result
    put = [r for r in arm.arm if r.method == "PUT"][0]
    assert put.body["properties"]["resourceGuardOperationRequests"] == [listed]


def test_policy_retention_cut_on_an_immutable_vault_is_refused_before_any_write(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest()))
    arm.route("GET", r"/vaults/testVault$", (200, vault_body(securitySettings={"immutabilitySettings": {"state": "Locked"}})))
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 10}), capsys)
    assert result["failed"] and "immutable (locked)" in result["msg"] and "can never be cut" in result["msg"]
    assert writes(arm) == []


def test_policy_in_use_is_not_deleted(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest(count=3)))
    result = run(azure_backup_policy, dict(ARGS, name="DailyPolicy", state="absent"), capsys)
    assert result["failed"] and "used by 3 protected item(s)" in result["msg"] and writes(arm) == []


def test_policy_delete_follows_a_202(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, policy_rest(count=0)))
    arm.route("DELETE", r"/backupPolicies/DailyPolicy$", (202, "", {"Location": ENDPOINT + VAULT + "/backupPolicies/DailyPolicy/operationResults/o1"}))
    arm.route("GET", r"/operationResults/o1$", (202, ""), (204, ""))
    result = run(azure_backup_policy, dict(ARGS, name="DailyPolicy", state="absent"), capsys)
    assert result["changed"] and writes(arm) == [("DELETE", "/backupPolicies/DailyPolicy")]
    assert [r.path.rsplit("/", 1)[-1] for r in arm.arm].count("o1") == 2


def test_policy_of_another_workload_is_refused(arm, capsys):
    arm.route("GET", r"/backupPolicies/DailyPolicy$", (200, {"name": "DailyPolicy", "properties": {"backupManagementType": "AzureStorage"}}))
    result = run(azure_backup_policy, POLICY_ARGS, capsys)
    assert result["failed"] and "not one for Azure VMs" in result["msg"] and writes(arm) == []


def test_policy_bad_input_sends_nothing(arm, capsys):
    result = run(azure_backup_policy, dict(POLICY_ARGS, retention={"daily": 3}), capsys)
    assert result["failed"] and arm.arm == []
