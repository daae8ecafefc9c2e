"""Issue 6, faults: every module survives what Azure does under load, or fails with one clear line.

The real modules run through ansible-playbook against the emulator over HTTPS. To keep the suite
fast, many cases share one ansible-playbook process: before each case a controller-side lookup
(tests/integration/playbooks/lookup_plugins/emulator_admin.py) resets the emulator and sets its
config, seed and fault rules, and returns the journal position; a callback
(tests/integration/playbooks/callback_plugins/reliability_record.py) records each task's result.
Each case is then judged on its own result and on the journal entries it caused.

This file also holds the helpers the other test_reliability_*.py files import.
"""
import calendar
import email.utils
import json
import os
import re
import time

import pytest

from support.emulator import writes
from support.playbook import run_playbook

PLAYBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks")
FQCN = "azure_recovery.backup."
# Fast emulator timings for every case (reset restores the defaults; each case sets these again).
FAST = {"lro_seconds": 0.3, "retry_after": 0, "job_seconds": 1, "refresh_seconds": 0.3, "backup_op_seconds": 0.3}
VAULT = {"vault_name": "testVault", "vault_resource_group": "testVaultRG"}
SUB = "00000000-0000-0000-0000-000000000000"
ITEM_RE = r"protectedItems/VM(;|%3B)iaasvmcontainerv2(;|%3B)testrg(;|%3B){0}$"
REQUEST_ID_RE = re.compile(r"x-ms-request-id [0-9a-fA-F-]{36}")
CLIENT_REQUEST_ID_RE = re.compile(r"x-ms-client-request-id [0-9a-fA-F-]{36}")


def vm_id(name, group="testRG", subscription=SUB):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s" % (subscription, group, name)


def item_path(vm="testvm"):
    """A fault path regex for the protected item of testRG/<vm> (the item itself, not its sub-resources)."""
    return ITEM_RE.format(vm)


def protected(vm="testVM", group="testRG", policy="DefaultPolicy", state="Protected", **extra):
    item = {"vault": "testVault", "vault_resource_group": "testVaultRG", "vm": "%s/%s" % (group, vm), "policy": policy,
            "state": state, "recovery_points": 1, "last_backup_time": "2024-04-22T07:00:31Z"}
    item.update(extra)
    return item


def trust_emulator(emulator):
    """The harness session trusts the emulator's CA, but a REQUESTS_CA_BUNDLE in the environment
    (CI images set one) overrides Session.verify: ignore the environment for admin calls."""
    emulator.admin_session.trust_env = False


class Case:
    """One module task with the emulator state it starts from."""

    def __init__(self, case_id, module, args=None, check_mode=False, faults=None, config=None, seed=None, vault_defaults=True,
                 task_extra=None, before=None, before_async=False, check=None, capture_state=False):
        self.id = case_id
        self.module = module
        self.args = dict(args or {})
        self.check_mode = check_mode
        self.faults = faults or []
        self.config = dict(FAST, **(config or {}))
        self.seed = seed
        self.vault_defaults = vault_defaults
        self.task_extra = task_extra or {}
        self.before = before or []          # [(module, args)]: tasks run after the setup, before the case
        self.before_async = before_async    # run them with async/poll 0 (in the background)
        self.check = check                  # extra assertions: check(case)
        self.before_results = []
        self.elapsed = None
        self.capture_state = capture_state  # read the emulator's state (GET /_emulator/state) after the case
        self.state = None
        # filled in by run_cases
        self.status = None
        self.result = None
        self.journal = []

    # ---------------------------------------------------------------- what happened
    @property
    def failed(self):
        return self.status == "failed"

    @property
    def msg(self):
        return str((self.result or {}).get("msg", ""))

    @property
    def arm(self):
        return [e for e in self.journal if re.match(r"(?i)^/subscriptions/", e["path"])]

    @property
    def writes(self):
        """Requests that could change something (the emulator's journal kind)."""
        return writes(self.arm)

    @property
    def acted_writes(self):
        """Writes the service acted on: answered 2xx (even if the client had given up), or dropped after acting."""
        return [e for e in self.writes if 200 <= e["status"] < 300 or e.get("dropped") == "after"]

    @property
    def fault_hits(self):
        return [e for e in self.journal if e.get("fault") or e.get("dropped") or e["duration_ms"] >= 1500]

    def item(self, vm="testVM", vault="testVault"):
        """The protected item of ``vm`` in the captured state, or None."""
        for entry in self.state["vaults"]:
            if entry["name"] == vault:
                for item in entry["items"]:
                    if item["vm"].split("/")[1].lower() == vm.lower():
                        return item
        return None

    def requests(self, method, pattern):
        return [e for e in self.arm if e["method"] == method and re.search(pattern, e["path"])]

    def token_requests(self):
        return [e for e in self.journal if e["method"] == "POST" and re.search(r"/oauth2/(v2\.0/)?token$", e["path"])]

    def describe(self):
        return "case %s: status=%s msg=%r\nresult=%s\njournal=%s" % (
            self.id, self.status, self.msg, json.dumps(self.result, default=str)[:3000],
            json.dumps([(e["method"], e["path"][-70:], e["status"], e.get("fault"), e.get("dropped")) for e in self.journal], default=str)[:4000])


