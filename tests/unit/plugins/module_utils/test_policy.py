# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup policies: the options people write, the REST shape, and the normalisation that lets
the two be compared (what the service adds or reorders must not read as a change)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _policy as pol

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "shared", "azure-backup-api", "examples-wave2", "2026-02-01")


def example(*path):
    full = os.path.join(EXAMPLES, *path)
    if not os.path.exists(full):
        full = os.path.join("/work/shared/azure-backup-api/examples-wave2/2026-02-01", *path)
    with open(full) as handle:
        return json.load(handle)


def options(**overrides):
    base = {"name": "P1", "policy_type": None, "schedule": {"frequency": "daily", "time": "23:00"}, "time_zone": None,
            "instant_restore_days": None, "retention": {"daily": 30}, "archive_tiering": None}
    base.update(overrides)
    return base


# --------------------------------------------------------------------------- the spec's policies

def test_the_spec_hourly_policy_equals_the_same_policy_written_as_options():
    rest = {"properties": example("AzureIaasVm", "V2Policy", "IaaS_v2_hourly.json")["parameters"]["parameters"]["properties"]}
    wanted = pol.model_from_options(options(
        policy_type="enhanced", schedule={"frequency": "hourly", "interval": 4, "time": "08:00", "window_hours": 16},
        time_zone="india standard time", instant_restore_days=30,
        retention={"daily": 180, "weekly": {"count": 12, "days": ["sunday"]},
                   "monthly": {"count": 60, "weeks": ["first"], "days": ["Sunday"]},
                   "yearly": {"count": 10, "months": ["January"], "weeks": ["First"], "days": ["Sunday"]}}))
    assert pol.same_model(pol.model_from_policy(rest), wanted)


def test_the_spec_weekly_v1_policy_reads_in_week_order_with_the_service_defaults():
    rest = {"properties": example("AzureIaasVm", "ProtectionPolicies_CreateOrUpdate_Complex.json")["parameters"]["parameters"]["properties"]}
    model = pol.model_from_policy(rest)
    assert model["policy_type"] == "standard"
    assert model["schedule"] == {"frequency": "weekly", "time": "10:00", "days": ["Monday", "Wednesday", "Thursday"]}
    assert model["retention"]["yearly"] == {"count": 4, "months": ["February", "November"], "weeks": ["Fourth"], "days": ["Monday", "Thursday"]}
    assert model["time_zone"] == "Pacific Standard Time"
    wanted = pol.model_from_options(options(
        schedule={"frequency": "weekly", "time": "10:00", "days": ["Thursday", "Monday", "Wednesday"]}, time_zone="Pacific Standard Time",
        instant_restore_days=2,
        retention={"weekly": {"count": 1}, "monthly": {"count": 2, "weeks": ["Third", "First"], "days": ["Thursday", "Wednesday"]},
                   "yearly": {"count": 4, "months": ["November", "February"], "weeks": ["Fourth"], "days": ["Thursday", "Monday"]}}))
    assert pol.same_model(model, wanted)


# --------------------------------------------------------------------------- normalisation

@pytest.mark.parametrize("service_time", ["2024-01-01T23:00:00Z", "2018-01-24T23:00:00+00:00", "2018-01-24T23:00:00.0000000Z", "23:00:00"])
def test_time_formats_of_the_service_compare_equal(service_time):
    body = pol.policy_body(pol.model_from_options(options()))
    body["properties"]["schedulePolicy"]["scheduleRunTimes"] = [service_time]
    assert pol.model_from_policy(body)["schedule"]["time"] == "23:00"


def test_what_the_service_adds_is_not_a_change():
    desired = pol.model_from_options(options(retention={"daily": 30, "weekly": {"count": 5, "days": ["Saturday", "sunday"]}}))
    stored = copy.deepcopy(pol.policy_body(desired))
    props = stored["properties"]
    props["tieringPolicy"] = {"ArchivedRP": {"tieringMode": "DoNotTier", "duration": 0, "durationType": "Invalid"}}
    props["instantRPDetails"] = {}
    props["protectedItemsCount"] = 3
    props["retentionPolicy"]["weeklySchedule"]["daysOfTheWeek"] = ["Saturday", "Sunday"]
    assert pol.same_model(pol.model_from_policy(stored), desired)


def test_a_round_trip_through_the_rest_shape_keeps_every_setting():
    for opts in (options(),
                 options(policy_type="enhanced", schedule={"frequency": "weekly", "time": "02:30", "days": ["Friday"]},
                         retention={"weekly": {"count": 10}, "yearly": {"count": 3, "months": ["May"], "weeks": ["Last"], "days": ["Friday"]}},
                         archive_tiering={"mode": "after", "duration": 3, "duration_type": "months"}),
                 options(retention={"daily": 9999, "monthly": {"count": 1188, "days_of_month": ["last", 15, 1]}})):
        model = pol.model_from_options(opts)
        assert pol.model_from_policy(pol.policy_body(model)) == model


def test_days_of_month_sort_with_last_at_the_end():
    model = pol.model_from_options(options(retention={"daily": 30, "monthly": {"count": 2, "days_of_month": ["Last", 28, 1, 1]}}))
    assert model["retention"]["monthly"]["days_of_month"] == [1, 28, "last"]
    body = pol.policy_body(model)
    assert body["properties"]["retentionPolicy"]["monthlySchedule"]["retentionScheduleDaily"]["daysOfTheMonth"][-1] == {"date": 0, "isLast": True}


