# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArmClient against a real local HTTPS server (see conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import socket
import time
import uuid

import pytest
import requests

from ansible_collections.azure_recovery.backup.plugins.module_utils import _arm_client
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import (
    ArmAmbiguousWrite,
    ArmClient,
    ArmError,
    ArmNotFound,
)

SUB = "00000000-0000-0000-0000-000000000001"
from support.fake_arm import DROP  # the fake server closes the connection without answering

ITEM = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupProtectedItems"
PUT_PATH = ("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupFabrics/Azure/"
            "protectionContainers/IaasVMContainer%3Biaasvmcontainerv2%3Brg%3Bvm1/protectedItems/VM%3Biaasvmcontainerv2%3Brg%3Bvm1")
BACKUP_PATH = PUT_PATH + "/backup"
ARM_ERROR = {"error": {"code": "BMSUserErrorInvalidPolicyInput", "message": "Input for create or update\n   policy is not in proper format"}}


def _free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _client_for_closed_port(fake_clock, FakeCredential, **params):
    base = dict(cloud_environment="https://127.0.0.1:%d" % _free_port(), subscription_id=SUB, client_id="app", secret="s3cret-value",
                tenant="t", token_cache=False)
    base.update(params)
    client = ArmClient(base, environ={})
    client.cloud.login_endpoint, client.cloud.audience = "https://login.example.test", "https://management.example.test/"
    client.tokens.credential_factory = lambda *args: FakeCredential()
    return fake_clock.attach(client)


# --------------------------------------------------------------------------- Retry-After

