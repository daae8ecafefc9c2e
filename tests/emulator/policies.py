# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup policies (``P/backupPolicies[/{name}]``): list / get / PUT / DELETE, their operations
(``…/operations/{op}``, ``…/operationResults/{op}``), V1 / V2 validation (CONTRACT-wave2 §8), the
normalisation the service applies to what it returns, the in-use refusal, immutability and MUA.

Each ``state.Policy`` carries ``props`` (the stored, normalised properties without
``protectedItemsCount``); seeded policies get them from their seed fields.
"""

from __future__ import annotations

import copy
import datetime
import time

import guards
from common import ArmError, Response, iso, parse_filter
from routing import VAULT, bad_input, route
from state import IAAS, Job, Operation, Policy
from vault_settings import check_not_immutable

POLICY_TYPE = "Microsoft.RecoveryServices/vaults/backupPolicies"
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WEEKS = ("First", "Second", "Third", "Fourth", "Last")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
          "December")
# Windows time-zone ids accepted (the common ones; the service knows every Windows id).
TIME_ZONES = (
    "UTC", "Dateline Standard Time", "UTC-11", "Hawaiian Standard Time", "Alaskan Standard Time", "Pacific Standard Time",
    "Pacific Standard Time (Mexico)", "US Mountain Standard Time", "Mountain Standard Time", "Central America Standard Time",
    "Central Standard Time", "Central Standard Time (Mexico)", "Canada Central Standard Time", "SA Pacific Standard Time",
    "Eastern Standard Time", "US Eastern Standard Time", "Venezuela Standard Time", "Atlantic Standard Time",
    "SA Western Standard Time", "Pacific SA Standard Time", "Newfoundland Standard Time", "E. South America Standard Time",
    "Argentina Standard Time", "SA Eastern Standard Time", "Greenland Standard Time", "UTC-02", "Azores Standard Time",
    "Cape Verde Standard Time", "GMT Standard Time", "Greenwich Standard Time", "W. Europe Standard Time",
    "Central Europe Standard Time", "Romance Standard Time", "Central European Standard Time", "W. Central Africa Standard Time",
    "GTB Standard Time", "E. Europe Standard Time", "Egypt Standard Time", "South Africa Standard Time", "FLE Standard Time",
    "Israel Standard Time", "Turkey Standard Time", "Arabic Standard Time", "Arab Standard Time", "Russian Standard Time",
    "E. Africa Standard Time", "Iran Standard Time", "Arabian Standard Time", "Azerbaijan Standard Time",
    "Afghanistan Standard Time", "West Asia Standard Time", "Pakistan Standard Time", "India Standard Time",
    "Sri Lanka Standard Time", "Nepal Standard Time", "Central Asia Standard Time", "Bangladesh Standard Time",
    "Myanmar Standard Time", "SE Asia Standard Time", "China Standard Time", "Singapore Standard Time",
    "W. Australia Standard Time", "Taipei Standard Time", "Tokyo Standard Time", "Korea Standard Time",
    "Cen. Australia Standard Time", "AUS Central Standard Time", "E. Australia Standard Time", "AUS Eastern Standard Time",
    "West Pacific Standard Time", "Tasmania Standard Time", "New Zealand Standard Time", "Fiji Standard Time",
    "Tonga Standard Time", "Samoa Standard Time")
UNIT_DAYS = {"Days": 1, "Weeks": 7, "Months": 30, "Years": 365}
LIMITS = {"dailySchedule": ("Days", 1, 9999), "weeklySchedule": ("Weeks", 1, 5163), "monthlySchedule": ("Months", 1, 1188),
          "yearlySchedule": ("Years", 1, 99)}


# ---------------------------------------------------------------------- seeded policies
def legacy_props(policy):
    """Properties of a seeded policy (its seed fields: workload, policy_type, retention_days, schedule_time, time_zone)."""
    sched_time = policy.schedule_time
    retention = {"retentionPolicyType": "LongTermRetentionPolicy",
                 "dailySchedule": {"retentionTimes": [sched_time],
                                   "retentionDuration": {"count": policy.retention_days, "durationType": "Days"}}}
    v1_daily = {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                "scheduleRunTimes": [sched_time], "scheduleWeeklyFrequency": 0}
    if policy.workload == IAAS:
        if policy.policy_type == "V2":
            schedule = {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": "Hourly",
                        "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": sched_time, "scheduleWindowDuration": 12}}
        else:
            schedule = v1_daily
        return {"backupManagementType": IAAS, "retentionPolicy": retention, "schedulePolicy": schedule,
                "instantRpRetentionRangeInDays": 2 if policy.policy_type != "V2" else 7, "timeZone": policy.time_zone,
                "policyType": policy.policy_type}
    if policy.workload == "AzureStorage":
        return {"backupManagementType": "AzureStorage", "workLoadType": "AzureFileShare", "schedulePolicy": v1_daily,
                "retentionPolicy": retention, "timeZone": policy.time_zone}
    return {"backupManagementType": policy.workload, "workLoadType": "SQLDataBase",
            "settings": {"timeZone": policy.time_zone, "issqlcompression": False, "isCompression": False},
            "subProtectionPolicy": [{"policyType": "Full", "schedulePolicy": v1_daily, "retentionPolicy": retention}]}


def props_of(policy):
    found = getattr(policy, "props", None)
    if found is None:
        found = legacy_props(policy)
        policy.props = found = normalise(found) if policy.workload == IAAS else found
    return found


NEW_VAULT_POLICIES = {"DefaultPolicy": (IAAS, "V1"), "EnhancedPolicy": (IAAS, "V2"), "HourlyLogBackup": ("AzureWorkload", "V1")}


def new_vault_policies(names):
    """The policies a new vault comes with (config vault_default_policies): DefaultPolicy is V1 daily at the
    creation half-hour, 30 days, UTC; EnhancedPolicy V2 hourly; HourlyLogBackup the SQL-in-VM default."""
    now = datetime.datetime.now(datetime.timezone.utc)
    when = now.strftime("%Y-%m-%dT%H:") + ("30:00Z" if now.minute >= 30 else "00:00Z")
    out = []
    for name in names:
        workload, policy_type = NEW_VAULT_POLICIES[name]
        policy = Policy(name, workload, policy_type, 30, when)
        props_of(policy)
        out.append(policy)
    return out


def items_using(vault, policy):
    return [i for i in vault.items.values() if i.policy is policy and not i.soft_deleted]


# ---------------------------------------------------------------------- validation
def _time_of_day(text, where):
    try:
        value = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_input("%s: '%s' is not a date-time." % (where, text)) from exc
    return value.strftime("%H:%M:%S")


def _days(values, where):
    if not isinstance(values, list) or not values:
        raise bad_input("%s needs at least one day of the week." % where)
    bad = [d for d in values if d not in DAYS]
    if bad:
        raise bad_input("%s: %s are not days of the week." % (where, bad))
    if len(set(values)) != len(values):
        raise bad_input("%s lists a day twice." % where)


def _one_time(times, where):
    if not isinstance(times, list) or len(times) != 1:
        raise bad_input("%s must hold exactly one time." % where)
    return _time_of_day(times[0], where)


def _schedule(props, policy_type):
    """Validate the schedule; return (frequency, time of day, weekly days or None)."""
    sched = props.get("schedulePolicy")
    if not isinstance(sched, dict):
        raise bad_input("schedulePolicy is required.")
    kind = sched.get("schedulePolicyType")
    freq = sched.get("scheduleRunFrequency")
    if kind == "SimpleSchedulePolicy":
        if policy_type == "V2":
            raise bad_input("An enhanced (V2) policy needs schedulePolicyType SimpleSchedulePolicyV2.")
        if freq not in ("Daily", "Weekly"):
            raise bad_input("A standard (V1) policy runs Daily or Weekly; hourly backups need an enhanced (V2) policy.")
        when = _one_time(sched.get("scheduleRunTimes"), "schedulePolicy.scheduleRunTimes")
        days = None
        if freq == "Weekly":
            _days(sched.get("scheduleRunDays"), "schedulePolicy.scheduleRunDays")
            days = set(sched["scheduleRunDays"])
        return freq, when, days
    if kind == "SimpleSchedulePolicyV2":
        if policy_type != "V2":
            raise bad_input("schedulePolicyType SimpleSchedulePolicyV2 needs policyType 'V2'.")
        if freq == "Hourly":
            hourly = sched.get("hourlySchedule")
            if not isinstance(hourly, dict):
                raise bad_input("An hourly schedule needs hourlySchedule.")
            if hourly.get("interval") not in (4, 6, 8, 12):
                raise bad_input("hourlySchedule.interval must be 4, 6, 8 or 12 hours, not %r." % hourly.get("interval"))
            window = hourly.get("scheduleWindowDuration")
            if not isinstance(window, int) or isinstance(window, bool) or not 4 <= window <= 24:
                raise bad_input("hourlySchedule.scheduleWindowDuration must be 4 to 24 hours, not %r." % (window,))
            return freq, _time_of_day(hourly.get("scheduleWindowStartTime"), "hourlySchedule.scheduleWindowStartTime"), None
        if freq == "Daily":
            daily = sched.get("dailySchedule") or {}
            return freq, _one_time(daily.get("scheduleRunTimes"), "dailySchedule.scheduleRunTimes"), None
        if freq == "Weekly":
            weekly = sched.get("weeklySchedule") or {}
            _days(weekly.get("scheduleRunDays"), "weeklySchedule.scheduleRunDays")
            return freq, _one_time(weekly.get("scheduleRunTimes"), "weeklySchedule.scheduleRunTimes"), set(weekly["scheduleRunDays"])
        raise bad_input("scheduleRunFrequency must be Hourly, Daily or Weekly.")
    raise bad_input("schedulePolicyType must be SimpleSchedulePolicy or SimpleSchedulePolicyV2.")


def _retention(props, freq, when, days):
    ret = props.get("retentionPolicy")
    if not isinstance(ret, dict) or ret.get("retentionPolicyType") != "LongTermRetentionPolicy":
        raise bad_input("retentionPolicy must be a LongTermRetentionPolicy.")
    present = [k for k in LIMITS if ret.get(k) is not None]
    if freq in ("Daily", "Hourly") and "dailySchedule" not in present:
        raise bad_input("A %s schedule needs retentionPolicy.dailySchedule." % freq.lower())
    if freq == "Weekly" and "dailySchedule" in present:
        raise bad_input("A weekly schedule cannot have daily retention.")
    if freq == "Weekly" and "weeklySchedule" not in present:
        raise bad_input("A weekly schedule needs retentionPolicy.weeklySchedule.")
    for key in present:
        part = ret[key]
        unit, low, high = LIMITS[key]
        duration = part.get("retentionDuration") or {}
        count = duration.get("count")
        if duration.get("durationType") != unit:
            raise bad_input("%s.retentionDuration.durationType must be %s." % (key, unit))
        if not isinstance(count, int) or isinstance(count, bool) or not low <= count <= high:
            raise bad_input("%s.retentionDuration.count must be %d to %d %s, not %r." % (key, low, high, unit.lower(), count))
        times = part.get("retentionTimes")
        if not isinstance(times, list) or not times:
            raise bad_input("%s.retentionTimes is required." % key)
        for value in times:
            if _time_of_day(value, key + ".retentionTimes") != when:
                raise bad_input("%s.retentionTimes must equal the backup schedule time (%s UTC of the policy's time zone)."
                                % (key, when[:5]))
        if key == "weeklySchedule":
            _days(part.get("daysOfTheWeek"), "weeklySchedule.daysOfTheWeek")
            if freq == "Weekly" and set(part["daysOfTheWeek"]) - (days or set()):
                raise bad_input("weeklySchedule.daysOfTheWeek must be among the schedule's days.")
        if key in ("monthlySchedule", "yearlySchedule"):
            fmt = part.get("retentionScheduleFormatType")
            if fmt == "Weekly":
                weekly = part.get("retentionScheduleWeekly") or {}
                _days(weekly.get("daysOfTheWeek"), key + ".retentionScheduleWeekly.daysOfTheWeek")
                weeks = weekly.get("weeksOfTheMonth")
                if not isinstance(weeks, list) or not weeks or set(weeks) - set(WEEKS):
                    raise bad_input("%s.retentionScheduleWeekly.weeksOfTheMonth must list First..Fourth or Last." % key)
                if freq == "Weekly" and set(weekly["daysOfTheWeek"]) - (days or set()):
                    raise bad_input("%s.retentionScheduleWeekly.daysOfTheWeek must be among the schedule's days." % key)
            elif fmt == "Daily":
                if freq == "Weekly":
                    raise bad_input("%s: day-of-month retention needs a daily schedule." % key)
                daily = part.get("retentionScheduleDaily") or {}
                dates = daily.get("daysOfTheMonth")
                if not isinstance(dates, list) or not dates:
                    raise bad_input("%s.retentionScheduleDaily.daysOfTheMonth is required." % key)
                for entry in dates:
                    if not isinstance(entry, dict) or not (entry.get("isLast") is True or entry.get("date") in range(1, 29)):
                        raise bad_input("%s.retentionScheduleDaily.daysOfTheMonth entries are {date: 1..28} or {isLast: true}." % key)
            else:
                raise bad_input("%s.retentionScheduleFormatType must be Daily or Weekly." % key)
            if key == "yearlySchedule":
                months = part.get("monthsOfYear")
                if not isinstance(months, list) or not months or set(months) - set(MONTHS):
                    raise bad_input("yearlySchedule.monthsOfYear must list months (January..December).")


def validate_iaas(props, existing):
    """Validate an AzureIaasVM policy; return its policy type."""
    policy_type = props.get("policyType") or "V1"
    if policy_type not in ("V1", "V2"):
        raise bad_input("policyType must be V1 or V2.")
    if existing is not None and existing.workload == IAAS and existing.policy_type != policy_type:
        raise ArmError(400, "BMSUserErrorPolicyTypeChangeNotAllowed",
                       "Policy '%s' is a %s policy; a policy cannot be switched between standard (V1) and enhanced (V2). "
                       "Create a new policy instead." % (existing.name, existing.policy_type))
    freq, when, days = _schedule(props, policy_type)
    _retention(props, freq, when, days)
    instant = props.get("instantRpRetentionRangeInDays")
    high = 30 if policy_type == "V2" else 5
    if instant is not None and (not isinstance(instant, int) or isinstance(instant, bool) or not 1 <= instant <= high):
        raise bad_input("instantRpRetentionRangeInDays must be 1 to %d for a %s policy, not %r." % (high, policy_type, instant))
    zone = props.get("timeZone")
    if zone is not None and zone not in TIME_ZONES:
        raise bad_input("timeZone '%s' is not a known Windows time zone id." % zone)
    tiering = props.get("tieringPolicy")
    if tiering is not None:
        if not isinstance(tiering, dict) or set(tiering) - {"ArchivedRP"}:
            raise bad_input("tieringPolicy is keyed by 'ArchivedRP'.")
        for rule in tiering.values():
            mode = (rule or {}).get("tieringMode")
            if mode not in ("TierRecommended", "TierAfter", "DoNotTier"):
                raise bad_input("tieringMode must be TierRecommended, TierAfter or DoNotTier.")
            if mode == "TierAfter" and ((rule.get("durationType") not in ("Days", "Weeks", "Months", "Years"))
                                        or not isinstance(rule.get("duration"), int) or rule["duration"] < 1):
                raise bad_input("tieringMode TierAfter needs duration (>= 1) and durationType.")
    if props.get("snapshotConsistencyType") not in (None, "OnlyCrashConsistent", "Invalid"):
        raise bad_input("snapshotConsistencyType must be OnlyCrashConsistent.")
    return policy_type


def _norm_time(text):
    """The service writes times without fractions; it echoes the examples' ``Z`` / ``+00:00`` suffix."""
    value = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    suffix = "+00:00" if str(text).endswith("+00:00") else "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S") + suffix


