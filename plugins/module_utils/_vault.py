# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A Recovery Services vault and its settings: read, decide, act, read back (azure_backup_vault),
and its snake_case view with audit findings (azure_backup_vault_info).

Settings are kept in one flat shape (``SETTINGS``), with the option values of azure_backup_vault
(``geo_redundant``, ``always_on``, ...). ``vault_settings()`` turns the service's vault (and vault
config) into it; ``plan()`` compares it with the options, names what cannot be done and what
cannot be undone; the writes go where the contract says (soft delete through
``backupconfig/vaultconfig``, the rest through a PATCH of the vault, the guard through its proxy);
after them everything is read back and a setting the service did not apply fails the task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_recovery.backup.plugins.module_utils import _guard as mua
from ansible_collections.azure_recovery.backup.plugins.module_utils import _vault_api as vapi
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._backup_api import vault_path
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import has_control

REDUNDANCY = {"locally_redundant": "LocallyRedundant", "geo_redundant": "GeoRedundant", "zone_redundant": "ZoneRedundant"}
SWITCH = {"enabled": "Enabled", "disabled": "Disabled"}
ALWAYS = {"enabled": "Enabled", "disabled": "Disabled", "always_on": "AlwaysON"}
IMMUTABILITY = {"disabled": "Disabled", "unlocked": "Unlocked", "locked": "Locked"}
CROSS_SUBSCRIPTION = {"enabled": "Enabled", "disabled": "Disabled", "permanently_disabled": "PermanentlyDisabled"}
IDENTITY = {"none": "None", "system_assigned": "SystemAssigned", "user_assigned": "UserAssigned",
            "system_assigned_user_assigned": "SystemAssigned, UserAssigned"}

# The settings azure_backup_vault manages, in the order diffs and messages name them.
SETTINGS = ("location", "sku", "tags", "identity", "public_network_access", "storage_redundancy", "cross_region_restore",
            "soft_delete", "soft_delete_retention_days", "enhanced_security", "immutability", "cross_subscription_restore",
            "job_failure_alerts", "resource_guard")
# Written through backupconfig/vaultconfig (CONTRACT-wave2 5), not the vault PATCH (#34218, #34530).
VAULT_CONFIG_SETTINGS = ("soft_delete", "soft_delete_retention_days", "enhanced_security")
# The vault config's refusal when the vault API last wrote soft delete: then only the vault API takes it.
USE_VAULT_API = "BMSUserErrorSoftDeleteUseVaultApi"
# What a new vault has without being asked (CONTRACT-wave2 4.1).
NEW_VAULT = {"soft_delete": "enabled", "soft_delete_retention_days": 14, "enhanced_security": "enabled", "immutability": "disabled",
             "cross_subscription_restore": "enabled", "public_network_access": "enabled", "cross_region_restore": False}

_LOCATION_RE = re.compile(r"[A-Za-z][A-Za-z0-9 ]{1,39}")
_GUARD_ID_RE = re.compile(r"/subscriptions/[0-9A-Fa-f-]{36}/resourceGroups/[A-Za-z0-9_.()-]{1,90}/providers/"
                          r"Microsoft\.DataProtection/resourceGuards/[A-Za-z0-9_-]{1,150}", re.IGNORECASE)
_IDENTITY_ID_RE = re.compile(r"/subscriptions/[0-9A-Fa-f-]{36}/resourceGroups/[A-Za-z0-9_.()-]{1,90}/providers/"
                             r"Microsoft\.ManagedIdentity/userAssignedIdentities/[A-Za-z0-9_-]{1,128}", re.IGNORECASE)
_TAG_NAME_RE = re.compile(r"[^<>%&\\?/\x00-\x1f\x7f]{1,512}")


def no_control_characters(value, what):
    """Refuse text with control characters (a stray newline in a variable) before it reaches a request: for the
    options ``_names`` does not check (locations, tags, guard IDs, policy schedule words, time zones)."""
    if isinstance(value, str) and has_control(value):
        raise ValueError("%s %r contains a control character (a stray newline?); nothing was sent" % (what, value))
    return value


