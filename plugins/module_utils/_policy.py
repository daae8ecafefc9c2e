# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backup policies for Azure VMs (standard = V1, enhanced = V2): options designed for people,
converted to the REST shape and back (CONTRACT-wave2.md section 8).

``model_from_options()`` checks the options (ranges, intervals, days, time zone) and gives the
normalised model; ``model_from_policy()`` gives the same model from the service's policy
(times as HH:MM, days in week order, months in year order), so that comparing the two is
comparing what matters. ``policy_body()`` turns a model into the PUT body.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_recovery.backup.plugins.module_utils import _guard as mua
from ansible_collections.azure_recovery.backup.plugins.module_utils import _vault_api as vapi
from ansible_collections.azure_recovery.backup.plugins.module_utils._backup_api import get_policy, vault_path
from ansible_collections.azure_recovery.backup.plugins.module_utils._timezones import canonical_time_zone
from ansible_collections.azure_recovery.backup.plugins.module_utils._vault import VaultTask, no_control_characters, vault_result

IAAS = "AzureIaasVM"
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WEEKS = ("First", "Second", "Third", "Fourth", "Last")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
HOURLY_INTERVALS = (4, 6, 8, 12)
# The service's ranges for Azure VM policies (counts of days, weeks, months, years).
RETENTION_RANGES = {"daily": (7, 9999), "weekly": (1, 5163), "monthly": (1, 1188), "yearly": (1, 99)}
INSTANT_RESTORE_RANGES = {"standard": (1, 5), "enhanced": (1, 30)}
INSTANT_RESTORE_DEFAULTS = {"standard": 2, "enhanced": 7}
TIERING_MODES = {"recommended": "TierRecommended", "after": "TierAfter", "off": "DoNotTier"}
TIERING_UNITS = ("days", "weeks", "months", "years")
TIME_DATE = "2024-01-01"

_POLICY_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,149}")
_TIME_RE = re.compile(r"(?:\d{4}-\d{2}-\d{2}[T ])?(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}:?\d{2})?")
_DAYS_LOWER = dict((d.lower(), d) for d in DAYS)
_WEEKS_LOWER = dict((w.lower(), w) for w in WEEKS)
_MONTHS_LOWER = dict((m.lower(), m) for m in MONTHS)


def validate_policy_name(name):
    no_control_characters(name, "policy name")
    if not isinstance(name, str) or not _POLICY_NAME_RE.fullmatch(name):
        raise ValueError("invalid policy name %r: 1-150 letters, digits, '-' or '_', starting with a letter or digit" % (name,))
    return name


# ---------------------------------------------------------------------------------------
# Small normalisers (shared by the options and the service's answers)
# ---------------------------------------------------------------------------------------

def normal_time(value, what="time", strict=True):
    """'23:00', '9:30', '2018-01-24T02:00:00Z' -> 'HH:MM'. Options must be on the hour or the half hour."""
    text = value if isinstance(value, str) else ""
    match = _TIME_RE.fullmatch(text.strip()) if text and "\n" not in text else None
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        if strict:
            raise ValueError("invalid %s %r: expected HH:MM (24-hour clock), e.g. '23:00'" % (what, value))
        return value
    if strict and match.group(2) not in ("00", "30"):
        raise ValueError("invalid %s %r: the service schedules backups on the hour or the half hour (HH:00 or HH:30)" % (what, value))
    return "%02d:%s" % (int(match.group(1)), match.group(2))


