# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names, IDs, durations and dates of the Recovery Services backup API, and the snake_case
result shapes the modules return.

Pure functions only: nothing here does I/O, so every rule is unit-tested directly.
Anything a user typed is validated here before it can reach a URL; a bad value raises
``ValueError`` with a message that says what was expected.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported, keeps the compile test quiet
    from urllib import quote  # type: ignore

FABRIC_NAME = "Azure"
BACKUP_MANAGEMENT_TYPE = "AzureIaasVM"
VM_PROVIDER = "Microsoft.Compute/virtualMachines"
CLASSIC_VM_PROVIDER = "Microsoft.ClassicCompute/virtualMachines"

# On-demand backups: the Azure portal accepts a retention of up to 9999 days.
MAX_RETENTION_DAYS = 9999
DEFAULT_RETENTION_DAYS = 30

UTC = datetime.timezone.utc

_VM_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_RG_NAME_RE = re.compile(r"^[A-Za-z0-9_.()-]{1,90}$")
_VAULT_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,49}$")
_SUBSCRIPTION_RE = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_JOB_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_POLICY_NAME_MAX = 150
_VM_ID_RE = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/(?P<provider>Microsoft\.(?:Classic)?Compute)/virtualMachines/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
_POLICY_ID_RE = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.RecoveryServices/vaults/(?P<vault>[^/]+)/backupPolicies/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<frac>\d+))?)?"
    r"(?P<tz>Z|z|[+-]\d{2}:?\d{2})?$"
)
# Dates at or before this are the service's "never" (0001-01-01, 2001-01-01 for lastBackupTime).
_NEVER_BEFORE = datetime.datetime(2002, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Validation of names that end up in URLs
# ---------------------------------------------------------------------------------------

def validate_vm_name(name):
    # Azure refuses a VM name that starts or ends with '.', so '.' and '..' can never name a VM.
    if not isinstance(name, str) or not _VM_NAME_RE.match(name) or name.startswith(".") or name.endswith("."):
        raise ValueError("invalid VM name %r: expected 1-64 letters, digits, '-', '_' or '.', not starting or ending with '.'" % (name,))
    return name


def validate_resource_group(name, what="resource group"):
    if not isinstance(name, str) or not _RG_NAME_RE.match(name) or name.endswith("."):
        raise ValueError("invalid %s name %r: expected 1-90 letters, digits, '-', '_', '.', '(' or ')', "
                         "not ending in '.'" % (what, name))
    return name


def validate_vault_name(name):
    if not isinstance(name, str) or not _VAULT_NAME_RE.match(name):
        raise ValueError("invalid vault name %r: expected 2-50 letters, digits or '-', starting with a letter" % (name,))
    return name


def validate_subscription_id(value):
    if not isinstance(value, str) or not _SUBSCRIPTION_RE.match(value):
        raise ValueError("invalid subscription ID %r: expected a GUID" % (value,))
    return value


def validate_policy_name(name):
    if not isinstance(name, str) or not name.strip():
        raise ValueError("the backup policy name is empty: name an existing policy of the vault "
                         "(an empty policy never means 'stop protection'; use state=stopped for that)")
    if name != name.strip():
        raise ValueError("invalid policy name %r: leading or trailing spaces" % (name,))
    if len(name) > _POLICY_NAME_MAX:
        raise ValueError("invalid policy name %r: longer than %d characters" % (name, _POLICY_NAME_MAX))
    if any(c in name for c in "/?#%\\") or ".." in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("invalid policy name %r: '/', '\\', '?', '#', '%%', '..' and control characters are not allowed" % (name,))
    return name


def validate_job_id(job_id):
    if not isinstance(job_id, str) or not _JOB_ID_RE.match(job_id):
        raise ValueError("invalid job ID %r: expected the job's GUID" % (job_id,))
    return job_id


def quote_segment(segment):
    """Quote one path segment: nothing in it can add a path level or a query (';' -> '%3B')."""
    return quote(str(segment), safe="()")


# ---------------------------------------------------------------------------------------
# VMs, policies, containers and protected items
# ---------------------------------------------------------------------------------------

class VmRef(object):
    """One virtual machine, by subscription, resource group and name."""

    __slots__ = ("subscription_id", "resource_group", "name", "classic")

    def __init__(self, subscription_id, resource_group, name, classic=False):
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.name = name
        self.classic = classic

    @property
    def id(self):
        provider = CLASSIC_VM_PROVIDER if self.classic else VM_PROVIDER
        return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (self.subscription_id, self.resource_group, provider, self.name)

    @property
    def container_name(self):
        return container_name(self.resource_group, self.name, self.classic)

    @property
    def protected_item_name(self):
        return protected_item_name(self.resource_group, self.name, self.classic)

    @property
    def label(self):
        return "%s/%s" % (self.resource_group, self.name)

    def matches(self, vm_id=None, resource_group=None, name=None):
        """True when an ID, or a resource group and name, from the service denote this VM."""
        if vm_id:
            try:
                other = parse_vm_id(vm_id)
            except ValueError:
                return False
            return (other.subscription_id.lower() == self.subscription_id.lower()
                    and other.resource_group.lower() == self.resource_group.lower()
                    and other.name.lower() == self.name.lower())
        return bool(resource_group and name and resource_group.lower() == self.resource_group.lower()
                    and name.lower() == self.name.lower())

    def __eq__(self, other):
        return isinstance(other, VmRef) and self.id.lower() == other.id.lower()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.id.lower())

    def __repr__(self):
        return "VmRef(%r)" % (self.id,)


