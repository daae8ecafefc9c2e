# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Durations and dates: what a user typed (``12h``, ``2026-12-31``), what the service returns (its
"never" dates, .NET TimeSpans), the job filter's time format, and soft-delete purge dates.

Pure functions only. A bad value raises ``ValueError`` with a message that says what was expected;
every pattern matches the whole value (``re.fullmatch``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

UTC = datetime.timezone.utc

# On-demand backups: the Azure portal accepts a retention of up to 9999 days.
MAX_RETENTION_DAYS = 9999
DEFAULT_RETENTION_DAYS = 30
# A duration option (e.g. if_last_backup_older_than) of more than this is refused, not overflowed.
MAX_DURATION_DAYS = 36500
# Soft delete keeps deleted backup data this long unless the vault or the item says otherwise.
DEFAULT_SOFT_DELETE_DAYS = 14
# deferredDeleteTimeRemaining is counted by the service's clock at its answer; ours may differ a little.
SOFT_DELETE_TOLERANCE = datetime.timedelta(hours=1)

_DURATION_RE = re.compile(r" *([0-9]{1,12}) *([smhdw]) *", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<frac>[0-9]+))?)?"
    r"(?P<tz>Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)
# .NET TimeSpan text: [-][d.]hh:mm:ss[.fffffff] (deferredDeleteTimeRemaining: "13.23:59:43.1234567")
_TIMESPAN_RE = re.compile(r"(?P<sign>-)?(?:(?P<d>[0-9]{1,8})\.)?(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2}):(?P<s>[0-9]{2})(?:\.(?P<frac>[0-9]{1,7}))?")
# Dates at or before this are the service's "never" (0001-01-01, 2001-01-01 for lastBackupTime).
_NEVER_BEFORE = datetime.datetime(2002, 1, 1, tzinfo=UTC)


