"""Issue 6, bad input: refused before any write, with a message that says what is wrong.

Every case runs the real module against the emulator (one ansible-playbook for the batch) and is
judged on its result and on the emulator's journal: no write at all, and for a malformed name or
ID, no request at all (a name that could address another resource never reaches a URL).
"""
import datetime
from urllib.parse import unquote

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
        # a YAML boolean where a number is expected (AnsibleModule alone would take yes for 1)
        (Case("retain-days-yaml-bool", "azure_vm_backup_now", dict(VM, retain_days=True), seed=PROTECTED), True),
        (Case("wait-timeout-yaml-bool", "azure_vm_protection", dict(ENABLE, wait_timeout=True)), True),
        (Case("disk-lun-yaml-bool", "azure_vm_protection", dict(ENABLE, include_disk_luns=[True])), True),
        (Case("request-timeout-inf", "azure_vm_protection_info", dict(VM, request_timeout="inf")), True),
        (Case("request-timeout-nan", "azure_vm_protection_info", dict(VM, request_timeout="nan")), True),
        (Case("subscription-id-path", "azure_vm_protection_info", dict(VM, subscription_id="../../providers")), True),
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


# ------------------------------------------------------------------ control characters in every string option (issue 11, item 2)
# A YAML block scalar (vm_name: |) ends its value with a newline; `$` of re.match lets it through. Every string option
# refuses \n, \r, \t and NUL (at the end of a value that is right otherwise) before any request.
CONTROL_CHARS = [("newline", "\n"), ("cr", "\r"), ("tab", "\t"), ("nul", "\x00")]
VAULT_ARGS = {"vault_name": "testVault", "vault_resource_group": "testVaultRG"}


def _control_cases():
    base_id = vm_id("testVM")
    batch_vms = [{"name": "vm01", "resource_group": "testRG"}]
    options = [
        ("azure_vm_protection", ENABLE, "vm_name", "testVM"), ("azure_vm_protection", ENABLE, "vm_resource_group", "testRG"),
        ("azure_vm_protection", dict(policy="DefaultPolicy"), "vm_id", base_id), ("azure_vm_protection", ENABLE, "policy", "DefaultPolicy"),
        ("azure_vm_protection", dict(ENABLE, **VAULT_ARGS), "vault_name", "testVault"),
        ("azure_vm_protection", dict(ENABLE, **VAULT_ARGS), "vault_resource_group", "testVaultRG"),
        # state=absent on a protected VM: "not protected; nothing to do" was the answer to "testVM\n"
        ("azure_vm_protection", dict(VM, state="absent"), "vm_name", "testVM"),
        ("azure_vm_protection_info", {}, "vm_name", "testVM"), ("azure_vm_protection_info", {}, "vm_resource_group", "testRG"),
        ("azure_vm_protection_info", {}, "vm_id", base_id), ("azure_vm_protection_info", {}, "policy", "DefaultPolicy"),
        ("azure_vm_backup_now", VM, "vm_name", "testVM"), ("azure_vm_backup_now", VM, "retain_until", "2031-01-01"),
        ("azure_vm_backup_now", VM, "if_last_backup_older_than", "12h"),
        ("azure_backup_job_info", {}, "job_id", "00000000-1111-2222-3333-444444444444"), ("azure_backup_job_info", {}, "vm_name", "testVM"),
        ("azure_backup_job_info", {}, "start_time", "2024-01-01"),
        ("azure_backup_job_info", dict(start_time="2024-01-01"), "end_time", "2024-02-01"),
    ]
    cases = []
    for label, char in CONTROL_CHARS:
        for module, args, option, good in options:
            vault_defaults = option not in ("vault_name", "vault_resource_group")
            cases.append(Case("%s-%s-%s-%s" % (module.replace("azure_", ""), option, args.get("state", ""), label), module,
                              dict(args, **{option: good + char}), seed=PROTECTED, vault_defaults=vault_defaults))
        # lists: a LUN given as a string, a batch entry (the other VM must not be written), a refresh entry
        cases.append(Case("protection-lun-%s" % label, "azure_vm_protection", dict(ENABLE, include_disk_luns=["1" + char]), seed=PROTECTED))
        cases.append(Case("batch-entry-%s" % label, "azure_vm_protection_batch",
                          dict(policy="DefaultPolicy", vms=batch_vms + [{"name": "testVM" + char, "resource_group": "testRG"}]), seed=PROTECTED))
        cases.append(Case("batch-string-entry-%s" % label, "azure_vm_protection_batch",
                          dict(policy="DefaultPolicy", vms=batch_vms + [{"id": base_id + char}]), seed=PROTECTED))
        cases.append(Case("refresh-entry-%s" % label, "azure_backup_refresh", dict(vms=["testRG/testVM" + char])))
    return cases


@pytest.mark.parametrize("part", range(BATCHES))
def test_control_characters_are_refused_before_any_request(part, emulator, ansible_env, tmp_path, subtests):
    cases = batch(_control_cases(), part, BATCHES)
    run_cases(emulator, ansible_env, tmp_path, cases, name="control")
    for case in cases:
        with subtests.test(msg=case.id):
            check_refused(case, True)


def test_resource_group_names_azure_allows_are_accepted(emulator, ansible_env, tmp_path, subtests):
    """Issue 11, item 9: Unicode letters and digits are valid in resource-group names (Prödüktion); such a group
    reaches the service (quoted) and gets its answer, here 'not protected' / an empty list."""
    cases = [
        Case("unicode-resource-group-info", "azure_vm_protection_info", dict(vm_resource_group="Prödüktion")),
        Case("unicode-resource-group-stop", "azure_vm_protection", dict(vm_name="testVM", vm_resource_group="Prödüktion_(1)", state="stopped")),
    ]
    run_cases(emulator, ansible_env, tmp_path, cases, name="unicode")
    for case in cases:
        with subtests.test(msg=case.id):
            assert case.status == "ok" and case.result["changed"] is False, case.describe()
            assert case.arm and not case.writes, case.describe()


def test_limits_that_used_to_crash_are_one_line(emulator, ansible_env, tmp_path, subtests):
    """Issue 11, items 6 and 9: a duration too large for Python's timedelta, and the year 1 in a job filter."""
    cases = [
        (Case("older-than-huge", "azure_vm_backup_now", dict(VM, if_last_backup_older_than="99999999999w"), seed=PROTECTED), "longer than"),
        (Case("older-than-beyond-bound", "azure_vm_backup_now", dict(VM, if_last_backup_older_than="5300w"), seed=PROTECTED), "longer than"),
    ]
    run_cases(emulator, ansible_env, tmp_path, [case for case, _words in cases], name="limits")
    for case, words in cases:
        with subtests.test(msg=case.id):
            check_refused(case, True)
            assert words in case.msg, case.describe()
    year_one = Case("job-start-year-one", "azure_backup_job_info", dict(start_time="0001-01-01"))
    run_cases(emulator, ansible_env, tmp_path, [year_one], name="year-one")
    listed = [unquote(e["query"]) for e in year_one.arm if e["path"].endswith("/backupJobs")]
    # the filter is '0001-01-01 12:00:00 AM', never '1-01-01 ...' (which the service answers with 400)
    assert listed and "startTime eq '0001-01-01 12:00:00 AM'" in listed[0] and "'1-01-01" not in listed[0], year_one.describe()
