# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet_report filter: batch results joined to the scope's rows, outcomes, counts, the table cells."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.filter.fleet_report import fleet_report


def _row(name, action="none", findings=(), vault=None, desired="v1", policy=None, desired_policy="P", rules=("r",)):
    return {"vm_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/" + name, "vm_name": name,
            "label": "rg/" + name, "subscription_id": "s", "resource_group": "rg", "location": "westus", "backup_state": "unprotected",
            "backup_vault": vault, "desired_vault": desired, "backup_policy": policy, "desired_policy": desired_policy, "action": action,
            "findings": list(findings), "rules": list(rules), "note": None, "purge_time": None, "last_backup_time": None,
            "protection_state": None}


SCOPE = {
    "plan": [{"vault_name": "v1", "vms": [{"id": _row("a")["vm_id"]}, {"id": _row("b")["vm_id"]}]}],
    "rows": [_row("a", "enable", ["unprotected"]), _row("b", "update", ["wrong_policy"], vault="v1", policy="Old"),
             _row("c", findings=["conflict"]), _row("d", findings=["unmatched"], rules=()), _row("e", vault="v1", policy="P")],
    "totals": {"unprotected": 1, "wrong_policy": 1, "conflict": 1, "unmatched": 1}, "by_subscription": {}, "rules": [],
    "warnings_list": ["rule x matches no VM"],
}


def test_outcomes_after_a_run():
    batches = [{"results": [{"changed": True, "msg": "enabled"}, {"failed": True, "msg": "policy update failed: HTTP 400"}]}]
    report = fleet_report(SCOPE, batches=batches, check_mode=False)
    outcomes = dict((r["vm_name"], (r["outcome"], r["message"])) for r in report["rows"])
    assert outcomes["a"] == ("changed", "enabled")
    assert outcomes["b"] == ("failed", "policy update failed: HTTP 400")
    assert outcomes["c"][0] == "not_touched" and outcomes["d"][0] == "unchanged" and outcomes["e"][0] == "unchanged"
    assert report["counts"] == {"vms": 5, "matched": 4, "to_change": 2, "changed": 1, "failed": 1, "attention": 3, "unmatched": 1}
    assert report["changed"] is True and report["warnings"] == ["rule x matches no VM"]
    table = report["table"]
    assert table["header"][0] == "VM" and len(table["rows"]) == 5
    row_b = [r for r in table["rows"] if r[0] == "rg/b"][0]
    assert row_b[4] == "Old -> P" and "policy update failed" in row_b[-1]


def test_audit_only_batches_skipped():
    report = fleet_report(SCOPE, batches=[{"skipped": True}], check_mode=True)
    outcomes = dict((r["vm_name"], r["outcome"]) for r in report["rows"])
    assert outcomes["a"] == "would_change" and outcomes["b"] == "would_change"
    assert report["counts"]["failed"] == 0 and report["changed"] is False
    assert report["table"]["title"].endswith("check mode: nothing was written")


def test_refused_policy_change_is_not_touched_nor_counted_as_a_change():
    # _scope leaves an enhanced -> standard move out of the plan (action none) with the finding and a note
    refused = dict(_row("r", findings=["wrong_policy", "policy_change_refused"], vault="v1", policy="Enhanced"),
                   note="on the enhanced policy Enhanced, the rule wants the standard policy P: Azure does not move ...; not touched")
    scope = dict(SCOPE, rows=SCOPE["rows"] + [refused], totals=dict(SCOPE["totals"], policy_change_refused=1))
    for check_mode, batches in ((True, [{"skipped": True}]), (False, [{"results": [{"changed": True}, {"changed": True}]}])):
        report = fleet_report(scope, batches=batches, check_mode=check_mode)
        row = [r for r in report["rows"] if r["vm_name"] == "r"][0]
        assert (row["outcome"], row["message"]) == ("not_touched", refused["note"])
        assert report["counts"]["to_change"] == 2 and report["counts"]["attention"] == 4
        cells = [r for r in report["table"]["rows"] if r[0] == "rg/r"][0]
        assert cells[3] == "not touched" and cells[4] == "Enhanced -> P"
        assert cells[-1].startswith("on another policy; policy change refused by Azure; on the enhanced policy Enhanced")
        assert "policy change refused by Azure 1" in report["table"]["lines"][1]