def parse_vm_id(vm_id):
    """Parse a (classic) compute VM resource ID into a VmRef; ValueError when it is not one."""
    match = _VM_ID_RE.match(vm_id or "") if isinstance(vm_id, str) else None
    if not match:
        raise ValueError("invalid VM ID %r: expected /subscriptions/<id>/resourceGroups/<group>"
                         "/providers/Microsoft.Compute/virtualMachines/<name>" % (vm_id,))
    validate_subscription_id(match.group("subscription"))
    validate_resource_group(match.group("resource_group"))
    validate_vm_name(match.group("name"))
    return VmRef(match.group("subscription"), match.group("resource_group"), match.group("name"),
                 classic=match.group("provider").lower() == "microsoft.classiccompute")


def vm_ref(subscription_id, vm_name=None, vm_resource_group=None, vm_id=None):
    """The VM that options name: vm_id, or vm_name + vm_resource_group, in the client's subscription."""
    if vm_id:
        if vm_name or vm_resource_group:
            raise ValueError("give either vm_id or vm_name with vm_resource_group, not both")
        ref = parse_vm_id(vm_id)
        if ref.subscription_id.lower() != subscription_id.lower():
            raise ValueError("VM %s is in subscription %s, not in the vault's subscription %s"
                             % (vm_id, ref.subscription_id, subscription_id))
        ref.subscription_id = subscription_id
        return ref
    if not vm_name or not vm_resource_group:
        raise ValueError("name the VM with vm_name and vm_resource_group, or with vm_id")
    return VmRef(subscription_id, validate_resource_group(vm_resource_group), validate_vm_name(vm_name))


