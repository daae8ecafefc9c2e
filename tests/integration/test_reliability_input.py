"""Issue 6, bad input: refused before any write, with a message that says what is wrong.

Every case runs the real module against the emulator (one ansible-playbook for the batch) and is
judged on its result and on the emulator's journal: no write at all, and for a malformed name or
ID, no request at all (a name that could address another resource never reaches a URL).
"""
import datetime

import pytest

from test_reliability import SUB, Case, batch, protected, run_cases, vm_id

OTHER_SUB = "99999999-9999-9999-9999-999999999999"
VM = {"vm_name": "testVM", "vm_resource_group": "testRG"}
ENABLE = dict(VM, policy="DefaultPolicy")
PROTECTED = {"protected_items": [protected()]}
NOW = datetime.datetime.now(datetime.timezone.utc)

# Values that must never reach a URL: path separators, query and fragment markers, parent
# references, encoded separators, spaces, control characters, and over-long names.
BAD_NAMES = [
    ("slash", "test/VM"),
    ("question-mark", "testVM?api-version=2016-12-01"),
    ("hash", "testVM#x"),
    ("dot-dot", ".."),
    ("dot-dot-path", "../otherVault"),
    ("encoded-slash", "test%2FVM"),
    ("space", "test VM"),
    ("control-char", "test\u0007VM"),
    ("newline", "testVM\nx"),
    ("tab", "test\tVM"),
]


def _pick(*labels):
    return [(label, value) for label, value in BAD_NAMES if label in labels]


def _name_cases():
    cases = []
    for label, value in BAD_NAMES + [("too-long", "v" * 65)]:
        cases.append((Case("vm-name-%s" % label, "azure_vm_protection", dict(ENABLE, vm_name=value)), True))
    for label, value in BAD_NAMES + [("too-long", "V" * 51)]:
        cases.append((Case("vault-name-%s" % label, "azure_vm_protection", dict(ENABLE, vault_name=value, vault_resource_group="testVaultRG"),
                           vault_defaults=False), True))
    for label, value in _pick("slash", "dot-dot", "encoded-slash", "space", "control-char") + [("too-long", "g" * 91)]:
        cases.append((Case("vm-resource-group-%s" % label, "azure_vm_protection", dict(ENABLE, vm_resource_group=value)), True))
    for label, value in _pick("slash", "dot-dot-path", "question-mark") + [("too-long", "g" * 91)]:
        cases.append((Case("vault-resource-group-%s" % label, "azure_vm_backup_now", dict(VM, vault_name="testVault", vault_resource_group=value),
                           vault_defaults=False, seed=PROTECTED), True))
    for label, value in _pick("slash", "question-mark", "hash", "dot-dot", "encoded-slash", "control-char") + [
            ("too-long", "P" * 151), ("leading-space", " DefaultPolicy")]:
        cases.append((Case("policy-%s" % label, "azure_vm_protection", dict(ENABLE, policy=value)), True))
    # A space inside a policy name is allowed by design (quoted as %20, it stays one path segment):
    # such a policy does not exist, which one read proves before any write.
    cases.append((Case("policy-space", "azure_vm_protection", dict(ENABLE, policy="test VM")), False))
    return cases


