# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way the collection waits for something the service is doing (an operation, a job).

A ``Waiter`` polls until its check says done, sleeping between polls by ``poll_interval()``
(the one poll schedule: growing with the time waited, Retry-After as the longest wait) through the client's ``sleep``, and within the client's ``deadline``
(one per task, from ``wait_timeout``): at the deadline it raises ``ArmError`` code
``OperationTimeout`` naming what it last saw. The contract is in docs/internals.md.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import display_url, parse_retry_after

# The one poll schedule (docs/internals.md, "Time"). The interval grows with the time already waited:
# POLL_GROWTH of it, at least min_interval, so that a write that takes L seconds is seen done at most about
# POLL_GROWTH x L (or min_interval) after it ended. The service's Retry-After is read as the longest wait, not
# the first: the real service answers every write with Retry-After 60 while its operations take 11-116 s, so
# honouring it would add up to 60 s to a 15 s operation. The earlier polls are paid from the read budget
# (Resource Manager refills 25 reads/s per subscription; one write polled to 90 s costs about 30 reads).
POLL_MIN = 2.0           # never more often (unless a shorter Retry-After allows it)
POLL_GROWTH = 0.085      # the interval is 8.5 % of the time waited so far
POLL_FLOOR = 1.0         # a Retry-After of 0 (or below 1 s) still waits this long
DEFAULT_POLL_CAP = 10.0  # the longest wait when the service gives no Retry-After


def poll_interval(elapsed, retry_after=None, min_interval=POLL_MIN, max_interval=60.0, cap=DEFAULT_POLL_CAP, growth=POLL_GROWTH):
    """Seconds of the next pause between polls, ``elapsed`` seconds after the wait began: ``growth`` x
    elapsed, at least ``min_interval``, at most the longest wait: the service's ``Retry-After`` when it
    gives one (at least POLL_FLOOR), else ``cap``; never above ``max_interval``. The one place the poll
    schedule is decided."""
    longest = cap if retry_after is None else max(retry_after, POLL_FLOOR)
    longest = min(longest, max_interval)
    return min(max(min_interval, growth * max(elapsed, 0.0)), longest)


class Waiter:
    """The polls of one wait. ``saw()`` records each observation; ``pause()`` sleeps before the
    next poll (never past the deadline: the last pause ends at it, so one last poll happens at
    the deadline); a pause with the deadline reached raises ``timed_out()``."""

    def __init__(self, client, action, min_interval=POLL_MIN, max_interval=60.0, cap=DEFAULT_POLL_CAP):
        self.client = client
        self.started = client.clock()   # the schedule grows with the time waited since
        self.action = action
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.cap = cap
        self.polls = 0
        self.pauses = 0
        self.last_seen = None      # e.g. "status InProgress", "202 Accepted", "job status InProgress"
        self.last_http = None
        self.last_request_id = None
        self.url = None

    def saw(self, seen, response=None, url=None):
        """Record what the last poll found (and its response, for the error line)."""
        self.polls += 1
        self.last_seen = seen
        if url is not None:
            self.url = url
        if response is not None:
            self.last_http = response.status_code
            self.last_request_id = response.headers.get("x-ms-request-id")

    def pause(self, response=None):
        """Sleep before the next poll (``response``: the last answer, for its Retry-After)."""
        retry_after = parse_retry_after(response.headers) if response is not None else None
        delay = poll_interval(self.client.clock() - self.started, retry_after, self.min_interval, self.max_interval, self.cap)
        remaining = self.client.deadline.remaining()
        if remaining <= 0:
            raise self.timed_out()
        self.pauses += 1
        self.client.sleep(min(delay, remaining))

    def timed_out(self):
        seen = self.last_seen or "nothing yet"
        if self.url:
            seen += " at %s" % display_url(self.url)
        return self.client.deadline.error(self.action, seen, status=self.last_http, request_id=self.last_request_id,
                                          url=display_url(self.url) if self.url else None)

    def until(self, check, first=None):
        """Poll until ``check()`` says done and return its value. ``check()`` returns
        ``(done, value, response)`` and records what it saw with ``saw()``; ``response`` (its
        Retry-After) sets the next pause. ``first``: the response that started the wait (pause
        before the first poll); None polls at once."""
        if first is not None:
            self.pause(first)
        while True:
            done, value, response = check()
            if done:
                return value
            self.pause(response)


def wait_until(client, action, check, first=None, min_interval=POLL_MIN, max_interval=60.0, cap=DEFAULT_POLL_CAP):
    """``Waiter(client, action, min_interval, max_interval, cap).until(check, first)``."""
    return Waiter(client, action, min_interval, max_interval, cap).until(check, first)
