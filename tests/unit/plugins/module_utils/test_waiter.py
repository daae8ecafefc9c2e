# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task's deadline (ArmClient.deadline) and the one waiter (_waiter), on the fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError, Deadline
from ansible_collections.azure_recovery.backup.plugins.module_utils._waiter import Waiter, poll_interval, wait_until


def test_poll_schedule_grows_to_its_cap_and_honours_retry_after_within_bounds():
    assert [poll_interval(n) for n in range(8)] == [1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375, 10.0, 10.0]
    assert [poll_interval(n, min_interval=2.0, max_interval=30.0, cap=30.0) for n in range(3)] == [2.0, 3.0, 4.5]
    assert poll_interval(5, retry_after=0.2) == 1.0       # never faster than min_interval
    assert poll_interval(0, retry_after=20.0) == 20.0     # the service's pace
    assert poll_interval(0, retry_after=3600.0) == 60.0   # never slower than max_interval


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
    assert fake_clock.slept == [1.0, 1.5]


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
