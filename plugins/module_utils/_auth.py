# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Credential resolution, clouds, and tokens.

Nothing here imports ``azure.*`` at module import: ``azure-identity`` is imported by
:func:`build_credential`, which runs only when a token is actually needed (and not at all
when a cached token is still good). Nothing here raises ``ArmError`` either (that lives in
``_arm_client``, which imports this file); errors are :class:`AuthError` and
:class:`MissingLibrary`, which the client turns into one-line ``ArmError``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import importlib
import json
import os
import re
import stat
import subprocess
import tempfile
import time
import traceback

from urllib.parse import urlsplit

from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line


# Option name -> environment variables, first non-empty wins. The same table feeds the
# argument spec's env_fallback (_common.auth_argument_spec) and ArmClient when it is used
# without AnsibleModule, so both agree on names and precedence
# (AZURE_SECRET over AZURE_CLIENT_SECRET, AZURE_TENANT over AZURE_TENANT_ID).
ENV_FALLBACKS = {
    "auth_source": ["ANSIBLE_AZURE_AUTH_SOURCE"],
    "profile": ["AZURE_PROFILE"],
    "subscription_id": ["AZURE_SUBSCRIPTION_ID"],
    "client_id": ["AZURE_CLIENT_ID"],
    "secret": ["AZURE_SECRET", "AZURE_CLIENT_SECRET"],
    "tenant": ["AZURE_TENANT", "AZURE_TENANT_ID"],
    "certificate_path": ["AZURE_CLIENT_CERTIFICATE_PATH"],
    "ad_user": ["AZURE_AD_USER"],
    "password": ["AZURE_PASSWORD"],
    "cloud_environment": ["AZURE_CLOUD_ENVIRONMENT"],
    "ca_bundle": ["REQUESTS_CA_BUNDLE"],
    "token_cache": ["AZURE_RECOVERY_TOKEN_CACHE"],
}
# Not options: read from the environment only (workload identity, as azure-identity does).
FEDERATED_TOKEN_FILE_ENV = "AZURE_FEDERATED_TOKEN_FILE"

AUTH_SOURCES = ("auto", "credential_file", "env", "cli", "msi")

# The Azure CLI's public client id, used for user/password sign-in when no client_id is
# given (what azure.azcollection and AWX do).
CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

CLOUDS = {
    "azurecloud": {
        "name": "AzureCloud",
        "endpoint": "https://management.azure.com",
        "login_endpoint": "https://login.microsoftonline.com",
        "audience": "https://management.azure.com",
    },
    "azureusgovernment": {
        "name": "AzureUSGovernment",
        "endpoint": "https://management.usgovcloudapi.net",
        "login_endpoint": "https://login.microsoftonline.us",
        "audience": "https://management.usgovcloudapi.net",
    },
    "azurechinacloud": {
        "name": "AzureChinaCloud",
        "endpoint": "https://management.chinacloudapi.cn",
        "login_endpoint": "https://login.chinacloudapi.cn",
        "audience": "https://management.chinacloudapi.cn",
    },
}
CLOUD_ALIASES = {"azurepubliccloud": "azurecloud", "public": "azurecloud", "usgovernment": "azureusgovernment", "china": "azurechinacloud"}

# Login hosts azure-identity/MSAL know; any other authority (Azure Stack, the emulator)
# gets disable_instance_discovery=True, otherwise MSAL asks login.microsoftonline.com about it.
KNOWN_AUTHORITY_HOSTS = frozenset([
    "login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net",
    "login.microsoftonline.us", "login.usgovcloudapi.net", "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn", "login.microsoftonline.de",
])

METADATA_API_VERSION = "2015-01-01"
TOKEN_REFRESH_MARGIN = 300  # seconds: a token closer than this to expiry is not used


class AuthError(Exception):
    """A credential problem, as one line without secrets. ``code`` is e.g. an AADSTS code."""

    def __init__(self, message, code=None):
        super(AuthError, self).__init__(message)
        self.message = message
        self.code = code


class MissingLibrary(Exception):
    def __init__(self, library, import_traceback):
        super(MissingLibrary, self).__init__("%s is required" % library)
        self.library = library
        self.import_traceback = import_traceback


def first_env(environ, names):
    for name in names:
        value = environ.get(name)
        if value:
            return value
    return None


def option_or_env(params, environ, name):
    """An option's value, else its environment fallback (what env_fallback would have set)."""
    value = params.get(name)
    if value is None or value == "":
        value = first_env(environ, ENV_FALLBACKS.get(name, ()))
    return value


# --------------------------------------------------------------------------- clouds

