# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Protection by rule: rules -> per-vault VM lists for azure_vm_protection_batch, and a posture report.

A rule is a selector (subscriptions, resource groups, locations, tags, name patterns, exclusions)
mapped to a policy and to vaults (a VM is protected by the rule's vault of its own subscription
and region). ``check_rules`` validates the shapes before any call; ``resolve`` reads the estate
once (``_fleet.read_estate``), checks every rule against what exists (vaults, their regions,
policies, subscriptions) and decides per VM. Nothing here writes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.azure_recovery.backup.plugins.module_utils._fleet import (
    UTC,
    check_locations,
    check_patterns,
    check_resource_groups,
    check_subscriptions,
    check_tags,
    name_match,
    read_estate,
    tags_match,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._names import parse_vm_id, validate_policy_name
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import (
    POLICY_CHANGE_REFUSED,
    VaultReads,
    policy_change_refused,
)

RULE_KEYS = ("name", "subscriptions", "resource_groups", "locations", "tags", "names", "exclude_names", "exclude", "policy",
             "vaults", "undelete")
VAULT_KEYS = ("name", "resource_group", "subscription_id", "location")
FINDINGS = ("unprotected", "wrong_policy", "policy_change_refused", "wrong_vault", "stopped", "soft_deleted", "purge_soon", "stale", "failed",
            "protected_elsewhere", "unknown_state", "conflict", "unmatched")
# what needs someone's attention (a VM matching no rule is reported, but is not a problem by itself)
ATTENTION = tuple(f for f in FINDINGS if f != "unmatched")


class RuleError(ValueError):
    """One or more rules cannot be applied; ``problems`` lists them (each one line)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(RuleError, self).__init__("%d problem(s) with vm_onboarding rules, nothing was changed: %s"
                                        % (len(self.problems), "; ".join(self.problems[:20])))


def _label(record):
    return "%s/%s" % (record["resource_group"], record["vm_name"])


def _exclusion(value, what):
    """An excluded VM: a resource ID or resource_group/name -> matcher key (lower-case)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("%s: %r is not a VM (resource ID or resource_group/name)" % (what, value))
    text = value.strip()
    if text.startswith("/"):
        return ("id", parse_vm_id(text).id.lower())
    if text.count("/") != 1:
        raise ValueError("%s: %r is not a VM (resource ID or resource_group/name)" % (what, value))
    return ("label", text.lower())


def check_rules(rules, default_subscriptions):
    """Validate the shape of every rule (no call). Returns normalised rules; RuleError lists every problem."""
    if not isinstance(rules, list) or not rules:
        raise RuleError(["give at least one rule (a list of dictionaries)"])
    problems, out, names = [], [], set()
    for index, rule in enumerate(rules):
        what = "rule %d" % (index + 1)
        if not isinstance(rule, dict):
            problems.append("%s is not a dictionary" % what)
            continue
        name = str(rule.get("name") or "rule%d" % (index + 1))
        what = "rule %s" % name
        if name.lower() in names:
            problems.append("%s: the name is used twice" % what)
        names.add(name.lower())
        unknown = sorted(set(rule) - set(RULE_KEYS))
        if unknown:
            problems.append("%s: unknown key(s) %s (known: %s)" % (what, ", ".join(unknown), ", ".join(RULE_KEYS)))
            continue
        try:
            norm = {
                "name": name,
                "subscriptions": check_subscriptions(rule.get("subscriptions") or default_subscriptions, what + " subscriptions"),
                "resource_groups": [g.lower() for g in check_resource_groups(rule.get("resource_groups"), what + " resource_groups")],
                "locations": check_locations(rule.get("locations"), what + " locations"),
                "tags": check_tags(rule.get("tags"), what + " tags"),
                "names": check_patterns(rule.get("names"), what + " names"),
                "exclude_names": check_patterns(rule.get("exclude_names"), what + " exclude_names"),
                "exclude": set(_exclusion(v, what + " exclude") for v in (rule.get("exclude") or [])),
                "undelete": bool(rule.get("undelete", False)),
            }
            if not rule.get("policy"):
                raise ValueError("%s: policy is required" % what)
            norm["policy"] = validate_policy_name(str(rule["policy"]))
            vaults = rule.get("vaults")
            if isinstance(vaults, dict) and "name" in vaults:
                vaults = [vaults]
            if not isinstance(vaults, list) or not vaults:
                raise ValueError("%s: vaults must list the vaults ({name, resource_group, subscription_id?, location?}), one per "
                                 "subscription and region" % what)
            norm["vaults"] = []
            for vault in vaults:
                if not isinstance(vault, dict) or not vault.get("name") or not vault.get("resource_group") or set(vault) - set(VAULT_KEYS):
                    raise ValueError("%s: vault %r needs name and resource_group (and only %s)" % (what, vault, ", ".join(VAULT_KEYS)))
                entry = {"name": str(vault["name"]), "resource_group": check_resource_groups([vault["resource_group"]], what + " vault")[0],
                         "subscription_id": check_subscriptions([vault["subscription_id"]], what + " vault")[0] if vault.get("subscription_id") else None,
                         "location": check_locations([vault["location"]], what + " vault")[0] if vault.get("location") else None}
                norm["vaults"].append(entry)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        out.append(norm)
    if problems:
        raise RuleError(problems)
    return out


def rule_matches(rule, record):
    if record["subscription_id"].lower() not in [s.lower() for s in rule["subscriptions"]]:
        return False
    if rule["resource_groups"] and record["resource_group"].lower() not in rule["resource_groups"]:
        return False
    if rule["locations"] and record["location"] not in rule["locations"]:
        return False
    if rule["tags"] and not tags_match(record["vm_tags"], rule["tags"]):
        return False
    if rule["names"] and not name_match(record["vm_name"], rule["names"]):
        return False
    if rule["exclude_names"] and name_match(record["vm_name"], rule["exclude_names"]):
        return False
    if ("id", record["vm_id"].lower()) in rule["exclude"] or ("label", _label(record).lower()) in rule["exclude"]:
        return False
    return True


def _bind_vaults(rules, estate, problems, partial=False):
    """Each rule vault -> the vault as its subscription's list shows it (id, location); problems for unknown ones.
    ``partial`` (a job slice): a vault of a subscription out of the slice is left unbound, not a problem."""
    for rule in rules:
        for vault in rule["vaults"]:
            if partial and vault["subscription_id"] and vault["subscription_id"].lower() not in estate.vault_lists:
                continue
            subs = [vault["subscription_id"]] if vault["subscription_id"] else rule["subscriptions"]
            found = [v for s in subs for v in estate.vault_lists.get(s.lower(), [])
                     if (v.get("name") or "").lower() == vault["name"].lower()
                     and v["id"].split("/")[4].lower() == vault["resource_group"].lower()]
            if not found:
                problems.append("rule %s: vault %s/%s does not exist in subscription(s) %s" % (
                    rule["name"], vault["resource_group"], vault["name"], ", ".join(subs)))
                continue
            if len(found) > 1:
                problems.append("rule %s: vault %s/%s exists in several subscriptions; give its subscription_id" % (
                    rule["name"], vault["resource_group"], vault["name"]))
                continue
            actual = (found[0].get("location") or "").lower().replace(" ", "")
            if vault["location"] and vault["location"] != actual:
                problems.append("rule %s: vault %s is in %s, not in %s" % (rule["name"], vault["name"], actual, vault["location"]))
            vault["id"] = found[0]["id"]
            vault["subscription_id"] = found[0]["id"].split("/")[2]
            vault["location"] = actual


def check_cells(cells):
    """``[{subscription_id, location}]`` (job slices: a slice's share of the estate) -> set of (sub, location), lower-case."""
    out = set()
    for cell in cells or []:
        if not isinstance(cell, dict) or set(cell) - {"subscription_id", "location"} or not cell.get("subscription_id") or not cell.get("location"):
            raise ValueError("cells: %r is not {subscription_id, location}" % (cell,))
        out.add((check_subscriptions([cell["subscription_id"]], "cells")[0].lower(), check_locations([cell["location"]], "cells")[0]))
    return out


def resolve(client, rules, subscriptions=None, max_backup_age_hours=26.0, purge_warning_days=7, backup_status_mode="auto",
            workers=8, now=None, reads=None, cells=None):
    """Read the estate of the rules' subscriptions, check the rules against it, decide per VM. ``cells`` limits the scope
    to some (subscription, region) pairs: a job slice's share; VMs elsewhere are neither reported nor planned.

    Returns {plan, rows, totals, by_subscription, rules, warnings, reads}; raises RuleError (nothing written)."""
    now = now or datetime.datetime.now(UTC)
    cells = check_cells(cells)
    if cells:
        subscriptions = sorted(set(sub for sub, _loc in cells))
    default_subs = check_subscriptions(subscriptions or [client.subscription_id], "subscriptions")
    rules = check_rules(rules, default_subs)
    scope_subs = default_subs if cells else check_subscriptions(default_subs + [s for r in rules for s in r["subscriptions"]])
    estate = read_estate(client, scope_subs, locations=sorted(set(loc for _sub, loc in cells)) or None,
                         max_backup_age_hours=max_backup_age_hours, backup_status_mode=backup_status_mode, workers=workers, now=now)
    if cells:
        estate.vms = [r for r in estate.vms if (r["subscription_id"].lower(), r["location"]) in cells]
    problems = list(estate.errors)
    _bind_vaults(rules, estate, problems, partial=bool(cells))

    rows, matched_by_rule = [], dict((r["name"], 0) for r in rules)
    used_vaults = {}
    for record in estate.vms:
        matching = [r for r in rules if rule_matches(r, record)]
        row = _row(record, now, purge_warning_days)
        rows.append(row)
        for rule in matching:
            matched_by_rule[rule["name"]] += 1
        if not matching:
            if record["subscription_id"].lower() in [s.lower() for s in default_subs]:
                row["findings"].append("unmatched")
            else:
                row["out_of_scope"] = True
            continue
        targets = []
        for rule in matching:
            vault = _vault_for(rule, record)
            if vault is None:
                problems.append("rule %s: no vault for VM %s in subscription %s, region %s (a VM can only be protected by a vault of "
                                "its own subscription and region)" % (rule["name"], _label(record), record["subscription_id"], record["location"]))
                continue
            targets.append((rule, vault))
        if not targets:
            continue
        distinct = set((v["id"].lower(), r["policy"].lower()) for r, v in targets)
        row["rules"] = [r["name"] for r, _v in targets]
        if len(distinct) > 1:
            row["findings"].append("conflict")
            row["note"] = "matches rules %s with different vaults or policies: not touched" % ", ".join(row["rules"])
            continue
        rule, vault = targets[0]
        row["desired_vault"], row["desired_vault_id"], row["desired_policy"] = vault["name"], vault["id"], rule["policy"]
        used_vaults.setdefault(vault["id"].lower(), (vault, set()))[1].add(rule["policy"])
        _decide(row, record, rule, vault)

    policies_read = {}
    for vault, policies in used_vaults.values():
        reads = reads or VaultReads(client)
        for policy in sorted(policies):
            try:
                policies_read[(vault["id"].lower(), policy.lower())] = reads.policy(vault["id"], policy, vault["name"])
            except ValueError as exc:
                problems.append(str(exc))
    if problems:
        raise RuleError(sorted(set(problems), key=problems.index))
    for row in rows:
        if row["action"] == "update":
            _refused_change(row, policies_read[(row["desired_vault_id"].lower(), row["desired_policy"].lower())])

    warnings = ["rule %s matches no VM (check its subscriptions, resource groups, locations, tags and names)" % name
                for name, count in matched_by_rule.items() if count == 0]
    plan = {}
    for row in rows:
        if row.get("action") in ("enable", "update", "resume", "undelete"):
            vault_id = row["desired_vault_id"]
            group = plan.setdefault(vault_id.lower(), {
                "vault_name": row["desired_vault"], "vault_resource_group": vault_id.split("/")[4], "subscription_id": vault_id.split("/")[2],
                "location": row["location"], "vms": []})
            entry = {"id": row["vm_id"], "policy": row["desired_policy"]}
            if row["action"] == "undelete":
                entry["undelete"] = True
            group["vms"].append(entry)
    vaults = vault_findings(estate, cells)
    rows_in_scope = [r for r in rows if not r.get("out_of_scope")]
    for row in rows_in_scope:
        row.pop("out_of_scope", None)
    return {
        "plan": [plan[k] for k in sorted(plan)],
        "rows": rows_in_scope,
        "totals": _totals(rows_in_scope),
        "by_subscription": _by_subscription(rows_in_scope),
        "rules": [{"name": r["name"], "policy": r["policy"], "matched": matched_by_rule[r["name"]],
                   "vaults": [v.get("id") for v in r["vaults"]]} for r in rules],
        "warnings": warnings,
        "vaults": vaults,
        "reads": dict(estate.reads),
    }


def vault_findings(estate, cells=None):
    """Vault-level findings, from the vault lists' bodies (no extra read): soft delete off, short soft-delete retention,
    immutability off. One entry per vault of the scope (of the cells when given), sorted by ID."""
    out = []
    for sub, vaults in sorted(estate.vault_lists.items()):
        for vault in vaults:
            location = (vault.get("location") or "").lower().replace(" ", "")
            if cells and (sub, location) not in cells:
                continue
            security = (vault.get("properties") or {}).get("securitySettings") or {}
            soft = security.get("softDeleteSettings") or {}
            state = soft.get("softDeleteState")
            findings = []
            if state and state.lower() == "disabled":
                findings.append("soft_delete_disabled")
            days = soft.get("softDeleteRetentionPeriodInDays")
            if state and state.lower() != "disabled" and isinstance(days, int) and days < 14:
                findings.append("soft_delete_retention_short")
            immutability = ((security.get("immutabilitySettings") or {}).get("state") or "")
            if immutability.lower() == "disabled":
                findings.append("immutability_disabled")
            out.append({"id": vault["id"], "name": vault.get("name"), "subscription_id": vault["id"].split("/")[2], "location": location,
                        "soft_delete_state": state, "soft_delete_days": days, "immutability": immutability or None, "findings": findings})
    return sorted(out, key=lambda v: v["id"].lower())


def _vault_for(rule, record):
    for vault in rule["vaults"]:
        if (vault.get("id") and vault["subscription_id"].lower() == record["subscription_id"].lower()
                and vault["location"] == record["location"]):
            return vault
    return None


def _row(record, now, purge_warning_days):
    row = dict((k, record[k]) for k in (
        "vm_id", "vm_name", "resource_group", "subscription_id", "location", "vm_tags", "backup_state", "backup_vault", "backup_vault_id",
        "backup_policy", "backup_policy_type", "protection_state", "health_status", "last_backup_time", "last_backup_status", "last_recovery_point",
        "delete_time", "purge_time", "backup_note"))
    row.update({"label": _label(record), "rules": [], "desired_vault": None, "desired_vault_id": None, "desired_policy": None,
                "action": "none", "findings": [], "note": record.get("backup_note")})
    state = record["backup_state"]
    if state == "stopped":
        row["findings"].append("stopped")
    elif state == "soft_deleted":
        row["findings"].append("soft_deleted")
        purge = record.get("purge_time")
        if purge and datetime.datetime.strptime(purge, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) - now <= datetime.timedelta(days=purge_warning_days):
            row["findings"].append("purge_soon")
    elif state == "protected_elsewhere":
        row["findings"].append("protected_elsewhere")
    elif state == "unknown":
        row["findings"].append("unknown_state")
    if record["backup_stale"]:
        row["findings"].append("stale")
    if record["backup_failed"]:
        row["findings"].append("failed")
    return row


def _decide(row, record, rule, vault):
    """The action for a VM a single rule (or agreeing rules) selects; findings for what is not touched."""
    state = record["backup_state"]
    same_vault = (record.get("backup_vault_id") or "").lower() == vault["id"].lower()
    if state == "unprotected":
        row["action"] = "enable"
        row["findings"].append("unprotected")
    elif state in ("protected", "stopped", "soft_deleted") and not same_vault:
        row["findings"].append("wrong_vault")
        row["note"] = "protected by vault %s, the rule wants %s: not touched (stop and delete its backup there first)" % (
            record["backup_vault"], vault["name"])
    elif state == "protected":
        if (record.get("backup_policy") or "").lower() != rule["policy"].lower():
            row["action"] = "update"
            row["findings"].append("wrong_policy")
    elif state == "stopped":
        row["action"] = "resume"
    elif state == "soft_deleted":
        if rule["undelete"]:
            row["action"] = "undelete"
        else:
            row["note"] = "soft-deleted in %s: not touched (set undelete: true on the rule to restore and protect it)" % vault["name"]
    elif state == "protected_elsewhere":
        row["findings"].append("wrong_vault")
        row["note"] = "protected by vault %s out of scope: not touched" % record.get("backup_vault")


def _refused_change(row, policy):
    """A policy update Azure refuses (enhanced to standard: _protection.policy_change_refused, the rule azure_vm_protection
    applies before its write) is a finding and is not planned: the plan and the report never count it as a change."""
    target_type = ((policy or {}).get("properties") or {}).get("policyType")
    if policy_change_refused(row.get("backup_policy_type"), target_type):
        row["action"] = "none"
        row["findings"].append("policy_change_refused")
        row["note"] = "on the enhanced policy %s, the rule wants the standard policy %s: %s; not touched" % (
            row.get("backup_policy"), row["desired_policy"], POLICY_CHANGE_REFUSED)


def _totals(rows):
    totals = dict((f, 0) for f in FINDINGS)
    for row in rows:
        for finding in set(row["findings"]):
            totals[finding] += 1
    totals["vms"] = len(rows)
    totals["matched"] = sum(1 for r in rows if r["rules"])
    totals["attention"] = sum(1 for r in rows if set(r["findings"]) & set(ATTENTION))
    totals["to_change"] = sum(1 for r in rows if r["action"] != "none")
    return totals


def _by_subscription(rows):
    """{subscription: {vault name (or "-"): {vms, attention, <finding>: n}}}: a VM counts once, under its current vault,
    else the vault its rule wants."""
    out = {}
    for row in rows:
        vault = row["backup_vault"] or row["desired_vault"] or "-"
        cell = out.setdefault(row["subscription_id"], {}).setdefault(vault, {"vms": 0, "attention": 0})
        cell["vms"] += 1
        if set(row["findings"]) & set(ATTENTION):
            cell["attention"] += 1
        for finding in set(row["findings"]):
            cell[finding] = cell.get(finding, 0) + 1
    return out