def _vm_id_cases():
    base = vm_id("testVM")
    return [
        (Case("vm-id-not-an-id", "azure_vm_protection", dict(vm_id="testVM", policy="DefaultPolicy")), True),
        (Case("vm-id-other-provider", "azure_vm_protection",
              dict(vm_id="/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Storage/storageAccounts/testVM" % SUB,
                   policy="DefaultPolicy")), True),
        (Case("vm-id-extra-segment", "azure_vm_protection", dict(vm_id=base + "/extensions/x", policy="DefaultPolicy")), True),
        (Case("vm-id-dot-dot", "azure_vm_protection", dict(vm_id=base.replace("/testRG/", "/testRG/../otherRG/"), policy="DefaultPolicy")), True),
        (Case("vm-id-encoded-slash", "azure_vm_protection", dict(vm_id=base.replace("testVM", "test%2FVM"), policy="DefaultPolicy")), True),
        (Case("vm-id-query", "azure_vm_protection", dict(vm_id=base + "?api-version=1", policy="DefaultPolicy")), True),
        (Case("vm-id-subscription-not-guid", "azure_vm_protection", dict(vm_id=base.replace(SUB, "my-sub"), policy="DefaultPolicy")), True),
        (Case("vm-id-other-subscription", "azure_vm_protection", dict(vm_id=base.replace(SUB, OTHER_SUB), policy="DefaultPolicy")), True),
        (Case("vm-id-other-subscription-stop", "azure_vm_protection", dict(vm_id=base.replace(SUB, OTHER_SUB), state="stopped"),
              seed=PROTECTED), True),
        (Case("vm-id-other-subscription-backup", "azure_vm_backup_now", dict(vm_id=base.replace(SUB, OTHER_SUB)), seed=PROTECTED), True),
        (Case("vm-id-with-vm-name", "azure_vm_protection", dict(vm_id=base, vm_name="testVM", policy="DefaultPolicy")), True),
        (Case("vm-name-without-group", "azure_vm_protection", dict(vm_name="testVM", policy="DefaultPolicy")), True),
        (Case("no-vm", "azure_vm_protection", dict(policy="DefaultPolicy")), True),
        (Case("refresh-vm-other-subscription", "azure_backup_refresh", dict(vms=[base.replace(SUB, OTHER_SUB)])), True),
        (Case("refresh-vm-bad-entry", "azure_backup_refresh", dict(vms=["testRG/../x"])), True),
        (Case("refresh-vm-bad-dict", "azure_backup_refresh", dict(vms=[{"name": "a/b", "resource_group": "testRG"}])), True),
    ]


def _unknown_cases():
    """Well-formed but unknown: reads may be needed to find out, writes never."""
    return [
        (Case("unknown-vault", "azure_vm_protection", dict(ENABLE, vault_name="noSuchVault", vault_resource_group="testVaultRG"),
              vault_defaults=False), False),
        (Case("unknown-vault-resource-group", "azure_vm_protection", dict(ENABLE, vault_name="testVault", vault_resource_group="noSuchRG"),
              vault_defaults=False), False),
        (Case("unknown-vault-stop", "azure_vm_protection", dict(VM, state="absent", vault_name="noSuchVault", vault_resource_group="testVaultRG"),
              vault_defaults=False), False),
        (Case("unknown-policy", "azure_vm_protection", dict(ENABLE, policy="NoSuchPolicy")), False),
        (Case("policy-of-another-workload", "azure_vm_protection", dict(ENABLE, policy="FileSharePolicy")), False),
        (Case("policy-id-of-another-vault", "azure_vm_protection", dict(
            ENABLE, policy="/subscriptions/%s/resourceGroups/otherVaultRG/providers/Microsoft.RecoveryServices/vaults/otherVault/"
                           "backupPolicies/DefaultPolicy" % SUB)), False),
        (Case("unknown-vm", "azure_vm_protection", dict(ENABLE, vm_name="noSuchVM")), False),
        (Case("unknown-vm-resource-group", "azure_vm_protection", dict(ENABLE, vm_resource_group="noSuchRG")), False),
        (Case("unknown-vm-backup", "azure_vm_backup_now", dict(VM, vm_name="noSuchVM")), False),
        (Case("unknown-job", "azure_backup_job_info", dict(job_id="00000000-1111-2222-3333-444444444444")), False),
        (Case("empty-policy", "azure_vm_protection", dict(ENABLE, policy=""), seed=PROTECTED), False),
        (Case("blank-policy", "azure_vm_protection", dict(ENABLE, policy="   "), seed=PROTECTED), False),
        (Case("null-policy", "azure_vm_protection", dict(VM, policy=None), seed=PROTECTED), False),
        (Case("mistyped-policy-protected-vm", "azure_vm_protection", dict(ENABLE, policy="DefaultPolicyy"), seed=PROTECTED), False),
    ]