def test_retention_times_equal_the_schedule_time():
    model = pol.model_from_options(options(policy_type="enhanced", schedule={"frequency": "hourly", "interval": 6, "time": "06:30", "window_hours": 18},
                                           retention={"daily": 10, "weekly": {"count": 2, "days": ["Monday"]}}))
    props = pol.policy_body(model)["properties"]
    start = props["schedulePolicy"]["hourlySchedule"]["scheduleWindowStartTime"]
    assert start.endswith("T06:30:00Z")
    assert props["retentionPolicy"]["dailySchedule"]["retentionTimes"] == [start]
    assert props["retentionPolicy"]["weeklySchedule"]["retentionTimes"] == [start]
    assert props["policyType"] == "V2" and "dailySchedule" not in props["schedulePolicy"]


def test_options_not_given_are_kept_from_the_current_policy():
    current = pol.model_from_options(options(time_zone="Tokyo Standard Time", instant_restore_days=4))
    changed = pol.model_from_options({"name": "P1", "retention": {"daily": 60}}, current)
    assert changed["time_zone"] == "Tokyo Standard Time" and changed["instant_restore_days"] == 4
    assert changed["schedule"] == current["schedule"] and changed["retention"] == {"daily": 60}


def test_defaults_of_a_new_policy():
    assert pol.model_from_options(options())["instant_restore_days"] == 2
    assert pol.model_from_options(options(schedule={"frequency": "weekly", "time": "01:00", "days": ["Sunday"]},
                                          retention={"weekly": {"count": 4}}))["instant_restore_days"] == 5
    hourly = pol.model_from_options(options(schedule={"frequency": "hourly", "interval": 12}))
    assert hourly["policy_type"] == "enhanced" and hourly["instant_restore_days"] == 7 and hourly["schedule"]["window_hours"] == 24


def test_retention_cuts_name_each_shortened_or_removed_unit():
    before = pol.model_from_options(options(retention={"daily": 30, "weekly": {"count": 12, "days": ["Sunday"]}}))
    after = pol.model_from_options(options(retention={"daily": 14}))
    assert pol.retention_cuts(before, after) == ["daily retention 30 -> 14", "weekly retention removed (was 12)"]
    assert pol.retention_cuts(after, before) == []


def test_shortest_retention_of_a_weekly_policy_is_in_days():
    model = pol.model_from_options(options(schedule={"frequency": "weekly", "time": "01:00", "days": ["Sunday"]}, retention={"weekly": {"count": 3}}))
    assert pol.shortest_retention_days(model) == 21


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("overrides, words", [
    ({"retention": {"daily": 6}}, "outside the service's range 7-9999"),
    ({"retention": {"daily": 10000}}, "outside the service's range"),
    ({"retention": {"daily": 30, "weekly": {"count": 5164, "days": ["Sunday"]}}}, "5163"),
    ({"retention": {"daily": 30, "yearly": {"count": 100, "months": ["May"], "days_of_month": [1]}}}, "1-99"),
    ({"retention": {"daily": 30, "monthly": {"count": 2, "days_of_month": [29]}}}, "1 to 28"),
    ({"retention": {"daily": True}}, "whole number"),
    ({"schedule": {"frequency": "hourly", "interval": 3}}, "4, 6, 8, 12"),
    ({"schedule": {"frequency": "hourly", "interval": 8, "window_hours": 6}}, "at least the interval"),
    ({"schedule": {"frequency": "weekly", "time": "01:00"}, "retention": {"weekly": {"count": 2}}}, "needs days"),
    ({"schedule": {"frequency": "weekly", "time": "01:00", "days": ["Sunday"]}, "retention": {"daily": 7}}, "no daily backups"),
    ({"schedule": {"frequency": "weekly", "time": "01:00", "days": ["Sunday"]}, "retention": {"weekly": {"count": 2, "days": ["Monday"]}}},
     "must be the weekly schedule's days"),
    ({"schedule": {"frequency": "daily", "time": "25:00"}}, "HH:MM"),
    ({"schedule": {"frequency": "daily", "time": "22:15"}}, "half hour"),
    ({"schedule": {"frequency": "daily", "time": "22:00\n"}}, "HH:MM"),
    ({"schedule": {"frequency": "daily", "time": "22:00", "days": ["Sunday"]}}, "only for a weekly"),
    ({"time_zone": "Mars Standard Time"}, "unknown time_zone"),
    ({"time_zone": "UTC\n"}, "control character"),
    ({"policy_type": "standard", "schedule": {"frequency": "hourly", "interval": 4}}, "needs policy_type enhanced"),
    ({"instant_restore_days": 6}, "from 1 to 5"),
    ({"policy_type": "enhanced", "instant_restore_days": 31}, "from 1 to 30"),
    ({"retention": {"daily": 30, "hourly": 3}}, "unknown retention keys"),
    ({"retention": {"daily": 30, "monthly": {"count": 1}}}, "needs days_of_month"),
    ({"archive_tiering": {"mode": "after"}}, "needs duration"),
    ({"retention": {"daily": 30, "weekly": {"count": 2, "days": ["Sunday\n"]}}}, "control character"),
    ({"retention": {"daily": 30, "monthly": {"count": 2, "days_of_month": ["last\n"]}}}, "control character"),
    ({"retention": {"daily": 30, "yearly": {"count": 2, "months": ["May\r"], "days_of_month": [1]}}}, "control character"),
])
def test_bad_options_are_refused(overrides, words):
    with pytest.raises(ValueError) as err:
        pol.model_from_options(options(**overrides))
    assert words in str(err.value)


def test_a_switch_between_standard_and_enhanced_is_refused():
    current = pol.model_from_options(options())
    with pytest.raises(ValueError, match="cannot become enhanced"):
        pol.model_from_options(options(policy_type="enhanced"), current)


@pytest.mark.parametrize("name", ["", "a/b", "x\n", "Default Policy", "-lead", "a" * 151])
def test_policy_names_azure_would_refuse(name):
    with pytest.raises(ValueError):
        pol.validate_policy_name(name)