def parse_vm_spec(spec, subscription_id):
    """One entry of a ``vms`` list: a VM ID, ``group/name``, or a dict {name, resource_group} or {id}."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(("name", "resource_group", "id"))
        if unknown:
            raise ValueError("unknown keys %s in VM entry %r: use name and resource_group, or id" % (sorted(unknown), spec))
        return vm_ref(subscription_id, spec.get("name"), spec.get("resource_group"), spec.get("id"))
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("invalid VM entry %r: give a VM ID, 'resource_group/vm_name' or a dict" % (spec,))
    spec = spec.strip()
    if spec.startswith("/"):
        return vm_ref(subscription_id, vm_id=spec)
    parts = spec.split("/")
    if len(parts) != 2:
        raise ValueError("invalid VM entry %r: give a VM ID or 'resource_group/vm_name'" % (spec,))
    return vm_ref(subscription_id, parts[1], parts[0])


def container_name(resource_group, vm_name, classic=False):
    kind = "iaasvmcontainer" if classic else "iaasvmcontainerv2"
    return "IaasVMContainer;%s;%s;%s" % (kind, resource_group.lower(), vm_name.lower())


def protected_item_name(resource_group, vm_name, classic=False):
    kind = "iaasvmcontainer" if classic else "iaasvmcontainerv2"
    return "VM;%s;%s;%s" % (kind, resource_group.lower(), vm_name.lower())


def parse_policy(policy, subscription_id, vault_resource_group, vault_name):
    """A policy option (a name or a full ID of a policy in this vault) -> its name."""
    if isinstance(policy, str) and policy.startswith("/"):
        match = _POLICY_ID_RE.match(policy)
        if not match:
            raise ValueError("invalid policy ID %r: expected <vault ID>/backupPolicies/<name>" % (policy,))
        same_vault = (match.group("subscription").lower() == subscription_id.lower()
                      and match.group("resource_group").lower() == vault_resource_group.lower()
                      and match.group("vault").lower() == vault_name.lower())
        if not same_vault:
            raise ValueError("policy %s belongs to another vault than %s/%s" % (policy, vault_resource_group, vault_name))
        return validate_policy_name(match.group("name"))
    return validate_policy_name(policy)


def policy_name_of(policy_id_or_name):
    """The last segment of a policy ID (or the name itself); None for an empty value."""
    if not policy_id_or_name:
        return None
    return policy_id_or_name.rstrip("/").rsplit("/", 1)[-1]


def same_id(left, right):
    """ARM IDs compare case-insensitively (the service varies '/Subscriptions/' and group case)."""
    if not left or not right:
        return not left and not right
    return left.rstrip("/").lower() == right.rstrip("/").lower()


def segment_after(resource_id, segment):
    """The path segment that follows ``segment`` (case-insensitive) in an ARM ID, or None."""
    parts = (resource_id or "").split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() == segment.lower():
            return parts[index + 1]
    return None


# ---------------------------------------------------------------------------------------
# Durations and dates
# ---------------------------------------------------------------------------------------

def parse_duration(value):
    """'30m', '12h', '1d', '1w' (or '45s') -> datetime.timedelta."""
    match = _DURATION_RE.match(str(value)) if value is not None else None
    if not match or int(match.group(1)) == 0:
        raise ValueError("invalid duration %r: expected a positive number followed by s, m, h, d or w (e.g. 12h, 1d)" % (value,))
    return datetime.timedelta(seconds=int(match.group(1)) * _DURATION_UNITS[match.group(2).lower()])


def parse_utc(value, what="date"):
    """A date 'YYYY-MM-DD' (midnight UTC) or a datetime with 'Z' / '+00:00' -> aware UTC datetime.

    A datetime without an offset is taken as UTC. Any other offset is refused rather than
    converted, because a retention date must not silently move by hours.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        if value.utcoffset() != datetime.timedelta(0):
            raise ValueError("%s %s is not in UTC: give it with 'Z' or '+00:00'" % (what, value.isoformat()))
        return value.astimezone(UTC)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    try:
        if _DATE_RE.match(text):
            return datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        match = _DATETIME_RE.match(text)
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
        if not isinstance(days, int) or days < 1:
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
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_filter_time(moment):
    """The job list's $filter time format, as the service's own clients send it: '2024-04-21 07:27:12 AM'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %I:%M:%S %p")


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


# ---------------------------------------------------------------------------------------
# Result shapes (snake_case, converted once, here)
# ---------------------------------------------------------------------------------------

def disk_exclusion_of(properties):
    """extendedProperties.diskExclusionProperties -> {lun_list, is_inclusion_list}; None means all disks."""
    extended = (properties or {}).get("extendedProperties") or {}
    exclusion = extended.get("diskExclusionProperties") or None
    if not exclusion:
        return None
    luns = sorted(set(int(lun) for lun in (exclusion.get("diskLunList") or [])))
    inclusion = bool(exclusion.get("isInclusionList"))
    if not luns and not inclusion:
        return None
    return {"lun_list": luns, "is_inclusion_list": inclusion}


def protected_item_result(item):
    """A ProtectedItemResource -> the modules' protected_item shape (None stays None)."""
    if not item:
        return None
    props = item.get("properties") or {}
    item_id = item.get("id") or ""
    vm_id = props.get("virtualMachineId") or props.get("sourceResourceId")
    try:
        vm = parse_vm_id(vm_id)
        resource_group = vm.resource_group
    except ValueError:
        resource_group = None
    policy_id = props.get("policyId") or None
    return {
        "id": item_id,
        "name": item.get("name"),
        "container_name": segment_after(item_id, "protectionContainers"),
        "protected_item_name": item.get("name") or segment_after(item_id, "protectedItems"),
        "vm_id": vm_id,
        "friendly_name": props.get("friendlyName"),
        "resource_group": resource_group,
        "policy_id": policy_id,
        "policy_name": props.get("policyName") or policy_name_of(policy_id),
        "protection_state": props.get("protectionState"),
        "protection_status": props.get("protectionStatus"),
        "health_status": props.get("healthStatus"),
        "last_backup_status": props.get("lastBackupStatus") or None,
        "last_backup_time": service_time(props.get("lastBackupTime")),
        "last_recovery_point": service_time(props.get("lastRecoveryPoint")),
        "soft_deleted": bool(props.get("isScheduledForDeferredDelete")),
        "deferred_delete_time": service_time(props.get("deferredDeleteTimeInUTC")),
        "disk_exclusion": disk_exclusion_of(props),
    }