def _date_and_type_cases():
    beyond = (NOW + datetime.timedelta(days=10000)).strftime("%Y-%m-%d")
    return [
        (Case("retain-until-past", "azure_vm_backup_now", dict(VM, retain_until="2020-01-01"), seed=PROTECTED), False),
        (Case("retain-until-now", "azure_vm_backup_now", dict(VM, retain_until=NOW.strftime("%Y-%m-%dT%H:%M:%SZ")), seed=PROTECTED), False),
        (Case("retain-until-beyond-limit", "azure_vm_backup_now", dict(VM, retain_until=beyond), seed=PROTECTED), False),
        (Case("retain-until-year-9999", "azure_vm_backup_now", dict(VM, retain_until="9999-12-31T23:59:59Z"), seed=PROTECTED), False),
        (Case("retain-until-unparseable", "azure_vm_backup_now", dict(VM, retain_until="next tuesday"), seed=PROTECTED), False),
        (Case("retain-until-invalid-date", "azure_vm_backup_now", dict(VM, retain_until="2031-02-30"), seed=PROTECTED), False),
        (Case("retain-until-not-utc", "azure_vm_backup_now", dict(VM, retain_until="2031-01-01T00:00:00+02:00"), seed=PROTECTED), False),
        (Case("retain-until-us-format", "azure_vm_backup_now", dict(VM, retain_until="01/02/2031"), seed=PROTECTED), False),
        (Case("retain-days-zero", "azure_vm_backup_now", dict(VM, retain_days=0), seed=PROTECTED), False),
        (Case("retain-days-negative", "azure_vm_backup_now", dict(VM, retain_days=-5), seed=PROTECTED), False),
        (Case("retain-days-beyond-limit", "azure_vm_backup_now", dict(VM, retain_days=100000), seed=PROTECTED), False),
        (Case("retain-days-and-until", "azure_vm_backup_now", dict(VM, retain_days=5, retain_until="2031-01-01"), seed=PROTECTED), False),
        (Case("retain-days-not-a-number", "azure_vm_backup_now", dict(VM, retain_days="a week"), seed=PROTECTED), False),
        (Case("older-than-unparseable", "azure_vm_backup_now", dict(VM, if_last_backup_older_than="a while"), seed=PROTECTED), False),
        (Case("older-than-zero", "azure_vm_backup_now", dict(VM, if_last_backup_older_than="0h"), seed=PROTECTED), False),
        (Case("job-start-time-unparseable", "azure_backup_job_info", dict(start_time="yesterday")), False),
        (Case("job-end-time-not-utc", "azure_backup_job_info", dict(start_time="2024-01-01", end_time="2024-02-01T00:00:00-05:00")), False),
        (Case("job-id-path", "azure_backup_job_info", dict(job_id="../backupPolicies/DefaultPolicy")), True),
        (Case("job-status-unknown", "azure_backup_job_info", dict(status="Done")), True),
        (Case("state-unknown", "azure_vm_protection", dict(ENABLE, state="deleted"), seed=PROTECTED), True),
        (Case("disk-lun-not-int", "azure_vm_protection", dict(ENABLE, include_disk_luns=["first"])), True),
        (Case("disk-lun-out-of-range", "azure_vm_protection", dict(ENABLE, include_disk_luns=[64])), True),
        (Case("disk-lun-negative", "azure_vm_protection", dict(ENABLE, exclude_disk_luns=[-1])), True),
        (Case("disk-include-and-exclude", "azure_vm_protection", dict(ENABLE, include_disk_luns=[0], exclude_disk_luns=[1])), True),
        (Case("disk-include-empty", "azure_vm_protection", dict(ENABLE, include_disk_luns=[])), True),
        (Case("wait-timeout-not-int", "azure_vm_protection", dict(ENABLE, wait_timeout="soon")), True),
        (Case("wait-timeout-negative", "azure_vm_protection", dict(ENABLE, wait_timeout=-1)), True),
        (Case("request-timeout-not-number", "azure_vm_protection_info", dict(VM, request_timeout="fast")), True),
        (Case("policy-not-string", "azure_vm_protection", dict(VM, policy={"name": "DefaultPolicy"})), False),
        (Case("vm-name-list", "azure_vm_protection", dict(ENABLE, vm_name=["testVM", "vm01"])), True),
        (Case("undelete-not-bool", "azure_vm_protection", dict(ENABLE, undelete="perhaps")), True),
        (Case("unknown-option", "azure_vm_protection", dict(ENABLE, polcy="DefaultPolicy")), True),
        (Case("vms-not-list-of-vms", "azure_backup_refresh", dict(vms=[42])), True),
        (Case("info-resource-group-slash", "azure_vm_protection_info", dict(vm_resource_group="testRG/..")), True),
        (Case("info-policy-dot-dot", "azure_vm_protection_info", dict(policy="..")), True),
        (Case("cloud-environment-http", "azure_vm_protection_info", dict(VM, cloud_environment="http://127.0.0.1:1")), True),
    ]