class CloudInfo:
    def __init__(self, name, endpoint, login_endpoint=None, audience=None):
        self.name = name
        self.endpoint = endpoint              # Resource Manager base URL, no trailing slash
        self.login_endpoint = login_endpoint  # None until discovered for a URL cloud
        self.audience = audience

    @property
    def scope(self):
        return self.audience.rstrip("/") + "/.default"

    @property
    def discovered(self):
        return self.login_endpoint is not None and self.audience is not None


def resolve_cloud(cloud_environment):
    """``CloudInfo`` for a cloud name or an https Resource Manager URL (metadata not yet read)."""
    value = (cloud_environment or "AzureCloud").strip()
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme.lower() != "https":
            raise AuthError("cloud_environment %s is not an https URL: the token is only ever sent over https" % value, code="InvalidCloudEnvironment")
        if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
            raise AuthError("cloud_environment %s is not a plain https Resource Manager URL" % value, code="InvalidCloudEnvironment")
        return CloudInfo(value.rstrip("/"), value.rstrip("/"))
    key = value.lower()
    key = CLOUD_ALIASES.get(key, key)
    if key not in CLOUDS:
        raise AuthError("unknown cloud_environment %s: use AzureCloud, AzureUSGovernment, AzureChinaCloud or an https:// Resource Manager URL" % value,
                        code="InvalidCloudEnvironment")
    cloud = CLOUDS[key]
    return CloudInfo(cloud["name"], cloud["endpoint"], cloud["login_endpoint"], cloud["audience"])


def apply_metadata(cloud, document):
    """Fill login endpoint and audience from a ``/metadata/endpoints`` document (Azure Stack Hub style)."""
    try:
        authentication = document["authentication"]
        login_endpoint = authentication["loginEndpoint"]
        audience = authentication["audiences"][0]
    except (KeyError, IndexError, TypeError):
        raise AuthError("the metadata document of %s has no authentication.loginEndpoint / authentication.audiences" % cloud.endpoint,
                        code="InvalidCloudMetadata")
    if not isinstance(login_endpoint, str) or not login_endpoint.lower().startswith("https://"):
        raise AuthError("the metadata document of %s gives a login endpoint that is not https: %s" % (cloud.endpoint, login_endpoint),
                        code="InvalidCloudMetadata")
    cloud.login_endpoint = login_endpoint.rstrip("/")
    cloud.audience = audience
    return cloud


def authority_and_tenant(login_endpoint, tenant):
    """(authority for azure-identity, tenant). ADFS (``.../adfs``) uses tenant ``adfs``."""
    authority = login_endpoint.rstrip("/")
    if authority.lower().endswith("/adfs"):
        return authority[:-len("/adfs")], "adfs"
    return authority, tenant


def is_known_authority(authority):
    return (urlsplit(authority).hostname or "").lower() in KNOWN_AUTHORITY_HOSTS


# --------------------------------------------------------------------------- credentials

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


