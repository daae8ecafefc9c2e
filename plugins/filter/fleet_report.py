# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: fleet_report
short_description: The rule-mode summary and posture report of the vm_onboarding role
version_added: 1.1.0
description:
  - Joins the result of M(azure_recovery.backup.azure_vm_scope_info) with the results of the
    M(azure_recovery.backup.azure_vm_protection_batch) tasks run on its plan, into one report, one row per VM.
  - Used by the C(rules) entry point of the C(vm_onboarding) role and by C(playbooks/audit.yml) in rule mode.
positional: scope
options:
  _input:
    description: The registered result of M(azure_recovery.backup.azure_vm_scope_info).
    type: dict
    required: true
  batches:
    description: The registered loop result of the batch tasks (its C(results)), in the order of the plan; empty when they did not run.
    type: list
    elements: dict
    default: []
  check_mode:
    description: Whether nothing was written (the report then says what would change).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Build the report
  ansible.builtin.set_fact:
    report: "{{ scope | azure_recovery.backup.fleet_report(batches=batch.results | default([]), check_mode=true) }}"
'''

RETURN = r'''
_value:
  description:
    - C(kind) (V(fleet)), C(check_mode), C(changed), C(generated_at), C(counts) (C(vms), C(matched), C(to_change), C(changed),
      C(failed), C(attention), C(unmatched)), C(totals), C(by_subscription) and C(vaults) (as the module returns them), C(rules),
      C(warnings), C(rows) (the module's rows plus C(outcome) V(unchanged), V(changed), V(would_change), V(failed),
      V(not_touched) and C(message)), and C(table) (title, lines, header, rows, classes, generated_at) for the role's renderers.
  type: dict
