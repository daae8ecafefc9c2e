# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wait_for_operation against a real local HTTPS server (see conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._lro import wait_for_operation

from support.fake_arm import DROP

VAULT = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1"
ITEM = VAULT + "/backupFabrics/Azure/protectionContainers/IaasVMContainer%3Biaasvmcontainerv2%3Brg%3Bvm1/protectedItems/VM%3Biaasvmcontainerv2%3Brg%3Bvm1"
# As the service writes them: capital S, raw ';', another api-version, signed parameters.
STATUS_PATH = ("/Subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupFabrics/Azure/"
               "protectionContainers/"
               "IaasVMContainer;iaasvmcontainerv2;rg;vm1/protectedItems/vm;iaasvmcontainerv2;rg;vm1/operationsStatus/op-1")
STATUS_QUERY = "?api-version=2019-05-13-preview&t=638712&c=MIIH%2fzCC&s=Ab_c%7E&h=x%3D"
RESULT_PATH = STATUS_PATH.replace("operationsStatus", "operationResults")
RESULT_QUERY = "?api-version=2019-05-13&t=638712&c=MIIH&s=Zz9&h=y%3d"
IN_PROGRESS = {"id": "op-1", "name": "op-1", "status": "InProgress", "startTime": "2025-01-01T10:00:00Z", "endTime": "0001-01-01T00:00:00"}
SUCCEEDED = {"id": "op-1", "name": "op-1", "status": "Succeeded", "startTime": "2025-01-01T10:00:00Z", "endTime": "2025-01-01T10:00:00Z",
             "properties": {"objectType": "OperationStatusJobExtendedInfo", "jobId": "job-42"}}
PROTECTED_ITEM = {"id": ITEM, "name": "VM;iaasvmcontainerv2;rg;vm1", "properties": {"protectionState": "IRPending"}}


def _start(client, arm, headers, status=202, body=""):
    """Send the PUT that starts the operation; the fake answers with ``headers``."""
    arm.route_path("PUT", ITEM, (status, body, headers))
    return client.send("PUT", ITEM, "enabling protection of VM vm1", body={"properties": {}})


def _wait(client, response, fake_clock, timeout=600, **kwargs):
    """The operation's wait within a task deadline of ``timeout`` (the fake clock: no real waiting)."""
    client.set_deadline(timeout)
    return wait_for_operation(client, response, "enabling protection of VM vm1", **kwargs)


# --------------------------------------------------------------------------- Azure-AsyncOperation

def test_lro_async_operation_success_with_job_id_and_final_resource(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY, "Location": arm.url + RESULT_PATH + RESULT_QUERY,
                                    "Retry-After": "60"})
    arm.route_path("GET", STATUS_PATH, (200, IN_PROGRESS, {}), (200, IN_PROGRESS, {}), (200, SUCCEEDED, {}))
    arm.route_path("GET", RESULT_PATH, (200, PROTECTED_ITEM, {}))
    result = _wait(client, response, fake_clock)
    assert result.status == "Succeeded"
    assert result.job_id == "job-42"
    assert result.body == SUCCEEDED
    assert result.resource == PROTECTED_ITEM
    assert result.url == arm.url + STATUS_PATH + STATUS_QUERY
    assert fake_clock.slept == [2.0, 2.0, 2.0]  # Retry-After 60 is the longest wait: the schedule's 2 s come first
    targets = [r.target for r in arm.api_requests() if r.method == "GET"]
    assert targets == [STATUS_PATH + STATUS_QUERY] * 3 + [RESULT_PATH + RESULT_QUERY]  # verbatim


def test_lro_async_operation_success_without_location(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY})
    arm.route_path("GET", STATUS_PATH, (200, SUCCEEDED, {}))
    result = _wait(client, response, fake_clock)
    assert result.job_id == "job-42" and result.resource is None
    assert [r.method for r in arm.api_requests()] == ["PUT", "GET"]


def test_lro_retry_after_honoured_within_floor_and_cap(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY, "Retry-After": "0"})
    arm.route_path("GET", STATUS_PATH, (200, IN_PROGRESS, {"Retry-After": "500"}), (200, IN_PROGRESS, {"Retry-After": "1"}), (200, SUCCEEDED, {}))
    _wait(client, response, fake_clock, min_interval=2.0, max_interval=30.0)
    # Retry-After 0: one second; 500: the schedule's 2 s (Retry-After is the longest wait); 1: the service allows 1 s
    assert fake_clock.slept == [1.0, 2.0, 1.0]


