# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud metadata, AAD token endpoint, azure-identity, and Resource Manager 401s."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest

from conftest import API


def test_metadata_endpoints_both_shapes(emu):
    sess = emu.session(token=False)
    old = sess.get(emu.endpoint + "/metadata/endpoints", params={"api-version": "2015-01-01"}).json()
    assert old["authentication"]["loginEndpoint"] == emu.endpoint + "/"
    assert old["authentication"]["audiences"][0] == emu.endpoint + "/"
    assert {"galleryEndpoint", "graphEndpoint", "portalEndpoint"} <= set(old)
    new = sess.get(emu.endpoint + "/metadata/endpoints", params={"api-version": "2020-06-01"}).json()
    assert isinstance(new, list) and new[0]["resourceManager"] == emu.endpoint + "/"
    assert {"loginEndpoint", "audiences", "tenant", "identityProvider"} <= set(new[0]["authentication"])
    assert "suffixes" in new[0]
    assert sess.get(emu.endpoint + "/metadata/endpoints", params={"api-version": "2099-01-01"}).status_code == 400


def test_openid_configuration_points_at_emulator(emu):
    sess = emu.session(token=False)
    conf = sess.get("%s/%s/v2.0/.well-known/openid-configuration" % (emu.endpoint, emu.info["tenant_id"])).json()
    assert conf["token_endpoint"].startswith(emu.endpoint + "/")
    assert conf["authorization_endpoint"].startswith(emu.endpoint + "/")
    assert conf["issuer"].startswith(emu.endpoint + "/")


@pytest.mark.parametrize("change,status,error,code", [
    ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
    ({"client_id": "33333333-3333-3333-3333-333333333333"}, 400, "unauthorized_client", 700016),
    ({"tenant": "44444444-4444-4444-4444-444444444444"}, 400, "invalid_request", 90002),
])
def test_token_errors_are_aad_shaped(emu, change, status, error, code):
    form = {"grant_type": "client_credentials", "client_id": emu.info["client_id"],
            "client_secret": emu.info["client_secret"], "scope": emu.endpoint + "/.default"}
    tenant = change.pop("tenant", emu.info["tenant_id"])
    form.update(change)
    resp = emu.session(token=False).post("%s/%s/oauth2/v2.0/token" % (emu.endpoint, tenant), data=form)
    assert resp.status_code == status
    body = resp.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith("AADSTS%d:" % code)
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)


def test_token_shape(emu):
    resp = emu.session(token=False).post("%s/%s/oauth2/v2.0/token" % (emu.endpoint, emu.info["tenant_id"]), data={
        "grant_type": "client_credentials", "client_id": emu.info["client_id"], "client_secret": emu.info["client_secret"],
        "scope": emu.endpoint + "/.default"})
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["ext_expires_in"] > 0


def test_azure_identity_client_secret_credential(emu):
    from azure import identity  # a runtime requirement: its absence is a failure, not a skip
    cred = identity.ClientSecretCredential(emu.info["tenant_id"], emu.info["client_id"], emu.info["client_secret"],
                                           authority=emu.endpoint, disable_instance_discovery=True,
                                           connection_verify=emu.ca_file)
    token = cred.get_token(emu.endpoint + "/.default")
    assert token.expires_on > time.time()
    sess = emu.session(token=False)
    sess.headers["Authorization"] = "Bearer " + token.token
    assert sess.get(emu.vault_url(), params={"api-version": API}).status_code == 200


def test_arm_without_or_with_bad_token(emu):
    sess = emu.session(token=False)
    resp = sess.get(emu.vault_url(), params={"api-version": API})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "AuthenticationFailed"
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer authorization_uri=") and 'error="invalid_token"' in challenge
    sess.headers["Authorization"] = "Bearer not.a.token"
    resp = sess.get(emu.vault_url(), params={"api-version": API})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "WWW-Authenticate" in resp.headers


def test_expired_token(emu):
    emu.admin("POST", "config", {"token_lifetime": 1})
    token = emu.get_token(fresh=True)
    sess = emu.session(token=False)
    sess.headers["Authorization"] = "Bearer " + token
    assert sess.get(emu.vault_url(), params={"api-version": API}).status_code == 200
    time.sleep(1.1)
    resp = sess.get(emu.vault_url(), params={"api-version": API})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "ExpiredAuthenticationToken"
    emu.token = None
