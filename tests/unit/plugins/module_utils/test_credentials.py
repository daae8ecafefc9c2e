# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential resolution (options, environment, profile file, msi, cli), the azure-identity credential and its errors."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys
import types

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _clouds, _credentials
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


def test_msi_without_subscription_is_a_clear_error():
    client = ArmClient({"auth_source": "msi"}, environ={})
    with pytest.raises(ArmError, match="subscription_id"):
        client.subscription_id


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
    arm.route_path("GET", "/%s/v2.0/.well-known/openid-configuration" % tenant, (200, {
        "token_endpoint": arm.url + "/%s/oauth2/v2.0/token" % tenant, "authorization_endpoint": arm.url + "/%s/oauth2/v2.0/authorize" % tenant,
        "issuer": arm.url + "/%s/v2.0" % tenant}, {}))
    arm.route_path("POST", "/%s/oauth2/v2.0/token" % tenant, token_response)


def test_real_azure_identity_secret_against_local_https(arm):
    _aad_routes(arm, "tenant-1", (200, {"access_token": "aad-token", "token_type": "Bearer", "expires_in": 3600}, {}))
    arm.route_path("GET", ITEM, (200, {"value": []}, {}))
    client = ArmClient(dict(cloud_environment=arm.url, subscription_id=SUB, client_id="app-1", secret="s3cret", tenant="tenant-1",
                            ca_bundle=arm.ca_file, token_cache=False), environ={})
    assert client.get(ITEM, "listing jobs") == {"value": []}
    token_request = [r for r in arm.requests if r.method == "POST"][0]
    assert "client_secret=s3cret" in token_request.data.decode() and "scope=https%3A%2F%2Fmanagement.emulator.test%2F.default" in token_request.data.decode()
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
