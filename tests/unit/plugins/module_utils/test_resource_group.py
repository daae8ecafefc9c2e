# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_resource_group (azure_vm_restore_resource_group) against the real local HTTPS fake (conftest.py) with the fake
clock: a drill's group is created with its tag, never adopted without it, deleted only when tagged and empty, and
every refusal comes before any write."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _resource_group
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError

SUB = "00000000-0000-0000-0000-000000000001"
GROUP = "/subscriptions/%s/resourceGroups/drill-20260301-020000" % SUB
VAULT = "/subscriptions/%s/resourceGroups/vrg/providers/Microsoft.RecoveryServices/vaults/v1" % SUB
TAG = {"restore_drill": "drill-20260301-020000"}
DISK = GROUP + "/providers/Microsoft.Compute/disks/vm1-osdisk"
NOT_FOUND = (404, {"error": {"code": "ResourceGroupNotFound", "message": "Resource group 'drill-20260301-020000' could not be found."}})


def _params(**extra):
    params = dict(name="drill-20260301-020000", state="present", tag=dict(TAG), location=None, vault_name=None, vault_resource_group=None,
                  wait_timeout=60)
    params.update(extra)
    return params


def _group(tags=None, state="Succeeded", location="westus"):
    return (200, {"id": GROUP, "name": "drill-20260301-020000", "type": "Microsoft.Resources/resourceGroups", "location": location,
                  "tags": TAG if tags is None else tags, "properties": {"provisioningState": state}})


def _writes(arm):
    return [(r.method, r.path) for r in arm.arm if r.method != "GET"]


def test_present_creates_the_group_in_the_vaults_region_with_the_drills_tag(make_client, arm):
    arm.route_path("GET", GROUP, NOT_FOUND)
    arm.route_path("GET", VAULT, (200, {"id": VAULT, "location": "West Europe"}))
    arm.route_path("PUT", GROUP, (201, {"id": GROUP, "name": "drill-20260301-020000", "location": "westeurope", "tags": TAG,
                                        "properties": {"provisioningState": "Succeeded"}}))
    result = _resource_group.resource_group(make_client(), _params(vault_name="v1", vault_resource_group="vrg"))
    assert result["changed"] and result["resource_group"]["location"] == "westeurope" and result["resource_group"]["tags"] == TAG
    [put] = [r for r in arm.arm if r.method == "PUT"]
    assert put.body == {"location": "westeurope", "tags": TAG}
    assert put.query["api-version"] == ["2021-04-01"]
    assert "created resource group drill-20260301-020000 in westeurope" in result["msg"]


def test_present_check_mode_reads_only_and_says_what_it_would_create(make_client, arm):
    arm.route_path("GET", GROUP, NOT_FOUND)
    result = _resource_group.resource_group(make_client(), _params(location="eastus"), check_mode=True)
    assert result["changed"] and result["msg"].startswith("would create resource group drill-20260301-020000 in eastus")
    assert result["resource_group"]["provisioning_state"] is None and result["resource_group"]["id"] == GROUP
    assert _writes(arm) == []


def test_present_keeps_a_group_carrying_the_tag(make_client, arm):
    arm.route_path("GET", GROUP, _group(tags={"RESTORE_DRILL": TAG["restore_drill"]}))
    result = _resource_group.resource_group(make_client(), _params(location="westus"))
    assert not result["changed"] and result["resource_group"]["provisioning_state"] == "Succeeded"
    assert _writes(arm) == []


@pytest.mark.parametrize("tags,seen", [({}, "it has no such tag"), ({"restore_drill": "drill-other"}, "its value is 'drill-other'")])
def test_present_refuses_a_group_the_drill_did_not_create(make_client, arm, tags, seen):
    arm.route_path("GET", GROUP, _group(tags=tags))
    with pytest.raises(ValueError) as caught:
        _resource_group.resource_group(make_client(), _params(location="westus"))
    assert "refusing to use resource group drill-20260301-020000" in str(caught.value) and seen in str(caught.value)
    assert "\n" not in str(caught.value) and _writes(arm) == []


def test_present_refuses_a_tagged_group_in_another_region_or_being_deleted(make_client, arm):
    arm.route_path("GET", GROUP, _group(location="eastus"))
    with pytest.raises(ValueError, match="exists in region eastus, not in westus"):
        _resource_group.resource_group(make_client(), _params(location="West US"))
    arm.route_path("GET", GROUP, _group(state="Deleting"))
    with pytest.raises(ValueError, match="is being deleted"):
        _resource_group.resource_group(make_client(), _params(location="westus"))
    assert _writes(arm) == []


def test_present_without_a_location_or_vault_is_refused_before_any_write(make_client, arm):
    arm.route_path("GET", GROUP, NOT_FOUND)
    with pytest.raises(ValueError, match="location is required"):
        _resource_group.resource_group(make_client(), _params())
    assert _writes(arm) == []


