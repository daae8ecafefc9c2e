# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names and IDs of the Recovery Services backup API: validation of what a user typed before it
can reach a URL, VM references, container / item names, policy IDs.

Pure functions only. A bad value raises ``ValueError`` with a message that says what was expected.
Every pattern must match the whole value (``re.fullmatch``): ``$`` also matches before a final
newline, and a YAML block scalar (``vm_name: |``) gives exactly such a value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from urllib.parse import quote

FABRIC_NAME = "Azure"
BACKUP_MANAGEMENT_TYPE = "AzureIaasVM"
VM_PROVIDER = "Microsoft.Compute/virtualMachines"
CLASSIC_VM_PROVIDER = "Microsoft.ClassicCompute/virtualMachines"

_VM_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_RG_NAME_MAX = 90
_RG_PUNCTUATION = "_-.()"
_VAULT_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,49}")
_SUBSCRIPTION_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_JOB_ID_RE = re.compile(r"[A-Za-z0-9-]{1,64}")
_POLICY_NAME_MAX = 150
_VM_ID_RE = re.compile(
    r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/(?P<provider>Microsoft\.(?:Classic)?Compute)/virtualMachines/(?P<name>[^/]+)/?",
    re.IGNORECASE,
)
_POLICY_ID_RE = re.compile(
    r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.RecoveryServices/vaults/(?P<vault>[^/]+)/backupPolicies/(?P<name>[^/]+)/?",
    re.IGNORECASE,
)


def has_control(text):
    """True when ``text`` holds a control character (C0, DEL or C1: newline, tab, NUL...)."""
    return any(ord(char) < 32 or 127 <= ord(char) < 160 for char in text)


def full_match(pattern, value):
    """The match of ``pattern`` over the whole of ``value`` (a str), or None."""
    return pattern.fullmatch(value) if isinstance(value, str) else None


def validate_vm_name(name):
    # Azure refuses a VM name that starts or ends with '.', so '.' and '..' can never name a VM.
    if not isinstance(name, str) or not full_match(_VM_NAME_RE, name) or name.startswith(".") or name.endswith("."):
        raise ValueError("invalid VM name %r: expected 1-64 letters, digits, '-', '_' or '.', not starting or ending with '.'" % (name,))
    return name


def _rg_char(char):
    # .NET Char.IsLetterOrDigit, which Resource Manager applies: Unicode letters (Lu Ll Lt Lm Lo) and decimal digits (Nd)
    return char.isalpha() or char.isdecimal() or char in _RG_PUNCTUATION


def validate_resource_group(name, what="resource group"):
    """Azure's rule: 1-90 letters or digits (in the Unicode sense, e.g. 'Prödüktion'), '_', '-', '.', '(' or ')',
    not ending in '.'."""
    if (not isinstance(name, str) or not 1 <= len(name) <= _RG_NAME_MAX or not all(_rg_char(char) for char in name)
            or name.endswith(".")):
        raise ValueError("invalid %s name %r: expected 1-90 letters, digits, '-', '_', '.', '(' or ')', "
                         "not ending in '.'" % (what, name))
    return name


def validate_vault_name(name):
    if not isinstance(name, str) or not full_match(_VAULT_NAME_RE, name):
        raise ValueError("invalid vault name %r: expected 2-50 letters, digits or '-', starting with a letter" % (name,))
    return name


def validate_subscription_id(value):
    if not isinstance(value, str) or not full_match(_SUBSCRIPTION_RE, value):
        raise ValueError("invalid subscription ID %r: expected a GUID" % (value,))
    return value


def validate_policy_name(name):
    if not isinstance(name, str) or not name.strip():
        raise ValueError("the backup policy name is empty: name an existing policy of the vault "
                         "(an empty policy never means 'stop protection'; use state=stopped for that)")
    if any(c in name for c in "/?#%\\") or ".." in name or has_control(name):
        raise ValueError("invalid policy name %r: '/', '\\', '?', '#', '%%', '..' and control characters are not allowed" % (name,))
    if name != name.strip():
        raise ValueError("invalid policy name %r: leading or trailing spaces" % (name,))
    if len(name) > _POLICY_NAME_MAX:
        raise ValueError("invalid policy name %r: longer than %d characters" % (name, _POLICY_NAME_MAX))
    return name


def validate_job_id(job_id):
    if not isinstance(job_id, str) or not full_match(_JOB_ID_RE, job_id):
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
    match = full_match(_VM_ID_RE, vm_id)
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
    if not isinstance(spec, str) or not spec.strip(" ") or has_control(spec):
        raise ValueError("invalid VM entry %r: give a VM ID, 'resource_group/vm_name' or a dict" % (spec,))
    spec = spec.strip(" ")
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
        match = full_match(_POLICY_ID_RE, policy)
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
