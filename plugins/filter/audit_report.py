# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: audit_report
short_description: The per-vault audit of the vm_onboarding role, one row per VM
version_added: 1.1.0
description:
  - Used by the C(audit) entry point of the C(vm_onboarding) role (C(playbooks/audit.yml) without rules); not meant for playbooks.
  - Takes what each audited vault sees (one row per vault and VM, with the findings against that vault's expected policy) and
    makes one row per VM, so that a VM several vaults see is counted once. The vault that protects the VM gives its row
    (active protection first, then stopped, then soft-deleted, the order of the rule-mode report); a VM is C(not_protected)
    only when none of the audited vaults protects it. C(seen_by) lists every audited vault that sees the VM and how.
  - Adds C(policy_change_refused) where the VM is on an enhanced (V2) policy and its vault's expected policy is a standard
    (V1) one, a move Azure refuses (the rule M(azure_recovery.backup.azure_vm_protection) applies before its write).
  - Only the audited vaults are read; a VM none of them sees is not in the report (the rule mode of the role reports every
    VM of the subscriptions, whichever vault protects it).
positional: _input, vault_info
options:
  _input:
    description:
      - The audit of each vault, as the role's C(audit.json.j2) writes it, with C(rows) (one per vault and VM) and C(vaults).
    type: dict
    required: true
  vault_info:
    description:
      - The registered loop results of M(azure_recovery.backup.azure_backup_vault_info) over the same vaults (their
        C(policies) give the expected policies' types, their C(findings) the vault findings); empty when not read.
    type: list
    elements: dict
    default: []
'''

EXAMPLES = r'''
- name: One row per VM
  ansible.builtin.set_fact:
    audit: "{{ lookup('ansible.builtin.template', 'audit.json.j2') | from_json | azure_recovery.backup.audit_report(vault_info.results) }}"
'''

RETURN = r'''
_value:
  description:
    - The input's C(kind), C(check_mode), C(generated_at), C(max_backup_age_hours) and C(vaults) (each with C(vms), the VMs it
      sees, and C(protects), the VMs whose row it gives because it protects them), plus C(vms) (one row per VM, with C(vault),
      C(seen_by) [{vault, vault_resource_group, state}] and C(findings)), C(counts) (C(total) distinct VMs, C(ok),
      C(attention), C(protected), C(vaults_failed)), C(finding_counts) (VMs per finding), C(vault_findings) and
      C(vault_finding_codes) (from O(vault_info)).
  type: dict
'''

from ansible_collections.azure_recovery.backup.plugins.module_utils._fleet import item_rank
from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import POLICY_CHANGE_REFUSED, policy_change_refused

FINDING_CODES = ("operation_pending", "not_protected", "policy_mismatch", "policy_change_refused", "protection_stopped", "soft_deleted",
                 "backup_stale", "unhealthy")
STATES = ("protected", "stopped", "soft_deleted", "not_protected")   # by item_rank, then a VM without an item


def _vault_key(resource_group, name):
    return "%s/%s" % ((resource_group or "").lower(), (name or "").lower())


def _policy_types(vault_info):
    """{vault key: {policy name (lower): policy_type}} from azure_backup_vault_info's policies."""
    out = {}
    for res in vault_info or []:
        item = res.get("item") or {}
        out[_vault_key(item.get("resource_group"), item.get("name"))] = dict(
            ((p.get("name") or "").lower(), p.get("policy_type")) for p in res.get("policies") or [])
    return out


def _rank(row):
    """0 protected, 1 stopped, 2 soft-deleted (as the rule-mode report ranks a VM's items), 3 seen without an item."""
    return item_rank(row) if row.get("has_item") else 3


def _refused(row, types):
    """The finding policy_change_refused for a row on an enhanced policy whose vault expects a standard one."""
    codes = [f["code"] for f in row["findings"]]
    if "policy_mismatch" not in codes or not row.get("policy"):
        return
    expected = row["policy"].rstrip("/").rsplit("/", 1)[-1]
    target = types.get(_vault_key(row.get("vault_resource_group"), row.get("vault")), {}).get(expected.lower())
    if target and policy_change_refused(row.get("current_policy_type"), target):
        row["findings"].append({"code": "policy_change_refused", "detail": "the vault's expected policy %s is a standard one: %s"
                                % (expected, POLICY_CHANGE_REFUSED)})


def audit_report(audit, vault_info=None):
    types = _policy_types(vault_info)
    by_vm, order = {}, []
    for row in audit.get("rows") or []:
        row = dict(row, findings=list(row.get("findings") or []))
        _refused(row, types)
        key = (row.get("vm_id") or row.get("label") or "").lower()
        if key not in by_vm:
            by_vm[key] = []
            order.append(key)
        by_vm[key].append(row)

    vms = []
    for key in order:
        seen = sorted(by_vm[key], key=_rank)       # stable: the vaults' order among equals
        row = dict(seen[0])
        row["seen_by"] = [{"vault": r["vault"], "vault_resource_group": r["vault_resource_group"], "state": STATES[_rank(r)]} for r in seen]
        if len(seen) > 1 and _rank(row) == 3:
            row["findings"] = [dict(f, detail="the vaults %s see the VM, none protects it" % ", ".join(r["vault"] for r in seen))
                               if f["code"] == "not_protected" else f for f in row["findings"]]
        # a write still running on the VM's item in another vault may change the picture: it stays a finding
        row["findings"] = row["findings"] + [
            dict(f, detail="in vault %s/%s: %s" % (r["vault_resource_group"], r["vault"], f["detail"]))
            for r in seen[1:] for f in r["findings"] if f["code"] == "operation_pending"]
        vms.append(row)
    vms.sort(key=lambda r: (r.get("label") or "").lower())

    vaults = []
    for vault in audit.get("vaults") or []:
        key = _vault_key(vault.get("resource_group"), vault.get("vault"))
        sees = [r for rows in by_vm.values() for r in rows if _vault_key(r["vault_resource_group"], r["vault"]) == key]
        protects = [r for r in vms if _vault_key(r["vault_resource_group"], r["vault"]) == key and _rank(r) == 0]
        vaults.append(dict(vault, vms=len(sees), protects=len(protects)))

    attention = len([r for r in vms if r["findings"]])
    readable = [res for res in vault_info or [] if "findings" in res]
    vault_findings = dict(("%s/%s" % (res["item"]["resource_group"], res["item"]["name"]), res["findings"]) for res in readable)
    report = dict((k, v) for k, v in audit.items() if k != "rows")
    report.update({
        "vaults": vaults,
        "vms": vms,
        "counts": {"total": len(vms), "ok": len(vms) - attention, "attention": attention,
                   "protected": len([r for r in vms if _rank(r) == 0]),
                   "vaults_failed": len([v for v in vaults if v.get("error")])},
        "finding_counts": dict((code, len([r for r in vms if code in [f["code"] for f in r["findings"]]])) for code in FINDING_CODES),
        "vault_findings": vault_findings,
        "vault_finding_codes": sorted(set(f["code"] for findings in vault_findings.values() for f in findings)),
    })
    return report


class FilterModule(object):
    def filters(self):
        return {"audit_report": audit_report}
