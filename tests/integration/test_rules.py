"""Protection by rule across two subscriptions (vm_onboarding entry point "rules", playbooks/onboard_rules.yml)
and the posture report of playbooks/audit.yml in rule mode, against the emulator. The journal shows what
was written: exactly the VMs the rules select, nothing else; bad rules are refused before any write."""
import json
import re

import pytest

from support.emulator import writes as _writes
from support.playbook import run_playbook

SUB2 = "aaaaaaaa-0000-4000-8000-0000000000b2"
SUB3 = "aaaaaaaa-0000-4000-8000-0000000000b3"   # no vault protects here; a subscription nobody put in scope


def _last_seq(emulator):
    entries = emulator.journal()
    return entries[-1]["seq"] if entries else 0


def _protected_puts(entries):
    return sorted((e["path"].split("/")[2], re.split(r"(?i);|%3B", e["path"])[-1].lower()) for e in entries if e["method"] == "PUT")


@pytest.fixture
def estate(emulator):
    emulator.reset()
    emulator.config(lro_seconds=0.3, refresh_seconds=0.3, backup_op_seconds=0.2, job_seconds=1, retry_after=0)
    emulator.seed({
        "subscriptions": [SUB2, SUB3],
        "vms": [{"name": "web1", "resource_group": "webRG", "location": "westus", "tags": {"backup": "gold"}},
                {"name": "idleVM", "resource_group": "webRG", "location": "westus", "tags": {"backup": "gold"}},
                {"name": "scratch", "resource_group": "webRG", "location": "westus", "tags": {"backup": "gold"}},
                {"name": "tmp1", "resource_group": "webRG", "location": "westus", "tags": {"backup": "gold"}},
                {"name": "paused", "resource_group": "webRG", "location": "westus", "tags": {"backup": "gold"}},
                {"name": "reportVM", "resource_group": "webRG", "location": "westus"},
                {"name": "db2", "resource_group": "dataRG", "location": "westus", "subscription_id": SUB2, "tags": {"backup": "gold"}},
                {"name": "db3", "resource_group": "dataRG", "location": "westus", "subscription_id": SUB2, "tags": {"backup": "gold"}},
                {"name": "other", "resource_group": "dataRG", "location": "westus", "subscription_id": SUB2},
                {"name": "gone", "resource_group": "dataRG", "location": "westus", "subscription_id": SUB2},
                {"name": "east2", "resource_group": "eastRG2", "location": "eastus", "subscription_id": SUB2, "tags": {"backup": "silver"}}],
        "vaults": [{"name": "vault2", "resource_group": "vaultRG2", "location": "westus", "subscription_id": SUB2, "soft_delete": True,
                    "policies": [{"name": "DefaultPolicy"}, {"name": "EnhancedPolicy", "policy_type": "V2"}]},
                   {"name": "east2", "resource_group": "vaultRG2", "location": "eastus", "subscription_id": SUB2,
                    "policies": [{"name": "DefaultPolicy"}]}],
        "protected_items": [
            {"vault": "testVault", "vm": "testRG/testVM", "policy": "DefaultPolicy"},
            # idleVM: stopped in testVault and protected in otherVault (the demo's "seen by two vaults")
            {"vault": "otherVault", "vm": "webRG/idleVM", "policy": "DefaultPolicy"},
            {"vault": "testVault", "vm": "webRG/idleVM", "state": "ProtectionStopped"},
            {"vault": "vault2", "vm": "dataRG/db3", "policy": "DefaultPolicy"},           # the rule wants EnhancedPolicy
            {"vault": "vault2", "vm": "dataRG/gone", "state": "SoftDeleted"},
            {"vault": "testVault", "vm": "webRG/paused", "state": "ProtectionStopped"},                 # the rule resumes it
            {"vault": "testVault", "vm": "webRG/reportVM", "policy": "EnhancedPolicy"},    # enhanced (V2): never back to standard
            {"vault": "testVault", "vm": "testRG/vm02", "policy": "DefaultPolicy", "last_backup_status": "Failed"},
            {"vault": "vault2", "vm": "dataRG/other", "policy": "DefaultPolicy", "last_backup_time": "2020-01-01T00:00:00Z",
             "recovery_points": 0},
        ],
    })
    return emulator


RULES = [
    {"name": "gold", "tags": {"backup": "gold"}, "exclude_names": ["tmp*"], "exclude": ["webRG/scratch"], "policy": "EnhancedPolicy",
     "subscriptions": ["00000000-0000-0000-0000-000000000000", SUB2],
     "vaults": [{"name": "testVault", "resource_group": "testVaultRG", "location": "westus"},
                {"name": "vault2", "resource_group": "vaultRG2", "subscription_id": SUB2}]},
]


def _vars(tmp_path, rules=None, **extra):
    values = {"vm_onboarding_rules": rules or RULES,
              "vm_onboarding_subscriptions": ["00000000-0000-0000-0000-000000000000", SUB2],
              "vm_onboarding_report_json": str(tmp_path / "fleet.json"),
              "vm_onboarding_report_markdown": str(tmp_path / "fleet.md"),
              "vm_onboarding_report_html": str(tmp_path / "fleet.html")}
    values.update(extra)
    return values