def test_retry_after_seconds_is_waited(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("GET", ITEM, (429, ARM_ERROR, {"Retry-After": "7"}), (200, {"value": []}, {}))
    assert client.get(ITEM, "listing items") == {"value": []}
    assert fake_clock.slept == [7.0]
    assert len(arm.api_requests()) == 2
    assert client.stats["retries"] == 1
    assert len(client.retries) == 1 and "HTTP 429" in client.retries[0] and "waited 7.0s" in client.retries[0]


def test_retry_after_http_date_is_waited(make_client, arm, fake_clock):
    client = make_client()
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    arm.route_path("GET", ITEM, (503, "", {"Retry-After": when}), (200, {}, {}))
    client.get(ITEM, "listing items")
    assert len(fake_clock.slept) == 1
    assert 18.0 <= fake_clock.slept[0] <= 21.0


def test_retry_after_in_the_past_waits_nothing(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("GET", ITEM, (429, "", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), (200, {}, {}))
    client.get(ITEM, "listing items")
    assert fake_clock.slept == [0.0]


def test_retry_after_ms_header_is_waited(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("GET", ITEM, (429, "", {"x-ms-retry-after-ms": "1500", "Retry-After": "9"}), (200, {}, {}))
    client.get(ITEM, "listing items")
    assert fake_clock.slept == [1.5]


def test_retry_after_real_short_wait(make_client, arm):
    client = make_client(real_time=True)
    arm.route_path("GET", ITEM, (429, "", {"Retry-After": "1"}), (200, {}, {}))
    started = time.monotonic()
    client.get(ITEM, "listing items")
    elapsed = time.monotonic() - started
    assert 0.95 <= elapsed < 5


# --------------------------------------------------------------------------- backoff

def test_backoff_without_retry_after_is_exponential_and_capped(make_client, arm, fake_clock):
    client = make_client()
    client.random = lambda: 1.0  # the top of the jitter range
    arm.route_path("GET", ITEM, (503, "", {}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing items")
    assert fake_clock.slept == [1, 2, 4, 8, 16, 30, 30, 30]
    assert len(arm.api_requests()) == 9  # one try + max_retries (8)
    assert caught.value.status == 503
    assert "gave up after 8 retries" in str(caught.value)


def test_backoff_is_full_jitter(make_client, arm, fake_clock):
    client = make_client(max_retries=3)
    draws = iter([0.5, 0.25, 0.0])
    client.random = lambda: next(draws)
    arm.route_path("GET", ITEM, (500, "", {}), (502, "", {}), (504, "", {}), (200, {}, {}))
    client.get(ITEM, "listing items")
    assert fake_clock.slept == [0.5, 0.5, 0.0]


def test_backoff_bounded_by_overall_deadline(make_client, arm, fake_clock):
    client = make_client()
    client.random = lambda: 1.0
    client.retry_deadline = 10
    arm.route_path("GET", ITEM, (503, "", {}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing items")
    assert fake_clock.slept == [1, 2, 4]  # the next wait (8s) would end after the 10s deadline
    assert sum(fake_clock.slept) <= 10
    assert "retry deadline" in str(caught.value)


def test_backoff_retry_after_beyond_deadline_gives_up_without_waiting(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("GET", ITEM, (429, ARM_ERROR, {"Retry-After": "3600"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing items")
    assert fake_clock.slept == []
    assert caught.value.status == 429 and caught.value.code == "BMSUserErrorInvalidPolicyInput"


def test_backoff_max_retries_zero_sends_once(make_client, arm, fake_clock):
    client = make_client(max_retries=0)
    arm.route_path("GET", ITEM, (503, "", {}))
    with pytest.raises(ArmError):
        client.get(ITEM, "listing items")
    assert len(arm.api_requests()) == 1 and fake_clock.slept == []


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retry_each_transient_status_for_get(make_client, arm, fake_clock, status):
    client = make_client()
    arm.route_path("GET", ITEM, (status, "", {"Retry-After": "2"}), (200, {"ok": 1}, {}))
    assert client.get(ITEM, "listing items") == {"ok": 1}
    assert fake_clock.slept == [2.0]


@pytest.mark.parametrize("status", [400, 403, 404, 501])
def test_retry_not_for_other_statuses(make_client, arm, fake_clock, status):
    client = make_client()
    arm.route_path("GET", ITEM, (status, ARM_ERROR, {"Retry-After": "2"}), (200, {}, {}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing items")
    assert len(arm.api_requests()) == 1 and fake_clock.slept == []
    assert isinstance(caught.value, ArmNotFound) == (status == 404)


def test_retry_get_or_none_maps_404_to_none(make_client, arm):
    client = make_client()
    arm.route_path("GET", ITEM, (404, {"error": {"code": "ResourceNotFound", "message": "gone"}}, {}))
    assert client.get_or_none(ITEM, "reading the item") is None


def test_retry_get_after_dropped_connection(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("GET", ITEM, DROP, (200, {"ok": 1}, {}))
    assert client.get(ITEM, "listing items") == {"ok": 1}
    assert len(arm.api_requests()) == 2
    assert "RemoteDisconnected" in client.retries[0]


def test_retry_connection_refused_even_for_post(fake_clock, FakeCredential):
    client = _client_for_closed_port(fake_clock, FakeCredential, max_retries=2)
    client.random = lambda: 1.0
    with pytest.raises(ArmError) as caught:
        client.send("POST", BACKUP_PATH, "triggering a backup", body={})
    assert not isinstance(caught.value, ArmAmbiguousWrite)  # it never reached the server
    assert fake_clock.slept == [1, 2]
    message = str(caught.value)
    assert "\n" not in message and "object at 0x" not in message and "refused" in message.lower()


# --------------------------------------------------------------------------- 409 conflicts

@pytest.mark.parametrize("error", [
    {"code": "BMSUserErrorObjectLocked", "message": "Another operation is in progress on the selected item."},
    {"code": "AnotherOperationInProgress", "message": "busy"},
    {"code": "Conflict", "message": "Another operation is in progress on this item; retry later."},
])
def test_conflict_409_another_operation_in_progress_is_waited_out(make_client, arm, fake_clock, error):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, (409, {"error": error}, {"Retry-After": "5"}), (409, {"error": error}, {}), (202, "", {}))
    client.random = lambda: 1.0
    response = client.send("PUT", PUT_PATH, "enabling protection", body={"properties": {}})
    assert response.status_code == 202
    assert fake_clock.slept == [5.0, 2.0]  # Retry-After, then backoff (attempt 1 -> up to 2s)
    assert len(arm.api_requests()) == 3


def test_conflict_409_other_is_not_retried(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, (409, {"error": {"code": "Conflict", "message": "The resource already exists."}}, {}), (202, "", {}))
    with pytest.raises(ArmError) as caught:
        client.send("PUT", PUT_PATH, "enabling protection", body={})
    assert caught.value.status == 409 and len(arm.api_requests()) == 1


# --------------------------------------------------------------------------- writes after ambiguous failures

def test_no_resend_post_after_dropped_connection(make_client, arm):
    client = make_client()
    arm.route_path("POST", BACKUP_PATH, DROP, (202, "", {}))
    with pytest.raises(ArmAmbiguousWrite) as caught:
        client.send("POST", BACKUP_PATH, "triggering a backup of vm1", body={"properties": {"objectType": "IaasVMBackupRequest"}})
    posts = [r for r in arm.requests if r.method == "POST"]
    assert len(posts) == 1
    assert caught.value.client_request_id == posts[0].headers["x-ms-client-request-id"]
    assert "not sent again" in str(caught.value)


def test_no_resend_post_after_read_timeout(make_client, arm):
    client = make_client(request_timeout=0.5)

    def slow(recorded):
        time.sleep(1.5)
        return (202, "", {})
    arm.route_path("POST", BACKUP_PATH, slow)
    with pytest.raises(ArmAmbiguousWrite) as caught:
        client.send("POST", BACKUP_PATH, "triggering a backup of vm1", body={})
    assert len([r for r in arm.requests if r.method == "POST"]) == 1
    assert "Timeout" in caught.value.message


@pytest.mark.parametrize("status", [500, 502, 504])
def test_no_resend_post_after_gateway_or_server_error(make_client, arm, status):
    client = make_client()
    arm.route_path("POST", BACKUP_PATH, (status, "", {}), (202, "", {}))
    with pytest.raises(ArmAmbiguousWrite) as caught:
        client.send("POST", BACKUP_PATH, "triggering a backup of vm1", body={})
    assert caught.value.status == status
    assert len([r for r in arm.requests if r.method == "POST"]) == 1


def test_post_resent_after_429_and_503_the_service_did_not_act(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("POST", BACKUP_PATH, (429, "", {"Retry-After": "1"}), (503, "", {"Retry-After": "1"}), (202, "", {}))
    assert client.send("POST", BACKUP_PATH, "triggering a backup", body={}).status_code == 202
    assert len(arm.api_requests()) == 3


def test_put_resent_after_500(make_client, arm):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, (500, "", {}), (202, "", {}))
    assert client.send("PUT", PUT_PATH, "enabling protection", body={}).status_code == 202
    assert len(arm.api_requests()) == 2


def test_no_resend_put_after_dropped_connection(make_client, arm):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, DROP, (202, "", {}))
    with pytest.raises(ArmAmbiguousWrite):
        client.send("PUT", PUT_PATH, "enabling protection", body={})
    assert len(arm.api_requests()) == 1


def test_idempotent_post_resent_after_dropped_connection(make_client, arm):
    client = make_client()
    path = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupFabrics/Azure/refreshContainers" % SUB
    arm.route_path("POST", path, DROP, (202, "", {}))
    assert client.send("POST", path, "refreshing", idempotent=True).status_code == 202
    assert len(arm.api_requests()) == 2


# --------------------------------------------------------------------------- write budget

def test_write_budget_at_zero_spaces_the_next_write(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, (202, "", {"x-ms-ratelimit-remaining-subscription-writes": "2"}),
                   (202, "", {"x-ms-ratelimit-remaining-subscription-writes": "0"}),
                   (202, "", {"x-ms-ratelimit-remaining-subscription-writes": "1199"}))
    client.send("PUT", PUT_PATH, "enabling protection", body={})
    client.send("PUT", PUT_PATH, "enabling protection", body={})
    assert fake_clock.slept == []  # budget left: no wait
    client.send("PUT", PUT_PATH, "enabling protection", body={})
    assert fake_clock.slept == [1.0]  # budget empty: one write per interval (1 s until a Retry-After says otherwise)
    client.send("PUT", PUT_PATH, "enabling protection", body={})
    assert fake_clock.slept == [1.0]  # budget healthy again
    assert any("write budget" in line for line in client.retries)


def test_throttled_write_sets_the_interval_for_writes_at_zero_budget(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, (429, {"error": {"code": "SubscriptionRequestsThrottled", "message": "slow down"}}, {"Retry-After": "3"}),
                   (202, "", {"x-ms-ratelimit-remaining-subscription-writes": "0"}),
                   (202, "", {"x-ms-ratelimit-remaining-subscription-writes": "0"}))
    client.send("PUT", PUT_PATH, "enabling protection", body={})
    assert fake_clock.slept == [3.0]  # the retry waited out Retry-After; the pause it set had passed by then
    client.send("PUT", PUT_PATH, "enabling protection", body={})
    assert fake_clock.slept == [3.0, 3.0]  # at zero budget, writes go Retry-After apart
    assert len(arm.api_requests()) == 3


def test_write_budget_does_not_slow_reads(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, (202, "", {"x-ms-ratelimit-remaining-subscription-writes": "0"}))
    arm.route_path("GET", ITEM, (200, {}, {}))
    client.send("PUT", PUT_PATH, "enabling protection", body={})
    client.get(ITEM, "listing")
    assert fake_clock.slept == []


# --------------------------------------------------------------------------- paging

def test_paging_follows_next_link_across_three_pages(make_client, arm):
    client = make_client()
    page2 = arm.url + "/Subscriptions/00000000-0000-0000-0000-000000000001/page?api-version=2019-05-13&%24skiptoken=a%2fb%3D%3D&t=1&s=sig_-%7E"
    page3 = arm.url + "/subscriptions/00000000-0000-0000-0000-000000000001/page3?api-version=2026-02-01&$skiptoken=c;d"
    arm.route_path("GET", ITEM, (200, {"value": [{"id": 1}, {"id": 2}], "nextLink": page2}, {}))
    arm.route_path("GET", "/Subscriptions/00000000-0000-0000-0000-000000000001/page", (200, {"value": [{"id": 3}], "nextLink": page3}, {}))
    arm.route_path("GET", "/subscriptions/00000000-0000-0000-0000-000000000001/page3", (200, {"value": [{"id": 4}]}, {}))
    items = client.list(ITEM, "listing protected items", query={"$filter": "backupManagementType eq 'AzureIaasVM'"})
    assert [item["id"] for item in items] == [1, 2, 3, 4]
    targets = [r.target for r in arm.api_requests()]
    assert targets[1] == page2[len(arm.url):] and targets[2] == page3[len(arm.url):]
    assert "$filter=backupManagementType%20eq%20'AzureIaasVM'" in targets[0]


def test_paging_empty_list(make_client, arm):
    client = make_client()
    arm.route_path("GET", ITEM, (200, {"value": []}, {}))
    assert client.list(ITEM, "listing") == []


def test_paging_repeated_next_link_is_an_error_not_a_loop(make_client, arm):
    client = make_client()
    arm.route_path("GET", ITEM, (200, {"value": [{"id": "1"}], "nextLink": arm.url + ITEM + "?api-version=2026-02-01"}, {}))
    with pytest.raises(ArmError, match="same nextLink twice"):
        client.list(ITEM, "listing")


# --------------------------------------------------------------------------- host pinning

@pytest.mark.parametrize("foreign", [
    "https://evil.example.com/subscriptions/00000000-0000-0000-0000-000000000001/page2",
    "http://127.0.0.1:{port}/subscriptions/00000000-0000-0000-0000-000000000001/page2",
    "https://127.0.0.1:1/subscriptions/00000000-0000-0000-0000-000000000001/page2",
    "https://localhost:{port}/subscriptions/00000000-0000-0000-0000-000000000001/page2",
    "https://127.0.0.1:{port}@evil.example.com/subscriptions/00000000-0000-0000-0000-000000000001/page2",
])
def test_foreign_host_next_link_refused(make_client, arm, foreign):
    client = make_client()
    foreign = foreign.format(port=arm.url.rsplit(":", 1)[1])
    arm.route_path("GET", ITEM, (200, {"value": [{"id": "1"}], "nextLink": foreign}, {}))
    with pytest.raises(ArmError) as caught:
        client.list(ITEM, "listing protected items")
    assert caught.value.code == "UntrustedUrl"
    assert "refusing to send the token to" in str(caught.value) and "nextLink" in str(caught.value)
    assert len(arm.api_requests()) == 1


def test_foreign_host_absolute_url_refused_before_any_token(make_client, arm, FakeCredential):
    credential = FakeCredential()
    client = make_client(credential=credential)
    with pytest.raises(ArmError, match="refusing to send the token to https://evil.example.com"):
        client.get("https://evil.example.com/subscriptions/00000000-0000-0000-0000-000000000001/x?api-version=1", "reading")
    assert credential.scopes == [] and arm.requests == []


def test_foreign_host_http_cloud_environment_refused():
    with pytest.raises(ArmError, match="not an https URL"):
        ArmClient(dict(cloud_environment="http://127.0.0.1:8080", subscription_id="s", client_id="a", secret="b", tenant="t"), environ={})


def test_foreign_host_redirect_not_followed(make_client, arm):
    client = make_client()
    arm.route_path("GET", ITEM, (302, "", {"Location": "https://evil.example.com/steal?x=1"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert "unexpected redirect to https://evil.example.com/steal" in str(caught.value) and caught.value.status == 302
    assert len(arm.api_requests()) == 1


# --------------------------------------------------------------------------- error lines

def test_error_line_from_arm_json(make_client, arm):
    client = make_client()
    arm.route_path("PUT", PUT_PATH, (400, ARM_ERROR, {"x-ms-request-id": "0a1b-2c3d"}))
    with pytest.raises(ArmError) as caught:
        client.send("PUT", PUT_PATH, "enabling protection of VM vm1", body={})
    assert str(caught.value) == ("enabling protection of VM vm1 failed: BMSUserErrorInvalidPolicyInput: Input for create or update policy is "
                                 "not in proper format (HTTP 400, x-ms-request-id 0a1b-2c3d)")
    assert caught.value.to_dict() == {"code": "BMSUserErrorInvalidPolicyInput", "status": 400, "request_id": "0a1b-2c3d"}


def test_error_line_includes_differing_details(make_client, arm):
    client = make_client()
    body = {"error": {"code": "InvalidTemplate", "message": "outer", "details": [{"code": "Inner", "message": "the real reason"}]}}
    arm.route_path("GET", ITEM, (400, body, {}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    # no x-ms-request-id in the answer: the line names the request by the id this client sent
    assert str(caught.value) == ("listing failed: InvalidTemplate: outer [Inner: the real reason] (HTTP 400, x-ms-client-request-id %s)"
                                 % caught.value.client_request_id)
    assert caught.value.client_request_id == arm.api_requests()[0].headers["x-ms-client-request-id"]


def test_error_line_from_html_gateway_page(make_client, arm):
    client = make_client(max_retries=0)
    page = "<html><head><title>502 Bad Gateway</title><style>body{}</style></head><body>" + "<p>nginx</p>\n" * 500 + "</body></html>"
    arm.route_path("GET", ITEM, (502, page, {"Content-Type": "text/html"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing protected items")
    line = str(caught.value)
    assert line == ("listing protected items failed: non-JSON response (text/html): 502 Bad Gateway; gave up after 0 retries "
                    "(HTTP 502, x-ms-client-request-id %s)" % caught.value.client_request_id)


def test_error_line_from_html_without_title_is_short_text(make_client, arm):
    client = make_client()
    page = "<html><body><h1>Forbidden</h1>\n\n   <p>" + "blocked by policy " * 100 + "</p></body></html>"
    arm.route_path("GET", ITEM, (403, page, {"Content-Type": "text/html; charset=utf-8"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    message = caught.value.message
    assert message.startswith("non-JSON response (text/html): Forbidden blocked by policy blocked")
    assert "<" not in message and "\n" not in message and len(message) < 260


def test_error_line_empty_body(make_client, arm):
    client = make_client()
    arm.route_path("DELETE", PUT_PATH, (400, "", {"x-ms-request-id": "r1"}))
    with pytest.raises(ArmError) as caught:
        client.send("DELETE", PUT_PATH, "deleting backup data of vm1")
    assert str(caught.value) == "deleting backup data of vm1 failed: empty response body (HTTP 400, x-ms-request-id r1)"


def test_error_line_never_contains_token_or_secret(make_client, arm):
    client = make_client()
    arm.route_path("GET", ITEM, (401, {"error": {"code": "InvalidAuthenticationToken", "message": "The access token is invalid."}},
                                 {"WWW-Authenticate": 'Bearer error="invalid_token"'}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    text = str(caught.value) + repr(caught.value.__dict__) + " ".join(client.retries)
    assert "tok-" not in text and "s3cret" not in text
    assert {"tok-1", "tok-2"} <= client.no_log_values


# --------------------------------------------------------------------------- 401 -> one fresh token

def test_401_with_www_authenticate_refreshes_token_once(make_client, arm, FakeCredential):
    credential = FakeCredential()
    client = make_client(credential=credential)
    arm.route_path("GET", ITEM, (401, "", {"WWW-Authenticate": 'Bearer authorization_uri="x", error="invalid_token"'}), (200, {"ok": 1}, {}))
    assert client.get(ITEM, "listing") == {"ok": 1}
    assert [r.headers["authorization"] for r in arm.api_requests()] == ["Bearer tok-1", "Bearer tok-2"]
    assert client.stats["token_requests"] == 2


def test_401_twice_fails_after_one_refresh(make_client, arm, FakeCredential):
    credential = FakeCredential()
    client = make_client(credential=credential)
    arm.route_path("GET", ITEM, (401, "", {"WWW-Authenticate": "Bearer"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert caught.value.status == 401
    assert len(arm.api_requests()) == 2 and len(credential.scopes) == 2


def test_401_without_www_authenticate_is_not_retried(make_client, arm, FakeCredential):
    credential = FakeCredential()
    client = make_client(credential=credential)
    arm.route_path("GET", ITEM, (401, "", {}), (200, {}, {}))
    with pytest.raises(ArmError):
        client.get(ITEM, "listing")
    assert len(arm.api_requests()) == 1 and len(credential.scopes) == 1


# --------------------------------------------------------------------------- tokens, headers, URLs

def test_token_fetched_lazily_once_and_reused(make_client, arm, FakeCredential):
    credential = FakeCredential()
    client = make_client(credential=credential)
    assert credential.scopes == [] and arm.requests == []
    arm.route_path("GET", ITEM, (200, {}, {}))
    client.get(ITEM, "a")
    client.get(ITEM, "b")
    assert credential.scopes == [("https://management.emulator.test/.default",)]
    assert client.stats == {"requests": 3, "retries": 0, "token_requests": 1}  # metadata + 2 GETs


def test_headers_user_agent_client_request_id_and_api_version(make_client, arm):
    client = make_client()
    arm.route_path("GET", ITEM, (503, "", {"Retry-After": "0"}), (200, {}, {}))
    client.get(ITEM, "listing")
    first, second = arm.api_requests()
    assert first.headers["user-agent"].startswith("azure_recovery.backup/1.0.0 ")
    assert str(uuid.UUID(first.headers["x-ms-client-request-id"])) == first.headers["x-ms-client-request-id"]
    assert second.headers["x-ms-client-request-id"] == first.headers["x-ms-client-request-id"]  # one id per logical call
    assert first.target == ITEM + "?api-version=2026-02-01"


def test_query_values_encoded_by_client(make_client, arm):
    client = make_client()
    arm.route_path("GET", ITEM, (200, {}, {}))
    client.get(ITEM, "listing", query={"$filter": "friendlyName eq 'a&b c'", "skip": None}, api_version="2019-05-13")
    assert arm.api_requests()[0].target == ITEM + "?api-version=2019-05-13&$filter=friendlyName%20eq%20'a%26b%20c'"


SIGNED = ("/Subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupFabrics/Azure/"
          "protectionContainers/"
          "IaasVMContainer;iaasvmcontainerv2;rg;vm1/protectedItems/vm%3Biaasvmcontainerv2%3brg%3Bvm1/operationsStatus/0f2e-11"
          "?api-version=2019-05-13-preview&t=638712345678901234&c=MIIHpTCCBo2gAwIBAgITOgM6dTLGpzYZpvPtgQAEAzp1MjANBg%2fq"
          "&s=Ab_c-D%7Ee%2B%3d&h=hC9b-x%3D")


def test_url_sent_verbatim(make_client, arm):
    client = make_client()
    arm.route_path("GET", SIGNED.split("?", maxsplit=1)[0], (200, {"status": "InProgress"}, {}))
    client.send("GET", arm.url + SIGNED, "polling")
    assert arm.api_requests()[0].target == SIGNED


def test_url_sent_verbatim_where_plain_requests_would_not(arm):
    """Shows the test above has teeth: a stock requests session changes this URL."""
    arm.route_path("GET", SIGNED.split("?", maxsplit=1)[0], (200, {}, {}))
    requests.get(arm.url + SIGNED, verify=arm.ca_file, timeout=10)
    assert arm.requests[-1].target != SIGNED


# --------------------------------------------------------------------------- TLS

def test_tls_verification_on_by_default(make_client, arm, fake_clock):
    client = make_client(ca_bundle=None)
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert "TLS failure" in str(caught.value) and "ca_bundle" in str(caught.value)
    assert fake_clock.slept == []  # a certificate problem is not retried


def test_tls_requests_ca_bundle_environment_honoured(make_client, arm):
    client = make_client(ca_bundle=None, environ={"REQUESTS_CA_BUNDLE": arm.ca_file})
    arm.route_path("GET", ITEM, (200, {"ok": 1}, {}))
    assert client.get(ITEM, "listing") == {"ok": 1}


def test_tls_validate_certs_false_warns_and_connects(make_client, arm):
    client = make_client(ca_bundle=None, validate_certs=False)
    arm.route_path("GET", ITEM, (200, {"ok": 1}, {}))
    assert client.get(ITEM, "listing") == {"ok": 1}
    assert len(client.warnings) == 1 and "validate_certs is false" in client.warnings[0]


def test_tls_verified_by_default_no_warning(make_client):
    assert make_client().warnings == []


def test_transport_failure_line_has_a_code_and_the_client_request_id(make_client, arm):
    """A dropped connection has no answer, so no x-ms-request-id: the line still names a code and the
    x-ms-client-request-id that was sent (the same on every retry of the call)."""
    client = make_client(max_retries=1)
    arm.route_path("GET", ITEM, DROP, DROP)
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing protected items")
    sent = [r.headers["x-ms-client-request-id"] for r in arm.api_requests()]
    assert len(sent) == 2 and len(set(sent)) == 1
    line = str(caught.value)
    assert caught.value.code == "ConnectionFailed" and "\n" not in line
    assert line.startswith("listing protected items failed: ConnectionFailed: RemoteDisconnected: Remote end closed connection")
    assert line.endswith("; gave up after 1 retries (x-ms-client-request-id %s)" % sent[0])


def test_timeout_line_has_the_request_timeout_code(make_client, arm):
    client = make_client(request_timeout=0.3, max_retries=0)

    def slow(recorded):
        time.sleep(0.8)
        return (200, {}, {})
    arm.route_path("GET", ITEM, slow)
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "reading the item")
    assert caught.value.code == "RequestTimeout"
    assert "reading the item failed: RequestTimeout: ReadTimeout: " in str(caught.value)


def test_client_request_ids_are_random_version_4_uuids():
    import uuid
    ids = [_arm_client.new_request_id() for _number in range(200)]
    assert len(set(ids)) == 200
    assert all(uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value for value in ids)


# --------------------------------------------------------------------------- write budget shared between processes (see test_pacing.py)

def test_two_clients_share_a_pause(make_client, arm, fake_clock, tmp_path, monkeypatch):
    """Two ArmClients (as two module processes) with the same private cache directory: the second one's
    first write waits out the 429 the first one got, instead of spending a retry on it."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    environ = {"XDG_RUNTIME_DIR": str(runtime)}
    first = make_client(environ=environ, token_cache=True, max_retries=0)
    second = make_client(environ=environ, token_cache=True)
    arm.route_path("PUT", PUT_PATH, (429, {"error": {"code": "SubscriptionRequestsThrottled", "message": "wait"}}, {"Retry-After": "2"}),
                   (202, "", {"x-ms-ratelimit-remaining-subscription-writes": "10"}))
    with pytest.raises(ArmError):
        first.send("PUT", PUT_PATH, "enabling protection", body={})
    second.send("PUT", PUT_PATH, "enabling protection", body={})
    assert len(fake_clock.slept) == 1 and 1.0 < fake_clock.slept[0] <= 2.0  # the pause, on the wall clock
    assert len(arm.api_requests()) == 2  # no second 429


# --------------------------------------------------------------------------- the task's deadline (issue 11 item 3)

def test_a_retry_that_does_not_fit_in_the_task_deadline_is_not_waited_for(make_client, arm, fake_clock):
    client = make_client()
    client.set_deadline(5)
    arm.route_path("GET", ITEM, (503, "", {"Retry-After": "20", "x-ms-request-id": "req-503"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "reading the operation status")
    assert fake_clock.slept == [] and len(arm.api_requests()) == 1
    error = caught.value
    assert error.code == "OperationTimeout" and error.status == 503 and error.request_id == "req-503"
    assert "did not finish within 5s (wait_timeout); last saw HTTP 503 (Retry-After 20) at https://" in str(error)
    assert "the service asked to wait 20s, more than the 5s left" in str(error)


def test_retries_that_fit_spend_the_task_deadline_then_stop(make_client, arm, fake_clock):
    client = make_client()
    client.set_deadline(5)
    arm.route_path("GET", ITEM, (503, "", {"Retry-After": "2"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing items")
    assert fake_clock.slept == [2.0, 2.0] and caught.value.code == "OperationTimeout"  # a third 2 s wait would pass the 5 s


def test_huge_retry_after_says_what_the_service_asked(make_client, arm, fake_clock):
    client = make_client()
    arm.route_path("GET", ITEM, (429, ARM_ERROR, {"Retry-After": "100000"}))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing items")
    assert fake_clock.slept == []
    assert "gave up: the service asked to wait 100000s, more than the 600s retry deadline" in str(caught.value)


def test_write_pacing_draws_from_the_task_deadline(make_client, arm, fake_clock):
    client = make_client(max_retries=0)
    client.set_deadline(10)
    arm.route_path("PUT", PUT_PATH, (429, ARM_ERROR, {"Retry-After": "30"}))
    with pytest.raises(ArmError):
        client.send("PUT", PUT_PATH, "protecting VM vm1", body={})
    # the next write of the task would wait 30 s for the budget: more than the 10 s left
    with pytest.raises(ArmError) as caught:
        client.send("PUT", PUT_PATH, "protecting VM vm2", body={})
    assert caught.value.code == "OperationTimeout" and "write budget" in str(caught.value)
    assert fake_clock.slept == [] and len([r for r in arm.api_requests() if r.method == "PUT"]) == 1


# --------------------------------------------------------------------------- body shapes (issue 11 item 5)

@pytest.mark.parametrize("body, shape", [("null", "empty or null"), ("[]", "a list"), ('"text"', "a string"), ("42", "a number"),
                                         ("", "empty or null"), ("true", "a boolean")])
def test_get_returns_an_object_or_fails_with_one_line(make_client, arm, body, shape):
    client = make_client()
    arm.route_path("GET", PUT_PATH, (200, body, {"Content-Type": "application/json", "x-ms-request-id": "req-1"}))
    with pytest.raises(ArmError) as caught:
        client.get_or_none(PUT_PATH, "reading the protection of VM vm1")
    line = str(caught.value)
    assert caught.value.code == "UnexpectedResponse" and "\n" not in line
    assert line.startswith("reading the protection of VM vm1 failed: UnexpectedResponse: the response is %s, not a JSON object" % shape)
    assert "x-ms-request-id req-1" in line


@pytest.mark.parametrize("page, what", [
    ([{"id": "1"}], "the list page is a list"),
    ({"value": [1, 2]}, "value is a list with other items"),
    ({"value": [{"id": "1"}, "two"]}, "value is a list with other items"),
    ({"value": "x"}, "value is a string"),
    ({}, "value is empty or null"),
    ({"value": [], "nextLink": 5}, "nextLink is a number"),
])
def test_list_pages_must_be_objects_with_a_value_list_of_objects(make_client, arm, page, what):
    client = make_client()
    arm.route_path("GET", ITEM, (200, page, {}))
    with pytest.raises(ArmError) as caught:
        client.list(ITEM, "listing protected items")
    assert caught.value.code == "UnexpectedResponse" and what in str(caught.value)


def test_list_follows_at_most_max_pages(make_client, arm):
    client = make_client()
    client.max_pages = 5
    pages = []

    def endless(recorded):
        pages.append(recorded.target)
        return (200, {"value": [{"id": str(len(pages))}], "nextLink": arm.url + ITEM + "?api-version=2026-02-01&page=%d" % len(pages)}, {})
    arm.route_path("GET", ITEM, endless)
    with pytest.raises(ArmError) as caught:
        client.list(ITEM, "listing protected items")
    assert len(pages) == 5 and caught.value.code == "TooManyPages"
    assert "gave up after 5 pages" in str(caught.value)
    assert _arm_client.MAX_PAGES >= 1000


# --------------------------------------------------------------------------- options (issue 11 items 6, 9)

@pytest.mark.parametrize("subscription", ["../../providers", "sub-1", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-000000000001\n"])
def test_subscription_id_must_be_a_guid_before_any_request(make_client, arm, subscription):
    client = make_client(subscription_id=subscription)
    with pytest.raises(ArmError) as caught:
        client.subscription_id
    assert caught.value.code == "InvalidSubscriptionId" and "must be a GUID" in str(caught.value) and "\n" not in str(caught.value)
    assert arm.api_requests() == []


@pytest.mark.parametrize("timeout", ["inf", "nan", "1e300", "-1", "0"])
def test_request_timeout_must_be_a_finite_positive_number(make_client, timeout):
    with pytest.raises(ArmError) as caught:
        make_client(request_timeout=float(timeout))
    assert caught.value.code == "InvalidOption" and "request_timeout" in str(caught.value)


class _FailingTransport:
    """Sends the cloud metadata request for real; every other request fails with ``failure``."""

    def __init__(self, real, failure):
        self.real = real
        self.failure = failure
        self.sent = 0

    def send(self, method, url, headers, body=None):
        if "/metadata/endpoints" in url:
            return self.real.send(method, url, headers, body)
        self.sent += 1
        raise self.failure


@pytest.mark.parametrize("unknown_issuer, hint", [(True, True), (False, False)])
def test_tls_hint_set_ca_bundle_only_for_an_unknown_issuer(make_client, arm, fake_clock, unknown_issuer, hint):
    from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import TransportError
    client = make_client()
    failure = TransportError("SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", sent=False, tls=True,
                             unknown_issuer=unknown_issuer)
    client.transport = _FailingTransport(client.transport, failure)
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert ("set ca_bundle" in str(caught.value)) is hint
    assert caught.value.code == "TlsFailure" and client.transport.sent == 1 and fake_clock.slept == []


def test_unreachable_proxy_is_named_and_retried_briefly(make_client, arm, fake_clock):
    from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import TransportError
    client = make_client()
    failure = TransportError("cannot reach the proxy proxy.corp:3128 (from the *_PROXY environment): gaierror: Name or service not known",
                             sent=False, proxy="proxy.corp:3128")
    client.transport = _FailingTransport(client.transport, failure)
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert client.transport.sent == 1 + _arm_client.PROXY_MAX_RETRIES == 3
    assert "proxy.corp:3128" in str(caught.value) and "gave up after 2 retries" in str(caught.value)


def test_proxy_407_is_not_retried(make_client, arm, fake_clock):
    from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import TransportError
    client = make_client()
    failure = TransportError("the proxy proxy.corp:3128 (from the *_PROXY environment) refused the tunnel: 407 Proxy Authentication Required",
                             sent=False, config=True, proxy="proxy.corp:3128")
    client.transport = _FailingTransport(client.transport, failure)
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert client.transport.sent == 1 and fake_clock.slept == []
    assert "407" in str(caught.value) and caught.value.code == "ConnectionFailed"
