# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Clouds: names, URL clouds and their metadata document."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient, ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AuthError
from ansible_collections.azure_recovery.backup.plugins.module_utils._clouds import resolve_cloud

ITEM = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupJobs"


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
    arm.route_path("GET", ITEM, (200, {}, {}))
    assert not client.cloud.discovered  # nothing read before a token is needed
    client.get(ITEM, "listing jobs")
    assert seen == [(arm.url, "https://management.emulator.test/.default", arm.ca_file)]
    metadata = arm.requests[0]
    assert metadata.target == "/metadata/endpoints?api-version=2015-01-01" and "authorization" not in metadata.headers
    assert client.credential.scopes == [("https://management.emulator.test/.default",)]


def test_cloud_metadata_without_authentication_is_an_error(make_client, arm):
    client = make_client()
    arm.route_path("GET", "/metadata/endpoints", (200, {"galleryEndpoint": "x"}, {}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing jobs")
    assert caught.value.code == "InvalidCloudMetadata" and "loginEndpoint" in str(caught.value)


def test_cloud_metadata_http_login_endpoint_refused(make_client, arm):
    client = make_client()
    arm.route_path("GET", "/metadata/endpoints", (200, {"authentication": {"loginEndpoint": "http://login.example.test/", "audiences": ["a"]}}, {}))
    with pytest.raises(ArmError, match="not https"):
        client.get(ITEM, "listing jobs")


def test_cloud_public_cloud_reads_no_metadata():
    client = ArmClient({"subscription_id": "s", "client_id": "a", "secret": "b", "tenant": "t"}, environ={})
    assert client.endpoint == "https://management.azure.com" and client.cloud.discovered
