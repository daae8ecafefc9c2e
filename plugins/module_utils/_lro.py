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

import time

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, display_url, parse_retry_after


IN_PROGRESS = "InProgress"
TERMINAL_FAILURES = {"failed": "Failed", "canceled": "Canceled", "cancelled": "Canceled"}
# Without Retry-After, poll at min_interval and grow to this (or max_interval if lower).
DEFAULT_POLL_CAP = 10.0


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


def _job_id(body):
    properties = body.get("properties") if isinstance(body, dict) else None
    if isinstance(properties, dict):
        return properties.get("jobId")
    return None


class _Poller:
    def __init__(self, client, action, timeout, min_interval, max_interval, sleep, clock):
        self.client = client
        self.action = action
        self.timeout = timeout
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.sleep = sleep
        self.clock = clock
        self.deadline = clock() + timeout
        self.polls = 0
        self.last_status = None
        self.last_http = None
        self.last_request_id = None
        self.url = None

    def wait(self, response):
        """Sleep before the next poll: Retry-After within [min, max], else a growing interval;
        never past the deadline (then raise)."""
        retry_after = parse_retry_after(response.headers) if response is not None else None
        if retry_after is None:
            delay = min(self.min_interval * (1.5 ** self.polls), max(self.min_interval, min(self.max_interval, DEFAULT_POLL_CAP)))
        else:
            delay = min(max(retry_after, self.min_interval), self.max_interval)
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            self.timed_out()
        self.sleep(min(delay, remaining))

    def timed_out(self):
        raise ArmError(self.action, "the operation did not finish within %ss; last status %s at %s"
                       % (_number(self.timeout), self.last_status or "unknown", display_url(self.url)),
                       status=self.last_http, code="OperationTimeout", request_id=self.last_request_id, url=display_url(self.url))

    def poll(self, url, what):
        self.url = url
        self.polls += 1
        response = self.client.send("GET", url, "%s (polling the %s)" % (self.action, what), ok=(200, 201, 202, 204))
        self.last_http = response.status_code
        self.last_request_id = response.headers.get("x-ms-request-id")
        return response

    def follow_location(self, url, first_response):
        """Poll a Location URL until it stops answering 202. -> (final response, url)."""
        response = first_response
        while True:
            if response is not None:
                self.wait(response)
            response = self.poll(url, "Location URL")
            if response.status_code != 202:
                return response, url
            self.last_status = "202 Accepted"
            following = response.headers.get("Location")
            if following and following != url:
                url = self.client.check_url(following, self.action, "Location URL")
            if self.clock() >= self.deadline:
                self.timed_out()


def wait_for_operation(client, response, action, timeout, min_interval=1.0, max_interval=60.0, sleep=time.sleep, clock=time.monotonic):
    """Wait until the operation started by ``response`` ends. -> OperationResult.

    Prefers ``Azure-AsyncOperation`` (status body ``InProgress`` / ``Succeeded`` / ``Failed`` /
    ``Canceled``; on success the final resource is read from ``Location`` when there is one),
    else ``Location`` (202 until 200 or 204). ``Failed``/``Canceled`` raise ArmError with the
    service's code and message; the deadline raises ArmError ``OperationTimeout``."""
    async_url = response.headers.get("Azure-AsyncOperation")
    location = response.headers.get("Location")
    if not async_url and not location:
        if response.status_code in (200, 201, 204):
            body = _json_or_none(response)
            return OperationResult("Succeeded", body=body, resource=body, url=response.url)
        raise ArmError(action, "the service accepted the request (HTTP %s) but gave no operation URL to follow" % response.status_code,
                       status=response.status_code, request_id=response.headers.get("x-ms-request-id"))
    # Refuse foreign URLs before waiting for anything.
    if async_url:
        client.check_url(async_url, action, "Azure-AsyncOperation URL")
    if location:
        client.check_url(location, action, "Location URL")

    poller = _Poller(client, action, timeout, min_interval, max_interval, sleep, clock)
    if not async_url:
        final, url = poller.follow_location(location, response)
        body = _json_or_none(final)
        return OperationResult("Succeeded", body=body, resource=body if final.status_code in (200, 201) else None, url=url)

    previous = response
    while True:
        poller.wait(previous)
        status_response = poller.poll(async_url, "Azure-AsyncOperation URL")
        body = _json_or_none(status_response) or {}
        status = str(body.get("status") or IN_PROGRESS)
        poller.last_status = status
        lowered = status.lower()
        if lowered == "succeeded":
            break
        if lowered in TERMINAL_FAILURES:
            error = body.get("error") if isinstance(body.get("error"), dict) else {}
            raise ArmError(action, error.get("message") or "the operation ended with status %s" % TERMINAL_FAILURES[lowered],
                           code=error.get("code") or "Operation%s" % TERMINAL_FAILURES[lowered], status=status_response.status_code,
                           request_id=status_response.headers.get("x-ms-request-id"), url=display_url(async_url))
        if poller.clock() >= poller.deadline:
            poller.timed_out()
        previous = status_response

    result = OperationResult("Succeeded", body=body, job_id=_job_id(body), url=async_url)
    if location:
        final, url = poller.follow_location(location, None)
        if final.status_code in (200, 201):
            result.resource = _json_or_none(final)
    return result


def _number(value):
    return int(value) if float(value).is_integer() else value