def _names(values, table, what, strict=True):
    """A list of day / week / month names in any case -> canonical names in their natural order, no repeats."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = []
    for value in values:
        if strict and isinstance(value, str):
            no_control_characters(value, what)
        canonical = table.get(str(value).strip().lower()) if isinstance(value, str) else None
        if canonical is None:
            if strict:
                raise ValueError("invalid %s %r: expected one of %s" % (what, value, ", ".join(sorted(set(table.values()), key=list(table.values()).index))))
            canonical = str(value)
        if canonical not in out:
            out.append(canonical)
    order = list(table.values())
    return sorted(out, key=lambda v: order.index(v) if v in order else len(order))


def _days(values, what="day", strict=True):
    return _names(values, _DAYS_LOWER, what, strict)


def _days_of_month(values, strict=True):
    """[1, 15, 'last'] -> sorted ints 1-28, with 'last' at the end."""
    out = []
    for value in values or []:
        if strict and isinstance(value, str):
            no_control_characters(value, "day of the month")
        if isinstance(value, str) and value.strip().lower() == "last":
            key = "last"
        else:
            try:
                key = int(value)
            except (TypeError, ValueError):
                key = None
            if key is None or isinstance(value, bool) or (strict and not 1 <= key <= 28):
                raise ValueError("invalid day of the month %r: 1 to 28, or 'last'" % (value,))
        if key not in out:
            out.append(key)
    return sorted(out, key=lambda d: 99 if d == "last" else d)


def _count(value, unit):
    low, high = RETENTION_RANGES[unit]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("retention %s count must be a whole number, not %r" % (unit, value))
    if not low <= value <= high:
        raise ValueError("retention %s count %d is outside the service's range %d-%d" % (unit, value, low, high))
    return value


# ---------------------------------------------------------------------------------------
# Options -> model
# ---------------------------------------------------------------------------------------

def schedule_from_options(schedule):
    if not isinstance(schedule, dict):
        raise ValueError("schedule must be a dict with frequency (daily, weekly or hourly)")
    frequency = (schedule.get("frequency") or "").lower()
    if frequency not in ("daily", "weekly", "hourly"):
        raise ValueError("schedule.frequency must be daily, weekly or hourly, not %r" % (schedule.get("frequency"),))
    unknown = set(k for k, v in schedule.items() if v is not None) - {"frequency", "time", "days", "interval", "window_hours"}
    if unknown:
        raise ValueError("unknown schedule keys %s: use frequency, time, days, interval, window_hours" % sorted(unknown))
    out = {"frequency": frequency, "time": normal_time(schedule.get("time") or ("08:00" if frequency == "hourly" else None), "schedule.time")}
    if frequency == "weekly":
        days = _days(schedule.get("days"), "schedule day")
        if not days:
            raise ValueError("a weekly schedule needs days (e.g. days: [Sunday])")
        out["days"] = days
    elif schedule.get("days"):
        raise ValueError("schedule.days is only for a weekly schedule")
    if frequency == "hourly":
        interval = schedule.get("interval")
        if interval not in HOURLY_INTERVALS:
            raise ValueError("schedule.interval must be one of %s hours (what the service offers), not %r"
                             % (", ".join(str(i) for i in HOURLY_INTERVALS), interval))
        window = schedule.get("window_hours", 24)
        if window is None:
            window = 24
        if isinstance(window, bool) or not isinstance(window, int) or not 4 <= window <= 24 or window < interval:
            raise ValueError("schedule.window_hours must be a whole number of hours from 4 to 24 and at least the interval (%s), not %r"
                             % (interval, window))
        out.update(interval=interval, window_hours=window)
    elif schedule.get("interval") is not None or schedule.get("window_hours") is not None:
        raise ValueError("schedule.interval and schedule.window_hours are only for an hourly schedule")
    return out


def _calendar_retention(spec, unit, schedule):
    """monthly / yearly: {count, days_of_month} or {count, weeks, days} (yearly also months)."""
    if isinstance(spec, bool) or not isinstance(spec, dict):
        raise ValueError("retention.%s must be a dict with count and days_of_month, or count, weeks and days" % unit)
    allowed = {"count", "days_of_month", "weeks", "days"} | ({"months"} if unit == "yearly" else set())
    unknown = set(k for k, v in spec.items() if v is not None) - allowed
    if unknown:
        raise ValueError("unknown retention.%s keys %s: use %s" % (unit, sorted(unknown), ", ".join(sorted(allowed))))
    out = {"count": _count(spec.get("count"), unit)}
    if unit == "yearly":
        months = _names(spec.get("months"), _MONTHS_LOWER, "month")
        if not months:
            raise ValueError("retention.yearly needs months (e.g. months: [January])")
        out["months"] = months
    if spec.get("days_of_month"):
        if spec.get("weeks") or spec.get("days"):
            raise ValueError("retention.%s takes days_of_month, or weeks with days, not both" % unit)
        if schedule["frequency"] == "weekly":
            raise ValueError("retention.%s of a weekly schedule is by weeks and days (e.g. weeks: [First], days: [Sunday]), "
                             "not days_of_month" % unit)
        out["days_of_month"] = _days_of_month(spec["days_of_month"])
    else:
        weeks = _names(spec.get("weeks"), _WEEKS_LOWER, "week of the month")
        days = _days(spec.get("days"), "retention.%s day" % unit)
        if not weeks or not days:
            raise ValueError("retention.%s needs days_of_month (e.g. [1]), or weeks and days (e.g. weeks: [First], days: [Sunday])" % unit)
        if schedule["frequency"] == "weekly" and set(days) - set(schedule["days"]):
            raise ValueError("retention.%s days %s are not backup days of the weekly schedule (%s)" % (unit, days, schedule["days"]))
        out.update(weeks=weeks, days=days)
    return out


def retention_from_options(retention, schedule):
    if not isinstance(retention, dict):
        raise ValueError("retention must be a dict (daily, weekly, monthly, yearly)")
    unknown = set(k for k, v in retention.items() if v is not None) - set(RETENTION_RANGES)
    if unknown:
        raise ValueError("unknown retention keys %s: use daily, weekly, monthly, yearly" % sorted(unknown))
    out = {}
    daily = retention.get("daily")
    if daily is not None:
        if schedule["frequency"] == "weekly":
            raise ValueError("a weekly schedule keeps no daily backups: give retention.weekly, not retention.daily")
        if isinstance(daily, dict):
            daily = daily.get("count")
        out["daily"] = _count(daily, "daily")
    elif schedule["frequency"] != "weekly":
        raise ValueError("a %s schedule needs retention.daily (days to keep each backup, %d-%d)"
                         % (schedule["frequency"], RETENTION_RANGES["daily"][0], RETENTION_RANGES["daily"][1]))
    weekly = retention.get("weekly")
    if weekly is not None:
        if isinstance(weekly, int) and not isinstance(weekly, bool):
            weekly = {"count": weekly}
        if not isinstance(weekly, dict):
            raise ValueError("retention.weekly must be a count or a dict with count and days")
        days = _days(weekly.get("days"), "retention.weekly day") or (schedule.get("days") if schedule["frequency"] == "weekly" else None)
        if not days:
            raise ValueError("retention.weekly needs days (e.g. days: [Sunday])")
        if schedule["frequency"] == "weekly" and days != schedule["days"]:
            raise ValueError("retention.weekly days %s must be the weekly schedule's days %s" % (days, schedule["days"]))
        out["weekly"] = {"count": _count(weekly.get("count"), "weekly"), "days": days}
    elif schedule["frequency"] == "weekly":
        raise ValueError("a weekly schedule needs retention.weekly (weeks to keep each backup)")
    for unit in ("monthly", "yearly"):
        if retention.get(unit) is not None:
            out[unit] = _calendar_retention(retention[unit], unit, schedule)
    return out


def tiering_from_options(tiering):
    if tiering is None:
        return None
    mode = (tiering.get("mode") or "").lower()
    if mode not in TIERING_MODES:
        raise ValueError("archive_tiering.mode must be recommended, after or off, not %r" % (tiering.get("mode"),))
    out = {"mode": mode}
    if mode == "after":
        duration, unit = tiering.get("duration"), (tiering.get("duration_type") or "").lower()
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1 or unit not in TIERING_UNITS:
            raise ValueError("archive_tiering mode after needs duration (a whole number, at least 1) and duration_type (days, weeks, "
                             "months or years)")
        out.update(duration=duration, duration_type=unit)
    return out


def model_from_options(params, current=None):
    """azure_backup_policy's options -> the model; what is not given comes from ``current`` (an update) or the
    service's defaults (a new policy). ValueError for bad input, before any call."""
    kind = params.get("policy_type")
    if current is not None and kind and kind != current["policy_type"]:
        raise ValueError("policy %s is %s and cannot become %s: the service does not switch a policy between standard (V1) and "
                         "enhanced (V2); create a new policy and move the VMs to it" % (params["name"], current["policy_type"], kind))
    if params.get("schedule") is not None:
        schedule = schedule_from_options(params["schedule"])
    elif current is not None:
        schedule = current["schedule"]
    else:
        raise ValueError("schedule is required to create policy %s" % params["name"])
    kind = kind or (current or {}).get("policy_type") or ("enhanced" if schedule["frequency"] == "hourly" else "standard")
    if kind == "standard" and schedule["frequency"] == "hourly":
        raise ValueError("an hourly schedule needs policy_type enhanced")
    if params.get("retention") is not None:
        retention = retention_from_options(params["retention"], schedule)
    elif current is not None:
        retention = current["retention"]
    else:
        raise ValueError("retention is required to create policy %s" % params["name"])
    zone = params.get("time_zone")
    if zone is not None:
        no_control_characters(zone, "time_zone")
        canonical = canonical_time_zone(zone)
        if canonical is None:
            raise ValueError("unknown time_zone %r: give a Windows time-zone ID such as UTC, W. Europe Standard Time or Pacific Standard Time"
                             % (zone,))
        zone = canonical
    else:
        zone = (current or {}).get("time_zone") or "UTC"
    instant = params.get("instant_restore_days")
    if instant is None:
        instant = (current or {}).get("instant_restore_days") or (
            5 if kind == "standard" and schedule["frequency"] == "weekly" else INSTANT_RESTORE_DEFAULTS[kind])
    low, high = INSTANT_RESTORE_RANGES[kind]
    if isinstance(instant, bool) or not isinstance(instant, int) or not low <= instant <= high:
        raise ValueError("instant_restore_days of a %s policy must be from %d to %d, not %r" % (kind, low, high, instant))
    tiering = tiering_from_options(params.get("archive_tiering"))
    if tiering is None:
        tiering = (current or {}).get("archive_tiering")
    return {"policy_type": kind, "schedule": schedule, "time_zone": zone, "instant_restore_days": instant,
            "retention": retention, "archive_tiering": tiering}