def parse_duration(value):
    """'30m', '12h', '1d', '1w' (or '45s') -> datetime.timedelta; at most MAX_DURATION_DAYS."""
    match = _DURATION_RE.fullmatch(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        raise ValueError("invalid duration %r: expected a positive number followed by s, m, h, d or w (e.g. 12h, 1d)" % (value,))
    seconds = int(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
    if seconds > MAX_DURATION_DAYS * 86400:
        raise ValueError("invalid duration %r: longer than %d days" % (value, MAX_DURATION_DAYS))
    return datetime.timedelta(seconds=seconds)


def parse_utc(value, what="date"):
    """A date 'YYYY-MM-DD' (midnight UTC) or a datetime with 'Z' / '+00:00' -> aware UTC datetime.

    A datetime without an offset is taken as UTC. Any other offset is refused rather than
    converted, because a retention date must not silently move by hours. Spaces around the text
    are ignored; any other character (a newline, a tab) makes it invalid.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        if value.utcoffset() != datetime.timedelta(0):
            raise ValueError("%s %s is not in UTC: give it with 'Z' or '+00:00'" % (what, value.isoformat()))
        return value.astimezone(UTC)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip(" ")
    try:
        if _DATE_RE.fullmatch(text):
            return datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        match = _DATETIME_RE.fullmatch(text)
        if match:
            tz = match.group("tz")
            if tz and tz.upper() != "Z" and tz.replace(":", "") not in ("+0000", "-0000"):
                raise ValueError("%s %r is not in UTC: give it with 'Z' or '+00:00'" % (what, text))
            base = datetime.datetime.strptime(match.group("date"), "%Y-%m-%d")
            micro = int((match.group("frac") or "0")[:6].ljust(6, "0"))
            return base.replace(hour=int(match.group("h")), minute=int(match.group("m")),
                                second=int(match.group("s") or 0), microsecond=micro, tzinfo=UTC)
    except ValueError as exc:
        if "not in UTC" in str(exc):
            raise
        raise ValueError("invalid %s %r: %s" % (what, text, exc))
    raise ValueError("invalid %s %r: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ" % (what, text))


def retention_expiry(now, retain_until=None, retain_days=None):
    """The recovery point expiry for an on-demand backup; refuses the past and > MAX_RETENTION_DAYS."""
    if retain_until is not None and retain_days is not None:
        raise ValueError("give either retain_until or retain_days, not both")
    if retain_until is not None:
        expiry = parse_utc(retain_until, "retain_until")
    else:
        days = DEFAULT_RETENTION_DAYS if retain_days is None else retain_days
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ValueError("retain_days must be a whole number of days, at least 1 (got %r)" % (days,))
        if days > MAX_RETENTION_DAYS:
            raise ValueError("retain_days %d is beyond the longest on-demand retention, %d days" % (days, MAX_RETENTION_DAYS))
        expiry = now + datetime.timedelta(days=days)
    if expiry <= now:
        raise ValueError("retain_until %s is not in the future" % format_utc(expiry))
    if expiry > now + datetime.timedelta(days=MAX_RETENTION_DAYS):
        raise ValueError("retain_until %s is beyond the longest on-demand retention, %d days from now"
                         % (format_utc(expiry), MAX_RETENTION_DAYS))
    return expiry.replace(microsecond=0)


def format_utc(moment):
    moment = moment.astimezone(UTC)
    return "%04d-%s" % (moment.year, moment.strftime("%m-%dT%H:%M:%SZ"))


def format_filter_time(moment):
    """The job list's $filter time format, as the service's own clients send it: '2024-04-21 07:27:12 AM'.
    The year always has four digits (strftime's %Y gives '1' for the year 1 on glibc)."""
    moment = moment.astimezone(UTC)
    return "%04d-%s" % (moment.year, moment.strftime("%m-%d %I:%M:%S %p"))


def parse_service_time(value):
    """A time the service returned -> aware UTC datetime; None for empty values and its 'never' dates."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = parse_utc(value.strip(), "time")
    except ValueError:
        return None
    return None if moment < _NEVER_BEFORE else moment


def service_time(value):
    """A time the service returned, for results: the service's text, or None for 'never'."""
    return value if parse_service_time(value) else None


def parse_timespan(value):
    """A .NET TimeSpan text ('13.23:59:43.1234567', '23:59:59') -> datetime.timedelta; None when it is not one."""
    match = _TIMESPAN_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    hours, minutes, seconds = int(match.group("h")), int(match.group("m")), int(match.group("s"))
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    span = datetime.timedelta(days=int(match.group("d") or 0), hours=hours, minutes=minutes, seconds=seconds,
                              microseconds=int((match.group("frac") or "0").ljust(7, "0")) // 10)
    return -span if match.group("sign") else span


def _retention_days(value):
    """A softDeleteRetentionPeriodInDays value -> int days, or None when absent or not a sane number."""
    if isinstance(value, bool):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if 1 <= days <= 365 else None


def soft_delete_times(properties, now, vault_retention_days=None):
    """When soft-deleted backup data is purged, from a protected item's properties.

    ``deferredDeleteTimeInUTC`` is the time of the DELETE, not of the purge; the data is kept for the
    retention period: the item's ``softDeleteRetentionPeriodInDays`` (or ``softDeleteRetentionPeriod``, as the
    service answers it; 0 means not given), else the vault's
    (``vault_retention_days``), else 14 days. ``deferredDeleteTimeRemaining`` (a .NET TimeSpan counting
    down) is the service's own count: ``now + remaining`` is the purge time when the delete time is
    missing, or when the two disagree by more than SOFT_DELETE_TOLERANCE (a retention this function
    could not know). Returns {deleted_time, purge_time, purge_in_days} (UTC texts; whole days left,
    rounded down), all None for an item that is not soft-deleted or says nothing usable."""
    props = properties or {}
    result = {"deleted_time": None, "purge_time": None, "purge_in_days": None}
    if not props.get("isScheduledForDeferredDelete"):
        return result
    deleted = parse_service_time(props.get("deferredDeleteTimeInUTC"))
    remaining = parse_timespan(props.get("deferredDeleteTimeRemaining"))
    # the spec names it softDeleteRetentionPeriodInDays; the service (recorded 2024) answers softDeleteRetentionPeriod
    days = (_retention_days(props.get("softDeleteRetentionPeriodInDays")) or _retention_days(props.get("softDeleteRetentionPeriod"))
            or _retention_days(vault_retention_days) or DEFAULT_SOFT_DELETE_DAYS)
    purge = deleted + datetime.timedelta(days=days) if deleted is not None else None
    if remaining is not None and remaining >= datetime.timedelta(0):
        counted = now + remaining
        if purge is None or abs(counted - purge) > SOFT_DELETE_TOLERANCE:
            purge = counted
    if deleted is not None:
        result["deleted_time"] = format_utc(deleted)
    if purge is not None:
        result.update(purge_time=format_utc(purge), purge_in_days=max(0, (purge - now).days))
    return result