class Run:
    """The outcome of one ansible-playbook process."""

    def __init__(self, process, cases):
        self.process = process
        self.stdout = process.stdout
        self.cases = dict((case.id, case) for case in cases)

    def __getitem__(self, case_id):
        return self.cases[case_id]


def _admin_steps(case):
    steps = [{"method": "POST", "name": "reset"}, {"method": "POST", "name": "config", "body": case.config}]
    if case.seed:
        steps.append({"method": "POST", "name": "seed", "body": case.seed})
    if case.faults:
        steps.append({"method": "POST", "name": "faults", "body": {"rules": case.faults}})
    return steps


def _task(module, args, case_id, vault_defaults=True, check_mode=False, extra=None):
    task = {"name": case_id, FQCN + module: dict(VAULT, **args) if vault_defaults else dict(args), "ignore_errors": True}
    if check_mode:
        task["check_mode"] = True
    task.update(extra or {})
    return task


def run_cases(emulator, ansible_env, tmp_path, cases, verbosity=0, extra_env=None, timeout=600, name="cases"):
    """Run ``cases`` in one ansible-playbook process; fill each case's status, result and journal.

    A case's journal is every request that started between its setup and the next case's setup
    (journal entries carry their start time; a delayed request is logged when it ends)."""
    trust_emulator(emulator)
    journal_start = max([e["seq"] for e in emulator.journal(0)[-1:]] or [0])
    admin = {"admin": emulator.admin_url, "ca_file": emulator.ca_file}
    mark = "{{ query('emulator_admin', steps, admin=admin, ca_file=ca_file) | first }}"
    state = "{{ query('emulator_admin', steps, admin=admin, ca_file=ca_file) | last }}"
    tasks = []
    for index, case in enumerate(cases):
        tasks.append({"name": "mark %d" % index, "ansible.builtin.set_fact": {"reliability_mark": mark},
                      "vars": dict(admin, steps=_admin_steps(case))})
        for number, (module, args) in enumerate(case.before):
            tasks.append(_task(module, args, "%s before %d" % (case.id, number), extra={"async": 60, "poll": 0}
                               if case.before_async else None))
        if case.before_async:
            # let the background task reach the service first
            tasks.append({"name": "%s settle" % case.id, "ansible.builtin.pause": {"seconds": 1.5}})
        tasks.append(_task(case.module, case.args, case.id, case.vault_defaults, case.check_mode, case.task_extra))
        if case.capture_state:
            tasks.append({"name": "%s state" % case.id, "ansible.builtin.set_fact": {"reliability_state": state},
                          "vars": dict(admin, steps=[{"method": "GET", "name": "state"}])})
    tasks.append({"name": "mark end", "ansible.builtin.set_fact": {"reliability_mark": mark}, "vars": dict(admin, steps=[])})
    playbook = tmp_path / ("%s.yml" % name)
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], indent=1))
    results_file = tmp_path / ("%s.results.jsonl" % name)
    if results_file.exists():
        results_file.unlink()
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = dict(ansible_env)
    env.update({
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(PLAYBOOKS, "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "reliability_record",
        "ANSIBLE_LOOKUP_PLUGINS": os.path.join(PLAYBOOKS, "lookup_plugins"),
        "RELIABILITY_RESULTS": str(results_file),
        # A private token cache per run: its files are where the tests find the tokens the modules used.
        "XDG_RUNTIME_DIR": str(runtime),
    })
    env.update(extra_env or {})
    args = ["-" + "v" * verbosity] if verbosity else []
    process = run_playbook(env, str(playbook), args=args, timeout=timeout)
    entries = []
    if results_file.exists():
        entries = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
    by_task = dict((entry["task"], entry) for entry in entries)
    marks = []
    for index in range(len(cases)):
        entry = by_task.get("mark %d" % index)
        assert entry is not None and entry["status"] == "ok", "the setup of case %s did not run:\n%s" % (cases[index].id, process.stdout[-6000:])
        marks.append(float(entry["result"]["ansible_facts"]["reliability_mark"]))
    end = by_task.get("mark end")
    assert end is not None, "the playbook did not finish:\n%s" % process.stdout[-6000:]
    marks.append(float(end["result"]["ansible_facts"]["reliability_mark"]))
    # a delayed request is journalled when its delay is over
    delays = [float(rule.get("delay") or 0) for case in cases[-2:] for rule in case.faults]
    if delays and max(delays):
        time.sleep(max(delays))
    journal = emulator.journal(journal_start)
    for index, case in enumerate(cases):
        entry = by_task.get(case.id)
        assert entry is not None, "case %s did not run:\n%s" % (case.id, process.stdout[-6000:])
        case.status = entry["status"]
        case.result = entry["result"]
        case.before_results = [by_task.get("%s before %d" % (case.id, number)) for number in range(len(case.before))]
        case.journal = [e for e in journal if marks[index] <= ts(e) < marks[index + 1]]
        case.elapsed = marks[index + 1] - marks[index]
        if case.capture_state:
            captured = by_task.get("%s state" % case.id)
            case.state = captured["result"]["ansible_facts"]["reliability_state"] if captured else None
    if os.environ.get("RELIABILITY_TIMINGS"):
        print("\n".join("%6.1fs %s" % (case.elapsed, case.id) for case in cases))
    return Run(process, cases)


# ------------------------------------------------------------------------- assertions

def assert_clear_failure(case, *words, **kw):
    """Failed with ONE line naming the operation (``words``), the error code and the request id;
    never a traceback or a raw HTML page as the message."""
    code = kw.get("code")
    request_id = kw.get("request_id", True)
    assert case.failed, case.describe()
    msg = case.msg
    assert msg and "\n" not in msg, case.describe()
    assert "Traceback" not in msg and "File \"" not in msg, case.describe()
    assert "<html" not in msg.lower() and "<body" not in msg.lower(), case.describe()
    assert "unexpected error" not in msg, case.describe()
    for word in words:
        assert word.lower() in msg.lower(), "%r not in the message\n%s" % (word, case.describe())
    if code:
        assert code in msg, "code %s not in the message\n%s" % (code, case.describe())
        assert (case.result.get("error") or {}).get("code") == code, case.describe()
    if request_id == "client":
        # no answer came back: the id this client sent names the request
        assert CLIENT_REQUEST_ID_RE.search(msg), "no x-ms-client-request-id in the message\n%s" % case.describe()
    elif request_id:
        assert REQUEST_ID_RE.search(msg), "no x-ms-request-id in the message\n%s" % case.describe()
        assert (case.result.get("error") or {}).get("request_id"), case.describe()


def assert_ok(case):
    assert case.status == "ok", case.describe()


HTTP_DATE_IN_5S = "{{ '%a, %d %b %Y %H:%M:%S GMT' | strftime(second=(now(utc=true).timestamp() | int) + 5, utc=true) }}"


def ts(entry):
    """A journal entry's time (``2024-04-22T07:00:31.1234560Z``) as epoch seconds."""
    main, _dot, frac = entry["time"].rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


# ------------------------------------------------------------------------- fault cases

ENABLE = {"vm_name": "testVM", "vm_resource_group": "testRG", "policy": "DefaultPolicy"}
INFO = {"vm_name": "testVM", "vm_resource_group": "testRG"}
BACKUP = {"vm_name": "testVM", "vm_resource_group": "testRG"}
OP_STATUS = r"/operationsStatus/"
LIST = r"/backupProtectedItems$"
PROTECTED = {"protected_items": [protected()]}
THROTTLED = {"error": {"code": "SubscriptionRequestsThrottled", "message": "Number of read requests for subscription exceeded."}}
LOCKED = {"error": {"code": "BMSUserErrorObjectLocked", "message": "Another operation is in progress on the selected item."}}
# 5xx without Retry-After (backoff with jitter) is proved on reads; writes and polls get Retry-After: 0 to keep the suite fast
RETRY_NOW = {"Retry-After": "0"}
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"


def rule(path, method=None, count=None, **kw):
    entry = dict(path=path, **kw)
    if method:
        entry["method"] = method
    if count is not None:
        entry["count"] = count
    return entry


def many_protected(count):
    """A vault with ``count`` protected VMs: more than one page (the service pages by 200)."""
    vms = [{"name": "pvm%03d" % n, "resource_group": "pageRG", "location": "westus"} for n in range(count)]
    return {"resource_groups": ["pageRG"], "vms": vms,
            "vaults": [{"name": "testVault", "resource_group": "testVaultRG", "discovered": ["pageRG/%s" % vm["name"] for vm in vms]}],
            "protected_items": [protected(vm["name"], "pageRG") for vm in vms]}


def gaps(entries):
    return [ts(b) - ts(a) for a, b in zip(entries, entries[1:])]


def _retry_after_honoured(minimum):
    def check(case):
        listed = case.requests("GET", LIST)
        assert len(listed) == len([e for e in listed if e.get("fault")]) + 1, case.describe()
        assert min(gaps(listed)) >= minimum, "Retry-After not honoured: %s\n%s" % (gaps(listed), case.describe())
    return check


def _retry_after_date_honoured(case):
    """The retry came no earlier than the HTTP-date the 429 named (read back from the emulator's rules)."""
    _retry_after_honoured(0.0)(case)
    date = case.state["faults"][0]["headers"]["Retry-After"]
    retry_at = email.utils.parsedate_to_datetime(date).timestamp()
    listed = case.requests("GET", LIST)
    # never retried before the date (under heavy load the date may already have passed at the first request)
    assert retry_at <= ts(listed[-1]) + 0.05, "retried at %.2f, Retry-After %s (%.2f)\n%s" % (
        ts(listed[-1]), date, retry_at, case.describe())


def _one_token_refresh(case):
    polls = case.requests("GET", OP_STATUS)
    unauthorized = [e for e in polls if e["status"] == 401]
    assert len(unauthorized) == 1, case.describe()
    later_tokens = [e for e in case.token_requests() if e["seq"] > unauthorized[0]["seq"]]
    assert len(later_tokens) == 1, "expected exactly one fresh token after the 401\n" + case.describe()
    assert any("401" in line for line in case.result.get("retries", [])), case.describe()


def _one_refresh_few_polls(case):
    assert len(case.requests("POST", r"/refreshContainers$")) == 1, case.describe()
    polls = case.requests("GET", r"/backupFabrics/Azure/operations(Status|Results)/")
    # 3.5 s of refresh polled at ~1 s (Retry-After 1): a handful of polls, not a busy loop
    assert 3 <= len(polls) <= 8, case.describe()
    assert case.result["refreshed"] is True, case.describe()


def _one_backup_job(case):
    posts = [e for e in case.requests("POST", r"/backup$") if e in case.acted_writes]
    assert len(posts) == 1, "the backup request was sent again\n" + case.describe()
    assert case.result.get("job_id"), case.describe()
    assert case.result["changed"] is True, case.describe()
    # the job found is the one this request started (the job's activityId is the request's client id)
    jobs = case.requests("GET", r"/backupJobs/[0-9a-f-]{36}$")
    assert not jobs or case.result["job_id"] in jobs[-1]["path"], case.describe()


def _full_list(count):
    def check(case):
        assert len(case.result["protected_items"]) == count, case.describe()
        pages = case.requests("GET", LIST)
        assert any("skiptoken" in e["query"].lower() for e in pages), case.describe()
    return check


def _waited_out_conflict(case):
    puts = case.requests("PUT", item_path())
    assert [e["status"] for e in puts][-1] == 202 and 409 in [e["status"] for e in puts], case.describe()
    assert case.result["protected_item"]["policy_name"] == "EnhancedPolicy", case.describe()


def transient_cases():
    """Faults that go away: the module must succeed, with no duplicate write."""
    return [
        Case("429-retry-after-seconds", "azure_vm_protection_info", INFO,
             faults=[rule(LIST, "GET", 2, status=429, headers={"Retry-After": "1"}, body=THROTTLED)], check=_retry_after_honoured(0.9)),
        Case("429-retry-after-http-date", "azure_vm_protection_info", INFO, capture_state=True,
             faults=[rule(LIST, "GET", 1, status=429, headers={"Retry-After": HTTP_DATE_IN_5S}, body=THROTTLED)], check=_retry_after_date_honoured),
        Case("429-storm-on-write", "azure_vm_protection", ENABLE,
             faults=[rule(item_path(), "PUT", 3, status=429, headers={"Retry-After": "0"}, body=THROTTLED)]),
        Case("5xx-burst-read", "azure_vm_protection_info", INFO, faults=[rule(LIST, "GET", 1, status=s) for s in (500, 502, 503, 504)]),
        Case("5xx-burst-put", "azure_vm_protection", ENABLE, faults=[rule(item_path(), "PUT", 1, status=s, headers=RETRY_NOW) for s in (500, 502, 503, 504)]),
        Case("5xx-burst-delete", "azure_vm_protection", dict(INFO, state="absent"), seed=PROTECTED,
             faults=[rule(item_path(), "DELETE", 1, status=s, headers=RETRY_NOW) for s in (500, 502, 503, 504)]),
        Case("5xx-burst-poll", "azure_vm_protection", ENABLE, faults=[rule(OP_STATUS, "GET", 1, status=s, headers=RETRY_NOW) for s in (500, 502, 503, 504)]),
        Case("503-on-backup-trigger", "azure_vm_backup_now", BACKUP, seed=PROTECTED,
             faults=[rule(r"/backup$", "POST", 2, status=503, headers={"Retry-After": "0"})], check=_one_backup_job),
        Case("html-502-read", "azure_vm_protection_info", INFO,
             faults=[rule(LIST, "GET", 2, status=502, body=HTML_502, headers={"Content-Type": "text/html"})]),
        Case("drop-before-read", "azure_vm_protection_info", INFO, faults=[rule(LIST, "GET", 2, drop="before")]),
        Case("drop-after-read", "azure_vm_protection_info", INFO, faults=[rule(LIST, "GET", 1, drop="after")]),
        Case("drop-before-put", "azure_vm_protection", ENABLE, faults=[rule(item_path(), "PUT", 1, drop="before")]),
        Case("drop-after-put", "azure_vm_protection", ENABLE, faults=[rule(item_path(), "PUT", 1, drop="after")]),
        Case("drop-after-stop", "azure_vm_protection", dict(INFO, state="stopped"), seed=PROTECTED,
             faults=[rule(item_path(), "PUT", 1, drop="after")]),
        Case("drop-after-delete", "azure_vm_protection", dict(INFO, state="absent"), seed=PROTECTED,
             faults=[rule(item_path(), "DELETE", 1, drop="after")]),
        Case("drop-mid-poll", "azure_vm_protection", ENABLE,
             faults=[rule(OP_STATUS, "GET", 1, drop="before"), rule(r"/operationResults/", "GET", 1, drop="after")]),
        Case("slow-read", "azure_vm_protection_info", dict(INFO, request_timeout=1), faults=[rule(LIST, "GET", 1, delay=2.5)]),
        Case("slow-put", "azure_vm_protection", dict(ENABLE, request_timeout=1), faults=[rule(item_path(), "PUT", 1, delay=2.5)]),
        Case("slow-poll", "azure_vm_protection", dict(ENABLE, request_timeout=1), faults=[rule(OP_STATUS, "GET", 1, delay=2.5)]),
        Case("409-locked-put", "azure_vm_protection", ENABLE, faults=[rule(item_path(), "PUT", 2, status=409, body=LOCKED)]),
        Case("409-another-operation-running", "azure_vm_protection", dict(ENABLE, policy="EnhancedPolicy"), seed=PROTECTED,
             config={"backup_op_seconds": 4}, before=[("azure_vm_backup_now", dict(BACKUP, wait=False))], before_async=True,
             check=_waited_out_conflict),
        Case("401-during-poll", "azure_vm_protection", ENABLE,
             faults=[rule(OP_STATUS, "GET", 1, status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                          body={"error": {"code": "ExpiredAuthenticationToken",
                                          "message": "The access token expiry UTC time is earlier than current UTC time."}})],
             check=_one_token_refresh),
        Case("next-link-page-5xx", "azure_vm_protection_info", {}, seed=many_protected(230),
             faults=[rule(LIST, "GET", 1, delay=0.01), rule(LIST, "GET", 2, status=500)], check=_full_list(230)),
        Case("slow-refresh", "azure_backup_refresh", {}, config={"refresh_seconds": 3.5, "retry_after": 1}, check=_one_refresh_few_polls),
        Case("lost-backup-response", "azure_vm_backup_now", BACKUP, seed=PROTECTED,
             faults=[rule(r"/backup$", "POST", 1, drop="after")], check=_one_backup_job),
        Case("backup-response-slower-than-timeout", "azure_vm_backup_now", dict(BACKUP, request_timeout=1), seed=PROTECTED,
             faults=[rule(r"/backup$", "POST", 1, delay=2.5)], check=_one_backup_job),
    ]


def batch(cases, index, of):
    """Every ``of``-th case from ``index``: batches of about equal length, one ansible-playbook each,
    that pytest-xdist spreads over its workers."""
    return cases[index::of]


def assert_no_repeated_write(case):
    acted = {}
    for entry in case.acted_writes:
        key = (entry["method"], entry["path"].lower())
        acted[key] = acted.get(key, 0) + 1
    assert all(count == 1 for count in acted.values()), "a write was repeated: %s\n%s" % (acted, case.describe())


def check_transient(case):
    assert_ok(case)
    if case.faults:
        assert case.fault_hits, "the fault was not hit:\n" + case.describe()
    assert_no_repeated_write(case)
    if any(e.get("fault") for e in case.arm):
        # retried requests are reported as data, with one warning
        assert case.result.get("retries"), case.describe()
        assert len([w for w in case.result.get("warnings", []) if "retried" in w]) == 1, case.describe()
    if case.check:
        case.check(case)


TRANSIENT_BATCHES = 3


@pytest.mark.parametrize("part", range(TRANSIENT_BATCHES))
def test_transient_faults_are_survived(part, emulator, ansible_env, tmp_path, subtests):
    cases = batch(transient_cases(), part, TRANSIENT_BATCHES)
    run_cases(emulator, ansible_env, tmp_path, cases, name="transient")
    for case in cases:
        with subtests.test(msg=case.id):
            check_transient(case)


# ------------------------------------------------------------------------- faults that stay

def _no_write(case):
    assert not case.acted_writes, "a write was made:\n" + case.describe()


def _lro_failed(code, message):
    def check(case):
        assert message in case.msg, case.describe()
        assert len(case.requests("PUT", item_path())) == 1, case.describe()
    return check


def _quick(seconds):
    def check(case):
        took = ts(case.journal[-1]) - ts(case.journal[0]) if case.journal else 0
        assert took < seconds, "took %.1fs\n%s" % (took, case.describe())
    return check


def _no_backup_job(case):
    assert len(case.requests("POST", r"/backup$")) == 1, "the backup request was sent again\n" + case.describe()


def persistent_cases():
    """Faults that stay: (case, words the one-line message must contain, the ARM code or None, request id expected)."""
    no_retry = {"max_retries": 2}
    return [
        (Case("429-storm-gives-up", "azure_vm_protection_info", dict(INFO, **no_retry),
              faults=[rule(LIST, "GET", status=429, headers={"Retry-After": "0"}, body=THROTTLED)]),
         ["listing protected VMs", "HTTP 429", "gave up after 2 retries"], "SubscriptionRequestsThrottled", True),
        (Case("429-retry-after-beyond-deadline", "azure_vm_protection_info", INFO,
              faults=[rule(LIST, "GET", status=429, headers={"Retry-After": "3600"}, body=THROTTLED)], check=_quick(5)),
         ["listing protected VMs", "HTTP 429", "retry deadline"], "SubscriptionRequestsThrottled", True),
        (Case("500-storm-on-put", "azure_vm_protection", dict(ENABLE, **no_retry),
              faults=[rule(item_path(), "PUT", status=500, body={"error": {"code": "InternalServerError", "message": "Encountered internal server error."}})],
              check=_no_write),
         ["protecting VM testRG/testVM", "HTTP 500"], "InternalServerError", True),
        (Case("lro-failed", "azure_vm_protection", ENABLE,
              faults=[rule(OP_STATUS, "GET", status=200, body={"id": "op", "name": "op", "status": "Failed", "error": {
                  "code": "UserErrorGuestAgentStatusUnavailable", "message": "VM Agent is unable to communicate with the Azure Backup Service."}})],
              check=_lro_failed("UserErrorGuestAgentStatusUnavailable", "VM Agent is unable to communicate")),
         ["protecting VM testRG/testVM"], "UserErrorGuestAgentStatusUnavailable", True),
        (Case("lro-canceled", "azure_vm_protection", dict(INFO, state="stopped"), seed=PROTECTED,
              faults=[rule(OP_STATUS, "GET", status=200, body={"id": "op", "name": "op", "status": "Canceled",
                                                               "error": {"code": "OperationCancelled", "message": "The operation was cancelled."}})]),
         ["stopping protection of VM testRG/testVM", "cancelled"], "OperationCancelled", True),
        (Case("lro-never-ends", "azure_vm_protection", dict(ENABLE, wait_timeout=3), config={"lro_seconds": 600},
              check=_quick(10)),
         ["protecting VM testRG/testVM", "did not finish within 3s", "InProgress"], "OperationTimeout", True),
        (Case("refresh-never-ends", "azure_backup_refresh", {"wait_timeout": 2}, config={"refresh_seconds": 600}, check=_quick(10)),
         ["refreshing", "did not finish within 2s"], "OperationTimeout", True),
        (Case("409-conflict-not-in-progress", "azure_vm_protection", ENABLE,
              faults=[rule(item_path(), "PUT", status=409, body={"error": {
                  "code": "BMSUserErrorConflictingProtectionOperation", "message": "The item is being deleted."}})],
              check=lambda case: len(case.requests("PUT", item_path())) == 1 or pytest.fail(case.describe())),
         ["protecting VM testRG/testVM", "HTTP 409"], "BMSUserErrorConflictingProtectionOperation", True),
        (Case("401-twice", "azure_vm_protection", ENABLE,
              faults=[rule(OP_STATUS, "GET", status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                           body={"error": {"code": "InvalidAuthenticationToken", "message": "The access token is invalid."}})],
              check=lambda case: len(case.requests("GET", OP_STATUS)) == 2 or pytest.fail(case.describe())),
         ["protecting VM testRG/testVM", "HTTP 401"], "InvalidAuthenticationToken", True),
        (Case("html-error-body", "azure_vm_protection_info", INFO,
              faults=[rule(LIST, "GET", status=403, body="<!DOCTYPE html><html><head><title>Access denied | proxy</title></head>"
                                                         "<body><h1>Access denied</h1><script>x()</script></body></html>",
                           headers={"Content-Type": "text/html"})]),
         ["listing protected VMs", "HTTP 403", "Access denied | proxy"], None, True),
        (Case("malformed-json-error-body", "azure_vm_protection_info", INFO,
              faults=[rule(LIST, "GET", status=400, body='{"error": {"code": "BadThing", "message": "trunc',
                           headers={"Content-Type": "application/json"})]),
         ["listing protected VMs", "HTTP 400", "non-JSON"], None, True),
        (Case("empty-error-body", "azure_vm_protection_info", INFO, faults=[rule(LIST, "GET", status=400)]),
         ["listing protected VMs", "HTTP 400", "empty response body"], None, True),
        (Case("malformed-json-success-body", "azure_vm_protection", ENABLE,
              faults=[rule(item_path(), "GET", status=200, body='{"id": "x", "properties": {', headers={"Content-Type": "application/json"})],
              check=_no_write),
         ["reading the protection of VM testRG/testVM", "not JSON"], None, True),
        (Case("next-link-page-fails", "azure_vm_protection_info", {}, seed=many_protected(230),
              faults=[rule(LIST, "GET", 1, delay=0.01), rule(LIST, "GET", status=400, body={"error": {"code": "BMSUserErrorInvalidInput",
                                                                                                      "message": "Invalid $skipToken."}})]),
         ["listing protected VMs", "HTTP 400"], "BMSUserErrorInvalidInput", True),
        (Case("connection-always-dropped", "azure_vm_protection_info", dict(INFO, **no_retry), faults=[rule(LIST, "GET", drop="before")]),
         ["listing protected VMs", "ConnectionFailed: RemoteDisconnected", "gave up after 2 retries"], "ConnectionFailed", "client"),
        (Case("always-slower-than-timeout", "azure_vm_protection_info", dict(INFO, request_timeout=0.5, max_retries=1),
              faults=[rule(LIST, "GET", delay=1.0)]),
         ["listing protected VMs", "timed out", "gave up after 1 retries"], "RequestTimeout", "client"),
        (Case("500-on-backup-trigger", "azure_vm_backup_now", BACKUP, seed=PROTECTED,
              faults=[rule(r"/backup$", "POST", status=500)], check=_no_backup_job),
         ["starting an on-demand backup of VM testRG/testVM", "not sent again", "HTTP 500"], "AmbiguousBackupRequest", True),
        # the task's one deadline bounds the retries of a status poll too (issue 11 item 3)
        (Case("status-503-retry-after-beyond-wait-timeout", "azure_vm_protection", dict(ENABLE, wait_timeout=5),
              faults=[rule(OP_STATUS, "GET", status=503, headers={"Retry-After": "20"})], check=_quick(8)),
         ["protecting VM testRG/testVM", "did not finish within 5s", "HTTP 503 (Retry-After 20)", "asked to wait 20s"], "OperationTimeout", True),
        # a status page that is not a status is an error at once, not polled until wait_timeout (item 4)
        (Case("status-page-html", "azure_vm_protection", ENABLE,
              faults=[rule(OP_STATUS, "GET", status=200, body="<html><title>Sign in</title></html>", headers={"Content-Type": "text/html"})],
              check=_quick(10)),
         ["protecting VM testRG/testVM", "operation status", "not JSON"], "UnexpectedResponse", True),
        (Case("status-page-empty-object", "azure_vm_protection", ENABLE, faults=[rule(OP_STATUS, "GET", status=200, body={})], check=_quick(10)),
         ["protecting VM testRG/testVM", "without a status"], "UnexpectedResponse", True),
        # a body of the wrong shape never leads to a write (item 5)
        (Case("item-body-null", "azure_vm_protection", ENABLE, seed=PROTECTED,
              faults=[rule(item_path(), "GET", status=200, body="null", headers={"Content-Type": "application/json"})], check=_no_write),
         ["reading the protection of VM testRG/testVM", "not a JSON object"], "UnexpectedResponse", True),
        (Case("item-body-list", "azure_vm_protection", ENABLE, seed=PROTECTED,
              faults=[rule(item_path(), "GET", status=200, body="[]", headers={"Content-Type": "application/json"})], check=_no_write),
         ["reading the protection of VM testRG/testVM", "not a JSON object"], "UnexpectedResponse", True),
        # the CA bundle and the proxy are named (items 6, 8)
        (Case("ca-bundle-missing", "azure_vm_protection_info", dict(INFO, ca_bundle="/nonexistent/ca.pem")),
         ["cannot load the CA bundle /nonexistent/ca.pem (from ca_bundle or REQUESTS_CA_BUNDLE)"], "ConnectionFailed", "client"),
        (Case("proxy-unreachable", "azure_vm_protection_info", INFO,
              task_extra={"environment": {"HTTPS_PROXY": "http://user:pr0xy-pw@127.0.0.1:9", "NO_PROXY": "", "no_proxy": ""}},
              check=lambda case: "pr0xy-pw" not in case.msg or pytest.fail(case.describe())),
         ["cannot reach the proxy 127.0.0.1:9", "gave up after 2 retries"], "ConnectionFailed", "client"),
    ]


PERSISTENT_BATCHES = 2


@pytest.mark.parametrize("part", range(PERSISTENT_BATCHES))
def test_persistent_faults_fail_in_one_line(part, emulator, ansible_env, tmp_path, subtests):
    entries = batch(persistent_cases(), part, PERSISTENT_BATCHES)
    run_cases(emulator, ansible_env, tmp_path, [entry[0] for entry in entries], name="persistent")
    for case, words, code, request_id in entries:
        with subtests.test(msg=case.id):
            assert_clear_failure(case, *words, code=code, request_id=request_id)
            assert_no_repeated_write(case)
            if case.check:
                case.check(case)
