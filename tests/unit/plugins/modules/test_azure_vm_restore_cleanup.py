# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_restore_cleanup end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``, ``support.restore_http``; the ``fake`` fixture is in conftest.py): every request is
recorded, so what is sent, and that nothing is written before a refusal, is asserted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_restore_cleanup

from support.modules_http import ENDPOINT, SUB, run
from support.restore_http import AUTH_ARGS, DISK_ID, NEW_VM_ID, NIC_ID, OTHER_SUB, STORAGE, TAG


def test_cleanup_deletes_tagged_vms_first_then_nics_then_disks(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (200, {"id": DISK_ID, "tags": {"restore_drill": "d1"}}))
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": NEW_VM_ID, "tags": {"Restore_Drill": "d1"}}))
    fake.route("GET", r"/networkInterfaces/nic1$", (200, {"id": NIC_ID, "tags": TAG}))
    fake.route("DELETE", r"/providers/", (200, ""))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID, NIC_ID, NEW_VM_ID], tag=TAG), capsys)
    assert result["changed"] and result["deleted"] == [NEW_VM_ID, NIC_ID, DISK_ID]
    assert [path for method, path in fake.writes()] == [NEW_VM_ID, NIC_ID, DISK_ID]


def test_cleanup_refuses_untagged_resources_and_deletes_nothing(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (200, {"id": DISK_ID, "tags": {"restore_drill": "d1"}}))
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": NEW_VM_ID, "tags": {"restore_drill": "another-drill"}}))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID, NEW_VM_ID], tag=TAG), capsys)
    assert result["failed"] and "refusing to delete 1 resource(s) without the tag restore_drill=d1" in result["msg"] and NEW_VM_ID in result["msg"]
    assert fake.writes() == []


def test_cleanup_check_mode_and_gone_resources(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (404, {"error": {"code": "ResourceNotFound", "message": "gone"}}))
    fake.route("GET", r"/virtualMachines/testVM-drill$", (200, {"id": NEW_VM_ID, "tags": TAG}))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID, NEW_VM_ID], tag=TAG), capsys, check_mode=True)
    assert result["changed"] and result["deleted"] == [NEW_VM_ID] and fake.writes() == []


@pytest.mark.parametrize("ids,tag,message", [
    ([STORAGE], TAG, "neither a VM, a managed disk nor a network interface"),
    ([DISK_ID.replace(SUB, OTHER_SUB)], TAG, "not in the vault's subscription"),
    ([DISK_ID], {"a": "1", "b": "2"}, "exactly one tag"),
    ([DISK_ID], {"restore_drill": ""}, "invalid value"),
    ([DISK_ID + "\n"], TAG, "control character"),
])
def test_cleanup_refuses_bad_input_before_any_call(fake, capsys, ids, tag, message):
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=ids, tag=tag), capsys)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert fake.arm == []


def test_cleanup_reports_a_failed_deletion(fake, capsys):
    fake.route("GET", r"/disks/testvm-os$", (200, {"id": DISK_ID, "tags": TAG}))
    status = ENDPOINT + "/subscriptions/%s/providers/Microsoft.Compute/locations/westus/operations/op-d" % SUB
    fake.route("DELETE", r"/disks/testvm-os$", (202, "", {"Azure-AsyncOperation": status}))
    fake.route("GET", r"/operations/op-d$", (200, {"status": "Failed", "error": {"code": "OperationNotAllowed", "message": "disk is attached"}}))
    result = run(azure_vm_restore_cleanup, dict(AUTH_ARGS, resource_ids=[DISK_ID], tag=TAG), capsys)
    assert result["failed"] and "OperationNotAllowed" in result["msg"] and "disk is attached" in result["msg"]
