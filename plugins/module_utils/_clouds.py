# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Clouds: the public clouds, a URL cloud (Azure Stack Hub, the emulator) and its metadata document."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import urlsplit

from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AuthError


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
