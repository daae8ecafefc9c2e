# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AzureBackupModule and the shared argument specs, through a real AnsibleModule."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient, ArmError, ArmMissingLibrary
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import (
    AzureBackupModule,
    backup_argument_spec,
    vm_argument_spec,
    vm_selection_kwargs,
    wait_argument_spec,
)

VAULT = {"vault_name": "v1", "vault_resource_group": "rg"}
SUB = "00000000-0000-0000-0000-000000000001"
AZURE_ENV = ("AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLIENT_SECRET", "AZURE_TENANT", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID",
             "AZURE_PROFILE", "AZURE_CLOUD_ENVIRONMENT", "REQUESTS_CA_BUNDLE", "AZURE_RECOVERY_TOKEN_CACHE", "ANSIBLE_AZURE_AUTH_SOURCE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in AZURE_ENV:
        monkeypatch.delenv(name, raising=False)
    # AnsibleModule keeps warnings in a process-global registry: start each test empty.
    from ansible.module_utils.common import warnings as module_warnings
    monkeypatch.setattr(module_warnings, "_global_warnings", {})


def _warnings(result):
    """Warning texts (ansible-core 2.19 returns WarningSummary dicts, older ones strings)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def _run(capsys, args, action, spec=None, **kwargs):
    """Build the module with ``args``, call ``action(module)``, return the JSON result."""
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module = AzureBackupModule(spec or backup_argument_spec(), **kwargs)
            action(module)
    return json.loads(capsys.readouterr().out)


def test_argument_spec_requires_vault(capsys):
    result = _run(capsys, {}, lambda m: m.exit())
    assert result["failed"] and "vault_name" in result["msg"] and "vault_resource_group" in result["msg"]


def test_argument_spec_env_fallbacks_and_precedence(capsys, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_ID", "env-app")
    monkeypatch.setenv("AZURE_SECRET", "env-secret")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "other-secret")
    monkeypatch.setenv("AZURE_TENANT_ID", "tenant-id")
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "env-sub")
    params = {}

    def action(module):
        params.update(module.params)
        module.exit()
    _run(capsys, dict(VAULT, subscription_id="opt-sub"), action)
    assert (params["client_id"], params["secret"], params["tenant"], params["subscription_id"]) == ("env-app", "env-secret", "tenant-id", "opt-sub")
    assert (params["auth_source"], params["validate_certs"], params["request_timeout"], params["max_retries"], params["token_cache"]) == \
        ("auto", True, 30.0, 8, True)


def test_argument_spec_token_cache_env_zero_disables(capsys, monkeypatch):
    monkeypatch.setenv("AZURE_RECOVERY_TOKEN_CACHE", "0")
    params = {}
    _run(capsys, VAULT, lambda m: params.update(m.params) or m.exit())
    assert params["token_cache"] is False


def test_argument_spec_secrets_are_no_log(capsys):
    spec = backup_argument_spec()
    assert spec["secret"]["no_log"] and spec["password"]["no_log"]
    result = _run(capsys, dict(VAULT, secret="hunter2-secret"), lambda m: m.fail("echo hunter2-secret"))
    assert "hunter2-secret" not in json.dumps(result)


def test_vm_selection_rules(capsys):
    spec = backup_argument_spec(**vm_argument_spec())
    both = _run(capsys, dict(VAULT, vm_id="/x", vm_name="a", vm_resource_group="rg"), lambda m: m.exit(), spec=spec, **vm_selection_kwargs())
    assert both["failed"] and "mutually exclusive" in both["msg"]
    lonely = _run(capsys, dict(VAULT, vm_name="a"), lambda m: m.exit(), spec=spec, **vm_selection_kwargs())
    assert lonely["failed"] and "required together" in lonely["msg"]
    none = _run(capsys, VAULT, lambda m: m.exit(), spec=spec, **vm_selection_kwargs())
    assert none["failed"] and "one of the following is required" in none["msg"]
    optional = _run(capsys, VAULT, lambda m: m.exit(), spec=spec, **vm_selection_kwargs(required=False))
    assert not optional.get("failed")


def test_wait_argument_spec_defaults():
    assert wait_argument_spec() == {"wait": {"type": "bool", "default": True}, "wait_timeout": {"type": "int", "default": 1800}}
    assert wait_argument_spec(default_timeout=60, default_wait=False)["wait"]["default"] is False


def test_fail_arm_error_is_one_line_with_error_fields(capsys):
    error = ArmError("enabling protection of VM vm1", "policy missing", status=400, code="BMSUserErrorNeedsPolicy", request_id="r-1")
    result = _run(capsys, VAULT, lambda m: m.fail(error))
    assert result["msg"] == "enabling protection of VM vm1 failed: BMSUserErrorNeedsPolicy: policy missing (HTTP 400, x-ms-request-id r-1)"
    assert result["error"] == {"code": "BMSUserErrorNeedsPolicy", "status": 400, "request_id": "r-1"}
    assert "exception" not in result and result["changed"] is False


def test_fail_unexpected_exception_has_traceback_outside_msg(capsys, monkeypatch):
    try:  # ansible-core 2.19 returns a traceback only when the controller asked for one
        from ansible.module_utils._internal import _traceback
        monkeypatch.setattr(_traceback, "_module_tracebacks_enabled_events", frozenset(_traceback.TracebackEvent))
    except ImportError:
        pass

    def action(module):
        try:
            {}["missing"]
        except KeyError as exc:
            module.fail(exc)
    result = _run(capsys, VAULT, action)
    assert result["msg"] == "unexpected error: KeyError: 'missing'"
    assert "Traceback" in result["exception"] and "Traceback" not in result["msg"]


def test_fail_missing_library_uses_missing_required_lib(capsys):
    result = _run(capsys, VAULT, lambda m: m.fail(ArmMissingLibrary("getting a token", "azure-identity", "tb")))
    assert "Failed to import the required Python library (azure-identity)" in result["msg"]


def test_client_is_lazy_and_built_from_params(capsys):
    seen = {}

    def action(module):
        seen["before"] = module._client
        seen["client"] = module.client
        module.exit()
    _run(capsys, dict(VAULT, subscription_id=SUB, client_id="a", secret="b", tenant="t"), action)
    assert seen["before"] is None and isinstance(seen["client"], ArmClient) and seen["client"].subscription_id == SUB


def test_exit_reports_retries_and_warns_once(capsys):
    def action(module):
        client = module.client
        client.retries.extend(["GET /a: HTTP 429, waited 2.0s (retry 1 of 8)", "GET /a: HTTP 503, waited 1.0s (retry 2 of 8)"])
        client.no_log_values.add("tok-secret-value")
        module.exit(changed=True, token_echo="tok-secret-value")
    result = _run(capsys, dict(VAULT, subscription_id="s", client_id="a", secret="b", tenant="t"), action)
    assert result["retries"] == ["GET /a: HTTP 429, waited 2.0s (retry 1 of 8)", "GET /a: HTTP 503, waited 1.0s (retry 2 of 8)"]
    assert _warnings(result) == ["2 request(s) were throttled or retried; see 'retries' in the result"]
    assert "tok-secret-value" not in json.dumps(result)


def test_run_exits_with_the_result_of_the_work(capsys):
    result = _run(capsys, VAULT, lambda m: m.run(lambda: {"changed": True, "job_id": "j-1"}))
    assert result["changed"] is True and result["job_id"] == "j-1" and "failed" not in result


def _raise(exc):
    raise exc


@pytest.mark.parametrize("exc, msg", [
    (ArmError("reading the vault", "no such vault", status=404, code="ResourceNotFound", request_id="r-9"),
     "reading the vault failed: ResourceNotFound: no such vault (HTTP 404, x-ms-request-id r-9)"),
    (ValueError("retain_until 2020-01-01 is in the past"), "retain_until 2020-01-01 is in the past"),
])
def test_run_turns_arm_and_input_errors_into_one_line(capsys, exc, msg):
    result = _run(capsys, VAULT, lambda m: m.run(lambda: _raise(exc)))
    assert result["failed"] is True and result["msg"] == msg and "exception" not in result


def test_exit_without_retries_has_no_retries_key(capsys):
    result = _run(capsys, VAULT, lambda m: m.exit(changed=False))
    assert "retries" not in result and "warnings" not in result


def test_validate_certs_false_warns_through_module(capsys):
    result = _run(capsys, dict(VAULT, subscription_id="s", client_id="a", secret="b", tenant="t", validate_certs=False), lambda m: m.client and m.exit())
    assert any("validate_certs is false" in warning for warning in _warnings(result))


@pytest.mark.parametrize("args,message", [
    (dict(wait_timeout=-1), "wait_timeout must be at least 1 (seconds), not -1"),
    (dict(wait_timeout=0), "wait_timeout must be at least 1"),
    (dict(request_timeout=0), "request_timeout must be more than 0"),
    (dict(request_timeout=-2.5), "request_timeout must be more than 0"),
    (dict(max_retries=-1), "max_retries must be 0 or more"),
])
def test_out_of_range_numbers_are_refused_before_any_request(capsys, args, message):
    spec = backup_argument_spec(**wait_argument_spec())
    result = _run(capsys, dict(VAULT, **args), lambda m: m.exit(), spec=spec)
    assert result["failed"] is True and message in result["msg"]
    assert result["changed"] is False


def test_in_range_numbers_pass(capsys):
    spec = backup_argument_spec(**wait_argument_spec())
    result = _run(capsys, dict(VAULT, wait_timeout=1, request_timeout=0.5, max_retries=0), lambda m: m.exit(), spec=spec)
    assert not result.get("failed")


@pytest.mark.parametrize("args,message", [
    (dict(request_timeout=float("inf")), "request_timeout must be more than 0 (seconds), not inf"),
    (dict(request_timeout=float("nan")), "request_timeout must be more than 0 (seconds), not nan"),
    (dict(request_timeout=1e300), "request_timeout must be at most 3600 (seconds)"),
    (dict(request_timeout="inf"), "request_timeout must be more than 0 (seconds), not inf"),
])
def test_request_timeout_must_be_finite(capsys, args, message):
    spec = backup_argument_spec(**wait_argument_spec())
    result = _run(capsys, dict(VAULT, **args), lambda m: pytest.fail("work must not start"), spec=spec)
    assert result["failed"] is True and message in result["msg"]


def _bool_spec():
    """Options of the shapes the modules have: int and float options, a list of ints, a batch's entries."""
    return backup_argument_spec(
        retain_days=dict(type="int"),
        include_disk_luns=dict(type="list", elements="int"),
        vms=dict(type="list", elements="dict", options=dict(name=dict(type="str"), exclude_disk_luns=dict(type="list", elements="int"))),
        **wait_argument_spec())


@pytest.mark.parametrize("args, named", [
    (dict(retain_days=True), "retain_days (true)"),
    (dict(wait_timeout=True), "wait_timeout (true)"),
    (dict(request_timeout=False), "request_timeout (false)"),
    (dict(max_retries=True), "max_retries (true)"),
    (dict(include_disk_luns=[0, True]), "include_disk_luns[1] (true)"),
    (dict(vms=[{"name": "a"}, {"name": "b", "exclude_disk_luns": [True]}]), "vms[1].exclude_disk_luns[0] (true)"),
])
def test_a_yaml_boolean_where_a_number_is_expected_is_refused_before_any_call(capsys, args, named):
    result = _run(capsys, dict(VAULT, **args), lambda m: pytest.fail("work must not start"), spec=_bool_spec())
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "a number is expected, not a YAML boolean (yes/no/true/false), for %s" % named


def test_numbers_and_number_strings_are_not_taken_for_booleans(capsys):
    args = dict(VAULT, retain_days=1, wait_timeout="30", include_disk_luns=[0, 1], vms=[{"name": "a", "exclude_disk_luns": [2]}])
    result = _run(capsys, args, lambda m: m.exit(retain_days=m.params["retain_days"]), spec=_bool_spec())
    assert not result.get("failed") and result["retain_days"] == 1


def test_run_adds_what_a_failure_knows_to_the_failed_result(capsys):
    class JobFailedLike(ValueError):
        def __init__(self, message, result):
            super(JobFailedLike, self).__init__(message)
            self.result = result
    failure = JobFailedLike("backup job j-1 failed: UserErrorVmNotFound", {"changed": True, "job_id": "j-1", "msg": "not this one"})
    result = _run(capsys, VAULT, lambda m: m.run(lambda: _raise(failure)))
    assert result["failed"] is True and result["msg"] == "backup job j-1 failed: UserErrorVmNotFound"
    assert result["changed"] is True and result["job_id"] == "j-1"


def test_the_task_deadline_is_wait_timeout(capsys, monkeypatch):
    seen = {}

    def action(module):
        seen["deadline"] = module.client.deadline
        module.exit()
    spec = backup_argument_spec(**wait_argument_spec())
    _run(capsys, dict(VAULT, subscription_id=SUB, client_id="a", secret="b", tenant="t", wait_timeout=42), action, spec=spec)
    assert seen["deadline"].seconds == 42 and seen["deadline"].name == "wait_timeout" and not seen["deadline"].expired()
