# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake azure-identity credential and a fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import time

AccessToken = collections.namedtuple("AccessToken", "token expires_on")


class FakeCredential:
    """Stands in for an azure-identity credential: hands out tok-1, tok-2, ... valid for ``lifetime``
    seconds, and records the scopes asked for."""

    def __init__(self, lifetime=3600):
        self.scopes = []
        self.lifetime = lifetime

    def get_token(self, *scopes, **kwargs):  # pylint: disable=unused-argument
        self.scopes.append(scopes)
        return AccessToken("tok-%d" % len(self.scopes), int(time.time()) + self.lifetime)


class FakeClock:
    """``sleep`` that advances ``clock`` instead of waiting, and records each wait. ``attach(client)``
    makes them a client's only time sources (the pacer, the deadline and the waiters use them)."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def attach(self, client):
        client.sleep, client.clock = self.sleep, self.clock
        return client
