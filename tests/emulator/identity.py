# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud metadata, AAD (OpenID configuration, token endpoint) and bearer-token checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs

from common import ArmError, Response, new_id

METADATA_2015 = ("1.0", "2015-01-01", "2018-01-01", "2019-05-01")


def _b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text):
    return base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))


def _aad_time():
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())


class Identity:
    """Issues and checks HMAC-signed JWT access tokens for the emulator's single client."""

    def __init__(self, state):
        self.state = state
        self.key = hashlib.sha256(("%s-token-key" % time.time()).encode()).digest()

    # ------------------------------------------------------------------ metadata
    def metadata(self, endpoint, query):
        version = query.get("api-version")
        login = endpoint + "/"
        audience = endpoint + "/"
        if version is None or version in METADATA_2015:
            return Response(200, {
                "galleryEndpoint": endpoint + "/",
                "graphEndpoint": endpoint + "/graph/",
                "portalEndpoint": endpoint + "/portal/",
                "authentication": {"loginEndpoint": login, "audiences": [audience]},
            })
        if version in ("2020-06-01", "2022-09-01"):
            host = endpoint.split("://", 1)[1]
            return Response(200, [{
                "name": "AzureRecoveryEmulator",
                "portal": endpoint + "/portal/",
                "resourceManager": endpoint + "/",
                "authentication": {"loginEndpoint": login, "audiences": [audience], "tenant": "common",
                                   "identityProvider": "AAD"},
                "media": endpoint + "/",
                "graphAudience": endpoint + "/graph/",
                "graph": endpoint + "/graph/",
                "activeDirectoryDataLake": None,
                "sqlManagement": endpoint + "/sql/",
                "microsoftGraphResourceId": endpoint + "/graph/",
                "appInsightsResourceId": endpoint + "/",
                "appInsightsTelemetryChannelResourceId": endpoint + "/",
                "attestationResourceId": endpoint + "/",
                "synapseAnalyticsResourceId": endpoint + "/",
                "logAnalyticsResourceId": endpoint + "/",
                "ossrDbmsResourceId": endpoint + "/",
                "batch": endpoint + "/",
                "suffixes": {"acrLoginServer": "azurecr.io", "keyVaultDns": "vault.azure.net", "sqlServerHostname": host,
                             "storage": "core.windows.net", "storageSyncEndpointSuffix": "afs.azure.net",
                             "mhsmDns": "managedhsm.azure.net", "mysqlServerEndpoint": "mysql.database.azure.com",
                             "postgresqlServerEndpoint": "postgres.database.azure.com",
                             "mariadbServerEndpoint": "mariadb.database.azure.com",
                             "synapseAnalytics": "dev.azuresynapse.net", "attestationEndpoint": "attest.azure.net"},
            }])
        raise ArmError(400, "InvalidApiVersionParameter",
                       "The api-version '%s' is invalid. The supported versions are '%s,2020-06-01,2022-09-01'."
                       % (version, ",".join(METADATA_2015)))

    def openid_configuration(self, endpoint, tenant, v2=True):
        if not self._known_tenant(tenant):
            return self._aad_error(400, "invalid_tenant", 90002,
                                   "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing "
                                   "into the correct cloud." % tenant)
        tid = self.state.tenant_id
        base = "%s/%s" % (endpoint, tid)
        suffix = "/v2.0" if v2 else ""
        return Response(200, {
            "token_endpoint": "%s/oauth2%s/token" % (base, suffix),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": "%s/discovery%s/keys" % (base, suffix),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": "%s%s" % (base, suffix),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "%s/openid/userinfo" % endpoint,
            "authorization_endpoint": "%s/oauth2%s/authorize" % (base, suffix),
            "device_authorization_endpoint": "%s/oauth2%s/devicecode" % (base, suffix),
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": "%s/oauth2%s/logout" % (base, suffix),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": endpoint.split("://", 1)[1],
            "cloud_graph_host_name": endpoint.split("://", 1)[1],
            "msgraph_host": endpoint.split("://", 1)[1],
        })

    def instance_discovery(self, endpoint, query):
        authority = query.get("authorization_endpoint", "")
        host = endpoint.split("://", 1)[1]
        return Response(200, {
            "tenant_discovery_endpoint": "%s/%s/v2.0/.well-known/openid-configuration" % (endpoint, self.state.tenant_id),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            "authorization_endpoint": authority,
        })

    def _known_tenant(self, tenant):
        return tenant.lower() in (self.state.tenant_id.lower(), "organizations", "common")

    @staticmethod
    def _aad_error(status, error, code, description):
        corr = new_id()
        trace = new_id()
        body = {"error": error,
                "error_description": "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s" % (
                    code, description, trace, corr, _aad_time()),
                "error_codes": [code], "timestamp": _aad_time(), "trace_id": trace, "correlation_id": corr,
                "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}
        return Response(status, body)

    # ------------------------------------------------------------------ token endpoint
    def token(self, endpoint, tenant, body, v2=True):
        try:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            form = {}
        if tenant.lower() != self.state.tenant_id.lower():
            return self._aad_error(400, "invalid_request", 90002,
                                   "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing "
                                   "into the correct cloud." % tenant)
        if form.get("grant_type") != "client_credentials":
            return self._aad_error(400, "unsupported_grant_type", 70003,
                                   "The app requested an unsupported grant type '%s'." % form.get("grant_type"))
        client_id = form.get("client_id", "")
        if client_id.lower() != self.state.client_id.lower():
            return self._aad_error(400, "unauthorized_client", 700016,
                                   "Application with identifier '%s' was not found in the directory '%s'. This can happen if "
                                   "the application has not been installed by the administrator of the tenant."
                                   % (client_id, tenant))
        if form.get("client_secret") is None:
            return self._aad_error(401, "invalid_client", 7000218,
                                   "The request body must contain the following parameter: 'client_assertion' or "
                                   "'client_secret'.")
        if not hmac.compare_digest(form.get("client_secret", ""), self.state.client_secret):
            return self._aad_error(401, "invalid_client", 7000215,
                                   "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                                   "secret value, not the client secret ID, for a secret added to app '%s'." % client_id)
        resource = form.get("scope", "") if v2 else form.get("resource", "")
        if v2:
            if not resource.endswith("/.default"):
                return self._aad_error(400, "invalid_scope", 1002012,
                                       "The provided value for scope %s is not valid. Client credential flows must have a "
                                       "scope value with /.default suffixed to the resource identifier (application ID URI)."
                                       % resource)
            resource = resource[:-len("/.default")]
        if resource.rstrip("/").lower() != endpoint.rstrip("/").lower():
            return self._aad_error(400, "invalid_resource", 500011,
                                   "The resource principal named %s was not found in the tenant named %s." % (resource, tenant))
        lifetime = int(self.state.config["token_lifetime"])
        now = int(time.time())
        claims = {"aud": endpoint + "/", "iss": "%s/%s/" % (endpoint, self.state.tenant_id), "iat": now, "nbf": now,
                  "exp": now + lifetime, "appid": client_id, "tid": self.state.tenant_id, "oid": client_id,
                  "sub": client_id, "idtyp": "app", "ver": "1.0", "jti": new_id()}
        token = self._encode(claims)
        out = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}
        if not v2:
            out.update({"expires_on": str(now + lifetime), "not_before": str(now), "resource": resource})
        return Response(200, out)

    def _encode(self, claims):
        header = _b64(json.dumps({"typ": "JWT", "alg": "HS256", "kid": "emulator"}).encode())
        payload = _b64(json.dumps(claims).encode())
        sig = _b64(hmac.new(self.key, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest())
        return "%s.%s.%s" % (header, payload, sig)

    # ------------------------------------------------------------------ ARM side
    def check(self, endpoint, authorization):
        """None if the bearer token is good, else the 401 ArmError."""
        challenge = 'Bearer authorization_uri="%s/%s", error="invalid_token", error_description="%%s"' % (
            endpoint, self.state.tenant_id)
        if not authorization:
            return ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                            headers={"WWW-Authenticate": challenge % "The authentication failed because of missing 'Authorization' header."})
        parts = authorization.split(" ", 1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return ArmError(401, "AuthenticationFailed",
                            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                            headers={"WWW-Authenticate": challenge % "The authentication scheme of Bearer is required."})
        token = parts[1].strip()
        try:
            header, payload, sig = token.split(".")
            good = hmac.new(self.key, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(_unb64(sig), good):
                raise ValueError("bad signature")
            claims = json.loads(_unb64(payload))
        except (ValueError, TypeError) as exc:
            return ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.",
                            headers={"WWW-Authenticate": challenge % ("The access token is invalid: %s." % exc)})
        if claims.get("aud", "").rstrip("/").lower() != endpoint.rstrip("/").lower():
            return ArmError(401, "InvalidAuthenticationTokenAudience",
                            "The access token has been obtained for wrong audience or resource '%s'. It should exactly match "
                            "with one of the allowed audiences '%s/'." % (claims.get("aud"), endpoint),
                            headers={"WWW-Authenticate": challenge % "The access token has an invalid audience."})
        now = time.time()
        if claims.get("exp", 0) <= now:
            expired = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(claims.get("exp", 0)))
            current = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(now))
            return ArmError(401, "ExpiredAuthenticationToken",
                            "The access token expiry UTC time '%s' is earlier than current UTC time '%s'." % (expired, current),
                            headers={"WWW-Authenticate": challenge % "The access token expiry UTC time is earlier than current UTC time."})
        return None
