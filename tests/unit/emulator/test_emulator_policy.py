# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulator behaviour: backup policy CRUD, validation, normalisation, in-use refusal, immutability."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from vault_helpers import Q, V1_DAILY, V2_HOURLY, done, error, props


def _url(emu, name="p1", vault="testVault"):
    return emu.vault_url(vault) + "/backupPolicies/" + name


def _put(emu, arm, body, name="p1"):
    return arm.put(_url(emu, name), params=Q, json={"properties": body})


def test_create_v1_daily_returns_the_normalised_policy(emu, arm):
    resp = _put(emu, arm, V1_DAILY)
    assert resp.status_code == 200, resp.text
    got = resp.json()["properties"]
    assert got["schedulePolicy"]["scheduleWeeklyFrequency"] == 0
    assert got["policyType"] == "V1" and got["instantRpRetentionRangeInDays"] == 2
    assert got["tieringPolicy"]["ArchivedRP"]["tieringMode"] == "DoNotTier"
    assert got["protectedItemsCount"] == 0
    assert arm.get(_url(emu), params=Q).json() == resp.json()


def test_service_reorders_days_and_drops_time_fractions(emu, arm):
    body = props(V1_DAILY, schedulePolicy__scheduleRunFrequency="Weekly",
                 schedulePolicy__scheduleRunDays=["Friday", "Monday"],
                 schedulePolicy__scheduleRunTimes=["2024-01-01T02:00:00.000Z"], retentionPolicy__dailySchedule=None)
    body["retentionPolicy"]["weeklySchedule"] = {"daysOfTheWeek": ["Friday", "Monday"], "retentionTimes": ["2024-01-01T02:00:00Z"],
                                                 "retentionDuration": {"count": 12, "durationType": "Weeks"}}
    got = _put(emu, arm, body).json()["properties"]
    assert got["schedulePolicy"]["scheduleRunDays"] == ["Monday", "Friday"]
    assert got["schedulePolicy"]["scheduleRunTimes"] == ["2024-01-01T02:00:00Z"]
    assert got["retentionPolicy"]["weeklySchedule"]["daysOfTheWeek"] == ["Monday", "Friday"]
    assert got["instantRpRetentionRangeInDays"] == 5


def test_create_v2_hourly(emu, arm):
    got = _put(emu, arm, V2_HOURLY).json()["properties"]
    assert got["policyType"] == "V2" and got["schedulePolicy"]["hourlySchedule"]["interval"] == 4
    assert got["timeZone"] == "India Standard Time"


@pytest.mark.parametrize("body, words", [
    (props(V2_HOURLY, schedulePolicy__hourlySchedule__interval=5), "interval"),
    (props(V2_HOURLY, schedulePolicy__hourlySchedule__scheduleWindowDuration=3), "scheduleWindowDuration"),
    (props(V2_HOURLY, instantRpRetentionRangeInDays=31), "instantRpRetentionRangeInDays"),
    (props(V2_HOURLY, policyType=None), "V2"),
    (props(V1_DAILY, instantRpRetentionRangeInDays=6), "instantRpRetentionRangeInDays"),
    (props(V1_DAILY, schedulePolicy__scheduleRunFrequency="Hourly"), "hourly"),
    (props(V1_DAILY, schedulePolicy__scheduleRunFrequency="Weekly"), "scheduleRunDays"),
    (props(V1_DAILY, retentionPolicy__dailySchedule__retentionTimes=["2024-01-01T03:00:00Z"]), "schedule time"),
    (props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=10000), "count"),
    (props(V1_DAILY, retentionPolicy__dailySchedule=None), "dailySchedule"),
    (props(V1_DAILY, timeZone="Mars Standard Time"), "timeZone"),
    (props(V1_DAILY, schedulePolicy__scheduleRunTimes=["2024-01-01T02:00:00Z", "2024-01-01T14:00:00Z"]), "exactly one"),
])
def test_invalid_policies_are_refused(emu, arm, body, words):
    err = error(_put(emu, arm, body))
    assert err["code"] == "BMSUserErrorInvalidInput" and words in err["message"]
    assert arm.get(_url(emu), params=Q).status_code == 404


def test_a_policy_cannot_switch_between_v1_and_v2(emu, arm):
    _put(emu, arm, V1_DAILY)
    assert error(_put(emu, arm, V2_HOURLY))["code"] == "BMSUserErrorPolicyTypeChangeNotAllowed"