def test_lro_async_operation_failed_raises_service_error(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY, "Location": arm.url + RESULT_PATH + RESULT_QUERY})
    failed = dict(IN_PROGRESS, status="Failed", error={"code": "UserErrorVmNotFoundV2", "message": "Virtual machine doesn't exist."})
    arm.route_path("GET", STATUS_PATH, (200, IN_PROGRESS, {}), (200, failed, {"x-ms-request-id": "req-9"}))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock)
    assert str(caught.value) == ("enabling protection of VM vm1 failed: UserErrorVmNotFoundV2: Virtual machine doesn't exist. "
                                 "(HTTP 200, x-ms-request-id req-9)")
    assert not any(r.path == RESULT_PATH for r in arm.requests)  # no final read after a failure


def test_lro_async_operation_canceled_raises(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY})
    arm.route_path("GET", STATUS_PATH, (200, dict(IN_PROGRESS, status="Canceled"), {}))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock)
    assert caught.value.code == "OperationCanceled"
    assert "Canceled" in caught.value.message


def test_lro_async_operation_deadline(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY})
    arm.route_path("GET", STATUS_PATH, (200, IN_PROGRESS, {"Retry-After": "4"}))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock, timeout=10)
    error = caught.value
    assert error.code == "OperationTimeout"
    assert "did not finish within 10s (wait_timeout); last saw status InProgress at https://" in error.message
    assert STATUS_PATH in error.message and "api-version=2019-05-13-preview" in error.message
    assert "s=Ab_c" not in error.message  # signed parameters are left out of messages
    assert sum(fake_clock.slept) == 10


def test_lro_status_poll_transient_failures_are_retried(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY})
    arm.route_path("GET", STATUS_PATH, (503, "", {"Retry-After": "3"}), DROP, (200, SUCCEEDED, {}))
    result = _wait(client, response, fake_clock)
    assert result.job_id == "job-42"
    assert len(client.retries) == 2


# --------------------------------------------------------------------------- Location

def test_lro_location_202_until_200_returns_resource(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY, "Retry-After": "5"})
    arm.route_path("GET", RESULT_PATH, (202, "", {"Retry-After": "5"}), (202, "", {}), (200, PROTECTED_ITEM, {}))
    result = _wait(client, response, fake_clock)
    assert result.status == "Succeeded" and result.resource == PROTECTED_ITEM and result.job_id is None
    assert fake_clock.slept == [2.0, 2.0, 2.0]  # the schedule's 2 s, shorter than Retry-After 5 and the 10 s cap
    assert [r.target for r in arm.api_requests() if r.method == "GET"] == [RESULT_PATH + RESULT_QUERY] * 3


def test_lro_location_202_until_204(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY})
    arm.route_path("GET", RESULT_PATH, (202, "", {"Location": arm.url + RESULT_PATH + RESULT_QUERY}), (204, "", {}))
    result = _wait(client, response, fake_clock)
    assert result.status == "Succeeded" and result.resource is None


def test_lro_location_follows_a_new_location(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY})
    moved = VAULT + "/backupOperationResults/op-2"
    arm.route_path("GET", RESULT_PATH, (202, "", {"Location": arm.url + moved + "?api-version=2016-12-01"}))
    arm.route_path("GET", moved, (204, "", {}))
    assert _wait(client, response, fake_clock).status == "Succeeded"
    assert arm.api_requests()[-1].target == moved + "?api-version=2016-12-01"


def test_lro_location_failed_raises_service_error(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY})
    arm.route_path("GET", RESULT_PATH, (202, "", {}), (400, {"error": {"code": "BMSUserErrorNeedsPolicy", "message": "policy missing"}}, {}))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock)
    assert caught.value.code == "BMSUserErrorNeedsPolicy" and caught.value.status == 400
    assert "policy missing" in str(caught.value)


def test_lro_location_canceled_raises(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY})
    arm.route_path("GET", RESULT_PATH, (409, {"error": {"code": "OperationCanceled", "message": "The operation was canceled."}}, {}))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock)
    assert caught.value.code == "OperationCanceled" and len([r for r in arm.requests if r.path == RESULT_PATH]) == 1


def test_lro_location_deadline(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY})
    arm.route_path("GET", RESULT_PATH, (202, "", {"Retry-After": "60"}))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock, timeout=100)
    assert caught.value.code == "OperationTimeout" and caught.value.status == 202
    assert "last saw HTTP 202 Accepted at https://" in caught.value.message and RESULT_PATH in caught.value.message
    assert fake_clock.slept[0] == 2.0 and max(fake_clock.slept) < 60.0 and sum(fake_clock.slept) == pytest.approx(100)  # never past the deadline