'''

import datetime

FINDING_TEXT = {
    "unprotected": "not protected", "wrong_policy": "on another policy", "policy_change_refused": "policy change refused by Azure",
    "wrong_vault": "in another vault", "stopped": "protection stopped", "soft_deleted": "soft-deleted", "purge_soon": "purged soon",
    "stale": "no recent backup", "failed": "last backup failed", "protected_elsewhere": "protected by a vault out of scope",
    "unknown_state": "state unknown", "conflict": "rules conflict", "unmatched": "no rule",
}
# findings that leave a VM as it is (its row's note says why)
NOT_TOUCHED = frozenset(("conflict", "wrong_vault", "protected_elsewhere", "unknown_state", "soft_deleted", "policy_change_refused"))

VAULT_TEXT = {"soft_delete_disabled": "soft delete is off", "soft_delete_retention_short": "soft-delete retention under 14 days",
              "immutability_disabled": "immutability is off"}


def _outcome(row, result, check_mode, batch_ran):
    if row["action"] == "none":
        return ("not_touched" if NOT_TOUCHED & set(row["findings"]) else "unchanged"), row.get("note") or ""
    if result is None:
        return ("would_change" if check_mode or not batch_ran else "failed"), ("would %s" % row["action"]) if check_mode or not batch_ran else "no result"
    if result.get("failed"):
        return "failed", result.get("msg") or "failed"
    if check_mode:
        return "would_change", result.get("msg") or "would %s" % row["action"]
    return ("changed" if result.get("changed") else "unchanged"), result.get("msg") or ""


def fleet_report(scope, batches=None, check_mode=False):
    batches = batches or []
    by_id = {}
    for group, batch in zip(scope.get("plan", []), batches):
        results = batch.get("results") or []
        if batch.get("skipped"):          # audit only: the batch tasks did not run
            continue
        if not results and batch.get("msg"):
            for entry in group["vms"]:
                by_id[entry["id"].lower()] = {"failed": True, "msg": batch.get("msg") or "skipped"}
            continue
        for entry, result in zip(group["vms"], results):
            by_id[entry["id"].lower()] = result
    batch_ran = any(not batch.get("skipped") for batch in batches)
    rows, counts = [], {"vms": 0, "matched": 0, "to_change": 0, "changed": 0, "failed": 0, "attention": 0, "unmatched": 0}
    for source in scope.get("rows", []):
        row = dict(source)
        row["outcome"], row["message"] = _outcome(row, by_id.get(row["vm_id"].lower()), check_mode, batch_ran)
        rows.append(row)
        counts["vms"] += 1
        counts["matched"] += 1 if row["rules"] else 0
        counts["to_change"] += 1 if row["action"] != "none" else 0
        counts["changed"] += 1 if row["outcome"] == "changed" else 0
        counts["failed"] += 1 if row["outcome"] == "failed" else 0
        counts["attention"] += 1 if set(row["findings"]) - {"unmatched"} else 0
        counts["unmatched"] += 1 if "unmatched" in row["findings"] else 0
    report = {
        "kind": "fleet", "check_mode": bool(check_mode), "changed": counts["changed"] > 0,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "counts": counts, "totals": scope.get("totals", {}), "by_subscription": scope.get("by_subscription", {}),
        "rules": scope.get("rules", []), "warnings": scope.get("warnings_list", []), "rows": rows,
        "vaults": scope.get("vaults", []),
    }
    report["table"] = _table(report)
    return report


def _vault_of(row):
    return row["backup_vault"] or row["desired_vault"] or "-"


def _table(report):
    check = report["check_mode"]
    counts = report["counts"]
    title = "Azure Backup by rule, check mode: nothing was written" if check else "Azure Backup by rule"
    lines = ["%d VMs in scope, %d selected by a rule, %d %s, %d failed, %d need attention, %d match no rule" % (
        counts["vms"], counts["matched"], counts["to_change"] if check else counts["changed"], "would change" if check else "changed",
        counts["failed"], counts["attention"], counts["unmatched"])]
    totals = report["totals"]
    found = ["%s %d" % (FINDING_TEXT[k], totals[k]) for k in FINDING_TEXT if totals.get(k)]
    lines.append("findings: " + (", ".join(found) or "none"))
    for sub in sorted(report["by_subscription"]):
        for vault, cell in sorted(report["by_subscription"][sub].items()):
            detail = ", ".join("%s %d" % (FINDING_TEXT[k], cell[k]) for k in FINDING_TEXT if cell.get(k))
            lines.append("subscription %s, vault %s: %d VM(s), %d need attention%s" % (
                sub, vault, cell["vms"], cell["attention"], (" (" + detail + ")") if detail else ""))
    for vault in report["vaults"]:
        if vault["findings"]:
            lines.append("vault %s (%s, %s): %s" % (vault["name"], vault["subscription_id"], vault["location"],
                                                    ", ".join(VAULT_TEXT.get(f, f) for f in vault["findings"])))
    for rule in report["rules"]:
        lines.append("rule %s (%s): %d VM(s)" % (rule["name"], rule["policy"], rule["matched"]))
    lines.extend("warning: " + w for w in report["warnings"])
    header = ["VM", "Subscription", "Vault", "Outcome", "Policy", "State", "Last backup", "Findings"]
    rows, classes = [], []
    for row in sorted(report["rows"], key=lambda r: (r["subscription_id"].lower(), _vault_of(r).lower(), r["label"].lower())):
        policy = row["backup_policy"] or "-"
        if row["desired_policy"] and (row["desired_policy"] or "").lower() != (row["backup_policy"] or "").lower():
            policy = "%s -> %s" % (policy, row["desired_policy"])
        vault = _vault_of(row)
        if row["desired_vault"] and row["backup_vault"] and row["desired_vault"].lower() != row["backup_vault"].lower():
            vault = "%s (rule: %s)" % (row["backup_vault"], row["desired_vault"])
        findings = [FINDING_TEXT[f] for f in row["findings"]]
        if row.get("purge_time") and "soft_deleted" in row["findings"]:
            findings.append("purge %s" % row["purge_time"])
        if row["message"]:
            findings.append(row["message"])
        outcome = row["outcome"].replace("_", " ") + ((" (" + row["action"] + ")") if row["action"] != "none" else "")
        last = (row.get("last_backup_time") or "")[:16].replace("T", " ") or "-"
        rows.append([row["label"], row["subscription_id"], vault, outcome, policy, row.get("protection_state") or row["backup_state"], last,
                     "; ".join(findings) or "-"])
        classes.append({"unchanged": "ok", "not_touched": "attention", "would_change": "changed"}.get(row["outcome"], row["outcome"])
                       if not (set(row["findings"]) - {"unmatched"}) or row["outcome"] in ("failed", "changed") else "attention")
    return {"title": title, "lines": lines, "header": header, "rows": rows, "classes": classes, "generated_at": report["generated_at"]}


class FilterModule(object):
    def filters(self):
        return {"fleet_report": fleet_report}