def _sorted_days(values):
    return sorted(values, key=DAYS.index)


def normalise(props):
    """What the service stores and returns for an AzureIaasVM policy: defaults added, days in week order,
    times without fractions, write-only fields dropped."""
    out = copy.deepcopy(props)
    out.pop("protectedItemsCount", None)
    out.pop("resourceGuardOperationRequests", None)
    policy_type = out.get("policyType") or "V1"
    out["policyType"] = policy_type
    sched = out["schedulePolicy"]
    if sched["schedulePolicyType"] == "SimpleSchedulePolicy":
        sched["scheduleRunTimes"] = [_norm_time(t) for t in sched["scheduleRunTimes"]]
        sched.setdefault("scheduleWeeklyFrequency", 0)
        if sched.get("scheduleRunDays"):
            sched["scheduleRunDays"] = _sorted_days(sched["scheduleRunDays"])
    else:
        for key in ("dailySchedule", "weeklySchedule"):
            if sched.get(key):
                sched[key]["scheduleRunTimes"] = [_norm_time(t) for t in sched[key]["scheduleRunTimes"]]
                if sched[key].get("scheduleRunDays"):
                    sched[key]["scheduleRunDays"] = _sorted_days(sched[key]["scheduleRunDays"])
        if sched.get("hourlySchedule"):
            sched["hourlySchedule"]["scheduleWindowStartTime"] = _norm_time(sched["hourlySchedule"]["scheduleWindowStartTime"])
    weekly_schedule = sched.get("scheduleRunFrequency") == "Weekly"
    for key, part in out["retentionPolicy"].items():
        if not isinstance(part, dict):
            continue
        part["retentionTimes"] = [_norm_time(t) for t in part.get("retentionTimes", [])]
        if part.get("daysOfTheWeek"):
            part["daysOfTheWeek"] = _sorted_days(part["daysOfTheWeek"])
        if isinstance(part.get("retentionScheduleWeekly"), dict):
            part["retentionScheduleWeekly"]["daysOfTheWeek"] = _sorted_days(part["retentionScheduleWeekly"]["daysOfTheWeek"])
    if "instantRpRetentionRangeInDays" not in out:
        out["instantRpRetentionRangeInDays"] = 7 if policy_type == "V2" else (5 if weekly_schedule else 2)
    out.setdefault("timeZone", "UTC")
    out.setdefault("tieringPolicy", {"ArchivedRP": {"tieringMode": "DoNotTier", "duration": 0, "durationType": "Invalid"}})
    out.setdefault("instantRPDetails", {})
    return out


