# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Long-running operations: follow ``Azure-AsyncOperation`` or ``Location`` to the end.

The URLs are followed exactly as the service gave them (they mix ``/Subscriptions/``
casing and api-versions and carry signed query parameters); ``ArmClient`` pins them to the
Resource Manager host and retries the GETs on transient failures.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, display_url
from ansible_collections.azure_recovery.backup.plugins.module_utils._waiter import POLL_MIN, Waiter


IN_PROGRESS = "InProgress"
TERMINAL_FAILURES = {"failed": "Failed", "canceled": "Canceled", "cancelled": "Canceled"}


class OperationResult:
    def __init__(self, status, body=None, resource=None, job_id=None, url=None):
        self.status = status      # "Succeeded" (anything else raises)
        self.body = body          # last status body (Azure-AsyncOperation) or final resource
        self.resource = resource  # final resource if the service gave one (200 on Location)
        self.job_id = job_id      # properties.jobId of an OperationStatusJobExtendedInfo
        self.url = url            # the URL that was polled

    def __repr__(self):
        return "OperationResult(status=%r, job_id=%r, url=%r)" % (self.status, self.job_id, self.url)


def _json_or_none(response):
    if not response.content or not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _object_or_none(response):
    """A final resource is a JSON object; anything else counts as none given (the caller reads the
    resource itself, through a shape-checked GET)."""
    body = _json_or_none(response)
    return body if isinstance(body, dict) else None


def _job_id(body):
    properties = body.get("properties") if isinstance(body, dict) else None
    if isinstance(properties, dict):
        return properties.get("jobId")
    return None


def _status_of(response, action, url):
    """The status of an Azure-AsyncOperation answer. A 202 without a body is still running;
    any other body without a status string (HTML, truncated JSON, ``{}``) is not a status:
    a one-line ArmError at once, not a poll until the deadline."""
    body = _json_or_none(response)
    if body is None and response.status_code == 202 and not (response.content or b"").strip():
        return IN_PROGRESS, {}
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, str) or not status.strip():
        what = "not JSON" if body is None else ("a JSON object without a status" if isinstance(body, dict) else "not a JSON object")
        raise ArmError(action, "the operation status at %s is %s; cannot tell whether the operation ended" % (display_url(url), what),
                       code="UnexpectedResponse", status=response.status_code, request_id=response.headers.get("x-ms-request-id"),
                       url=display_url(url))
    return status, body


def _follow_location(client, waiter, url, first):
    """Poll a Location URL until it stops answering 202. -> (final response, url)."""
    where = [url]

    def check():
        response = client.send("GET", where[0], "%s (polling the Location URL)" % waiter.action, ok=(200, 201, 202, 204))
        waiter.saw("HTTP %s" % response.status_code + (" Accepted" if response.status_code == 202 else ""), response, where[0])
        if response.status_code != 202:
            return True, response, None
        following = response.headers.get("Location")
        if following and following != where[0]:
            where[0] = client.check_url(following, waiter.action, "Location URL")
        return False, None, response
    return waiter.until(check, first), where[0]


def wait_for_operation(client, response, action, min_interval=POLL_MIN, max_interval=60.0):
    """Wait until the operation started by ``response`` ends, within the client's deadline.
    -> OperationResult.

    Prefers ``Azure-AsyncOperation`` (status body ``InProgress`` / ``Succeeded`` / ``Failed`` /
    ``Canceled``; on success the final resource is read from ``Location`` when there is one),
    else ``Location`` (202 until 200 or 204). ``Failed``/``Canceled`` raise ArmError with the
    service's code and message; the deadline raises ArmError ``OperationTimeout``."""
    async_url = response.headers.get("Azure-AsyncOperation")
    location = response.headers.get("Location")
    if not async_url and not location:
        if response.status_code in (200, 201, 204):
            body = _object_or_none(response)
            return OperationResult("Succeeded", body=body, resource=body, url=response.url)
        raise ArmError(action, "the service accepted the request (HTTP %s) but gave no operation URL to follow" % response.status_code,
                       status=response.status_code, request_id=response.headers.get("x-ms-request-id"))
    # Refuse foreign URLs before waiting for anything.
    if async_url:
        client.check_url(async_url, action, "Azure-AsyncOperation URL")
    if location:
        client.check_url(location, action, "Location URL")

    waiter = Waiter(client, action, min_interval, max_interval)
    if not async_url:
        final, url = _follow_location(client, waiter, location, response)
        body = _object_or_none(final)
        return OperationResult("Succeeded", body=body, resource=body if final.status_code in (200, 201) else None, url=url)

    def check():
        done, status, body, answer = _async_status(client, async_url, action)
        waiter.saw("status %s" % status, answer, async_url)
        return done, body if done else None, answer

    body = waiter.until(check, response)
    result = OperationResult("Succeeded", body=body, job_id=_job_id(body), url=async_url)
    if location:
        final, _url = _follow_location(client, waiter, location, None)
        if final.status_code in (200, 201):
            result.resource = _object_or_none(final)
    return result


def _async_status(client, async_url, action):
    """One read of an Azure-AsyncOperation URL -> (done, status, status body, answer); ``Failed`` / ``Canceled``
    raise ArmError with the service's code and message."""
    answer = client.send("GET", async_url, "%s (polling the Azure-AsyncOperation URL)" % action, ok=(200, 201, 202, 204))
    status, body = _status_of(answer, action, async_url)
    lowered = status.lower()
    if lowered == "succeeded":
        return True, status, body, answer
    if lowered in TERMINAL_FAILURES:
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        raise ArmError(action, error.get("message") or "the operation ended with status %s" % TERMINAL_FAILURES[lowered],
                       code=error.get("code") or "Operation%s" % TERMINAL_FAILURES[lowered], status=answer.status_code,
                       request_id=answer.headers.get("x-ms-request-id"), url=display_url(async_url))
    return False, status, body, answer


def operation_done(client, response, action):
    """One read of the operation that ``response`` (a write's 202) started: True when it succeeded, False while
    it runs; ``Failed`` / ``Canceled`` raise ArmError as wait_for_operation() does. For a batch that follows its
    writes through the job list and reads an operation only when its job does not show (azure_vm_protection_batch)."""
    async_url = response.headers.get("Azure-AsyncOperation")
    if async_url:
        return _async_status(client, client.check_url(async_url, action, "Azure-AsyncOperation URL"), action)[0]
    location = response.headers.get("Location")
    if not location:
        return True
    answer = client.send("GET", client.check_url(location, action, "Location URL"), "%s (polling the Location URL)" % action,
                         ok=(200, 201, 202, 204))
    return answer.status_code != 202
