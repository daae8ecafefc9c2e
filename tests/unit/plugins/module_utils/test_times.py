# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations, dates and soft-delete purge times (_times.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _times as naming


SUB = "00000000-0000-0000-0000-000000000000"
OTHER_SUB = "11111111-1111-1111-1111-111111111111"
VM_ID = "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB
NOW = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


# --------------------------------------------------------------------------- durations and dates

@pytest.mark.parametrize("text,seconds", [("30m", 1800), ("12h", 43200), ("1d", 86400), ("1w", 604800), (" 45S ", 45), ("2D", 172800)])
def test_parse_duration(text, seconds):
    assert naming.parse_duration(text) == datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "12", "h", "0h", "-1h", "1.5h", "1y", "1 day", None])
def test_parse_duration_errors(text):
    with pytest.raises(ValueError, match="invalid duration"):
        naming.parse_duration(text)


@pytest.mark.parametrize("text,expected", [
    ("2026-12-31", datetime.datetime(2026, 12, 31, tzinfo=naming.UTC)),
    ("2026-12-31T10:20:30Z", datetime.datetime(2026, 12, 31, 10, 20, 30, tzinfo=naming.UTC)),
    ("2026-12-31T10:20:30+00:00", datetime.datetime(2026, 12, 31, 10, 20, 30, tzinfo=naming.UTC)),
    ("2026-12-31 10:20", datetime.datetime(2026, 12, 31, 10, 20, tzinfo=naming.UTC)),
    ("2026-12-31T10:20:30.1234567Z", datetime.datetime(2026, 12, 31, 10, 20, 30, 123456, tzinfo=naming.UTC)),
    (datetime.date(2026, 12, 31), datetime.datetime(2026, 12, 31, tzinfo=naming.UTC)),
])
def test_parse_utc(text, expected):
    assert naming.parse_utc(text) == expected


@pytest.mark.parametrize("text,message", [
    ("2026-12-31T10:20:30+02:00", "not in UTC"), ("2026-12-31T10:20:30-0500", "not in UTC"), ("31-12-2026", "invalid"),
    ("2026-02-30", "invalid"), ("tomorrow", "invalid"), ("2026-12-31T25:00:00Z", "invalid"),
])
def test_parse_utc_errors(text, message):
    with pytest.raises(ValueError, match=message):
        naming.parse_utc(text)


def test_parse_utc_refuses_aware_non_utc_datetime():
    tz = datetime.timezone(datetime.timedelta(hours=2))
    with pytest.raises(ValueError, match="not in UTC"):
        naming.parse_utc(datetime.datetime(2026, 1, 1, tzinfo=tz))


def test_retention_default_and_days():
    assert naming.retention_expiry(NOW) == NOW + datetime.timedelta(days=30)
    assert naming.retention_expiry(NOW, retain_days=1) == NOW + datetime.timedelta(days=1)
    assert naming.retention_expiry(NOW, retain_days=9999) == NOW + datetime.timedelta(days=9999)


def test_retention_until():
    assert naming.retention_expiry(NOW, retain_until="2026-03-02") == datetime.datetime(2026, 3, 2, tzinfo=naming.UTC)


@pytest.mark.parametrize("kwargs,message", [
    ({"retain_days": 0}, "at least 1"), ({"retain_days": -3}, "at least 1"), ({"retain_days": 10000}, "9999 days"),
    ({"retain_until": "2026-03-01"}, "not in the future"), ({"retain_until": "2020-01-01T00:00:00Z"}, "not in the future"),
    ({"retain_until": "2060-01-01"}, "9999 days"), ({"retain_until": "2026-04-01", "retain_days": 3}, "not both"),
    ({"retain_until": "2026-04-01T00:00:00+01:00"}, "not in UTC"),
])
def test_retention_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        naming.retention_expiry(NOW, **kwargs)


def test_time_formats():
    moment = datetime.datetime(2024, 4, 21, 19, 27, 12, tzinfo=naming.UTC)
    assert naming.format_utc(moment) == "2024-04-21T19:27:12Z"
    assert naming.format_filter_time(moment) == "2024-04-21 07:27:12 PM"


@pytest.mark.parametrize("value,expected", [
    ("2001-01-01T00:00:00Z", None), ("0001-01-01T00:00:00", None), ("", None), (None, None), ("garbage", None),
    ("2024-04-22T07:26:47.5510929Z", datetime.datetime(2024, 4, 22, 7, 26, 47, 551092, tzinfo=naming.UTC)),
])
def test_parse_service_time(value, expected):
    assert naming.parse_service_time(value) == expected
    assert naming.service_time(value) == (value if expected else None)


# --------------------------------------------------------------------------- whole values, bounds (issue 11, items 2, 6, 9)

@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00"])
def test_control_characters_are_refused_in_durations_and_dates(char):
    for text in ("12h" + char, char + "12h", "12" + char + "h"):
        with pytest.raises(ValueError, match="invalid duration"):
            naming.parse_duration(text)
    for text in ("2026-12-31" + char, char + "2026-12-31", "2026-12-31T10:20:30Z" + char):
        with pytest.raises(ValueError, match="invalid"):
            naming.parse_utc(text)


@pytest.mark.parametrize("text", ["99999999999w", "5300w", "36501d", "9999999999999s", "١٢h"])
def test_durations_beyond_the_bound_or_not_ascii_are_refused_with_one_line(text):
    with pytest.raises(ValueError, match="invalid duration") as caught:
        naming.parse_duration(text)
    assert "\n" not in str(caught.value)


def test_longest_duration_is_accepted():
    assert naming.parse_duration("36500d") == datetime.timedelta(days=36500)


def test_filter_time_of_the_year_one_has_four_digits():
    moment = naming.parse_utc("0001-01-01")
    assert naming.format_filter_time(moment) == "0001-01-01 12:00:00 AM"
    assert naming.format_utc(moment) == "0001-01-01T00:00:00Z"
    assert naming.format_filter_time(naming.parse_utc("2024-04-21T19:27:12Z")) == "2024-04-21 07:27:12 PM"


@pytest.mark.parametrize("text,expected", [
    ("13.23:59:43.1234567", datetime.timedelta(days=13, hours=23, minutes=59, seconds=43, microseconds=123456)),
    ("23:59:59", datetime.timedelta(hours=23, minutes=59, seconds=59)),
    ("0.00:00:01", datetime.timedelta(seconds=1)),
    ("-1.00:00:00", -datetime.timedelta(days=1)),
])
def test_parse_timespan(text, expected):
    assert naming.parse_timespan(text) == expected


@pytest.mark.parametrize("text", ["", None, "13 days", "13.24:00:00", "1:60:00", "P14D", 14])
def test_parse_timespan_refuses_what_is_not_one(text):
    assert naming.parse_timespan(text) is None
