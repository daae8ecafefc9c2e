# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which credentials a task uses (options, environment, the profile file, managed identity, the
Azure CLI), and the azure-identity credential for them: the only place ``azure.identity`` is
imported, lazily, when a token must actually be fetched."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib
import os
import re
import traceback

from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import (
    AUTH_SOURCES,
    FEDERATED_TOKEN_FILE_ENV,
    AuthError,
    MissingLibrary,
    option_or_env,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._clouds import authority_and_tenant, is_known_authority
from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line

# Connection retries of a token request (azure-core's retry_connect).
TOKEN_CONNECT_RETRIES = 2
# The Azure CLI's public client id, used for user/password sign-in when no client_id is
# given (what azure.azcollection and AWX do).
CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


class AuthConfig:
    """Where credentials come from. ``kind`` is one of secret, certificate,
    workload_identity, user_password, msi, cli. ``source`` says where they were found."""

    FIELDS = ("kind", "source", "subscription_id", "tenant", "client_id", "secret", "certificate_path",
              "federated_token_file", "ad_user", "password", "cloud_environment")

    def __init__(self, **kwargs):
        for field in self.FIELDS:
            setattr(self, field, kwargs.get(field))

    def describe(self):
        """Who is signing in, for messages: never a secret."""
        if self.kind in ("secret", "certificate", "workload_identity"):
            return "service principal %s (%s, from %s)" % (self.client_id, self.kind.replace("_", " "), self.source)
        if self.kind == "user_password":
            return "user %s (from %s)" % (self.ad_user, self.source)
        if self.kind == "msi":
            return "managed identity%s" % (" " + self.client_id if self.client_id else "")
        return "the Azure CLI login"

    def secrets(self):
        return [value for value in (self.secret, self.password) if value]


def credentials_file_path(environ):
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".azure", "credentials")


def read_profile(path, profile):
    """The ``[profile]`` section of an azure.azcollection style ini file, or None if absent."""
    if not os.path.isfile(path):
        return None
    from configparser import ConfigParser, Error as ConfigParserError  # only when there is a file to read
    parser = ConfigParser(interpolation=None)
    try:
        parser.read(path)
    except ConfigParserError as exc:
        raise AuthError("cannot read %s: %s" % (path, str(exc).splitlines()[0]), code="InvalidCredentialFile")
    if not parser.has_section(profile):
        return None
    return dict((key, value) for key, value in parser.items(profile) if value != "")


def _explicit(params, environ):
    """Options merged with their environment fallbacks, option first, key by key."""
    values = dict((name, option_or_env(params, environ, name))
                  for name in ("subscription_id", "client_id", "secret", "tenant", "certificate_path", "ad_user", "password"))
    values["federated_token_file"] = environ.get(FEDERATED_TOKEN_FILE_ENV) or None
    return values


def _from_values(values, source):
    """An AuthConfig when ``values`` hold one complete set of credentials; None when they hold
    none; AuthError when a secret is given but something it needs is missing."""
    client_id, tenant = values.get("client_id"), values.get("tenant")
    common = dict(source=source, subscription_id=values.get("subscription_id"), tenant=tenant, client_id=client_id)
    if values.get("ad_user") or values.get("password"):
        if not (values.get("ad_user") and values.get("password")):
            raise AuthError("ad_user and password (AZURE_AD_USER / AZURE_PASSWORD) must be given together (from %s)" % source, code="IncompleteCredentials")
        common.update(client_id=client_id or CLI_CLIENT_ID, tenant=tenant or "organizations")
        return AuthConfig(kind="user_password", ad_user=values["ad_user"], password=values["password"], **common)
    for kind, key in (("secret", "secret"), ("certificate", "certificate_path"), ("workload_identity", "federated_token_file")):
        if values.get(key):
            missing = [name for name, value in (("client_id (AZURE_CLIENT_ID)", client_id), ("tenant (AZURE_TENANT)", tenant)) if not value]
            if missing:
                raise AuthError("%s given (from %s) but %s missing" % (key, source, " and ".join(missing)), code="IncompleteCredentials")
            common[key] = values[key]
            return AuthConfig(kind=kind, **common)
    return None


def _profile_config(params, environ, profile, required):
    path = credentials_file_path(environ)
    section = read_profile(path, profile)
    if section is None:
        if required:
            raise AuthError("profile [%s] not found in %s" % (profile, path), code="ProfileNotFound")
        return None
    values = dict(section)
    values.setdefault("certificate_path", section.get("x509_certificate_path") or section.get("cert_path"))
    values["federated_token_file"] = None
    config = _from_values(values, "profile [%s] of %s" % (profile, path))
    if config is None:
        if required:
            raise AuthError("profile [%s] of %s has no client_id/secret/tenant or ad_user/password" % (profile, path), code="IncompleteCredentials")
        return None
    # An explicit subscription_id option still wins over the profile's.
    config.subscription_id = params.get("subscription_id") or config.subscription_id
    config.cloud_environment = section.get("cloud_environment")
    return config


