# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_timezones: the Windows time zone names a policy's schedule takes, matched without regard to case."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.module_utils._timezones import WINDOWS_TIME_ZONES, canonical_time_zone


def test_windows_time_zones():
    assert len(WINDOWS_TIME_ZONES) == len(set(WINDOWS_TIME_ZONES)) > 130
    assert canonical_time_zone("w. europe standard time") == "W. Europe Standard Time"
    assert canonical_time_zone("UTC") == "UTC"
    assert canonical_time_zone("Europe/Berlin") is None
    assert canonical_time_zone(" UTC") is None