# --------------------------------------------------------------------------- already final / no URL

def test_lro_already_final_returns_at_once(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {}, status=200, body=PROTECTED_ITEM)
    result = _wait(client, response, fake_clock)
    assert result.resource == PROTECTED_ITEM and fake_clock.slept == [] and len(arm.api_requests()) == 1


def test_lro_202_without_operation_url_is_an_error(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {})
    with pytest.raises(ArmError, match="gave no operation URL"):
        _wait(client, response, fake_clock)


# --------------------------------------------------------------------------- host pinning

@pytest.mark.parametrize("header", ["Azure-AsyncOperation", "Location"])
@pytest.mark.parametrize("url", ["https://evil.example.com/op?api-version=1", "http://127.0.0.1:{port}/op", "https://localhost:{port}/op"])
def test_lro_foreign_host_refused_before_waiting(make_client, arm, fake_clock, header, url):
    client = make_client()
    response = _start(client, arm, {header: url.format(port=arm.url.rsplit(":", 1)[1]), "Retry-After": "60"})
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock)
    assert caught.value.code == "UntrustedUrl" and header in str(caught.value)
    assert fake_clock.slept == [] and len(arm.api_requests()) == 1


def test_lro_foreign_host_in_later_location_refused(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY})
    arm.route_path("GET", RESULT_PATH, (202, "", {"Location": "https://evil.example.com/next"}))
    with pytest.raises(ArmError, match="refusing to send the token to https://evil.example.com"):
        _wait(client, response, fake_clock)


# --------------------------------------------------------------------------- a status that is not a status (issue 11 item 4)

@pytest.mark.parametrize("body, headers, what", [
    ("<html><title>Service Unavailable</title></html>", {"Content-Type": "text/html"}, "is not JSON"),
    ('{"status": "InPro', {"Content-Type": "application/json"}, "is not JSON"),
    ({}, {}, "a JSON object without a status"),
    ({"status": 3}, {}, "a JSON object without a status"),
    ([], {}, "not a JSON object"),
])
def test_lro_status_body_without_a_status_is_an_error_at_once(make_client, arm, fake_clock, body, headers, what):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY})
    arm.route_path("GET", STATUS_PATH, (200, body, dict(headers, **{"x-ms-request-id": "req-s"})))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock)
    line = str(caught.value)
    assert caught.value.code == "UnexpectedResponse" and what in line and "\n" not in line
    assert "x-ms-request-id req-s" in line and STATUS_PATH in line and "s=Ab_c" not in line
    assert len([r for r in arm.api_requests() if r.method == "GET"]) == 1  # not polled until the deadline


def test_lro_202_without_a_body_is_still_running(make_client, arm, fake_clock):
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY})
    arm.route_path("GET", STATUS_PATH, (202, "", {}), (200, SUCCEEDED, {}))
    assert _wait(client, response, fake_clock).job_id == "job-42"


# --------------------------------------------------------------------------- the task's deadline (issue 11 item 3)

def test_lro_status_url_answering_503_retry_after_20_ends_at_wait_timeout(make_client, arm, fake_clock):
    """wait_timeout 5 and a status URL that answers 503 Retry-After 20: the wait ends within the
    5 s (not after the client's retries of 20 s each), saying what it last saw."""
    client = make_client()
    response = _start(client, arm, {"Azure-AsyncOperation": arm.url + STATUS_PATH + STATUS_QUERY})
    arm.route_path("GET", STATUS_PATH, (503, "", {"Retry-After": "20", "x-ms-request-id": "req-503"}))
    with pytest.raises(ArmError) as caught:
        _wait(client, response, fake_clock, timeout=5)
    assert sum(fake_clock.slept) <= 5
    error = caught.value
    assert error.code == "OperationTimeout" and error.status == 503 and error.request_id == "req-503"
    assert "within 5s (wait_timeout)" in str(error) and "HTTP 503 (Retry-After 20)" in str(error) and STATUS_PATH in str(error)


@pytest.mark.parametrize("final", ["null", "[]", '"done"'])
def test_lro_final_resource_that_is_not_an_object_is_none(make_client, arm, fake_clock, final):
    """The caller then reads the resource with a shape-checked GET instead of deciding on it."""
    client = make_client()
    response = _start(client, arm, {"Location": arm.url + RESULT_PATH + RESULT_QUERY})
    arm.route_path("GET", RESULT_PATH, (200, final, {"Content-Type": "application/json"}))
    result = _wait(client, response, fake_clock)
    assert result.status == "Succeeded" and result.resource is None and result.body is None