def resolve_auth(params, environ):
    """Choose the credentials. Precedence with ``auth_source: auto``: an explicit ``profile``
    (option or AZURE_PROFILE); options and their environment variables, key by key (option
    first); the ``[default]`` profile of ~/.azure/credentials; the Azure CLI login. Managed
    identity is never tried implicitly (it would hang for seconds off Azure)."""
    source = (option_or_env(params, environ, "auth_source") or "auto").lower()
    if source not in AUTH_SOURCES:
        raise AuthError("auth_source %s is not one of %s" % (source, ", ".join(AUTH_SOURCES)), code="InvalidAuthSource")
    values = _explicit(params, environ)
    profile = option_or_env(params, environ, "profile")

    if source == "msi":
        return AuthConfig(kind="msi", source="managed identity", subscription_id=values["subscription_id"], client_id=values["client_id"])
    if source == "cli":
        return AuthConfig(kind="cli", source="Azure CLI", subscription_id=values["subscription_id"], tenant=values["tenant"])
    if source == "credential_file":
        return _profile_config(params, environ, profile or "default", required=True)
    if source == "env":
        config = _from_values(values, "options and environment")
        if config is None:
            raise AuthError("auth_source env: no credentials in options or environment (AZURE_CLIENT_ID with AZURE_SECRET, AZURE_CLIENT_CERTIFICATE_PATH "
                            "or AZURE_FEDERATED_TOKEN_FILE, and AZURE_TENANT; or AZURE_AD_USER and AZURE_PASSWORD)", code="NoCredentials")
        return config
    # auto
    if profile:
        return _profile_config(params, environ, profile, required=True)
    config = _from_values(values, "options and environment")
    if config is not None:
        return config
    config = _profile_config(params, environ, "default", required=False)
    if config is not None:
        return config
    return AuthConfig(kind="cli", source="Azure CLI", subscription_id=values["subscription_id"], tenant=values["tenant"])


def build_credential(config, cloud, verify):
    """An azure-identity credential for ``config``. The only place azure.identity is imported."""
    try:
        identity = importlib.import_module("azure.identity")
    except ImportError:
        raise MissingLibrary("azure-identity", traceback.format_exc())

    # connection failures (an unreachable proxy among them) are retried briefly, not azure-core's 3 times with backoff
    kwargs = {"connection_verify": verify, "retry_connect": TOKEN_CONNECT_RETRIES}
    tenant = config.tenant
    if config.kind in ("secret", "certificate", "workload_identity", "user_password"):
        authority, tenant = authority_and_tenant(cloud.login_endpoint, tenant)
        kwargs["authority"] = authority
        if not is_known_authority(authority):
            kwargs["disable_instance_discovery"] = True
    if config.kind == "secret":
        return identity.ClientSecretCredential(tenant, config.client_id, config.secret, **kwargs)
    if config.kind == "certificate":
        return identity.CertificateCredential(tenant, config.client_id, config.certificate_path, **kwargs)
    if config.kind == "workload_identity":
        return identity.WorkloadIdentityCredential(tenant_id=tenant, client_id=config.client_id, token_file_path=config.federated_token_file, **kwargs)
    if config.kind == "user_password":
        return identity.UsernamePasswordCredential(config.client_id, config.ad_user, config.password, tenant_id=tenant, **kwargs)
    if config.kind == "msi":
        return identity.ManagedIdentityCredential(client_id=config.client_id)
    return identity.AzureCliCredential(tenant_id=config.tenant or "", process_timeout=60)


_AADSTS_RE = re.compile(r"\b(AADSTS\d+)\b")


def describe_auth_exception(exc, secrets=(), proxy=None):
    """One line for an azure-identity exception (ClientAuthenticationError,
    CredentialUnavailableError, ...), with any secret we know of blanked out; a failure that
    mentions a proxy names ``proxy`` (host:port)."""
    name = type(exc).__name__
    text = getattr(exc, "message", None) or str(exc) or name
    # azure-identity messages start with the useful line; later lines are links and trace ids.
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    text = lines[0] if lines else name
    if len(lines) > 1 and len(text) < 80:
        text = text + " " + lines[1]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    if proxy and "proxy" in text.lower():
        text = "%s (the token request went through the proxy %s from the *_PROXY environment)" % (text, proxy)
    match = _AADSTS_RE.search(text)
    code = match.group(1) if match else ("CredentialUnavailable" if "Unavailable" in name else name)
    return AuthError(one_line(text, 400), code=code)