def cli_account(run=None, environ=None):
    """``az account show`` -> (subscription id, tenant id). Only used when no subscription is given."""
    run = run or subprocess.run
    try:
        completed = run(["az", "account", "show", "--output", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=60, env=dict(environ) if environ is not None else None, check=False)
    except OSError as exc:
        raise AuthError("the Azure CLI (az) could not be run: %s; install it and run az login, or give credentials" % exc.strerror,
                        code="CredentialUnavailable")
    except subprocess.TimeoutExpired:
        raise AuthError("az account show did not answer within 60s", code="CredentialUnavailable")
    if completed.returncode != 0:
        text = completed.stderr.decode("utf-8", "replace") if isinstance(completed.stderr, bytes) else (completed.stderr or "")
        raise AuthError("az account show failed: %s (run az login, or give subscription_id)" % one_line(text, 300), code="CredentialUnavailable")
    try:
        account = json.loads(completed.stdout)
        return account["id"], account.get("tenantId")
    except (ValueError, KeyError, TypeError):
        raise AuthError("az account show returned no subscription id", code="CredentialUnavailable")


# --------------------------------------------------------------------------- azure-identity

def build_credential(config, cloud, verify):
    """An azure-identity credential for ``config``. The only place azure.identity is imported."""
    try:
        identity = importlib.import_module("azure.identity")
    except ImportError:
        raise MissingLibrary("azure-identity", traceback.format_exc())

    kwargs = {"connection_verify": verify}
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


def describe_auth_exception(exc, secrets=()):
    """One line for an azure-identity exception (ClientAuthenticationError,
    CredentialUnavailableError, ...), with any secret we know of blanked out."""
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
    match = _AADSTS_RE.search(text)
    code = match.group(1) if match else ("CredentialUnavailable" if "Unavailable" in name else name)
    return AuthError(one_line(text, 400), code=code)


# --------------------------------------------------------------------------- token cache

class TokenCache:
    """Share access tokens between the tasks of a run (each task is a new process).

    Threat model. What is stored: only an ARM access token and its expiry, never a secret,
    password, certificate or refresh token. An access token is itself a credential, valid for
    ~1 hour, for what the identity may do; whoever can read it can act as the identity until
    it expires. So:
    - the directory is ``$XDG_RUNTIME_DIR/azure_recovery.backup-tokens`` (a per-user tmpfs,
      gone at logout) or else ``~/.ansible/tmp/azure_recovery.backup-tokens``; it is created
      0700, and it is used only if it is a real directory (not a symlink) owned by the
      effective user with no group/other permission bits, else the cache is silently off;
    - files are written 0600 through mkstemp in that directory and renamed into place
      (atomic; a reader never sees half a file), read with O_NOFOLLOW and ignored unless owned
      by the user and 0600;
    - the file name is a slow salted hash (PBKDF2) of authority, tenant, client id, scope and
      the secret, so a changed secret or identity never reuses a token, and the name tells
      nothing about the secret even to someone who can list the directory (nobody else can);
    - a token is used only while more than 5 minutes remain; expired files are removed;
    - anyone who can read these files (the same user, or root) can already read the secrets
      the playbook uses, so the cache adds no new reader. On shared hosts where that is not
      true, or to be safe anyway, set ``token_cache: false`` or AZURE_RECOVERY_TOKEN_CACHE=0.
    Managed identity tokens are not cached (IMDS is local and caches itself).
    The same directory holds the URL cloud's metadata (below) and the write budget that the
    module processes share (``_pacing.SharedWrites``: numbers and times, no secret).
    """

    DIR_NAME = "azure_recovery.backup-tokens"
    KDF_ITERATIONS = 20000
    STALE_SECONDS = 24 * 3600

    def __init__(self, environ, now=time.time):
        self.environ = environ
        self.now = now
        self._dir = None
        self._dir_checked = False

    def directory(self):
        if self._dir_checked:
            return self._dir
        self._dir_checked = True
        candidates = []
        runtime = self.environ.get("XDG_RUNTIME_DIR")
        if runtime and os.path.isabs(runtime):
            candidates.append((runtime, os.path.join(runtime, self.DIR_NAME)))
        home = self.environ.get("HOME") or os.path.expanduser("~")
        if home and os.path.isabs(home):
            candidates.append((None, os.path.join(home, ".ansible", "tmp", self.DIR_NAME)))
        for parent, path in candidates:
            if parent is not None and not _private_dir(parent, allow_group_other_x=True):
                continue
            try:
                os.makedirs(path, 0o700)
            except OSError:
                pass
            if _private_dir(path):
                self._dir = path
                break
        return self._dir

    def key(self, parts, secret):
        salt = hashlib.sha256("\0".join(str(part or "") for part in parts).encode("utf-8")).digest()
        return hashlib.pbkdf2_hmac("sha256", (secret or "").encode("utf-8"), salt, self.KDF_ITERATIONS).hex()

    def load(self, key):
        entry = self._read(key)
        try:
            token, expires_on = entry["access_token"], float(entry["expires_on"])
        except (KeyError, TypeError, ValueError):
            return None
        if expires_on - self.now() <= TOKEN_REFRESH_MARGIN:
            return None
        return token, expires_on

    def store(self, key, token, expires_on):
        return self._write(key, {"access_token": token, "expires_on": int(expires_on)})

    # The metadata document of a URL cloud (Azure Stack Hub, the emulator) names the login
    # endpoint the secret is sent to, so it gets the same protection as a token; it saves one
    # request per task and is read again after a day (or when a token request fails).
    def load_cloud(self, endpoint):
        entry = self._read(self._cloud_key(endpoint))
        if not isinstance(entry, dict) or entry.get("endpoint") != endpoint:
            return None
        return entry.get("document")

    def store_cloud(self, endpoint, document):
        return self._write(self._cloud_key(endpoint), {"endpoint": endpoint, "document": document})

    def forget_cloud(self, endpoint):
        directory = self.directory()
        if directory:
            try:
                os.unlink(os.path.join(directory, self._cloud_key(endpoint) + ".json"))
            except OSError:
                pass

    @staticmethod
    def _cloud_key(endpoint):
        return "cloud-" + hashlib.sha256(endpoint.encode("utf-8")).hexdigest()

    def _read(self, key):
        directory = self.directory()
        if not directory:
            return None
        path = os.path.join(directory, key + ".json")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
                return None
            if info.st_mtime < self.now() - self.STALE_SECONDS:
                return None
            with os.fdopen(fd, "r") as handle:
                fd = None
                return json.load(handle)
        except (OSError, ValueError):
            return None
        finally:
            if fd is not None:
                os.close(fd)

    def _write(self, key, payload):
        directory = self.directory()
        if not directory:
            return False
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        except OSError:
            return False
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(payload, handle)
            os.replace(tmp, os.path.join(directory, key + ".json"))
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
        self._prune(directory)
        return True

    def _prune(self, directory):
        cutoff = self.now() - self.STALE_SECONDS
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for name in names:
            path = os.path.join(directory, name)
            try:
                if os.lstat(path).st_mtime < cutoff:
                    os.unlink(path)
            except OSError:
                pass


def _private_dir(path, allow_group_other_x=False):
    """A real directory owned by us; with no group/other access (or, for a parent such as
    XDG_RUNTIME_DIR, at most search permission)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        return False
    forbidden = 0o066 if allow_group_other_x else 0o077
    return not info.st_mode & forbidden


class TokenProvider:
    """Access tokens for one AuthConfig and cloud: memory, then the file cache, then AAD.

    ``discover`` is called once before the first AAD request to fill in the cloud's login
    endpoint and audience (metadata of a URL cloud); ``credential_factory`` builds the
    azure-identity credential (tests replace it)."""

    def __init__(self, config, cloud, verify, environ, discover=None, cache_enabled=True, now=time.time, credential_factory=None):
        self.config = config
        self.cloud = cloud
        self.verify = verify
        self.discover = discover
        self.now = now
        self.credential_factory = credential_factory or build_credential
        self.cache = TokenCache(environ, now=now) if cache_enabled and config.kind != "msi" else None
        self.environ = environ
        self.token_requests = 0
        self._token = None
        self._expires_on = 0
        self._credential = None
        self._metadata_from_cache = False

    def _cache_key(self):
        config = self.config
        parts = [config.kind, self.cloud.login_endpoint, self.cloud.scope, config.tenant, config.client_id, config.ad_user,
                 config.certificate_path, config.federated_token_file]
        if config.kind == "certificate":
            parts.append(_file_stamp(config.certificate_path))
        if config.kind == "cli":
            # A new `az login` or `az account set` rewrites azureProfile.json: never reuse a
            # token across that.
            parts.extend([config.subscription_id, _file_stamp(os.path.join(
                self.environ.get("AZURE_CONFIG_DIR") or os.path.join(self.environ.get("HOME") or os.path.expanduser("~"), ".azure"),
                "azureProfile.json"))])
        return self.cache.key(parts, config.secret or config.password or "")

    def get(self, force=False):
        """A bearer token string. ``force`` skips memory and file caches (after a 401)."""
        if not force and self._token and self._expires_on - self.now() > TOKEN_REFRESH_MARGIN:
            return self._token
        if not self.cloud.discovered and self.discover is not None:
            self._discover()
        key = self._cache_key() if self.cache is not None else None
        if not force and key:
            cached = self.cache.load(key)
            if cached:
                self._token, self._expires_on = cached
                return self._token
        if self._credential is None:
            self._credential = self.credential_factory(self.config, self.cloud, self.verify)
        self.token_requests += 1
        try:
            access = self._credential.get_token(self.cloud.scope)
        except MissingLibrary:
            raise
        except Exception as exc:  # pylint: disable=broad-except  # azure-identity raises several types
            if self.cache is not None and self._metadata_from_cache:
                self.cache.forget_cloud(self.cloud.endpoint)  # the next task reads the metadata afresh
            raise describe_auth_exception(exc, self.config.secrets())
        self._token, self._expires_on = access.token, float(access.expires_on)
        if key:
            self.cache.store(key, self._token, self._expires_on)
        return self._token

    def _discover(self):
        """Login endpoint and audience of a URL cloud: from the file cache, else from its metadata."""
        document = self.cache.load_cloud(self.cloud.endpoint) if self.cache is not None else None
        if document is not None:
            try:
                apply_metadata(self.cloud, document)
                self._metadata_from_cache = True
                return
            except AuthError:
                self.cache.forget_cloud(self.cloud.endpoint)
        self.discover(self.cloud)
        if self.cache is not None and self.cloud.discovered:
            self.cache.store_cloud(self.cloud.endpoint, {"authentication": {
                "loginEndpoint": self.cloud.login_endpoint, "audiences": [self.cloud.audience]}})


def _file_stamp(path):
    try:
        info = os.stat(path)
        return "%d:%d" % (info.st_mtime_ns, info.st_size)
    except (OSError, TypeError):
        return ""