def all_cases():
    return _name_cases() + _vm_id_cases() + _unknown_cases() + _date_and_type_cases()


BATCHES = 2


def check_refused(case, no_requests):
    assert case.failed, case.describe()
    msg = case.msg
    assert msg and "\n" not in msg.strip(), case.describe()
    assert "Traceback" not in msg and "unexpected error" not in msg, case.describe()
    assert not case.writes, "a write was sent for bad input:\n" + case.describe()
    if no_requests:
        assert not case.arm, "a malformed value reached the service:\n" + case.describe()


@pytest.mark.parametrize("part", range(BATCHES))
def test_bad_input_is_refused_before_any_write(part, emulator, ansible_env, tmp_path, subtests):
    entries = batch(all_cases(), part, BATCHES)
    run_cases(emulator, ansible_env, tmp_path, [entry[0] for entry in entries], name="input")
    for case, no_requests in entries:
        with subtests.test(msg=case.id):
            check_refused(case, no_requests)


def test_messages_say_what_is_wrong(emulator, ansible_env, tmp_path, subtests):
    """A few refusals, read closely: the message names the bad value and what was expected."""
    cases = [
        (Case("msg-vm-other-subscription", "azure_vm_protection", dict(vm_id=vm_id("testVM", subscription=OTHER_SUB), policy="DefaultPolicy")),
         [OTHER_SUB, SUB]),
        (Case("msg-empty-policy", "azure_vm_protection", dict(ENABLE, policy=""), seed=PROTECTED), ["policy", "empty"]),
        (Case("msg-unknown-policy", "azure_vm_protection", dict(ENABLE, policy="NoSuchPolicy"), seed=PROTECTED), ["NoSuchPolicy", "DefaultPolicy"]),
        (Case("msg-retain-until-past", "azure_vm_backup_now", dict(VM, retain_until="2020-01-01"), seed=PROTECTED), ["2020-01-01", "future"]),
        (Case("msg-not-utc", "azure_vm_backup_now", dict(VM, retain_until="2031-01-01T00:00:00+02:00"), seed=PROTECTED), ["UTC"]),
        (Case("msg-vault-dot-dot", "azure_vm_protection", dict(ENABLE, vault_name="..", vault_resource_group="testVaultRG"),
              vault_defaults=False), ["vault"]),
    ]
    run_cases(emulator, ansible_env, tmp_path, [case for case, _words in cases], name="messages")
    for case, words in cases:
        with subtests.test(msg=case.id):
            check_refused(case, False)
            for word in words:
                assert word.lower() in case.msg.lower(), "%r not in %r" % (word, case.msg)
