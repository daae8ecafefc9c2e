# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_recovery_point_info end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.restore_http``; the ``fake`` fixture is in conftest.py): every request is
recorded, so what is sent, and that nothing is written before a refusal, is asserted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC
from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_recovery_point_info

from support.modules_http import ENDPOINT, ITEM, VM_ARGS, item, run
from support.restore_http import ago, point


def test_recovery_points_are_typed_newest_first_and_pages_followed(fake, capsys):
    fake.route("GET", r"/protectedItems/[^/]+$", (200, item()))
    fake.route("GET", r"/recoveryPoints$", (200, {"value": [point("111", ago(days=2))], "nextLink": ENDPOINT + ITEM + "/recoveryPoints?page=2"}),
               (200, {"value": [point("222", ago(hours=1), tiers=(("ArchivedRP", "Valid"),))]}))
    result = run(azure_vm_recovery_point_info, VM_ARGS, capsys)
    names = [p["name"] for p in result["recovery_points"]]
    assert names == ["222", "111"] and result["changed"] is False
    newest = result["recovery_points"][0]
    assert newest["tiers"] == [{"type": "ArchivedRP", "tier": "archive", "status": "Valid"}] and newest["usable_tiers"] == ["archive"]
    assert newest["disks"] == {"included_luns": [0, 1], "excluded_luns": [5], "number_included": 3, "number_attached": 3}
    assert newest["consistency_type"] == "AppConsistent" and newest["zones"] == ["1"] and newest["expiry_time"] == "2027-01-01T00:00:00Z"
    assert 3500 <= newest["age_seconds"] <= 3700
    assert len([r for r in fake.arm if r.path.endswith("/recoveryPoints")]) == 2


def test_recovery_point_window_is_sent_in_the_services_format(fake, capsys):
    fake.route("GET", r"/protectedItems/[^/]+$", (200, item()))
    points = [point("111", datetime.datetime(2026, 3, 2, 13, 5, tzinfo=UTC)), point("222", datetime.datetime(2026, 3, 3, 1, 0, tzinfo=UTC))]
    fake.route("GET", r"/recoveryPoints$", (200, {"value": points}))
    result = run(azure_vm_recovery_point_info, dict(VM_ARGS, start_time="2026-03-01", end_time="2026-03-02T23:00:00Z", latest=True), capsys)
    listed = [r for r in fake.arm if r.path.endswith("/recoveryPoints")][0]
    assert listed.query["$filter"] == ["startDate eq '2026-03-01 12:00:00 AM' and endDate eq '2026-03-02 11:00:00 PM'"]
    assert [p["name"] for p in result["recovery_points"]] == ["111"]


@pytest.mark.parametrize("extra,message", [
    ({"start_time": "yesterday"}, "invalid start_time"), ({"end_time": "2026-03-01T00:00:00+02:00"}, "not in UTC"),
    ({"start_time": "2026-03-01\n"}, "invalid start_time '2026-03-01\\n'"), ({"start_time": "2026-03-02", "end_time": "2026-03-01"}, "after start_time"),
])
def test_recovery_point_info_refuses_malformed_times_before_any_call(fake, capsys, extra, message):
    result = run(azure_vm_recovery_point_info, dict(VM_ARGS, **extra), capsys)
    assert result["failed"] and message in result["msg"]
    assert fake.arm == []