# ---------------------------------------------------------------------------------------
# The service's policy -> model
# ---------------------------------------------------------------------------------------

def _first_time(times):
    return normal_time((times or [None])[0], strict=False)


def _loose_days(values):
    return _days(values, strict=False) or []


def _calendar_from_rest(rest, unit):
    out = {"count": (rest.get("retentionDuration") or {}).get("count")}
    if unit == "yearly":
        out["months"] = _names(rest.get("monthsOfYear") or [], _MONTHS_LOWER, "month", strict=False)
    if (rest.get("retentionScheduleFormatType") or "").lower() == "daily" or rest.get("retentionScheduleDaily"):
        days = ((rest.get("retentionScheduleDaily") or {}).get("daysOfTheMonth") or [])
        out["days_of_month"] = _days_of_month(["last" if d.get("isLast") else d.get("date") for d in days], strict=False)
    else:
        weekly = rest.get("retentionScheduleWeekly") or {}
        out["weeks"] = _names(weekly.get("weeksOfTheMonth") or [], _WEEKS_LOWER, "week", strict=False)
        out["days"] = _loose_days(weekly.get("daysOfTheWeek"))
    return out


def model_from_policy(policy):
    """The service's policy -> the model (None for None)."""
    if not policy:
        return None
    props = policy.get("properties") or {}
    sched = props.get("schedulePolicy") or {}
    v2 = (props.get("policyType") or "").upper() == "V2" or sched.get("schedulePolicyType") == "SimpleSchedulePolicyV2"
    frequency = (sched.get("scheduleRunFrequency") or "").lower()
    schedule = {"frequency": frequency}
    if v2:
        if frequency == "hourly":
            hourly = sched.get("hourlySchedule") or {}
            schedule.update(time=normal_time(hourly.get("scheduleWindowStartTime"), strict=False), interval=hourly.get("interval"),
                            window_hours=hourly.get("scheduleWindowDuration"))
        elif frequency == "weekly":
            weekly = sched.get("weeklySchedule") or {}
            schedule.update(time=_first_time(weekly.get("scheduleRunTimes")), days=_loose_days(weekly.get("scheduleRunDays")))
        else:
            schedule["time"] = _first_time((sched.get("dailySchedule") or {}).get("scheduleRunTimes"))
    else:
        schedule["time"] = _first_time(sched.get("scheduleRunTimes"))
        if frequency == "weekly":
            schedule["days"] = _loose_days(sched.get("scheduleRunDays"))
    ret = props.get("retentionPolicy") or {}
    retention = {}
    if ret.get("dailySchedule"):
        retention["daily"] = (ret["dailySchedule"].get("retentionDuration") or {}).get("count")
    if ret.get("weeklySchedule"):
        retention["weekly"] = {"count": (ret["weeklySchedule"].get("retentionDuration") or {}).get("count"),
                               "days": _loose_days(ret["weeklySchedule"].get("daysOfTheWeek"))}
    for unit, key in (("monthly", "monthlySchedule"), ("yearly", "yearlySchedule")):
        if ret.get(key):
            retention[unit] = _calendar_from_rest(ret[key], unit)
    tiering = None
    archived = (props.get("tieringPolicy") or {}).get("ArchivedRP")
    if isinstance(archived, dict):
        mode = _option_of(TIERING_MODES, archived.get("tieringMode"))
        tiering = {"mode": mode}
        if mode == "after":
            tiering.update(duration=archived.get("duration"), duration_type=(archived.get("durationType") or "").lower())
    kind = "enhanced" if v2 else "standard"
    return {"policy_type": kind, "schedule": schedule, "time_zone": canonical_time_zone(props.get("timeZone") or "UTC") or props.get("timeZone"),
            "instant_restore_days": props.get("instantRpRetentionRangeInDays") or INSTANT_RESTORE_DEFAULTS[kind],
            "retention": retention, "archive_tiering": tiering}