def retention_days(props):
    """{tier: days kept} of a policy (for the decrease checks)."""
    out = {}
    for key, (unit, _low, _high) in LIMITS.items():
        part = (props.get("retentionPolicy") or {}).get(key)
        if isinstance(part, dict):
            out[key] = int((part.get("retentionDuration") or {}).get("count") or 0) * UNIT_DAYS[unit]
    return out


def reduces_retention(old, new):
    before, after = retention_days(old), retention_days(new)
    return [k for k, days in before.items() if after.get(k, 0) < days]


# ---------------------------------------------------------------------- handlers
class Policies:
    """Mixin of BackupApi: backup policies and their operations."""

    def policy_id(self, vault, policy):
        return "%s/backupPolicies/%s" % (vault.id, policy.name)

    def policy_body(self, vault, policy):
        props = copy.deepcopy(props_of(policy))
        props["protectedItemsCount"] = len(items_using(vault, policy))
        return {"id": "/Subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupPolicies/%s" % (
            vault.sub, vault.resource_group, vault.name, policy.name), "name": policy.name, "type": POLICY_TYPE,
            "properties": props}

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

    def _policy_put_async(self, has_items):
        mode = self.state.config["policy_put_async"]
        return mode == "always" or (mode == "auto" and has_items)

    @route("PUT", VAULT, "backupPolicies/{policy}")
    def put_policy(self, req, vault, name):
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise bad_input("The request body needs 'properties'.")
        workload = props.get("backupManagementType")
        if not workload:
            raise bad_input("properties.backupManagementType is required.")
        existing = vault.policies.get(name.lower())
        if existing is not None and existing.workload.lower() != str(workload).lower():
            raise bad_input("Policy '%s' is a %s policy; its backupManagementType cannot change." % (name, existing.workload))
        tokens = props.get("resourceGuardOperationRequests") or []
        if workload == IAAS:
            policy_type = validate_iaas(props, existing)
            new_props = normalise(props)
        elif workload in ("AzureStorage", "AzureWorkload", "AzureSql", "MAB", "GenericProtectionPolicy"):
            policy_type = None
            new_props = copy.deepcopy(props)
            new_props.pop("protectedItemsCount", None)
            new_props.pop("resourceGuardOperationRequests", None)
        else:
            raise bad_input("backupManagementType '%s' is not a backup management type." % workload)
        items = items_using(vault, existing) if existing is not None else []
        if existing is not None:
            cut = reduces_retention(props_of(existing), new_props)
            if cut:
                check_not_immutable(vault, "reduce the retention (%s) of policy '%s'" % (", ".join(cut), name))
                guards.require(self.state, vault, "updateProtectionPolicyRequests", tokens,
                               "reduce the retention of policy '%s'" % name)

        def apply(when=None):
            policy = vault.policies.get(name.lower())
            if policy is None:
                policy = vault.policies[name.lower()] = Policy(name, workload, policy_type or "V1")
            policy.props = new_props
            if policy_type:
                policy.policy_type = policy_type
            return None
        if not self._policy_put_async(bool(items)):
            apply()
            return Response(200, self.policy_body(vault, vault.policies[name.lower()]))
        return self._start_policy_op(req, vault, name, "put", apply, items)

    def _start_policy_op(self, req, vault, name, action, apply, items=()):
        """202: an operation that applies the change when done; one ConfigureBackup job per item re-protected."""
        now = time.time()
        op = Operation("policy", vault, now, now + self.state.duration("lro_seconds"))
        op.apply = apply
        op.policy_name = name
        op.action = action
        op.job_ids = []
        for item in items:
            job = Job(vault, "ConfigureBackup", item.vm, now, req.client_request_id)
            job.due = op.due
            self.state.add_job(job)
            op.job_ids.append(job.id)
            self.state.schedule(op.due, lambda when, j=job: self._finish_policy_job(j, when))
        self.state.add_operation(op)
        prefix = "%s/backupPolicies/%s" % (self._vault_prefix(req, vault), name)
        query = self._async_query(op.id)
        return self._accepted("%s/operationResults/%s?%s" % (prefix, op.id, query), "%s/operations/%s?%s" % (prefix, op.id, query))

    @staticmethod
    def _finish_policy_job(job, when):
        if job.status == "InProgress":
            job.status = "Completed"
            job.end = when

    @route("DELETE", VAULT, "backupPolicies/{policy}")
    def delete_policy(self, req, vault, name):
        policy = vault.policies.get(name.lower())
        if policy is None:
            return Response(204)
        used = items_using(vault, policy)
        if used:
            raise ArmError(400, "BMSUserErrorPolicyInUse",
                           "Policy '%s' cannot be deleted: %d protected item(s) are associated with it (%s). Move them to "
                           "another policy or stop their protection first." % (
                               name, len(used), ", ".join(sorted(i.vm.name for i in used))))
        status = int(self.state.config["policy_delete_status"])

        def apply(when=None):
            if vault.policies.get(name.lower()) is policy:
                del vault.policies[name.lower()]
            return None
        if status != 202:
            apply()
            return Response(status)
        return self._start_policy_op(req, vault, name, "delete", apply)

    @route("GET", VAULT, "backupPolicies/{policy}/operations/{op}")
    def policy_operation_status(self, req, vault, name, op_id):
        return self._policy_operation(req, vault, name, "operations", op_id)

    @route("GET", VAULT, "backupPolicies/{policy}/operationResults/{op}")
    def policy_operation_result(self, req, vault, name, op_id):
        return self._policy_operation(req, vault, name, "operationresults", op_id)

    def _policy_operation(self, req, vault, name, kind, op_id):
        op = self.state.operations.get(op_id.lower())
        if op is None or op.kind != "policy" or op.vault is not vault or op.policy_name.lower() != name.lower():
            raise ArmError(404, "BMSUserErrorOperationNotFound", "Operation '%s' was not found." % op_id)
        self._check_signature(req, op.id)
        if kind == "operations":
            body = {"id": op.id, "name": op.id, "status": op.status, "startTime": iso(op.start),
                    "endTime": iso(op.start) if op.status != "InProgress" else "0001-01-01T00:00:00"}
            if op.status == "Succeeded":
                body["properties"] = {"objectType": "OperationStatusJobsExtendedInfo", "jobIds": list(op.job_ids),
                                      "failedJobsError": {}}
            if op.status == "Failed":
                body["error"] = {"code": op.error[1], "message": op.error[2]}
            return Response(200, body)
        policy = vault.policies.get(name.lower())
        final = self.policy_body(vault, policy) if op.action == "put" and policy is not None else None
        return self._result_response(req, op, final)


def check_item_policy_change(state, vault, item, policy, tokens):
    """MUA on a policy change of a protected item; V2 -> V1 is not allowed (product docs)."""
    if item is None or item.soft_deleted or item.policy is None or policy is item.policy:
        return
    if item.policy.policy_type == "V2" and policy.policy_type != "V2":
        raise ArmError(400, "BMSUserErrorEnhancedToStandardPolicyNotAllowed",
                       "Item '%s' is protected by an enhanced (V2) policy and cannot move to a standard (V1) policy."
                       % item.vm.name)
    cut = reduces_retention(props_of(item.policy), props_of(policy))
    if cut:     # an immutable vault refuses "change backup policy to reduce retention" (product docs)
        check_not_immutable(vault, "move '%s' to policy '%s', which keeps less (%s)" % (item.vm.name, policy.name, ", ".join(cut)))
    guards.require(state, vault, "updateProtectedItemRequests", tokens, "change the policy of '%s'" % item.vm.name)
