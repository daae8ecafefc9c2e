# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every example the service publishes for this API (examples/ and examples-wave2/) is replayed by
one of the family replays: none is left out when a file is added to the shared directory."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os

import test_emulator_replay as wave1
import test_emulator_replay_vault as vaults
import test_emulator_replay_wave2_restore as restores
from conftest import API_DIR


def _all(folder):
    root = os.path.join(API_DIR, folder)
    return set(os.path.realpath(p) for p in glob.glob(os.path.join(root, "**", "*.json"), recursive=True))


def test_every_published_example_is_in_a_replay():
    replayed = set(os.path.realpath(os.path.join(API_DIR, "examples", rel)) for rel in wave1._examples())  # pylint: disable=protected-access
    replayed |= set(os.path.realpath(os.path.join(vaults.WAVE2, rel)) for rel in vaults._examples())  # pylint: disable=protected-access
    replayed |= set(os.path.realpath(os.path.join(restores.WAVE2, rel)) for rel in restores._examples())  # pylint: disable=protected-access
    published = _all("examples") | _all("examples-wave2")
    assert len(published) > 55
    assert sorted(published - replayed) == []
