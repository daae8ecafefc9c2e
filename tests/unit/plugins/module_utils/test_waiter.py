# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task's deadline (ArmClient.deadline) and the one waiter (_waiter), on the fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, Deadline
from ansible_collections.azure_recovery.backup.plugins.module_utils._waiter import Waiter, poll_interval, wait_until


def test_poll_schedule_grows_with_the_time_waited_and_reads_retry_after_as_the_longest_wait():
    # at least 2 s, then 8.5 % of the time waited so far, up to the cap (10 s without a Retry-After)
    assert [poll_interval(t) for t in (0, 10, 23.5, 40, 100, 200)] == [2.0, 2.0, 2.0, 3.4000000000000004, 8.5, 10.0]
    assert poll_interval(200, retry_after=60.0) == 17.0    # Retry-After 60 is the longest wait, not the first
    assert poll_interval(1000, retry_after=60.0) == 60.0   # ... and is honoured once the schedule reaches it
    assert poll_interval(0, retry_after=1.0) == 1.0        # a shorter Retry-After is allowed (the fast emulator's 1 s)
    assert poll_interval(0, retry_after=0.0) == 1.0        # Retry-After 0 still waits a second
    assert poll_interval(5000, retry_after=3600.0) == 60.0  # never slower than max_interval
    assert poll_interval(1000, min_interval=2.0, max_interval=30.0, cap=30.0) == 30.0   # job waits: up to 30 s


def test_the_sleeps_of_one_wait_at_retry_after_60_for_operations_of_15_45_and_90_seconds(make_client, fake_clock):
    """The pauses of a Waiter on the fake clock, every answer saying Retry-After 60: the first poll after 2 s
    (not 60), pauses of 2 s while 8.5 % of the time waited is less, then 8.5 % of it; the wait ends within
    max(1.1 x L, L + 3 s) of its start (issue 17's bound)."""
    class Answer:
        status_code = 200
        headers = {"Retry-After": "60"}

    for lro in (15.0, 45.0, 90.0):
        fake_clock.slept[:] = []
        client = make_client()
        started = fake_clock.now
        polls = []

        def check():
            polls.append(fake_clock.now - started)
            waiter.saw("status")
            return fake_clock.now - started >= lro, fake_clock.now - started, Answer()
        waiter = Waiter(client, "waiting for the write")
        done = waiter.until(check, Answer())
        assert done >= lro and done <= max(1.1 * lro, lro + 3.0)
        assert len(polls) == len(fake_clock.slept)         # one pause before each poll, the first one included
        assert [round(pause, 6) for pause in fake_clock.slept] == [round(max(2.0, 0.085 * at), 6) for at in [0.0] + polls[:-1]]
        if lro == 15.0:
            assert fake_clock.slept == [2.0] * 8 and done == 16.0


def test_deadline_counts_down_on_the_given_clock(fake_clock):
    deadline = Deadline(10, fake_clock.clock)
    assert deadline.remaining() == 10 and not deadline.expired()
    fake_clock.sleep(7)
    assert deadline.remaining() == 3
    fake_clock.sleep(5)
    assert deadline.remaining() == 0 and deadline.expired()
    unlimited = Deadline(None, fake_clock.clock)
    assert unlimited.remaining() == float("inf") and not unlimited.expired()


def test_deadline_error_is_one_line_saying_what_was_last_seen(fake_clock):
    error = Deadline(5, fake_clock.clock).error("waiting for backup job j1", "job status InProgress", status=200, request_id="r-1")
    assert isinstance(error, ArmError) and error.code == "OperationTimeout"
    assert str(error) == ("waiting for backup job j1 failed: OperationTimeout: did not finish within 5s (wait_timeout); "
                          "last saw job status InProgress (HTTP 200, x-ms-request-id r-1)")


def test_client_pause_within_the_deadline_sleeps_beyond_it_raises_without_sleeping(make_client, fake_clock):
    client = make_client()
    client.set_deadline(10)
    client.pause(4, "waiting", "something")
    assert fake_clock.slept == [4]
    with pytest.raises(ArmError) as caught:
        client.pause(7, "refreshing the vault", "BMSUserErrorObjectLocked")
    assert fake_clock.slept == [4]
    assert caught.value.code == "OperationTimeout" and "last saw BMSUserErrorObjectLocked" in str(caught.value)


def test_waiter_polls_until_done_and_its_last_pause_ends_at_the_deadline(make_client, fake_clock):
    client = make_client()
    client.set_deadline(10)
    seen = []

    def never_done():
        seen.append(fake_clock.now)
        waiter.saw("status InProgress")
        return False, None, None
    waiter = Waiter(client, "waiting for the thing", min_interval=4.0, max_interval=4.0, cap=4.0)
    with pytest.raises(ArmError) as caught:
        waiter.until(never_done)
    assert fake_clock.slept == [4.0, 4.0, 2.0]  # cut at the deadline; one last poll there
    assert [t - 1000.0 for t in seen] == [0.0, 4.0, 8.0, 10.0]
    assert caught.value.code == "OperationTimeout" and "last saw status InProgress" in str(caught.value)


def test_wait_until_returns_the_value_of_the_first_done_check(make_client, fake_clock):
    client = make_client()
    answers = iter([(False, None, None), (False, None, None), (True, "done", None)])
    assert wait_until(client, "waiting", lambda: next(answers)) == "done"
    assert fake_clock.slept == [2.0, 2.0]


def test_one_deadline_for_every_wait_of_a_task(make_client, fake_clock):
    """Two waits in one task share the deadline: the second gets what the first left."""
    client = make_client()
    client.set_deadline(10)
    wait_until(client, "first wait", iter([(False, None, None), (True, 1, None)]).__next__, min_interval=6.0)
    assert fake_clock.slept == [6.0]
    with pytest.raises(ArmError) as caught:
        wait_until(client, "second wait", lambda: (False, None, None), min_interval=6.0)
    assert fake_clock.slept == [6.0, 4.0] and sum(fake_clock.slept) == 10
    assert caught.value.code == "OperationTimeout"