def _option(table, value):
    """A service value -> the option value of ``table`` (case and spaces ignored); None stays None."""
    if value is None:
        return None
    folded = str(value).replace(" ", "").lower()
    for option, rest in table.items():
        if rest.replace(" ", "").lower() == folded:
            return option
    return str(value)


def _switch(value):
    """'Enabled' -> True, 'Disabled' -> False, missing -> None."""
    if value is None:
        return None
    return str(value).lower() == "enabled"


def normal_location(value):
    return (value or "").replace(" ", "").lower() or None


def location_option(value, what="location"):
    """A region given as an option (``westeurope``, ``West Europe``) -> its normal form; ValueError otherwise."""
    location = no_control_characters(value, what)
    if not isinstance(location, str) or not _LOCATION_RE.fullmatch(location):
        raise ValueError("invalid %s %r: expected an Azure region name such as westeurope" % (what, location))
    return normal_location(location)


# ---------------------------------------------------------------------------------------
# The service's vault -> the flat settings shape (and the info module's view)
# ---------------------------------------------------------------------------------------

def vault_settings(vault, vault_config=None, guard=None, guard_read=False):
    """The vault (and, when read, its vault config and guard proxy) -> {setting: option value}."""
    props = vault.get("properties") or {}
    security = props.get("securitySettings") or {}
    soft = security.get("softDeleteSettings") or {}
    redundancy = props.get("redundancySettings") or {}
    monitoring = ((props.get("monitoringSettings") or {}).get("azureMonitorAlertSettings") or {})
    restore = ((props.get("restoreSettings") or {}).get("crossSubscriptionRestoreSettings") or {})
    identity = vault.get("identity") or {}
    sku = (vault.get("sku") or {}).get("name")
    settings = {
        "location": normal_location(vault.get("location")),
        "sku": "Standard" if (sku or "").lower() in ("standard", "rs0") else sku,
        "tags": dict(vault.get("tags") or {}),
        "identity": {"type": _option(IDENTITY, identity.get("type") or "None"),
                     "user_assigned_identities": sorted((identity.get("userAssignedIdentities") or {}).keys(), key=str.lower)},
        "public_network_access": _option(SWITCH, props.get("publicNetworkAccess")),
        "storage_redundancy": _option(REDUNDANCY, redundancy.get("standardTierStorageRedundancy")),
        "cross_region_restore": _switch(redundancy.get("crossRegionRestore")),
        "soft_delete": _option(ALWAYS, soft.get("softDeleteState")),
        "soft_delete_retention_days": soft.get("softDeleteRetentionPeriodInDays"),
        "enhanced_security": _option(ALWAYS, soft.get("enhancedSecurityState")),
        "immutability": _option(IMMUTABILITY, (security.get("immutabilitySettings") or {}).get("state")),
        "cross_subscription_restore": _option(CROSS_SUBSCRIPTION, restore.get("crossSubscriptionRestoreState")),
        "job_failure_alerts": _switch(monitoring.get("alertsForAllJobFailures")),
        "resource_guard": None,
    }
    if vault_config is not None:
        config = vault_config.get("properties") or {}
        settings["soft_delete"] = _option(ALWAYS, config.get("softDeleteFeatureState")) or settings["soft_delete"]
        if config.get("softDeleteRetentionPeriodInDays") is not None:
            settings["soft_delete_retention_days"] = config.get("softDeleteRetentionPeriodInDays")
        if settings["enhanced_security"] != "always_on" and config.get("enhancedSecurityState"):
            settings["enhanced_security"] = _option(ALWAYS, config.get("enhancedSecurityState"))
    if guard_read:
        settings["resource_guard"] = guard.guard_id if guard is not None else "none"
    return settings


