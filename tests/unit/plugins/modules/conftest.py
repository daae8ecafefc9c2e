# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module tests' fixtures: ``fake`` (also as ``arm``), the shared FakeArm as every module's transport
(support.modules_http)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from support.modules_http import modules_fake


@pytest.fixture
def fake(monkeypatch):
    return modules_fake(monkeypatch)


@pytest.fixture
def arm(fake):
    """The FakeArm under another name (the vault and policy tests); its clients sleep through client.sleep, which
    the fixture makes instant (the one wait, no own sleep)."""
    return fake