def _option_of(table, value):
    for option, rest in table.items():
        if rest.lower() == (value or "").lower():
            return option
    return value


def same_model(current, desired):
    """Compare two models; an absent tiering and 'off' are the same."""
    def norm(model):
        model = dict(model)
        if (model.get("archive_tiering") or {}).get("mode") in (None, "off"):
            model["archive_tiering"] = None
        return model
    return norm(current) == norm(desired)


# ---------------------------------------------------------------------------------------
# Model -> the PUT body
# ---------------------------------------------------------------------------------------

def _rest_time(hhmm):
    return "%sT%s:00Z" % (TIME_DATE, hhmm)


def _duration(count, unit):
    return {"count": count, "durationType": unit}


def _calendar_to_rest(spec, times, unit):
    out = {"retentionTimes": times, "retentionDuration": _duration(spec["count"], "Months" if unit == "monthly" else "Years")}
    if unit == "yearly":
        out["monthsOfYear"] = list(spec["months"])
    if spec.get("days_of_month"):
        out["retentionScheduleFormatType"] = "Daily"
        out["retentionScheduleDaily"] = {"daysOfTheMonth": [{"date": 0, "isLast": True} if d == "last" else {"date": d, "isLast": False}
                                                            for d in spec["days_of_month"]]}
    else:
        out["retentionScheduleFormatType"] = "Weekly"
        out["retentionScheduleWeekly"] = {"daysOfTheWeek": list(spec["days"]), "weeksOfTheMonth": list(spec["weeks"])}
    return out