def _report(tmp_path):
    with open(str(tmp_path / "fleet.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_rules_check_run_again(estate, ansible_env, tmp_path):
    # check mode: what would change, nothing written
    mark = _last_seq(estate)
    done = run_playbook(ansible_env, "playbooks/onboard_rules.yml", _vars(tmp_path), args=["--check"])
    assert done.returncode == 0, done.stdout[-4000:]
    assert _writes(estate.journal(since=mark)) == []
    report = _report(tmp_path)
    rows = dict((r["label"], r) for r in report["rows"])
    assert report["check_mode"] is True
    assert rows["webRG/web1"]["outcome"] == "would_change" and rows["webRG/web1"]["action"] == "enable"
    assert rows["dataRG/db2"]["action"] == "enable" and rows["dataRG/db3"]["action"] == "update"
    assert "wrong_policy" in rows["dataRG/db3"]["findings"]
    # idleVM is protected by otherVault: a wrong-vault finding, one row although two vaults see it
    assert [r["label"] for r in report["rows"]].count("webRG/idleVM") == 1
    assert "wrong_vault" in rows["webRG/idleVM"]["findings"] and rows["webRG/idleVM"]["action"] == "none"
    for excluded in ("webRG/scratch", "webRG/tmp1", "testRG/vm01", "dataRG/other"):
        assert rows[excluded]["action"] == "none" and "unmatched" in rows[excluded]["findings"], excluded
    # east2 is tagged silver: no rule; no vault of the rule in eastus is needed
    assert rows["eastRG2/east2"]["rules"] == []

    # real run: exactly web1 (testVault), db2 (enable) and db3 (policy) in vault2 are written
    mark = _last_seq(estate)
    done = run_playbook(ansible_env, "playbooks/onboard_rules.yml", _vars(tmp_path))
    assert done.returncode == 0, done.stdout[-4000:]
    entries = estate.journal(since=mark)
    assert _protected_puts(entries) == sorted([("00000000-0000-0000-0000-000000000000", "web1"), ("00000000-0000-0000-0000-000000000000", "paused"),
                                               (SUB2, "db2"), (SUB2, "db3")])
    assert all(e["path"].split("/")[2] in ("00000000-0000-0000-0000-000000000000", SUB2) for e in _writes(entries))
    state = estate.admin("GET", "state")
    items = dict((v["name"], dict((i["vm"], i) for i in v["items"])) for v in state["vaults"])
    assert items["testVault"]["webRG/web1"]["policy"] == "EnhancedPolicy"
    assert items["vault2"]["dataRG/db2"]["policy"] == "EnhancedPolicy" and items["vault2"]["dataRG/db3"]["policy"] == "EnhancedPolicy"
    assert "webRG/scratch" not in items["testVault"] and "webRG/tmp1" not in items["testVault"]
    report = _report(tmp_path)
    assert report["counts"]["changed"] == 4 and report["counts"]["failed"] == 0
    assert items["testVault"]["webRG/paused"]["state"] in ("Protected", "IRPending")

    # again: nothing to change, nothing written
    mark = _last_seq(estate)
    done = run_playbook(ansible_env, "playbooks/onboard_rules.yml", _vars(tmp_path))
    assert done.returncode == 0, done.stdout[-4000:]
    assert _writes(estate.journal(since=mark)) == []
    assert _report(tmp_path)["counts"]["to_change"] == 0


@pytest.mark.parametrize("rules, message", [
    ([dict(RULES[0], vaults=[{"name": "testVault", "resource_group": "testVaultRG", "location": "eastus"},
                             {"name": "vault2", "resource_group": "vaultRG2"}])], "vault testVault is in westus, not in eastus"),
    ([dict(RULES[0], policy="NoSuchPolicy")], "backup policy 'NoSuchPolicy' does not exist in vault"),
    ([dict(RULES[0], subscriptions=["bbbbbbbb-0000-4000-8000-000000000009"])], "SubscriptionNotFound"),
    ([dict(RULES[0], tags="backup=gold")], "must be a dictionary"),
    # a selected VM in eastus with no eastus vault of the rule
    ([dict(RULES[0], tags={"backup": ["gold", "silver"]})], "no vault for VM eastRG2/east2"),
])
def test_bad_rules_refused_before_any_write(estate, ansible_env, tmp_path, rules, message):
    mark = _last_seq(estate)
    done = run_playbook(ansible_env, "playbooks/onboard_rules.yml", _vars(tmp_path, rules=rules))
    assert done.returncode != 0
    assert message in done.stdout, done.stdout[-4000:]
    assert _writes(estate.journal(since=mark)) == []


def test_rule_matching_nothing_warns(estate, ansible_env, tmp_path):
    rules = RULES + [{"name": "nothing", "names": ["zzz-*"], "policy": "DefaultPolicy",
                      "vaults": [{"name": "testVault", "resource_group": "testVaultRG"}]}]
    done = run_playbook(ansible_env, "playbooks/onboard_rules.yml", _vars(tmp_path, rules=rules), args=["--check"])
    assert done.returncode == 0, done.stdout[-4000:]
    assert "rule nothing matches no VM" in done.stdout


def test_audit_posture_report(estate, ansible_env, tmp_path):
    mark = _last_seq(estate)
    done = run_playbook(ansible_env, "playbooks/audit.yml", _vars(tmp_path, vm_onboarding_purge_warning_days=30))
    assert done.returncode == 0, done.stdout[-4000:]
    entries = estate.journal(since=mark)
    assert _writes(entries) == []
    # reads: one VM list and one vault list per subscription, one item list per vault of a region with VMs
    lists = [e["path"] for e in entries if e["method"] == "GET" and e["path"].endswith("/backupProtectedItems")]
    assert len(lists) == len(set(lists)) == 4
    report = _report(tmp_path)
    rows = dict((r["label"], r) for r in report["rows"])
    assert len(report["rows"]) == len(rows) == report["counts"]["vms"]   # one row per VM
    assert rows["webRG/web1"]["findings"] == ["unprotected"]
    assert rows["dataRG/db3"]["findings"] == ["wrong_policy"]
    assert rows["webRG/idleVM"]["findings"] == ["wrong_vault"]
    assert rows["dataRG/other"]["findings"] == ["stale", "unmatched"]
    assert rows["webRG/paused"]["findings"] == ["stopped"] and rows["webRG/paused"]["action"] == "resume"
    assert rows["testRG/vm02"]["findings"] == ["failed", "unmatched"]
    gone = rows["dataRG/gone"]
    assert gone["findings"][:2] == ["soft_deleted", "purge_soon"] and gone["purge_time"] and gone["backup_vault"] == "vault2"
    assert rows["testRG/vm01"]["findings"] == ["unmatched"]
    totals = report["totals"]
    assert totals["unprotected"] == 2 and totals["wrong_policy"] == 1 and totals["wrong_vault"] == 1 and totals["soft_deleted"] == 1
    assert report["by_subscription"][SUB2]["vault2"]["vms"] == 4
    # vault-level findings from the vault lists: otherVault has soft delete off
    vaults = dict((v["name"], v) for v in report["vaults"])
    assert "soft_delete_disabled" in vaults["otherVault"]["findings"] and "soft_delete_disabled" not in vaults["testVault"]["findings"]
    markdown = (tmp_path / "fleet.md").read_text()
    assert "purge " + gone["purge_time"] in markdown and "no recent backup" in markdown and "in another vault" in markdown
    assert "vault otherVault (00000000-0000-0000-0000-000000000000, westus): soft delete is off" in markdown
    html = (tmp_path / "fleet.html").read_text()
    assert "<table>" in html and "dataRG/gone" in html


# reportVM is on testVault's enhanced (V2) EnhancedPolicy; this rule wants the standard (V1) DefaultPolicy, a move Azure refuses
LEGACY = {"name": "legacy", "resource_groups": ["webRG"], "names": ["reportVM"], "policy": "DefaultPolicy",
          "vaults": [{"name": "testVault", "resource_group": "testVaultRG"}]}


def test_enhanced_to_standard_is_a_finding_in_check_mode_and_in_a_real_run(estate, ansible_env, tmp_path):
    refused = "Azure does not move a VM from an enhanced (V2) to a standard (V1) policy"
    for args in (["--check"], []):
        mark = _last_seq(estate)
        done = run_playbook(ansible_env, "playbooks/onboard_rules.yml", _vars(tmp_path, rules=RULES + [LEGACY]), args=args)
        assert done.returncode == 0, done.stdout[-4000:]
        report = _report(tmp_path)
        row = [r for r in report["rows"] if r["label"] == "webRG/reportVM"][0]
        # not "would update": a finding, not counted as a change, never sent to the batch
        assert row["action"] == "none" and row["outcome"] == "not_touched", row
        assert row["findings"] == ["wrong_policy", "policy_change_refused"] and refused in row["message"]
        assert report["totals"]["policy_change_refused"] == 1
        assert report["counts"]["failed"] == 0 and report["counts"]["to_change"] == 4
        assert "reportVM" not in str([e["path"] for e in _writes(estate.journal(since=mark))])
        table = [line for line in (tmp_path / "fleet.md").read_text().splitlines() if "webRG/reportVM" in line][0]
        assert "not touched" in table and "policy change refused by Azure" in table and "would change" not in table
    # the real run protected the others (one fleet, not aborted by reportVM) and left reportVM as it was
    items = dict((v["name"], dict((i["vm"], i) for i in v["items"])) for v in estate.admin("GET", "state")["vaults"])
    assert items["testVault"]["webRG/reportVM"]["policy"] == "EnhancedPolicy"
    assert items["testVault"]["webRG/web1"]["policy"] == "EnhancedPolicy" and report["counts"]["changed"] == 4