@pytest.mark.parametrize("change,message", [
    (dict(name="bad/name"), "invalid resource group name"),
    (dict(name="ends-with-dot."), "invalid resource group name"),
    (dict(name="x" * 91), "invalid resource group name"),
    (dict(name="drill\n"), "control character"),
    (dict(name="/subscriptions/%s/resourceGroups/elsewhere" % SUB.replace("1", "2")), "not in the vault's subscription"),
    (dict(tag={"a": "1", "b": "2"}), "exactly one tag"),
    (dict(tag={}), "exactly one tag"),
    (dict(tag={"restore_drill": "d\n"}), "control character"),
    (dict(location="west\neurope"), "control character"),
    (dict(location="west/europe"), "invalid location"),
])
def test_bad_input_is_refused_before_any_call(make_client, arm, change, message):
    with pytest.raises(ValueError) as caught:
        _resource_group.resource_group(make_client(), _params(**change))
    assert message in str(caught.value), str(caught.value)
    assert arm.arm == []


def test_absent_deletes_an_empty_tagged_group_and_waits_for_the_operation(make_client, arm, fake_clock):
    arm.route_path("GET", GROUP, _group())
    arm.route_path("GET", GROUP + "/resources", (200, {"value": []}))
    result_url = "/subscriptions/%s/operationresults/tok1" % SUB
    arm.route_path("DELETE", GROUP, (202, "", {"Location": arm.url + result_url + "?api-version=2021-04-01", "Retry-After": "5"}))
    arm.route_path("GET", result_url, (202, "", {"Retry-After": "5"}), (200, ""))
    result = _resource_group.resource_group(make_client(), _params(state="absent"))
    assert result["changed"] and result["deleted"] == [GROUP]
    assert _writes(arm) == [("DELETE", GROUP)]
    assert len([r for r in arm.arm if r.path == result_url]) == 2   # waited until the operation ended
    assert fake_clock.slept and result["msg"].startswith("deleted resource group drill-20260301-020000")


def test_absent_refuses_a_group_that_still_holds_anything(make_client, arm):
    arm.route_path("GET", GROUP, _group())
    held = [{"id": DISK, "name": "vm1-osdisk", "type": "Microsoft.Compute/disks"}]
    held += [{"id": GROUP + "/providers/Microsoft.Storage/storageAccounts/acct%02d" % i} for i in range(11)]
    arm.route_path("GET", GROUP + "/resources", (200, {"value": held[:5], "nextLink": arm.url + GROUP + "/resources?page=2"}),
                   (200, {"value": held[5:]}))
    with pytest.raises(ValueError) as caught:
        _resource_group.resource_group(make_client(), _params(state="absent"))
    message = str(caught.value)
    assert "refusing to delete resource group drill-20260301-020000: it still holds 12 resource(s)" in message
    assert DISK in message and "and 2 more" in message and "nothing was deleted" in message
    assert _writes(arm) == []


def test_absent_refuses_an_untagged_group_without_listing_it(make_client, arm):
    arm.route_path("GET", GROUP, _group(tags={"owner": "team-a"}))
    with pytest.raises(ValueError, match="refusing to delete resource group drill-20260301-020000: it exists without the tag"):
        _resource_group.resource_group(make_client(), _params(state="absent"))
    assert [r.path for r in arm.arm] == [GROUP]


def test_absent_of_a_missing_group_changes_nothing(make_client, arm):
    arm.route_path("GET", GROUP, NOT_FOUND)
    result = _resource_group.resource_group(make_client(), _params(state="absent"))
    assert not result["changed"] and result["resource_group"] is None and result["deleted"] == []


def test_absent_check_mode_lists_and_deletes_nothing(make_client, arm):
    arm.route_path("GET", GROUP, _group())
    arm.route_path("GET", GROUP + "/resources", (200, {"value": []}))
    result = _resource_group.resource_group(make_client(), _params(state="absent"), check_mode=True)
    assert result["changed"] and result["deleted"] == [GROUP] and result["msg"].startswith("would delete")
    assert _writes(arm) == []


def test_absent_waits_for_a_group_already_being_deleted(make_client, arm):
    arm.route_path("GET", GROUP, _group(state="Deleting"), _group(state="Deleting"), NOT_FOUND)
    result = _resource_group.resource_group(make_client(), _params(state="absent"))
    assert not result["changed"] and "already being deleted; it is gone now" in result["msg"]
    assert _writes(arm) == [] and len(arm.arm) == 3


def test_a_deletion_is_waited_for_within_the_tasks_deadline(make_client, arm, fake_clock):
    arm.route_path("GET", GROUP, _group())
    arm.route_path("GET", GROUP + "/resources", (200, {"value": []}))
    result_url = "/subscriptions/%s/operationresults/tok2" % SUB
    arm.route_path("DELETE", GROUP, (202, "", {"Location": arm.url + result_url}))
    arm.route_path("GET", result_url, (202, ""))
    client = make_client()
    client.set_deadline(30)
    with pytest.raises(ArmError) as caught:
        _resource_group.resource_group(client, _params(state="absent", wait_timeout=30))
    assert caught.value.code == "OperationTimeout" and "deleting resource group drill-20260301-020000" in str(caught.value)
    assert sum(fake_clock.slept) == pytest.approx(30)