def vault_result(vault, vault_config=None, guard=None, guard_read=False):
    """The vault -> the modules' ``vault`` result (the settings plus what only the service sets)."""
    if not vault:
        return None
    props = vault.get("properties") or {}
    security = props.get("securitySettings") or {}
    result = vault_settings(vault, vault_config, guard, guard_read)
    result.update({
        "id": vault.get("id"),
        "name": vault.get("name"),
        "provisioning_state": props.get("provisioningState"),
        "multi_user_authorization": security.get("multiUserAuthorization"),
        "backup_storage_version": props.get("backupStorageVersion"),
        "secure_score": props.get("secureScore"),
        "bcdr_security_level": props.get("bcdrSecurityLevel"),
        "principal_id": (vault.get("identity") or {}).get("principalId"),
    })
    if result["resource_guard"] == "none":
        result["resource_guard"] = None
    return result


# ---------------------------------------------------------------------------------------
# Options -> the desired settings (checked before any call)
# ---------------------------------------------------------------------------------------

def desired_settings(params):
    """azure_backup_vault's options -> {setting: value} for the settings given; ValueError for bad input."""
    desired = {}
    if params.get("location") is not None:
        desired["location"] = location_option(params["location"])
    if params.get("sku") is not None:
        desired["sku"] = "Standard"
    if params.get("tags") is not None:
        tags = params["tags"]
        for key, value in tags.items():
            if not _TAG_NAME_RE.fullmatch(str(key)):
                raise ValueError("invalid tag name %r: 1-512 characters, none of < > %% & \\ ? / or control characters" % (key,))
            if value is None or len(str(value)) > 256 or has_control(str(value)):
                raise ValueError("invalid value for tag %r: give text of at most 256 characters without control characters" % (key,))
        desired["tags"] = dict((str(k), str(v)) for k, v in tags.items())
    identity = params.get("identity")
    if identity is not None:
        kind = identity.get("type") or "none"
        ids = identity.get("user_assigned_identities") or []
        for one in ids:
            if not isinstance(one, str) or not _IDENTITY_ID_RE.fullmatch(one):
                raise ValueError("invalid user-assigned identity %r: expected its full resource ID" % (one,))
        if ("user_assigned" in kind) != bool(ids):
            raise ValueError("identity type %s %s user_assigned_identities" % (kind, "needs" if "user_assigned" in kind else "takes no"))
        desired["identity"] = {"type": kind, "user_assigned_identities": sorted(ids, key=str.lower)}
    for name in ("public_network_access", "storage_redundancy", "soft_delete", "enhanced_security", "immutability",
                 "cross_subscription_restore"):
        if params.get(name) is not None:
            desired[name] = params[name]
    for name in ("cross_region_restore", "job_failure_alerts"):
        if params.get(name) is not None:
            desired[name] = bool(params[name])
    days = params.get("soft_delete_retention_days")
    if days is not None:
        if not 14 <= days <= 180:
            raise ValueError("soft_delete_retention_days must be from 14 to 180 (the service's range), not %s" % days)
        desired["soft_delete_retention_days"] = days
    guard = params.get("resource_guard")
    if guard is not None:
        no_control_characters(guard, "resource_guard")
        if guard.lower() == "none":
            desired["resource_guard"] = "none"
        elif _GUARD_ID_RE.fullmatch(guard):
            desired["resource_guard"] = guard
        else:
            raise ValueError("invalid resource_guard %r: give the guard's full resource ID "
                             "(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DataProtection/resourceGuards/<name>) "
                             "or 'none' to remove it" % (guard,))
    if desired.get("cross_region_restore") and desired.get("storage_redundancy") in ("locally_redundant", "zone_redundant"):
        raise ValueError("cross_region_restore needs storage_redundancy geo_redundant (not %s)" % desired["storage_redundancy"])
    return desired


def _same(name, current, wanted):
    if name == "resource_guard":
        return (current or "none").lower() == (wanted or "none").lower()
    if name == "identity":
        return (current or {}).get("type") == wanted["type"] and \
            [i.lower() for i in (current or {}).get("user_assigned_identities") or []] == [i.lower() for i in wanted["user_assigned_identities"]]
    return current == wanted


def differences(current, desired):
    """The settings whose current value is not the desired one, in SETTINGS order."""
    return [name for name in SETTINGS if name in desired and not _same(name, current.get(name), desired[name])]