def test_policy_in_use_cannot_be_deleted(emu, arm):
    assert _put(emu, arm, V1_DAILY).status_code == 200
    emu.protect(arm, "testRG", "testVM", policy="p1")
    assert arm.get(_url(emu), params=Q).json()["properties"]["protectedItemsCount"] == 1
    err = error(arm.delete(_url(emu), params=Q))
    assert err["code"] == "BMSUserErrorPolicyInUse" and "1 protected item" in err["message"]
    stop = arm.put(emu.item_url("testRG", "testVM"), params=Q, json={"properties": {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": emu.vm_id("testRG", "testVM"),
        "protectionState": "ProtectionStopped"}})
    done(emu, arm, stop)
    resp = arm.delete(_url(emu), params=Q)
    assert done(emu, arm, resp)["status"] == "Succeeded"
    assert arm.get(_url(emu), params=Q).status_code == 404
    assert arm.delete(_url(emu), params=Q).status_code == 204


def test_update_of_a_policy_in_use_is_async_and_reapplied(emu, arm):
    _put(emu, arm, V1_DAILY)
    emu.protect(arm, "testRG", "testVM", policy="p1")
    longer = props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=60)
    resp = _put(emu, arm, longer)
    assert resp.status_code == 202
    assert "/backupPolicies/p1/operations/" in resp.headers["Azure-AsyncOperation"]
    assert "/backupPolicies/p1/operationResults/" in resp.headers["Location"]
    status = done(emu, arm, resp)
    assert status["properties"]["objectType"] == "OperationStatusJobsExtendedInfo" and len(status["properties"]["jobIds"]) == 1
    job = emu.wait_job(arm, status["properties"]["jobIds"][0])
    assert job["properties"]["operation"] == "ConfigureBackup" and job["properties"]["status"] == "Completed"
    final = arm.get(resp.headers["Location"])
    assert final.status_code == 200
    assert final.json()["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"] == 60


def test_put_mode_always_async_and_delete_status_choices(emu, arm):
    emu.admin("POST", "config", {"policy_put_async": "always", "policy_delete_status": 204})
    resp = _put(emu, arm, V1_DAILY)
    assert resp.status_code == 202
    assert arm.get(_url(emu), params=Q).status_code == 404          # the policy appears when its operation is done
    done(emu, arm, resp)
    assert arm.get(_url(emu), params=Q).status_code == 200
    assert arm.delete(_url(emu), params=Q).status_code == 204


def test_immutable_vault_refuses_a_retention_cut_but_not_an_increase(emu, arm):
    _put(emu, arm, V1_DAILY)
    emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG", "immutability": "Unlocked"}]})
    shorter = props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=7)
    err = error(_put(emu, arm, shorter))
    assert "aka.ms/AB-ImmutableVaults-States" in err["message"] and "dailySchedule" in err["message"]
    longer = props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=90)
    assert _put(emu, arm, longer).status_code == 200


def test_immutable_vault_refuses_moving_an_item_to_a_policy_that_keeps_less(emu, arm):
    _put(emu, arm, props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=7), name="short")
    _put(emu, arm, props(V1_DAILY, retentionPolicy__dailySchedule__retentionDuration__count=90), name="long")
    emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG", "immutability": "Unlocked"}],
                               "protected_items": [{"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"}]})
    item = emu.item_url("testRG", "testVM")
    err = error(arm.put(item, params=Q, json=emu.enable_body("testRG", "testVM", policy="short")))
    assert "aka.ms/AB-ImmutableVaults-States" in err["message"] and "short" in err["message"]
    done(emu, arm, arm.put(item, params=Q, json=emu.enable_body("testRG", "testVM", policy="long")))
    assert arm.get(item, params=Q).json()["properties"]["policyName"] == "long"


def test_seeded_policy_with_full_properties(emu, arm):
    emu.admin("POST", "seed", {"vaults": [{"name": "testVault", "resource_group": "testVaultRG",
                                           "policies": [{"name": "hourly", "properties": V2_HOURLY}]}]})
    got = arm.get(_url(emu, "hourly"), params=Q).json()["properties"]
    assert got["policyType"] == "V2" and got["schedulePolicy"]["scheduleRunFrequency"] == "Hourly"
