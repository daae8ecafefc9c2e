# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_pacing: WritePacer (the threads of one process) and SharedWrites (the processes of one user)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading
import time

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._pacing import SharedWrites, WritePacer, remaining_writes


def test_pacer_stops_every_thread_after_a_throttled_write(fake_clock):
    clock = fake_clock
    pacer = WritePacer(clock=clock.clock, sleep=clock.sleep)
    assert pacer.before_write() == 0.0  # nothing known: the first write goes
    pacer.after_write(202, remaining=2)
    assert pacer.before_write() == 0.0 and pacer.before_write() == 0.0  # two left: both go together
    pacer.after_write(429, retry_after=4.0)
    pacer.after_write()  # the other one got no answer
    assert pacer.before_write() == 4.0  # everybody waits out the Retry-After
    assert pacer.in_flight == 1


def test_pacer_lets_one_write_at_a_time_through_an_empty_budget():
    """With real threads: 12 writes against a budget that the answers say is empty go one at a time."""
    pacer = WritePacer()
    pacer.interval = 0.01
    pacer.after_write(202, remaining=0)
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def write():
        pacer.before_write()
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.002)  # long enough for the others to overlap, were they let through
        with lock:
            state["now"] -= 1
        pacer.after_write(202, remaining=0)

    threads = [threading.Thread(target=write) for _number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert state["max"] == 1 and pacer.in_flight == 0


def test_shared_writes_free_while_the_budget_has_room(tmp_path, fake_clock):
    clock = fake_clock
    one = SharedWrites(str(tmp_path / "writes.json"), clock=clock.clock, sleep=clock.sleep)
    assert one.before_write() == (0.0, None)  # nothing known: free, and no lock file
    one.after_write(None, 202, remaining=150)
    assert one.before_write() == (0.0, None) and not (tmp_path / "writes.json.lock").exists()
    assert clock.slept == []


def test_shared_writes_a_throttled_process_pauses_the_others_then_they_take_turns(tmp_path, fake_clock):
    """Process A is throttled (Retry-After 3): process B waits out the pause, then, the budget being
    empty, process C waits one interval after B's start - each in turn, through the lock file."""
    clock = fake_clock
    path = str(tmp_path / "writes.json")
    a, b, c = (SharedWrites(path, clock=clock.clock, sleep=clock.sleep) for _name in "abc")
    a.after_write(None, 429, retry_after=3.0)
    _waited, turn = b.before_write()
    assert clock.slept == [3.0] and turn is not None
    b.after_write(turn, 202, remaining=0)
    clock.now += 1.0
    _waited, turn = c.before_write()
    assert clock.slept == [3.0, 2.0] and turn is not None  # 3 s (the interval) after b's start
    c.after_write(turn, 202, remaining=5)
    assert a.before_write() == (0.0, None)  # room again: free
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_shared_writes_trouble_with_the_file_is_no_failure(tmp_path):
    shared = SharedWrites(str(tmp_path / "missing-dir" / "writes.json"))
    shared.after_write(None, 429, retry_after=3.0)  # cannot write: ignored
    assert shared.before_write() == (0.0, None)


def test_remaining_writes_is_the_lowest_budget_header():
    headers = {"x-ms-ratelimit-remaining-subscription-writes": "1199", "x-ms-ratelimit-remaining-subscription-deletes": "14"}
    assert remaining_writes(headers, ("x-ms-ratelimit-remaining-subscription-writes",)) == 1199
    assert remaining_writes(headers, ("x-ms-ratelimit-remaining-subscription-writes", "x-ms-ratelimit-remaining-subscription-deletes")) == 14
    assert remaining_writes({"x-ms-ratelimit-remaining-subscription-writes": "many"}, ("x-ms-ratelimit-remaining-subscription-writes",)) is None


class DeadlineReached(Exception):
    pass


def test_shared_writes_ends_its_turn_when_the_wait_is_cut_short(tmp_path, fake_clock):
    """The task's deadline stops a wait for the budget (the client's sleep raises): the lock on the
    turn is released, so the next process is not blocked by a task that gave up."""
    path = str(tmp_path / "writes.json")

    def deadline_sleep(seconds):
        raise DeadlineReached()
    throttled = SharedWrites(path, clock=fake_clock.clock, sleep=fake_clock.sleep)
    throttled.after_write(None, 429, retry_after=30.0)
    giving_up = SharedWrites(path, clock=fake_clock.clock, sleep=deadline_sleep)
    with pytest.raises(DeadlineReached):
        giving_up.before_write()
    import fcntl
    fd = os.open(path + ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise BlockingIOError while the turn were held
    finally:
        os.close(fd)