def _show(value):
    if value is True:
        return "on"
    if value is False:
        return "off"
    return "unset" if value is None else str(value)


class Plan(object):
    """What a run changes: ``changes`` (setting names), ``irreversible`` (one line each) and the writes."""

    def __init__(self, current, desired, creating):
        self.current = current
        self.desired = desired
        self.creating = creating
        self.changes = differences(current, desired)
        self.irreversible = []
        self.refusals = []
        self._check()

    def moving(self, name, to=None):
        return name in self.changes and (to is None or self.desired[name] == to)

    def _check(self):
        cur, want = self.current, self.desired
        if self.moving("location") and not self.creating:
            self.refusals.append("a vault cannot move: it is in %s, not %s" % (cur["location"], want["location"]))
        if self.moving("immutability"):
            if cur.get("immutability") == "locked":
                self.refusals.append("immutability is locked and can never be changed again")
            elif want["immutability"] == "locked" and cur.get("immutability") != "unlocked":
                self.refusals.append("immutability goes disabled -> unlocked -> locked: set it to unlocked first, then to locked")
        for name in ("soft_delete", "enhanced_security"):
            if self.moving(name) and cur.get(name) == "always_on":
                self.refusals.append("%s is always_on and can never be turned off" % name)
        if self.moving("cross_subscription_restore") and cur.get("cross_subscription_restore") == "permanently_disabled":
            self.refusals.append("cross_subscription_restore is permanently_disabled and can never be enabled again")
        if self.moving("cross_region_restore", False) and cur.get("cross_region_restore"):
            self.refusals.append("cross-region restore, once enabled, cannot be turned off")
        if want.get("cross_region_restore") and not want.get("storage_redundancy"):
            if (cur.get("storage_redundancy") or "geo_redundant") != "geo_redundant":
                self.refusals.append("cross-region restore needs geo_redundant storage; the vault is %s" % cur.get("storage_redundancy"))
        # one-way moves: only with allow_irreversible
        if self.moving("immutability", "locked"):
            self.irreversible.append("immutability locked (recovery points can then never be deleted before they expire, for good)")
        for name in ("soft_delete", "enhanced_security"):
            if self.moving(name, "always_on"):
                self.irreversible.append("%s always_on (it can never be turned off again)" % name)
        if self.moving("cross_subscription_restore", "permanently_disabled"):
            self.irreversible.append("cross_subscription_restore permanently_disabled (it can never be enabled again)")
        if self.moving("cross_region_restore", True):
            self.irreversible.append("cross_region_restore enabled (it can never be turned off again)")

    # which write carries which setting
    def vault_patch_settings(self):
        return [n for n in self.changes if n not in VAULT_CONFIG_SETTINGS and n not in ("resource_guard", "location", "sku")]

    def vault_config_settings(self):
        return [n for n in self.changes if n in VAULT_CONFIG_SETTINGS]

    def diff(self):
        before = dict((n, self.current.get(n)) for n in SETTINGS if n in self.desired) if not self.creating else {}
        after = dict(before)
        after.update((n, self.desired[n]) for n in self.desired)
        if self.creating:
            after = dict(NEW_VAULT, **dict((k, v) for k, v in self.desired.items()))
        return {"before": before, "after": after}

    def describe(self):
        return ", ".join("%s %s -> %s" % (n, _show(self.current.get(n)), _show(self.desired[n])) for n in self.changes)


# ---------------------------------------------------------------------------------------
# Settings -> request bodies
# ---------------------------------------------------------------------------------------

def _identity_body(identity):
    body = {"type": IDENTITY[identity["type"]]}
    if identity["user_assigned_identities"]:
        body["userAssignedIdentities"] = dict((i, {}) for i in identity["user_assigned_identities"])
    return body


