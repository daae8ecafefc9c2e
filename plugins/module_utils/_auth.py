# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every part of authentication shares: the errors, and options with their environment
fallbacks. The parts, one concern per file (as community.hashi_vault splits its auth methods):
``_clouds`` (clouds and their metadata), ``_credentials`` (which credentials, azure-identity),
``_cli_login`` (the Azure CLI's account), ``_token_cache`` (tokens shared between tasks).

Nothing here imports ``azure.*`` at module import, and nothing raises ``ArmError`` (that lives
in ``_arm_client``, which imports these files): errors are :class:`AuthError` and
:class:`MissingLibrary`, which the client turns into one-line ``ArmError``."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


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
