# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Access tokens: in memory, shared between the tasks of a run through a private file cache, else from Azure AD."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import math
import os
import stat
import tempfile
import time

from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AuthError, MissingLibrary
from ansible_collections.azure_recovery.backup.plugins.module_utils._clouds import apply_metadata
from ansible_collections.azure_recovery.backup.plugins.module_utils._credentials import build_credential, describe_auth_exception
from ansible_collections.azure_recovery.backup.plugins.module_utils._state_dir import private_directory
from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import proxy_named

TOKEN_REFRESH_MARGIN = 300  # seconds: a token closer than this to expiry is not used


class TokenCache:
    """Share access tokens between the tasks of a run (each task is a new process).

    Threat model. What is stored: only an ARM access token and its expiry, never a secret,
    password, certificate or refresh token. An access token is itself a credential, valid for
    ~1 hour, for what the identity may do; whoever can read it can act as the identity until
    it expires. So:
    - the directory is ``_state_dir.private_directory()``: ``$XDG_RUNTIME_DIR/azure_recovery.backup-tokens``
      (a per-user tmpfs, gone at logout) or else ``~/.ansible/tmp/azure_recovery.backup-tokens``;
      it is created 0700, and it is used only if it is a real directory (not a symlink) owned by
      the effective user with no group/other permission bits, else the cache is silently off;
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
    The same directory holds the URL cloud's metadata (below); ``_state_dir`` owns the directory.
    """

    KDF_ITERATIONS = 20000
    STALE_SECONDS = 24 * 3600

    def __init__(self, environ, now=time.time):
        self.environ = environ
        self.now = now
        self._dir = None
        self._dir_checked = False

    def directory(self):
        if not self._dir_checked:
            self._dir_checked = True
            self._dir = private_directory(self.environ)
        return self._dir

    def key(self, parts, secret):
        salt = hashlib.sha256("\0".join(str(part or "") for part in parts).encode("utf-8")).digest()
        return hashlib.pbkdf2_hmac("sha256", (secret or "").encode("utf-8"), salt, self.KDF_ITERATIONS).hex()

    def load(self, key):
        """(token, expires_on), or None for a missing, expiring or damaged entry (a token that is
        not a printable string, an expiry that is not a finite number)."""
        entry = self._read(key)
        try:
            token, expires_on = entry["access_token"], entry["expires_on"]
        except (KeyError, TypeError):
            return None
        if not _usable_token(token) or isinstance(expires_on, bool) or not isinstance(expires_on, (int, float)) or not math.isfinite(expires_on):
            return None
        if expires_on - self.now() <= TOKEN_REFRESH_MARGIN:
            return None
        return token, float(expires_on)

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
            proxy, proxy_secrets = proxy_named(self.cloud.login_endpoint or "https://login.microsoftonline.com", self.environ)
            raise describe_auth_exception(exc, self.config.secrets() + proxy_secrets, proxy)
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


def _usable_token(token):
    """A bearer token goes into a header: a non-empty string of printable ASCII, nothing else."""
    return isinstance(token, str) and 0 < len(token) <= 16384 and all(32 < ord(char) < 127 for char in token)
