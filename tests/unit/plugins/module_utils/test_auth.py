# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential resolution, clouds, azure-identity wiring and the token cache."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat
import subprocess
import sys
import types

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _cli_login, _clouds, _credentials, _state_dir
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient, ArmError, ArmMissingLibrary
from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AuthError
from ansible_collections.azure_recovery.backup.plugins.module_utils._clouds import resolve_cloud
from ansible_collections.azure_recovery.backup.plugins.module_utils._credentials import resolve_auth

SUB = "00000000-0000-0000-0000-000000000001"
SP_ENV = {"AZURE_CLIENT_ID": "env-app", "AZURE_SECRET": "env-secret", "AZURE_TENANT": "env-tenant", "AZURE_SUBSCRIPTION_ID": "env-sub"}
ITEM = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupJobs"


def _write_profile(home, text):
    os.makedirs(os.path.join(str(home), ".azure"))
    with open(os.path.join(str(home), ".azure", "credentials"), "w") as handle:
        handle.write(text)


PROFILES = """
[default]
subscription_id = file-sub
client_id = file-app
secret = file-secret
tenant = file-tenant

[prod]
subscription_id = prod-sub
client_id = prod-app
secret = prod-secret
tenant = prod-tenant
cloud_environment = AzureUSGovernment
"""


# --------------------------------------------------------------------------- environment precedence

def test_env_azure_secret_wins_over_azure_client_secret():
    config = resolve_auth({}, dict(SP_ENV, AZURE_CLIENT_SECRET="other-secret"))
    assert config.kind == "secret" and config.secret == "env-secret"


def test_env_azure_client_secret_used_when_azure_secret_absent():
    env = dict(SP_ENV, AZURE_CLIENT_SECRET="client-secret")
    del env["AZURE_SECRET"]
    assert resolve_auth({}, env).secret == "client-secret"


def test_env_azure_tenant_wins_over_azure_tenant_id():
    assert resolve_auth({}, dict(SP_ENV, AZURE_TENANT_ID="tenant-id")).tenant == "env-tenant"
    env = dict(SP_ENV, AZURE_TENANT_ID="tenant-id")
    del env["AZURE_TENANT"]
    assert resolve_auth({}, env).tenant == "tenant-id"


def test_env_options_win_over_environment_key_by_key():
    config = resolve_auth({"secret": "opt-secret", "subscription_id": "opt-sub"}, SP_ENV)
    assert (config.secret, config.subscription_id, config.client_id, config.tenant) == ("opt-secret", "opt-sub", "env-app", "env-tenant")


