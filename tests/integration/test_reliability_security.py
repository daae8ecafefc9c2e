"""Issue 6, security: the token goes only to the Resource Manager host over https, secrets and
tokens never appear in any output, TLS verification is on by default.

Foreign hosts are real listeners in this process (one https with a certificate the modules
trust, one plain http) that record every request they get: the emulator's fault API makes the
service answer with an operation URL, a nextLink or a redirect pointing at them.
"""
import json
import marshal
import os
import ssl
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from test_reliability import (
    SUB,
    Case,
    assert_ok,
    item_path,
    protected,
    rule,
    run_cases,
    trust_emulator,
)

ENABLE = {"vm_name": "testVM", "vm_resource_group": "testRG", "policy": "DefaultPolicy"}
INFO = {"vm_name": "testVM", "vm_resource_group": "testRG"}
PROTECTED = {"protected_items": [protected()]}
LIST = r"/backupProtectedItems$"


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append({"method": self.command, "path": self.path, "authorization": self.headers.get("Authorization")})
        body = json.dumps({"status": "Succeeded", "value": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


def _listener(tls_files=None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    scheme = "http"
    if tls_files:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls_files)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = "%s://127.0.0.1:%d" % (scheme, server.server_address[1])
    return server


@pytest.fixture(scope="module")
def foreign(emulator):
    """An https listener with the emulator's own certificate (trusted by the modules: only the
    host/port pin can stop the token) and a plain http listener."""
    state_dir = os.path.dirname(emulator.ca_file)
    servers = {"https": _listener((os.path.join(state_dir, "server.pem"), os.path.join(state_dir, "server.key"))),
               "http": _listener()}
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


def _operation_path(vm="testvm"):
    return ("/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault/backupFabrics/Azure/"
            "protectionContainers/IaasVMContainer;iaasvmcontainerv2;testrg;%s/protectedItems/VM;iaasvmcontainerv2;testrg;%s/"
            "operationsStatus/0b7e2a52?api-version=2016-12-01" % (SUB, vm, vm))


def test_token_never_leaves_the_resource_manager_host(emulator, ansible_env, tmp_path, foreign, subtests):
    other_https, other_http = foreign["https"].url, foreign["http"].url
    own = emulator.endpoint
    port = own.rsplit(":", 1)[1]
    accepted = {"status": 202, "body": None}
    targets = [
        ("location-other-port", {"Location": other_https + _operation_path()}),
        ("async-operation-other-port", {"Azure-AsyncOperation": other_https + _operation_path()}),
        ("async-operation-http", {"Azure-AsyncOperation": other_http + _operation_path(), "Location": own + _operation_path()}),
        ("location-plain-http-same-host", {"Location": own.replace("https://", "http://") + _operation_path()}),
        ("location-other-host-name", {"Location": "https://localhost:%s%s" % (port, _operation_path())}),
        ("location-with-user-info", {"Location": own.replace("https://", "https://attacker@") + _operation_path()}),
    ]
    cases = [Case(name, "azure_vm_protection", ENABLE, faults=[rule(item_path(), "PUT", 1, headers=headers, **accepted)])
             for name, headers in targets]
    cases += [
        Case("next-link-other-port", "azure_vm_protection_info", INFO,
             faults=[rule(LIST, "GET", 1, status=200, body={"value": [], "nextLink": other_https + "/subscriptions/%s/x?$skipToken=1" % SUB})]),
        Case("next-link-http", "azure_vm_protection_info", INFO,
             faults=[rule(LIST, "GET", 1, status=200, body={"value": [], "nextLink": other_http + "/subscriptions/%s/x?$skipToken=1" % SUB})]),
        Case("redirect-other-port", "azure_vm_protection_info", INFO,
             faults=[rule(LIST, "GET", 1, status=307, headers={"Location": other_https + "/subscriptions/%s/x" % SUB})]),
        Case("backup-async-other-port", "azure_vm_backup_now", INFO, seed=PROTECTED,
             faults=[rule(r"/backup$", "POST", 1, headers={"Azure-AsyncOperation": other_https + _operation_path()}, **accepted)]),
    ]
    run_cases(emulator, ansible_env, tmp_path, cases, name="pinning")
    for case in cases:
        with subtests.test(msg=case.id):
            assert case.failed, case.describe()
            assert "\n" not in case.msg and "Traceback" not in case.msg, case.describe()
            if case.id.startswith("redirect"):
                assert "not followed" in case.msg, case.describe()
            else:
                assert "refusing to send the token" in case.msg and "UntrustedUrl" in case.msg, case.describe()
    for name, server in foreign.items():
        assert not [seen for seen in server.seen if seen["authorization"]], "%s listener got a token: %s" % (name, server.seen)
        assert not server.seen, "%s listener was contacted: %s" % (name, server.seen)


def _token(emulator):
    """A real access token from the emulator's token endpoint, as any client would get one."""
    info = emulator.info
    response = requests.post("%s/%s/oauth2/v2.0/token" % (emulator.endpoint, info["tenant_id"]), verify=emulator.ca_file, timeout=30,
                             data={"grant_type": "client_credentials", "client_id": info["client_id"], "client_secret": info["client_secret"],
                                   "scope": emulator.endpoint + "/.default"})
    response.raise_for_status()
    return response.json()["access_token"]


def test_no_secret_or_token_in_any_output(emulator, ansible_env, tmp_path):
    """-vvv output, results, warnings and errors are searched for the client secret and for every
    token the modules were given. The tokens are known because the token endpoint is made (fault
    API) to hand out, in turn, tokens this test fetched from the emulator itself."""
    trust_emulator(emulator)
    tokens = [_token(emulator) for _number in range(8)]
    issue = [rule(r"/oauth2/v2\.0/token$", "POST", 1, status=200,
                  body={"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token}) for token in tokens]
    unauthorized = rule(r"/operationsStatus/", "GET", 1, status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                        body={"error": {"code": "ExpiredAuthenticationToken", "message": "The access token expiry UTC time is earlier."}})
    secret = emulator.info["client_secret"]
    explicit = {"client_id": emulator.info["client_id"], "secret": secret, "tenant": emulator.info["tenant_id"],
                "subscription_id": emulator.subscription_id}
    cases = [
        Case("enable-with-401", "azure_vm_protection", ENABLE, faults=issue + [unauthorized]),
        Case("enable-secret-as-option", "azure_vm_protection", dict(ENABLE, vm_name="vm01", **explicit), faults=issue),
        Case("failure-with-secret-option", "azure_vm_protection", dict(ENABLE, policy="NoSuchPolicy", **explicit), faults=issue),
        Case("backup-wait", "azure_vm_backup_now", dict(INFO, wait=True), seed=PROTECTED, faults=issue),
        Case("info", "azure_vm_protection_info", dict(include_unprotected=True), faults=issue),
        Case("refresh", "azure_backup_refresh", {}, faults=issue),
        Case("jobs", "azure_backup_job_info", {}, faults=issue),
        # no token handed out here: the emulator's token endpoint refuses the wrong secret
        Case("auth-failure", "azure_vm_protection_info", dict(INFO, secret=secret + "-wrong")),
        Case("throttled-failure", "azure_vm_protection_info", dict(INFO, max_retries=1),
             faults=issue + [rule(LIST, "GET", status=429, headers={"Retry-After": "0"})]),
    ]
    run = run_cases(emulator, ansible_env, tmp_path, cases, verbosity=3, name="secrets")
    assert_ok(run["enable-with-401"])
    assert_ok(run["backup-wait"])
    assert run["failure-with-secret-option"].failed and run["auth-failure"].failed and run["throttled-failure"].failed
    assert "invalid_client" in run["auth-failure"].msg or "7000215" in run["auth-failure"].msg, run["auth-failure"].describe()
    issued = sum(len(case.token_requests()) for case in cases)
    assert 1 <= issued <= len(tokens), "the modules asked for %d tokens; only %d are known" % (issued, len(tokens))
    outputs = {"ansible-playbook -vvv output": run.stdout,
               "task results": (tmp_path / "secrets.results.jsonl").read_text()}
    for where, text in outputs.items():
        assert secret not in text, "the client secret is in the %s" % where
        for token in tokens:
            assert token not in text, "an access token is in the %s" % where
            # not even its signature, or its payload
            header, payload, signature = token.split(".")
            assert signature not in text and payload not in text, "part of an access token is in the %s" % where
    assert "ESTABLISH LOCAL CONNECTION" in run.stdout, "not -vvv output"
    # the token cache holds tokens, the cloud's metadata and the shared write budget only (never the
    # secret), in private files; its code/ directory holds the collection's compiled module_utils
    # (_code_cache), nothing else
    runtime = tmp_path / "runtime"
    budget_files = []
    code_files = []
    for root, dirs, files in os.walk(str(runtime)):
        for name in files:
            path = os.path.join(root, name)
            assert os.stat(path).st_mode & 0o077 == 0, path
            if os.path.basename(root) == "code":
                with open(path, "rb") as handle:
                    data = handle.read()
                assert isinstance(marshal.loads(data), types.CodeType), path
                assert secret.encode() not in data and not any(token.encode() in data for token in tokens), path
                code_files.append(name)
                continue
            with open(path) as handle:
                content = handle.read()
            assert secret not in content and not any(token in content for token in tokens if name.startswith("writes-")), path
            if name.startswith("writes-") and name.endswith(".lock"):
                assert content == "", path  # only locked, never written
                continue
            entry = json.loads(content)
            if name.startswith("writes-"):
                assert set(entry) <= {"remaining", "paused_until", "interval", "last_start"}, path
                budget_files.append(name)
            elif name.startswith("cloud-"):
                # the URL cloud's metadata (login endpoint, audience): no token in it either
                assert set(entry) == {"endpoint", "document"} and not any(token in content for token in tokens), path
            else:
                assert entry["access_token"] in tokens
    assert len(budget_files) == 1, "the cases wrote to one subscription: one write-budget file, not %s" % budget_files
    assert "_arm_client" in set(name.split(".")[0] for name in code_files), code_files


def test_tls_verification_is_on_by_default(emulator, ansible_env, tmp_path, subtests):
    env_without_ca = dict(ansible_env)
    env_without_ca.pop("REQUESTS_CA_BUNDLE", None)
    env_without_ca.pop("CURL_CA_BUNDLE", None)
    system_ca = dict(ansible_env, REQUESTS_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt") if os.path.exists(
        "/etc/ssl/certs/ca-certificates.crt") else env_without_ca
    for label, env in (("no-ca-trust", env_without_ca), ("system-ca-only", system_ca)):
        cases = [Case("tls-%s-enable" % label, "azure_vm_protection", ENABLE),
                 Case("tls-%s-info" % label, "azure_vm_protection_info", INFO)]
        run_cases(emulator, env, tmp_path, cases, extra_env={"REQUESTS_CA_BUNDLE": env.get("REQUESTS_CA_BUNDLE", "")}, name="tls-" + label)
        for case in cases:
            with subtests.test(msg=case.id):
                assert case.failed, case.describe()
                assert "\n" not in case.msg and "Traceback" not in case.msg, case.describe()
                assert "TLS" in case.msg and "CERTIFICATE_VERIFY_FAILED" in case.msg.upper().replace(" ", "_"), case.describe()
                assert "ca_bundle" in case.msg, case.describe()
                assert not case.arm, "a Resource Manager request got through without TLS trust:\n" + case.describe()
    # switching verification off is possible, and said loudly
    cases = [Case("tls-validate-certs-false", "azure_vm_protection_info", dict(INFO, validate_certs=False))]
    run_cases(emulator, env_without_ca, tmp_path, cases, extra_env={"REQUESTS_CA_BUNDLE": ""}, name="tls-off")
    case = cases[0]
    with subtests.test(msg=case.id):
        assert_ok(case)
        assert any("validate_certs is false" in warning for warning in case.result.get("warnings", [])), case.describe()