def vault_properties(settings, names):
    """The vault ``properties`` (and top-level fields) carrying ``names`` of ``settings`` -> (top, properties)."""
    top, props = {}, {}
    for name in names:
        value = settings[name]
        if name == "tags":
            top["tags"] = value
        elif name == "identity":
            top["identity"] = _identity_body(value)
        elif name == "public_network_access":
            props["publicNetworkAccess"] = SWITCH[value]
        elif name == "storage_redundancy":
            props.setdefault("redundancySettings", {})["standardTierStorageRedundancy"] = REDUNDANCY[value]
        elif name == "cross_region_restore":
            props.setdefault("redundancySettings", {})["crossRegionRestore"] = "Enabled" if value else "Disabled"
        elif name == "immutability":
            props.setdefault("securitySettings", {})["immutabilitySettings"] = {"state": IMMUTABILITY[value]}
        elif name in ("soft_delete", "soft_delete_retention_days", "enhanced_security"):
            soft = props.setdefault("securitySettings", {}).setdefault("softDeleteSettings", {})
            if name == "soft_delete":
                soft["softDeleteState"] = ALWAYS[value]
            elif name == "enhanced_security":
                soft["enhancedSecurityState"] = ALWAYS[value]
            else:
                soft["softDeleteRetentionPeriodInDays"] = value
        elif name == "cross_subscription_restore":
            props["restoreSettings"] = {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": CROSS_SUBSCRIPTION[value]}}
        elif name == "job_failure_alerts":
            props["monitoringSettings"] = {"azureMonitorAlertSettings": {"alertsForAllJobFailures": "Enabled" if value else "Disabled"}}
    return top, props


def create_body(desired):
    """The PUT body of a new vault: location, SKU and every vault-level setting asked for."""
    names = [n for n in SETTINGS if n in desired and n not in VAULT_CONFIG_SETTINGS and n not in ("location", "sku", "resource_guard")]
    top, props = vault_properties(desired, names)
    body = {"location": desired["location"], "sku": {"name": "Standard"}, "properties": props}
    body.update(top)
    return body


def vault_config_properties(settings):
    """The vault config PATCH: clients send the three together (CONTRACT-wave2 5)."""
    return {"softDeleteFeatureState": ALWAYS[settings.get("soft_delete") or "enabled"],
            "softDeleteRetentionPeriodInDays": settings.get("soft_delete_retention_days") or 14,
            "enhancedSecurityState": ALWAYS[settings.get("enhanced_security") or "enabled"]}


# ---------------------------------------------------------------------------------------
# Counts of items (redundancy change, delete)
# ---------------------------------------------------------------------------------------

def item_counts(items):
    """{protected, soft_deleted} of a vault's backup items."""
    soft = sum(1 for i in items if (i.get("properties") or {}).get("isScheduledForDeferredDelete"))
    return {"protected": len(items) - soft, "soft_deleted": soft}


# ---------------------------------------------------------------------------------------
# Audit findings (azure_backup_vault_info)
# ---------------------------------------------------------------------------------------

def findings(vault, policies, min_retention_days, guard_read=True):
    """What needs attention in a vault: a list of {code, severity, message} (``vault`` is vault_result's shape,
    ``policies`` the _policy.policy_result shapes of its VM policies)."""
    out = []

    def add(code, severity, message):
        out.append({"code": code, "severity": severity, "message": message})
    if vault.get("soft_delete") == "disabled":
        add("soft_delete_off", "high", "soft delete is off: deleted backup data is gone at once")
    if vault.get("immutability") in (None, "disabled"):
        add("immutability_off", "medium", "immutability is off: recovery points can be deleted or shortened before they expire")
    if vault.get("storage_redundancy") == "locally_redundant":
        add("locally_redundant_storage", "medium", "backup storage is locally redundant: one datacenter's loss loses the backups")
    if vault.get("job_failure_alerts") is not True:
        add("no_job_failure_alerts", "medium", "Azure Monitor alerts for all job failures are not turned on")
    if guard_read and not vault.get("resource_guard"):
        add("no_resource_guard", "low", "no resource guard (multi-user authorization): one account can disable the protections")
    for policy in policies:
        days = policy.get("shortest_retention_days")
        if days is not None and days < min_retention_days:
            add("short_retention", "medium", "policy %s keeps its scheduled backups %d days, less than %d"
                % (policy.get("name"), days, min_retention_days))
    return out


# ---------------------------------------------------------------------------------------
# The run of azure_backup_vault
# ---------------------------------------------------------------------------------------

class NotApplied(ValueError):
    """The service answered the write with success and did not apply some settings."""

    def __init__(self, message, settings=None, vault=None):
        super(NotApplied, self).__init__(message)
        self.settings = settings or []
        self.vault = vault


class VaultTask(object):
    """What a vault or policy task holds: the client, its options, check and diff mode, warn, and the vault's label."""

    def __init__(self, client, params, check_mode=False, diff=False, warn=None):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.warn = warn or (lambda message: None)
        self.label = self.vault_label = "%s/%s" % (params["vault_resource_group"], params["vault_name"])


class VaultRun(VaultTask):
    """azure_backup_vault: read, plan, refuse or write, read back."""

    def run(self):
        params, client = self.params, self.client
        vpath = vault_path(client, params["vault_resource_group"], params["vault_name"])
        desired = desired_settings(params) if params["state"] == "present" else {}
        vault = vapi.get_vault(client, vpath, self.label)
        if params["state"] == "absent":
            return self.absent(vpath, vault)
        if vault is None:
            return self.create(vpath, desired)
        return self.update(vpath, vault, desired)

    # -- absent ------------------------------------------------------------------------------

    def absent(self, vpath, vault):
        result = {"changed": False, "vault": vault_result(vault), "irreversible": []}
        if vault is None:
            result["msg"] = "vault %s does not exist; nothing to do" % self.label
            return result
        counts = item_counts(vapi.list_items(self.client, vpath, self.label))
        result["item_counts"] = counts
        if counts["protected"] or counts["soft_deleted"]:
            raise ValueError("vault %s still holds %d protected and %d soft-deleted backup item(s): it is not deleted. Stop protection "
                             "and delete the backup data of each item first (azure_vm_protection state=absent); this module never "
                             "deletes backup data" % (self.label, counts["protected"], counts["soft_deleted"]))
        result["changed"] = True
        if self.diff:
            result["diff"] = {"before": vault_settings(vault), "after": {}}
        if self.check_mode:
            result["msg"] = "would delete vault %s (it holds no backup items)" % self.label
            return result
        vapi.delete_vault(self.client, vpath, self.label)
        result["msg"] = "vault %s deleted" % self.label
        return result

    # -- present -----------------------------------------------------------------------------

    def _refuse(self, plan):
        if plan.refusals:
            raise ValueError("vault %s: %s; nothing was changed" % (self.label, "; ".join(plan.refusals)))
        if plan.irreversible and not self.params["allow_irreversible"] and not self.check_mode:
            raise ValueError("vault %s: these changes cannot be undone: %s. Set allow_irreversible=true to make them; nothing was changed"
                             % (self.label, "; ".join(plan.irreversible)))

    def _result(self, plan, vault_view):
        result = {"changed": bool(plan.changes), "vault": vault_view, "changes": list(plan.changes), "irreversible": list(plan.irreversible)}
        if self.diff:
            result["diff"] = plan.diff()
        return result

    def create(self, vpath, desired):
        if "location" not in desired:
            raise ValueError("vault %s does not exist: give location to create it" % self.label)
        plan = Plan(dict(NEW_VAULT, location=None, resource_guard="none"), desired, creating=True)
        self._refuse(plan)
        result = self._result(plan, None)
        result["changed"] = True
        if self.check_mode:
            result["msg"] = "would create vault %s in %s%s" % (self.label, desired["location"], self._irreversible_note(plan))
            return result
        vapi.create_vault(self.client, vpath, create_body(desired), self.label)
        asked = dict((n, desired[n]) for n in VAULT_CONFIG_SETTINGS if n in desired)
        if asked:
            # what the new vault got (a region may make soft delete always on), then only what differs
            made = vault_settings({}, vapi.get_vault_config(self.client, vpath, self.label))
            if differences(made, asked):
                self._write_vault_config(vpath, dict(made, **asked), None, made)
        if desired.get("resource_guard", "none") != "none":
            vapi.put_guard_proxy(self.client, vpath, desired["resource_guard"], self.label)
        return self._finish(result, vpath, desired, "vault %s created in %s" % (self.label, desired["location"]))

    def update(self, vpath, vault, desired):
        client = self.client
        config = None
        if any(n in desired for n in VAULT_CONFIG_SETTINGS):
            config = vapi.get_vault_config(client, vpath, self.label)
        current = vault_settings(vault, config)
        plan = Plan(current, desired, creating=False)
        guard = None
        guard_needed = "resource_guard" in desired or plan.moving("soft_delete", "disabled") or plan.moving("enhanced_security", "disabled") or \
            (plan.moving("immutability", "disabled") and current.get("immutability") == "unlocked")
        if guard_needed:
            guard = mua.Guard.read(client, vpath, self.label)
            current["resource_guard"] = guard.guard_id if guard is not None else "none"
            plan = Plan(current, desired, creating=False)
        self._refuse(plan)
        if plan.moving("storage_redundancy"):
            counts = item_counts(vapi.list_items(client, vpath, self.label))
            if counts["protected"] or counts["soft_deleted"]:
                raise ValueError("vault %s: storage redundancy can change only while the vault holds no backup items, and it holds %d "
                                 "protected and %d soft-deleted; nothing was changed" % (self.label, counts["protected"], counts["soft_deleted"]))
        result = self._result(plan, vault_result(vault, config, guard, guard_needed))
        if not plan.changes:
            result["msg"] = "vault %s is already as asked" % self.label
            return result
        if self.check_mode:
            result["msg"] = "would change vault %s: %s%s" % (self.label, plan.describe(), self._irreversible_note(plan))
            return result
        # a guard being removed goes first (the other writes then need no requests); a new one last
        if plan.moving("resource_guard") and guard is not None:
            self._remove_guard(vpath, guard)
            guard = None
        names = plan.vault_patch_settings()
        if names:
            top, props = vault_properties(desired, names)
            critical = plan.moving("immutability", "disabled") and current.get("immutability") == "unlocked"

            def patch(reqs):
                if reqs:
                    props["resourceGuardOperationRequests"] = reqs
                body = dict(top, properties=props) if props else dict(top)
                return vapi.patch_vault(client, vpath, body, self.label)
            if critical:
                mua.guarded(guard, mua.REDUCE_IMMUTABILITY, patch)
            else:
                patch([])
        if plan.vault_config_settings():
            self._write_vault_config(vpath, dict(current, **desired), guard, current)
        if plan.moving("resource_guard") and desired["resource_guard"] != "none":
            vapi.put_guard_proxy(client, vpath, desired["resource_guard"], self.label)
        return self._finish(result, vpath, desired, "vault %s changed: %s" % (self.label, plan.describe()))

    def _remove_guard(self, vpath, guard):
        """unlockDelete with the proxy's deleteResourceGuardProxyRequests, then DELETE of the proxy."""
        def remove(reqs):
            vapi.unlock_delete_guard_proxy(self.client, vpath, guard.proxy_name, reqs, self.label)
            vapi.delete_guard_proxy(self.client, vpath, guard.proxy_name, self.label)
        mua.guarded(guard, mua.DELETE_PROXY, remove)

    def _finish(self, result, vpath, desired, msg):
        """Read back; a setting the service did not apply fails the task (changed, with the vault as it is)."""
        try:
            result["vault"] = self._read_back(vpath, desired)
        except NotApplied as exc:
            result.update(failed=True, msg=str(exc), not_applied=exc.settings, vault=exc.vault)
            return result
        result["msg"] = msg
        return result

    def _write_vault_config(self, vpath, settings, guard, current):
        props = vault_config_properties(settings)
        before = current or NEW_VAULT
        disabling = any(settings.get(n) == "disabled" and before.get(n) != "disabled" for n in ("soft_delete", "enhanced_security"))

        def write(reqs):
            if reqs:
                props["resourceGuardOperationRequests"] = reqs
            try:
                return vapi.patch_vault_config(self.client, vpath, props, self.label)
            except ArmError as err:
                if err.code != USE_VAULT_API:
                    raise
            # the vault's soft delete was last set through the vault API, and the service then takes it only there
            soft = {"softDeleteState": props["softDeleteFeatureState"], "softDeleteRetentionPeriodInDays": props["softDeleteRetentionPeriodInDays"],
                    "enhancedSecurityState": props["enhancedSecurityState"]}
            body = {"properties": {"securitySettings": {"softDeleteSettings": soft}}}
            if reqs:
                body["properties"]["resourceGuardOperationRequests"] = reqs
            return vapi.patch_vault(self.client, vpath, body, self.label)
        if disabling:
            return mua.guarded(guard, mua.DISABLE_SOFT_DELETE, write)
        return write([])

    def _irreversible_note(self, plan):
        if not plan.irreversible:
            return ""
        opt = "allowed by allow_irreversible" if self.params["allow_irreversible"] else "a real run needs allow_irreversible=true"
        return " (cannot be undone, %s: %s)" % (opt, "; ".join(plan.irreversible))

    def _read_back(self, vpath, desired):
        """Read the vault (and its config and guard when they were asked about) after the writes; fail naming
        each setting the service did not apply (a write answered with success that changed nothing)."""
        client = self.client
        vault = vapi.get_vault(client, vpath, self.label)
        if vault is None:
            raise NotApplied("vault %s was written but cannot be read back (404)" % self.label)
        config = vapi.get_vault_config(client, vpath, self.label) if any(n in desired for n in VAULT_CONFIG_SETTINGS) else None
        guard_read = "resource_guard" in desired
        guard = mua.Guard.read(client, vpath, self.label) if guard_read else None
        views = [vault_settings(vault, None, guard, guard_read)]
        if config is not None:
            views.append(vault_settings(vault, config, guard, guard_read))
        missed = []
        for view in views:
            for name in differences(view, desired):
                if name not in [m[0] for m in missed]:
                    missed.append((name, view.get(name)))
        if missed:
            listed = ", ".join("%s (asked %s, is %s)" % (name, _show(desired[name]), _show(value)) for name, value in missed)
            raise NotApplied("the service accepted the changes to vault %s but did not apply: %s; the vault is left as the service "
                             "reports it" % (self.label, listed),
                             settings=[name for name, value in missed], vault=vault_result(vault, config, guard, guard_read))
        return vault_result(vault, config, guard, guard_read)


# ---------------------------------------------------------------------------------------
# azure_backup_vault_info
# ---------------------------------------------------------------------------------------

def vault_info(client, params):
    """azure_backup_vault_info's result: the vault (with its guard), its VM policies and the audit findings.
    Four reads: the vault, its backup configuration, its guard proxies and its VM policies."""
    from ansible_collections.azure_recovery.backup.plugins.module_utils._policy import policy_result
    label = "%s/%s" % (params["vault_resource_group"], params["vault_name"])
    minimum = params.get("min_retention_days")
    if minimum is None or minimum < 1:
        raise ValueError("min_retention_days must be at least 1, not %s" % (minimum,))
    vpath = vault_path(client, params["vault_resource_group"], params["vault_name"])
    vault = vapi.get_vault(client, vpath, label)
    if vault is None:
        return {"changed": False, "exists": False, "vault": None, "policies": [], "findings": [],
                "msg": "vault %s does not exist" % label}
    config = vapi.get_vault_config(client, vpath, label)
    guard = mua.Guard.read(client, vpath, label)
    view = vault_result(vault, config, guard, guard_read=True)
    policies = [policy_result(p) for p in vapi.list_policies(client, vpath, label)]
    found = findings(view, policies, minimum)
    return {"changed": False, "exists": True, "vault": view, "policies": policies, "findings": found,
            "msg": "vault %s: %d finding(s)" % (label, len(found))}
