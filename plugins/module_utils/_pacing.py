# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pacing writes by the subscription's write budget: WritePacer for the threads of one module
process, SharedWrites for the module processes of one user on one machine (Ansible's forks).

Resource Manager answers every write with ``x-ms-ratelimit-remaining-subscription-writes``
(and a DELETE with ``-deletes``), and a write past the budget with 429 and ``Retry-After``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import threading
import time


def remaining_writes(headers, names):
    """The lowest of the budget headers ``names`` in ``headers``, or None when none is there."""
    numbers = []
    for name in names:
        try:
            numbers.append(int((headers or {}).get(name)))
        except (TypeError, ValueError):
            pass
    return min(numbers) if numbers else None


def throttle_interval(retry_after, previous):
    """The spacing of writes after a throttled write: its Retry-After within 0.1-60 s, or, without
    one, the previous spacing."""
    return previous if retry_after is None else min(max(retry_after, 0.1), 60.0)


class WritePacer:
    """The subscription's write budget as this process sees it, shared by all its threads.

    ``remaining`` is the last ``x-ms-ratelimit-remaining-subscription-writes`` (``-deletes`` for a
    DELETE, whichever is lower) less the writes sent since. While it is above zero, writes go
    at once; at zero they go one at a time, ``interval`` apart (the last ``Retry-After`` of a
    throttled write: the time the service said one more write needs). A 429 on a write stops
    every write of the process until its ``Retry-After`` has passed, so that many threads do
    not each spend their retries on a budget that is empty. Before the first answer nothing is
    known: one write at a time until one comes back."""

    POLL = 1.0  # a thread waiting for another write's answer looks again at least this often

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self.clock = clock
        self.sleep = sleep
        self.remaining = None        # None: no answer seen yet; float("inf"): answers carry no budget header
        self.paused_until = 0.0
        self.interval = 1.0
        self.in_flight = 0
        self.last_start = None
        self._cond = threading.Condition()

    def _delay(self, now):
        """0: go; None: wait for the answer to a write in flight; else seconds to wait."""
        if now < self.paused_until:
            return self.paused_until - now
        if self.remaining is not None and self.remaining - self.in_flight > 0:
            return 0.0
        if self.in_flight:
            return None
        if self.remaining is None or self.last_start is None:
            return 0.0
        return max(0.0, self.last_start + self.interval - now)

    def before_write(self):
        """Wait until a write may go; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._cond:
                now = self.clock()
                delay = self._delay(now)
                if delay is None:
                    self._cond.wait(self.POLL)  # after_write() wakes us (a wait for another thread, not a time source)
                    waited += max(0.0, self.clock() - now)
                    continue
                if delay <= 0:
                    self.in_flight += 1
                    self.last_start = now
                    return waited
            self.sleep(delay)
            waited += delay

    def after_write(self, status=None, remaining=None, retry_after=None):
        """Record the answer to a write (status None: no answer; remaining: remaining_writes() of it)."""
        with self._cond:
            self._cond.notify_all()
            self.in_flight = max(0, self.in_flight - 1)
            if status == 429:
                self.interval = throttle_interval(retry_after, self.interval)
                self.paused_until = max(self.paused_until, self.clock() + self.interval)
                self.remaining = 0
                return
            if status is None:
                return
            self.remaining = remaining if remaining is not None else (float("inf") if self.remaining is None else self.remaining)


class SharedWrites:
    """The write budget as every module process of this user on this machine sees it: a small file
    next to the token cache (same private directory), so that Ansible's forks (one process per
    VM, per-host mode) pace their writes together as the threads of one process do.

    The file holds no secret: when the last answer said how many writes are left (``remaining``),
    until when a 429 asked to wait (``paused_until``), the last ``Retry-After`` (``interval``) and
    when the last write waited for its turn started (``last_start``). While the budget has room
    and nobody was throttled, a write only reads the file. Otherwise the processes take turns
    through an exclusive lock on ``<file>.lock``: one write at a time, ``interval`` apart and
    not before ``paused_until``. Any trouble with the files (permissions, a full disk) makes
    this a no-op: pacing must never fail a task."""

    def __init__(self, path, clock=time.time, sleep=time.sleep):
        self.path = path
        self.clock = clock
        self.sleep = sleep

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as handle:
                state = json.load(handle)
            return state if isinstance(state, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write(self, state):
        temporary = "%s.%d.tmp" % (self.path, os.getpid())
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle)
            os.replace(temporary, self.path)
        except OSError:
            pass

    @staticmethod
    def _free(state, now):
        remaining = state.get("remaining")
        return state.get("paused_until", 0) <= now and (remaining is None or remaining > 0)

    def before_write(self):
        """Wait for this write's turn when the budget is spent or paused. Returns (seconds waited,
        a turn to give to after_write())."""
        if self._free(self._read(), self.clock()):
            return 0.0, None
        try:
            import fcntl  # POSIX; Ansible controllers are
            turn = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except (ImportError, OSError):
            return 0.0, None
        started = self.clock()
        try:
            fcntl.flock(turn, fcntl.LOCK_EX)  # the other processes' turns come first
            state = self._read()
            now = self.clock()
            if not self._free(state, now):
                last = state.get("last_start") or 0
                delay = max(state.get("paused_until", 0) - now, last + float(state.get("interval") or 1.0) - now, 0.0)
                if delay > 0:
                    self.sleep(min(delay, 60.0))
                state["last_start"] = self.clock()
                self._write(state)
        except OSError:
            os.close(turn)
            return self.clock() - started, None
        except BaseException:  # e.g. the task's deadline reached while waiting: the turn ends here
            os.close(turn)
            raise
        return self.clock() - started, turn

    def after_write(self, turn, status=None, remaining=None, retry_after=None):
        """Record the answer (status None: none came), and end the turn."""
        try:
            if status is not None:
                state = self._read()
                now = self.clock()
                if status == 429:
                    interval = throttle_interval(retry_after, float(state.get("interval") or 1.0))
                    state.update(paused_until=max(state.get("paused_until", 0), now + interval), interval=interval, remaining=0)
                    self._write(state)
                elif remaining is not None or state.get("remaining") is not None:
                    state["remaining"] = remaining
                    self._write(state)
        finally:
            if turn is not None:
                os.close(turn)  # closing the descriptor releases the lock