def policy_body(model, keep=None, requests=None):
    """The model -> the PUT body; ``keep``: the current policy's properties the model does not cover
    (instantRPDetails, snapshotConsistencyType) are sent back unchanged."""
    schedule, retention = model["schedule"], model["retention"]
    times = [_rest_time(schedule["time"])]
    if model["policy_type"] == "enhanced":
        sched = {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": schedule["frequency"].capitalize()}
        if schedule["frequency"] == "hourly":
            sched["hourlySchedule"] = {"interval": schedule["interval"], "scheduleWindowStartTime": times[0],
                                       "scheduleWindowDuration": schedule["window_hours"]}
        elif schedule["frequency"] == "weekly":
            sched["weeklySchedule"] = {"scheduleRunDays": list(schedule["days"]), "scheduleRunTimes": times}
        else:
            sched["dailySchedule"] = {"scheduleRunTimes": times}
    else:
        sched = {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": schedule["frequency"].capitalize(),
                 "scheduleRunTimes": times, "scheduleWeeklyFrequency": 0}
        if schedule["frequency"] == "weekly":
            sched["scheduleRunDays"] = list(schedule["days"])
    ret = {"retentionPolicyType": "LongTermRetentionPolicy"}
    if "daily" in retention:
        ret["dailySchedule"] = {"retentionTimes": times, "retentionDuration": _duration(retention["daily"], "Days")}
    if "weekly" in retention:
        ret["weeklySchedule"] = {"daysOfTheWeek": list(retention["weekly"]["days"]), "retentionTimes": times,
                                 "retentionDuration": _duration(retention["weekly"]["count"], "Weeks")}
    for unit, key in (("monthly", "monthlySchedule"), ("yearly", "yearlySchedule")):
        if unit in retention:
            ret[key] = _calendar_to_rest(retention[unit], times, unit)
    props = {"backupManagementType": IAAS, "policyType": "V2" if model["policy_type"] == "enhanced" else "V1",
             "schedulePolicy": sched, "retentionPolicy": ret, "timeZone": model["time_zone"],
             "instantRpRetentionRangeInDays": model["instant_restore_days"]}
    tiering = model.get("archive_tiering")
    if tiering:
        archived = {"tieringMode": TIERING_MODES[tiering["mode"]]}
        if tiering["mode"] == "after":
            archived.update(duration=tiering["duration"], durationType=tiering["duration_type"].capitalize())
        props["tieringPolicy"] = {"ArchivedRP": archived}
    for key in ("instantRPDetails", "snapshotConsistencyType"):
        if (keep or {}).get(key):
            props[key] = keep[key]
    if requests:
        props["resourceGuardOperationRequests"] = list(requests)
    return {"properties": props}


# ---------------------------------------------------------------------------------------
# What a change cuts, and the info view
# ---------------------------------------------------------------------------------------

UNIT_DAYS = {"daily": 1, "weekly": 7, "monthly": 30, "yearly": 365}


def retention_cuts(current, desired):
    """Lines naming each retention the change shortens or removes (empty when nothing is cut)."""
    cuts = []
    before, after = current["retention"], desired["retention"]
    for unit in ("daily", "weekly", "monthly", "yearly"):
        if unit not in before:
            continue
        old = before[unit] if unit == "daily" else before[unit]["count"]
        if unit not in after:
            cuts.append("%s retention removed (was %s)" % (unit, old))
            continue
        new = after[unit] if unit == "daily" else after[unit]["count"]
        if new is not None and old is not None and new < old:
            cuts.append("%s retention %s -> %s" % (unit, old, new))
    return cuts


def shortest_retention_days(model):
    """How many days the policy keeps its scheduled (daily / hourly / weekly) backups."""
    retention = model.get("retention") or {}
    if retention.get("daily") is not None:
        return retention["daily"]
    if (retention.get("weekly") or {}).get("count") is not None:
        return retention["weekly"]["count"] * 7
    return None


def policy_result(policy):
    """The service's policy -> the modules' ``policy`` result (None for None)."""
    if not policy:
        return None
    props = policy.get("properties") or {}
    result = {"id": policy.get("id"), "name": policy.get("name"), "backup_management_type": props.get("backupManagementType"),
              "protected_items_count": props.get("protectedItemsCount")}
    if (props.get("backupManagementType") or IAAS).lower() == IAAS.lower():
        model = model_from_policy(policy)
        result.update(model)
        result["shortest_retention_days"] = shortest_retention_days(model)
    return result


# ---------------------------------------------------------------------------------------
# The run of azure_backup_policy
# ---------------------------------------------------------------------------------------

class PolicyRun(VaultTask):
    """azure_backup_policy: read, decide, write through the vault's guard when it cuts retention."""

    def run(self):
        params, client = self.params, self.client
        name = validate_policy_name(params["name"])
        vpath = vault_path(client, params["vault_resource_group"], params["vault_name"])
        if params["state"] == "present":
            precheck(params)
        policy = get_policy(client, vpath, name)
        kind = ((policy or {}).get("properties") or {}).get("backupManagementType")
        if kind and kind.lower() != IAAS.lower():
            raise ValueError("policy %s of vault %s is a %s policy, not one for Azure VMs; this module manages Azure VM policies only"
                             % (name, self.vault_label, kind))
        if params["state"] == "absent":
            return self.absent(vpath, name, policy)
        return self.present(vpath, name, policy)

    def _in_use(self, vpath, name, policy):
        count = ((policy or {}).get("properties") or {}).get("protectedItemsCount")
        return int(count or 0)

    def absent(self, vpath, name, policy):
        result = {"changed": False, "policy": policy_result(policy), "affected_items": 0}
        if policy is None:
            result["msg"] = "policy %s does not exist in vault %s; nothing to do" % (name, self.vault_label)
            return result
        used = self._in_use(vpath, name, policy)
        if used:
            raise ValueError("policy %s of vault %s is used by %d protected item(s): move them to another policy or stop their "
                             "protection first; nothing was deleted" % (name, self.vault_label, used))
        result["changed"] = True
        if self.diff:
            result["diff"] = {"before": model_from_policy(policy), "after": {}}
        if self.check_mode:
            result["msg"] = "would delete policy %s of vault %s" % (name, self.vault_label)
            return result
        vapi.delete_policy(self.client, vpath, name, "deleting backup policy %s of vault %s" % (name, self.vault_label))
        result["msg"] = "policy %s of vault %s deleted" % (name, self.vault_label)
        return result

    def present(self, vpath, name, policy):
        client = self.client
        current = model_from_policy(policy)
        desired = model_from_options(self.params, current)
        used = self._in_use(vpath, name, policy)
        result = {"changed": False, "policy": policy_result(policy), "affected_items": 0, "retention_cuts": []}
        if current is not None and same_model(current, desired):
            result["msg"] = "policy %s of vault %s is already as asked" % (name, self.vault_label)
            return result
        result["changed"] = True
        result["affected_items"] = used
        if self.diff:
            result["diff"] = {"before": current or {}, "after": desired}
        requests = []
        if current is not None:
            cuts = retention_cuts(current, desired)
            result["retention_cuts"] = cuts
            if cuts:
                vault = vault_result(vapi.get_vault(client, vpath, self.vault_label) or {})
                state = (vault or {}).get("immutability")
                if state in ("unlocked", "locked"):
                    why = ("locked immutability is permanent, so this policy's retention can never be cut" if state == "locked" else
                           "set the vault's immutability to disabled first (azure_backup_vault) if the cut is really wanted")
                    raise ValueError("vault %s is immutable (%s): the service refuses to shorten the retention of policy %s (%s); %s; "
                                     "nothing was changed" % (self.vault_label, state, name, "; ".join(cuts), why))
                guard = mua.Guard.read(client, vpath, self.vault_label)
                requests = mua.guard_requests(guard, mua.UPDATE_POLICY)
            else:
                guard = None
        verb = "create" if current is None else "change"
        note = " (applies to %d protected item(s))" % used if used else ""
        if self.check_mode:
            result["msg"] = "would %s policy %s of vault %s%s" % (verb, name, self.vault_label, note)
            return result
        body = policy_body(desired, keep=(policy or {}).get("properties"), requests=requests)
        action = "%s backup policy %s of vault %s" % ("creating" if current is None else "changing", name, self.vault_label)

        def write(reqs):
            return vapi.put_policy(client, vpath, name, body, action)
        if requests:
            written = mua.guarded(guard, mua.UPDATE_POLICY, write)
        else:
            written = write([])
        final = written or get_policy(client, vpath, name)
        result["policy"] = policy_result(final)
        after = model_from_policy(final)
        if after is None or not same_model(after, desired):
            result.update(failed=True, msg="the service accepted policy %s of vault %s but reads back differently; asked %s, it has %s"
                          % (name, self.vault_label, desired, after))
            return result
        result["msg"] = "policy %s of vault %s %sd%s" % (name, self.vault_label, verb, note)
        return result


def precheck(params):
    """The options checked before the first call: all of them when schedule and retention are both given,
    else those that stand alone (the rest are checked against the current policy, still before any write)."""
    if params.get("schedule") is not None and params.get("retention") is not None:
        return model_from_options(params)
    if params.get("schedule") is not None:
        schedule_from_options(params["schedule"])
    if params.get("time_zone") is not None and canonical_time_zone(no_control_characters(params["time_zone"], "time_zone")) is None:
        raise ValueError("unknown time_zone %r: give a Windows time-zone ID such as UTC, W. Europe Standard Time or Pacific Standard Time"
                         % (params["time_zone"],))
    tiering_from_options(params.get("archive_tiering"))
    return None


def policy_info(client, params):
    """azure_backup_policy_info: one policy by name (one GET) or every Azure VM policy of the vault (one list)."""
    label = "%s/%s" % (params["vault_resource_group"], params["vault_name"])
    vpath = vault_path(client, params["vault_resource_group"], params["vault_name"])
    if params.get("name"):
        no_control_characters(params["name"], "policy name")
        policy = get_policy(client, vpath, params["name"])
        policies = [policy_result(policy)] if policy else []
    else:
        policies = [policy_result(p) for p in vapi.list_policies(client, vpath, label)]
    return {"changed": False, "policies": policies, "msg": "%d policy(ies) in vault %s" % (len(policies), label)}