def test_env_certificate_path():
    config = resolve_auth({}, {"AZURE_CLIENT_ID": "a", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_CERTIFICATE_PATH": "/x/cert.pem"})
    assert config.kind == "certificate" and config.certificate_path == "/x/cert.pem"


def test_env_workload_identity_federated_token_file():
    config = resolve_auth({}, {"AZURE_CLIENT_ID": "a", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"})
    assert config.kind == "workload_identity" and config.federated_token_file == "/var/run/token"


def test_env_awx_user_password_defaults_to_cli_client_id():
    config = resolve_auth({}, {"AZURE_AD_USER": "me@example.com", "AZURE_PASSWORD": "pw", "AZURE_SUBSCRIPTION_ID": "s"})
    assert config.kind == "user_password" and config.client_id == _credentials.CLI_CLIENT_ID and config.ad_user == "me@example.com"
    assert "pw" not in config.describe()


def test_env_incomplete_secret_is_an_error_not_a_fallback():
    with pytest.raises(AuthError) as caught:
        resolve_auth({}, {"AZURE_CLIENT_ID": "a", "AZURE_SECRET": "s3cret"})
    assert "tenant" in caught.value.message and "s3cret" not in caught.value.message


def test_env_auth_source_env_without_credentials_errors():
    with pytest.raises(AuthError, match="no credentials"):
        resolve_auth({"auth_source": "env"}, {})


def test_env_auth_source_from_ansible_azure_auth_source():
    assert resolve_auth({}, dict(SP_ENV, ANSIBLE_AZURE_AUTH_SOURCE="cli")).kind == "cli"


# --------------------------------------------------------------------------- profile file, msi, cli

def test_profile_default_used_when_no_options_or_env(tmp_path):
    _write_profile(tmp_path, PROFILES)
    config = resolve_auth({}, {"HOME": str(tmp_path)})
    assert (config.kind, config.client_id, config.secret, config.tenant, config.subscription_id) == \
        ("secret", "file-app", "file-secret", "file-tenant", "file-sub")
    assert "profile [default]" in config.source


def test_profile_env_credentials_win_over_default_profile(tmp_path):
    _write_profile(tmp_path, PROFILES)
    assert resolve_auth({}, dict(SP_ENV, HOME=str(tmp_path))).client_id == "env-app"


def test_profile_named_by_azure_profile_wins_over_env(tmp_path):
    _write_profile(tmp_path, PROFILES)
    config = resolve_auth({}, dict(SP_ENV, HOME=str(tmp_path), AZURE_PROFILE="prod"))
    assert (config.client_id, config.secret, config.cloud_environment) == ("prod-app", "prod-secret", "AzureUSGovernment")


def test_profile_subscription_option_wins_over_profile(tmp_path):
    _write_profile(tmp_path, PROFILES)
    assert resolve_auth({"profile": "prod", "subscription_id": "opt-sub"}, {"HOME": str(tmp_path)}).subscription_id == "opt-sub"


def test_profile_missing_named_profile_is_an_error(tmp_path):
    _write_profile(tmp_path, PROFILES)
    with pytest.raises(AuthError, match=r"profile \[nope\] not found"):
        resolve_auth({"profile": "nope"}, {"HOME": str(tmp_path)})


def test_profile_cloud_environment_used_by_client(tmp_path):
    _write_profile(tmp_path, PROFILES)
    client = ArmClient({"profile": "prod"}, environ={"HOME": str(tmp_path)})
    assert client.endpoint == "https://management.usgovcloudapi.net"
    assert client.cloud.scope == "https://management.usgovcloudapi.net/.default"


def test_auto_ends_with_cli_never_msi(tmp_path):
    config = resolve_auth({}, {"HOME": str(tmp_path), "AZURE_CLIENT_ID": "only-an-id"})
    assert config.kind == "cli"


def test_msi_with_user_assigned_client_id():
    config = resolve_auth({"auth_source": "msi", "client_id": "uami", "subscription_id": "s"}, {})
    assert (config.kind, config.client_id, config.subscription_id) == ("msi", "uami", "s")


def test_cli_subscription_from_az_account_show_only_when_not_given(monkeypatch):
    calls = []

    def fake_account(environ=None, run=None):
        calls.append(1)
        return CLI_SUB, "cli-tenant"
    monkeypatch.setattr(_cli_login, "cli_account", fake_account)
    assert ArmClient({"auth_source": "cli", "subscription_id": GIVEN_SUB}, environ={}).subscription_id == GIVEN_SUB
    assert calls == []
    client = ArmClient({"auth_source": "cli"}, environ={})
    assert client.subscription_id == CLI_SUB and client.auth.tenant == "cli-tenant" and calls == [1]


GIVEN_SUB = "00000000-0000-0000-0000-0000000000a1"
CLI_SUB = "00000000-0000-0000-0000-0000000000c1"


def test_cli_account_show_failure_is_one_line():
    def run(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, b"", b"ERROR: Please run 'az login' to setup account.\n")
    with pytest.raises(AuthError) as caught:
        _cli_login.cli_account(run=run)
    assert "az login" in caught.value.message and "\n" not in caught.value.message


def test_msi_without_subscription_is_a_clear_error():
    client = ArmClient({"auth_source": "msi"}, environ={})
    with pytest.raises(ArmError, match="subscription_id"):
        client.subscription_id


# --------------------------------------------------------------------------- clouds

@pytest.mark.parametrize("name, endpoint, scope", [
    (None, "https://management.azure.com", "https://management.azure.com/.default"),
    ("AzureCloud", "https://management.azure.com", "https://management.azure.com/.default"),
    ("azureusgovernment", "https://management.usgovcloudapi.net", "https://management.usgovcloudapi.net/.default"),
    ("AzureChinaCloud", "https://management.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"),
])
def test_cloud_names(name, endpoint, scope):
    cloud = resolve_cloud(name)
    assert (cloud.endpoint, cloud.scope, cloud.discovered) == (endpoint, scope, True)


@pytest.mark.parametrize("value, message", [
    ("http://management.local.azurestack.external", "not an https URL"),
    ("https://arm.example.test/?x=1", "not a plain https"),
    ("AzureGermanCloud", "unknown cloud_environment"),
])
def test_cloud_invalid_values_refused(value, message):
    with pytest.raises(AuthError, match=message):
        resolve_cloud(value)


def test_cloud_metadata_discovery_against_local_https(make_client, arm):
    client = make_client()
    seen = []
    client.tokens.credential_factory = lambda config, cloud, verify: seen.append((cloud.login_endpoint, cloud.scope, verify)) or client.credential
    arm.route("GET", ITEM, (200, {}, {}))
    assert not client.cloud.discovered  # nothing read before a token is needed
    client.get(ITEM, "listing jobs")
    assert seen == [(arm.url, "https://management.emulator.test/.default", arm.ca_file)]
    metadata = arm.requests[0]
    assert metadata.target == "/metadata/endpoints?api-version=2015-01-01" and "authorization" not in metadata.headers
    assert client.credential.scopes == [("https://management.emulator.test/.default",)]


def test_cloud_metadata_without_authentication_is_an_error(make_client, arm):
    client = make_client()
    arm.route("GET", "/metadata/endpoints", (200, {"galleryEndpoint": "x"}, {}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing jobs")
    assert caught.value.code == "InvalidCloudMetadata" and "loginEndpoint" in str(caught.value)


def test_cloud_metadata_http_login_endpoint_refused(make_client, arm):
    client = make_client()
    arm.route("GET", "/metadata/endpoints", (200, {"authentication": {"loginEndpoint": "http://login.example.test/", "audiences": ["a"]}}, {}))
    with pytest.raises(ArmError, match="not https"):
        client.get(ITEM, "listing jobs")


def test_cloud_public_cloud_reads_no_metadata():
    client = ArmClient({"subscription_id": "s", "client_id": "a", "secret": "b", "tenant": "t"}, environ={})
    assert client.endpoint == "https://management.azure.com" and client.cloud.discovered


# --------------------------------------------------------------------------- azure-identity wiring

class _FakeIdentity(types.ModuleType):
    def __init__(self):
        super(_FakeIdentity, self).__init__("azure.identity")
        self.calls = []
        for name in ("ClientSecretCredential", "CertificateCredential", "WorkloadIdentityCredential", "UsernamePasswordCredential",
                     "ManagedIdentityCredential", "AzureCliCredential"):
            setattr(self, name, self._maker(name))

    def _maker(self, name):
        def make(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return name
        return make


@pytest.fixture
def fake_identity(monkeypatch):
    module = _FakeIdentity()
    monkeypatch.setitem(sys.modules, "azure.identity", module)
    monkeypatch.setitem(sys.modules, "azure", types.ModuleType("azure"))
    sys.modules["azure"].identity = module
    return module


def _cloud(login):
    return _clouds.CloudInfo("x", "https://arm.example.test", login, "https://management.example.test/")


def test_build_secret_credential_for_private_authority(fake_identity):
    config = resolve_auth({"client_id": "app", "secret": "pw", "tenant": "t1"}, {})
    _credentials.build_credential(config, _cloud("https://127.0.0.1:8443/"), "/ca.pem")
    assert fake_identity.calls == [("ClientSecretCredential", ("t1", "app", "pw"),
                                    {"authority": "https://127.0.0.1:8443", "disable_instance_discovery": True, "connection_verify": "/ca.pem",
                                     "retry_connect": 2})]


def test_build_secret_credential_for_public_cloud_keeps_instance_discovery(fake_identity):
    config = resolve_auth({"client_id": "app", "secret": "pw", "tenant": "t1"}, {})
    _credentials.build_credential(config, resolve_cloud("AzureUSGovernment"), True)
    assert fake_identity.calls[0][2] == {"authority": "https://login.microsoftonline.us", "connection_verify": True, "retry_connect": 2}


def test_build_credential_adfs_uses_tenant_adfs(fake_identity):
    config = resolve_auth({"client_id": "app", "secret": "pw", "tenant": "t1"}, {})
    _credentials.build_credential(config, _cloud("https://adfs.local.azurestack.external/adfs/"), True)
    name, args, kwargs = fake_identity.calls[0]
    assert args[0] == "adfs" and kwargs["authority"] == "https://adfs.local.azurestack.external"


@pytest.mark.parametrize("params, env, expected", [
    ({"auth_source": "msi", "client_id": "uami"}, {}, "ManagedIdentityCredential"),
    ({"auth_source": "cli"}, {}, "AzureCliCredential"),
    ({}, {"AZURE_CLIENT_ID": "a", "AZURE_TENANT": "t", "AZURE_FEDERATED_TOKEN_FILE": "/tok"}, "WorkloadIdentityCredential"),
    ({}, {"AZURE_CLIENT_ID": "a", "AZURE_TENANT": "t", "AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"}, "CertificateCredential"),
    ({}, {"AZURE_AD_USER": "u", "AZURE_PASSWORD": "p"}, "UsernamePasswordCredential"),
])
def test_build_credential_kinds(fake_identity, params, env, expected):
    _credentials.build_credential(resolve_auth(params, env), resolve_cloud("AzureCloud"), True)
    assert fake_identity.calls[0][0] == expected


def test_missing_azure_identity_reported_as_missing_library(make_client, arm, monkeypatch):
    monkeypatch.setitem(sys.modules, "azure.identity", None)  # import raises ImportError
    client = make_client()
    client.tokens.credential_factory = _credentials.build_credential
    with pytest.raises(ArmMissingLibrary) as caught:
        client.get(ITEM, "listing jobs")
    assert caught.value.library == "azure-identity"


def _aad_routes(arm, tenant, token_response):
    arm.route("GET", "/%s/v2.0/.well-known/openid-configuration" % tenant, (200, {
        "token_endpoint": arm.url + "/%s/oauth2/v2.0/token" % tenant, "authorization_endpoint": arm.url + "/%s/oauth2/v2.0/authorize" % tenant,
        "issuer": arm.url + "/%s/v2.0" % tenant}, {}))
    arm.route("POST", "/%s/oauth2/v2.0/token" % tenant, token_response)


def test_real_azure_identity_secret_against_local_https(arm):
    _aad_routes(arm, "tenant-1", (200, {"access_token": "aad-token", "token_type": "Bearer", "expires_in": 3600}, {}))
    arm.route("GET", ITEM, (200, {"value": []}, {}))
    client = ArmClient(dict(cloud_environment=arm.url, subscription_id=SUB, client_id="app-1", secret="s3cret", tenant="tenant-1",
                            ca_bundle=arm.ca_file, token_cache=False), environ={})
    assert client.get(ITEM, "listing jobs") == {"value": []}
    token_request = [r for r in arm.requests if r.method == "POST"][0]
    assert "client_secret=s3cret" in token_request.body.decode() and "scope=https%3A%2F%2Fmanagement.emulator.test%2F.default" in token_request.body.decode()
    assert arm.requests[-1].headers["authorization"] == "Bearer aad-token"
    assert client.stats["token_requests"] == 1


def test_real_azure_identity_error_is_one_line_without_secret(arm):
    description = ("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
                   "not the client secret ID.\r\nTrace ID: 1f0c\r\nCorrelation ID: 2a1b\r\nTimestamp: 2025-01-01 10:00:00Z")
    _aad_routes(arm, "tenant-1", (401, {"error": "invalid_client", "error_description": description, "error_codes": [7000215]}, {}))
    client = ArmClient(dict(cloud_environment=arm.url, subscription_id=SUB, client_id="app-1", secret="wrong-s3cret", tenant="tenant-1",
                            ca_bundle=arm.ca_file, token_cache=False), environ={})
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing jobs")
    line = str(caught.value)
    assert caught.value.code == "AADSTS7000215"
    assert line.startswith("listing jobs: getting an Azure AD token for service principal app-1")
    assert "\n" not in line and "wrong-s3cret" not in line and "Traceback" not in line and len(line) < 700


def test_auth_exception_text_has_secret_blanked():
    error = _credentials.describe_auth_exception(Exception("Authentication failed: AADSTS50126: bad password hunter2\nTrace ID: x"), ["hunter2"])
    assert error.code == "AADSTS50126" and "hunter2" not in error.message and "\n" not in error.message


# --------------------------------------------------------------------------- no azure.* at import

def test_no_azure_import_at_module_import():
    from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import __file__ as client_file  # noqa: F401
    root = [p for p in sys.path if os.path.isdir(os.path.join(p, "ansible_collections", "azure_recovery", "backup"))][0]
    code = ("import sys\n"
            "import ansible_collections.azure_recovery.backup.plugins.module_utils._common\n"
            "import ansible_collections.azure_recovery.backup.plugins.module_utils._lro\n"
            "from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient\n"
            "c = ArmClient({'client_id': 'a', 'secret': 'b', 'tenant': 't', 'subscription_id': 's'}, environ={})\n"
            "c.url('/subscriptions/s')\n"
            "print(sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.') or m == 'msal'))\n")
    output = subprocess.check_output([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=root))
    assert output.decode().strip() == "[]"


# --------------------------------------------------------------------------- token cache

@pytest.fixture
def cache_home(tmp_path):
    return {"HOME": str(tmp_path)}


def _cached_client(make_client, environ, **params):
    return make_client(environ=environ, token_cache=True, **params)


def test_token_cache_shares_token_between_tasks(make_client, arm, cache_home, FakeCredential):
    arm.route("GET", ITEM, (200, {}, {}))
    first = _cached_client(make_client, cache_home)
    first.get(ITEM, "task 1")
    second = _cached_client(make_client, cache_home, credential=FakeCredential())
    second.get(ITEM, "task 2")
    assert second.credential.scopes == [] and second.stats["token_requests"] == 0
    assert [r.headers.get("authorization") for r in arm.api_requests()] == ["Bearer tok-1", "Bearer tok-1"]


def test_token_cache_file_permissions_and_content(make_client, arm, cache_home):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    names = sorted(os.listdir(directory))
    tokens = [name for name in names if not name.startswith("cloud-")]
    assert len(tokens) == 1 and "s3cret" not in tokens[0] and "app-1" not in tokens[0]
    for name in names:
        assert stat.S_IMODE(os.stat(os.path.join(directory, name)).st_mode) == 0o600
    with open(os.path.join(directory, tokens[0])) as handle:
        entry = json.load(handle)
    assert sorted(entry) == ["access_token", "expires_on"] and entry["access_token"] == "tok-1"
    clouds = [name for name in names if name.startswith("cloud-")]
    with open(os.path.join(directory, clouds[0])) as handle:  # the URL cloud's metadata: endpoints only, no secret
        cloud = json.load(handle)
    assert len(clouds) == 1 and "s3cret" not in json.dumps(cloud)
    assert cloud["document"]["authentication"]["loginEndpoint"].startswith("https://")


def test_token_cache_prefers_private_xdg_runtime_dir(make_client, arm, tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, {"HOME": str(tmp_path / "home"), "XDG_RUNTIME_DIR": str(runtime)}).get(ITEM, "task")
    assert len([n for n in os.listdir(str(runtime / _state_dir.DIR_NAME)) if not n.startswith("cloud-")]) == 1
    assert not (tmp_path / "home").exists()


def test_later_tasks_skip_the_cloud_metadata_request(make_client, arm, cache_home, FakeCredential):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    _cached_client(make_client, cache_home, credential=FakeCredential()).get(ITEM, "task 2")
    metadata_reads = [r for r in arm.requests if r.path == "/metadata/endpoints"]
    assert len(metadata_reads) == 1
    assert len([r for r in arm.requests if r.path == ITEM]) == 2


def test_a_failed_token_request_forgets_the_cached_cloud_metadata(make_client, arm, cache_home, FakeCredential):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    for name in os.listdir(directory):
        if not name.startswith("cloud-"):
            os.unlink(os.path.join(directory, name))  # the token is gone: the next task asks AAD

    class Refusing(FakeCredential):
        def get_token(self, *scopes, **kwargs):
            raise RuntimeError("AADSTS90002: tenant not found")

    with pytest.raises(ArmError):
        _cached_client(make_client, cache_home, credential=Refusing()).get(ITEM, "task 2")
    assert not [n for n in os.listdir(directory) if n.startswith("cloud-")]


def test_token_cache_not_used_within_five_minutes_of_expiry(make_client, arm, cache_home, FakeCredential):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home, credential=FakeCredential(lifetime=290)).get(ITEM, "task 1")
    second = _cached_client(make_client, cache_home)
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1


def test_token_cache_keyed_by_secret_and_identity(make_client, arm, cache_home):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    other_secret = _cached_client(make_client, cache_home, secret="rotated-secret")
    other_secret.get(ITEM, "task 2")
    other_app = _cached_client(make_client, cache_home, client_id="app-2")
    other_app.get(ITEM, "task 3")
    assert other_secret.stats["token_requests"] == 1 and other_app.stats["token_requests"] == 1


@pytest.mark.parametrize("how", ["env", "option"])
def test_token_cache_disabled(make_client, arm, cache_home, how):
    arm.route("GET", ITEM, (200, {}, {}))
    if how == "env":
        environ, params = dict(cache_home, AZURE_RECOVERY_TOKEN_CACHE="0"), {"token_cache": None}
    else:
        environ, params = cache_home, {"token_cache": False}
    make_client(environ=environ, **params).get(ITEM, "task 1")
    second = make_client(environ=environ, **params)
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1
    assert not os.path.exists(os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME))


def test_token_cache_ignores_file_readable_by_others(make_client, arm, cache_home):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o644)
    second = _cached_client(make_client, cache_home)
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1


def test_token_cache_off_when_directory_not_private(make_client, arm, cache_home):
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    os.makedirs(directory)
    os.chmod(directory, 0o755)
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    assert os.listdir(directory) == []


def test_token_cache_bypassed_and_replaced_after_401(make_client, arm, cache_home, FakeCredential):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")  # caches tok-1
    arm.route("GET", ITEM, (401, "", {"WWW-Authenticate": "Bearer"}), (200, {}, {}))
    credential = FakeCredential()
    credential.scopes.append(("already",))  # so it hands out tok-2
    second = _cached_client(make_client, cache_home, credential=credential)
    second.get(ITEM, "task 2")
    assert [r.headers["authorization"] for r in arm.api_requests()[-2:]] == ["Bearer tok-1", "Bearer tok-2"]
    third = _cached_client(make_client, cache_home, credential=FakeCredential())
    arm.route("GET", ITEM, (200, {}, {}))
    third.get(ITEM, "task 3")
    assert arm.api_requests()[-1].headers["authorization"] == "Bearer tok-2" and third.stats["token_requests"] == 0


@pytest.mark.parametrize("entry", [
    {"access_token": 12345, "expires_on": 4102444800},
    {"access_token": ["tok"], "expires_on": 4102444800},
    {"access_token": "tok\r\nX-Injected: 1", "expires_on": 4102444800},
    {"access_token": "tok\n", "expires_on": 4102444800},
    {"access_token": "", "expires_on": 4102444800},
    {"access_token": "tok", "expires_on": "NaN"},
    {"access_token": "tok", "expires_on": True},
    {"access_token": "tok", "expires_on": [1]},
    ["tok"],
    "tok",
])
def test_damaged_token_cache_entries_are_ignored(make_client, arm, cache_home, FakeCredential, entry):
    arm.route("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    name = [n for n in os.listdir(directory) if not n.startswith("cloud-")][0]
    with open(os.path.join(directory, name), "w") as handle:
        json.dump(entry, handle)
    second = _cached_client(make_client, cache_home, credential=FakeCredential())
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1  # a fresh token from AAD, as for any damaged entry
    assert arm.api_requests()[-1].headers.get("authorization") == "Bearer tok-1"


def test_a_token_request_failing_at_the_proxy_names_the_proxy_not_its_password():
    from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import proxy_named
    environ = {"HTTPS_PROXY": "http://ops:s3cr3t%40pw@proxy.corp:3128"}
    proxy, hidden = proxy_named("https://login.microsoftonline.com", environ)
    assert proxy == "proxy.corp:3128"
    failure = RuntimeError("<urllib3.connection.HTTPSConnection>: ProxyError('Unable to connect to proxy', OSError('Tunnel connection "
                           "failed: 407 Proxy Authentication Required')) via http://ops:s3cr3t%40pw@proxy.corp:3128 (s3cr3t@pw)\nTrace ID: 1")
    line = _credentials.describe_auth_exception(failure, ["client-secret"] + hidden, proxy).message
    assert "the token request went through the proxy proxy.corp:3128 from the *_PROXY environment" in line
    assert "s3cr3t" not in line and "\n" not in line
    assert proxy_named("https://login.microsoftonline.com", dict(environ, NO_PROXY="microsoftonline.com"))[0] is None  # not through the proxy