def protectable_item_result(item):
    """A protectable item (WorkloadProtectableItemResource) -> the protectable_items shape."""
    props = item.get("properties") or {}
    vm_id = props.get("virtualMachineId")
    classic = (props.get("protectableItemType") or "").lower() == CLASSIC_VM_PROVIDER.lower()
    friendly = props.get("friendlyName")
    resource_group = props.get("resourceGroup")
    try:
        vm = parse_vm_id(vm_id)
        resource_group, friendly, classic = vm.resource_group, friendly or vm.name, vm.classic
    except ValueError:
        # e.g. 'iaasvmcontainerv2;rg;vm' or 'VM;iaasvmcontainerv2;rg;vm'
        parts = (item.get("name") or "").split(";")
        if not resource_group and len(parts) >= 3:
            resource_group = parts[-2]
    return {
        "name": item.get("name"),
        "friendly_name": friendly,
        "resource_group": resource_group,
        "vm_id": vm_id,
        "protection_state": props.get("protectionState"),
        "container_name": container_name(resource_group, friendly, classic) if resource_group and friendly else None,
        "protected_item_name": protected_item_name(resource_group, friendly, classic) if resource_group and friendly else None,
        "classic": classic,
    }


def job_result(job):
    """A JobResource -> the job shape."""
    if not job:
        return None
    props = job.get("properties") or {}
    errors = []
    for detail in props.get("errorDetails") or []:
        errors.append({
            "error_code": detail.get("errorCode"),
            "error_title": detail.get("errorTitle"),
            "error_string": detail.get("errorString"),
            "recommendations": detail.get("recommendations") or [],
        })
    extended = props.get("extendedInfo") or {}
    return {
        "id": job.get("id"),
        "job_id": job.get("name") or segment_after(job.get("id"), "backupJobs"),
        "status": props.get("status"),
        "operation": props.get("operation"),
        "start_time": service_time(props.get("startTime")),
        "end_time": service_time(props.get("endTime")),
        "duration": props.get("duration"),
        "entity_friendly_name": props.get("entityFriendlyName"),
        "container_name": props.get("containerName"),
        "progress_percentage": extended.get("progressPercentage"),
        "error_details": errors,
    }


def job_is_for(job, friendly_name, container):
    """True when a job (raw resource) concerns the VM with this friendly name / container name."""
    props = job.get("properties") or {}
    job_container = (props.get("containerName") or "").lower()
    if job_container and container:
        wanted = container.lower()
        return job_container == wanted or wanted.endswith(";" + job_container) or job_container.endswith(";" + wanted)
    return (props.get("entityFriendlyName") or "").lower() == (friendly_name or "").lower()
