# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit_report filter: the per-vault audit made one row per VM (counted once, under the vault that protects it),
and an enhanced -> standard policy move named as refused."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.filter.audit_report import audit_report

VM = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/"


def _row(name, vault, state=None, policy="", current=None, current_type=None, findings=(), soft_deleted=False):
    return {"vm": name, "resource_group": "rg", "label": "rg/" + name, "vm_id": VM + name, "has_item": state is not None,
            "vault": vault, "vault_resource_group": vault + "RG", "policy": policy, "current_policy": current,
            "current_policy_type": current_type, "protection_state": state, "soft_deleted": soft_deleted,
            "findings": [{"code": c, "detail": c + " detail"} for c in findings]}


def _vault(name, policy="", error=""):
    return {"vault": name, "resource_group": name + "RG", "policy": policy, "error": error}


def _info(name, policies, findings=()):
    return {"item": {"name": name, "resource_group": name + "RG"}, "policies": [{"name": n, "policy_type": t} for n, t in policies],
            "findings": [{"code": c, "severity": "high", "message": c} for c in findings]}


AUDIT = {
    "kind": "audit", "check_mode": True, "generated_at": "2026-01-01T00:00:00Z", "max_backup_age_hours": 26,
    "vaults": [_vault("A", "Std"), _vault("B")],
    "rows": [
        # web: unprotected in A, protected in B -> protected, by B
        _row("web", "A", findings=["not_protected"]),
        _row("web", "B", "Protected", current="Default", current_type="V1"),
        # idle: seen by both, protected by neither -> one row, not protected
        _row("idle", "A", findings=["not_protected"]),
        _row("idle", "B", findings=["not_protected"]),
        # old: stopped in A, protected in B -> B's row
        _row("old", "A", "ProtectionStopped", findings=["protection_stopped"]),
        _row("old", "B", "Protected", current="Default", current_type="V1", findings=["backup_stale"]),
        # report: on the enhanced policy Enh in A, which expects the standard Std -> refused
        _row("report", "A", "Protected", policy="Std", current="Enh", current_type="V2", findings=["policy_mismatch"]),
        # batch: standard -> standard, an ordinary mismatch
        _row("batch", "A", "Protected", policy="Std", current="Other", current_type="V1", findings=["policy_mismatch"]),
    ],
}


def test_each_vm_once_under_the_vault_that_protects_it():
    report = audit_report(AUDIT, [_info("A", [("Std", "standard"), ("Enh", "enhanced")], ["soft_delete_off"]), _info("B", [])])
    rows = dict((r["label"], r) for r in report["vms"])
    assert [r["label"] for r in report["vms"]] == ["rg/batch", "rg/idle", "rg/old", "rg/report", "rg/web"]
    assert rows["rg/web"]["vault"] == "B" and rows["rg/web"]["findings"] == []
    assert rows["rg/web"]["seen_by"] == [{"vault": "B", "vault_resource_group": "BRG", "state": "protected"},
                                         {"vault": "A", "vault_resource_group": "ARG", "state": "not_protected"}]
    assert rows["rg/idle"]["vault"] == "A"
    assert rows["rg/idle"]["findings"] == [{"code": "not_protected", "detail": "the vaults A, B see the VM, none protects it"}]
    assert rows["rg/old"]["vault"] == "B" and [f["code"] for f in rows["rg/old"]["findings"]] == ["backup_stale"]
    assert report["counts"] == {"total": 5, "ok": 1, "attention": 4, "protected": 4, "vaults_failed": 0}
    assert report["finding_counts"]["not_protected"] == 1 and report["finding_counts"]["protection_stopped"] == 0
    assert [(v["vault"], v["vms"], v["protects"]) for v in report["vaults"]] == [("A", 5, 2), ("B", 3, 2)]
    assert report["vault_findings"] == {"ARG/A": [{"code": "soft_delete_off", "severity": "high", "message": "soft_delete_off"}], "BRG/B": []}
    assert report["vault_finding_codes"] == ["soft_delete_off"] and "rows" not in report


def test_enhanced_to_standard_is_named_as_refused():
    report = audit_report(AUDIT, [_info("A", [("Std", "standard"), ("Enh", "enhanced")])])
    rows = dict((r["label"], r) for r in report["vms"])
    codes = [f["code"] for f in rows["rg/report"]["findings"]]
    assert codes == ["policy_mismatch", "policy_change_refused"]
    assert "stop its protection and protect it again" in rows["rg/report"]["findings"][1]["detail"]
    assert [f["code"] for f in rows["rg/batch"]["findings"]] == ["policy_mismatch"]
    assert report["finding_counts"]["policy_change_refused"] == 1 and report["finding_counts"]["policy_mismatch"] == 2


def test_expected_enhanced_or_unknown_type_is_not_refused():
    enhanced = audit_report(AUDIT, [_info("A", [("Std", "enhanced")])])
    unread = audit_report(AUDIT, [])          # the vault's policies could not be read: nothing is claimed
    for report in (enhanced, unread):
        assert report["finding_counts"]["policy_change_refused"] == 0


def test_pending_write_in_another_vault_stays_a_finding():
    rows = [_row("web", "A", "ProtectionStopped", findings=["operation_pending", "protection_stopped"]),
            _row("web", "B", "Protected", current="Default", current_type="V1")]
    report = audit_report(dict(AUDIT, rows=rows), [])
    [row] = report["vms"]
    assert row["vault"] == "B" and [f["code"] for f in row["findings"]] == ["operation_pending"]
    assert row["findings"][0]["detail"] == "in vault ARG/A: operation_pending detail"
