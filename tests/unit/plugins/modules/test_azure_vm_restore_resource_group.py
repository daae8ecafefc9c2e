# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_restore_resource_group end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py): the options as Ansible passes them, the vault's region
through module_defaults-style vault options, and one-line failures with nothing written."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_restore_resource_group

from support.modules_http import ARGS, SUB, VAULT, run
from support.restore_http import AUTH_ARGS, TAG

GROUP = "/subscriptions/%s/resourceGroups/drill-d1" % SUB


def test_creates_the_group_in_the_vaults_region(fake, capsys):
    fake.route("GET", r"/resourceGroups/drill-d1$", (404, {"error": {"code": "ResourceGroupNotFound", "message": "not found"}}))
    fake.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "northeurope"}))
    fake.route("PUT", r"/resourceGroups/drill-d1$", (201, {"id": GROUP, "name": "drill-d1", "location": "northeurope", "tags": TAG,
                                                           "properties": {"provisioningState": "Succeeded"}}))
    result = run(azure_vm_restore_resource_group, dict(ARGS, name="drill-d1", tag=TAG), capsys)
    assert result["changed"] and result["resource_group"]["location"] == "northeurope"
    assert fake.writes() == [("PUT", GROUP)] and fake.arm[-1].body == {"location": "northeurope", "tags": TAG}


def test_without_location_or_vault_it_fails_in_one_line_and_writes_nothing(fake, capsys):
    fake.route("GET", r"/resourceGroups/drill-d1$", (404, {"error": {"code": "ResourceGroupNotFound", "message": "not found"}}))
    result = run(azure_vm_restore_resource_group, dict(AUTH_ARGS, name="drill-d1", tag=TAG), capsys)
    assert result["failed"] and result["msg"].startswith("location is required") and "\n" not in result["msg"]
    assert fake.writes() == []


def test_vault_name_needs_its_resource_group(fake, capsys):
    result = run(azure_vm_restore_resource_group, dict(AUTH_ARGS, name="drill-d1", tag=TAG, vault_name="testVault"), capsys)
    assert result["failed"] and "vault_name" in result["msg"] and "vault_resource_group" in result["msg"]
    assert fake.arm == []


def test_check_mode_delete_of_a_non_empty_group_is_refused_as_a_real_run_would_be(fake, capsys):
    fake.route("GET", r"/resourceGroups/drill-d1$", (200, {"id": GROUP, "name": "drill-d1", "location": "westus", "tags": TAG,
                                                           "properties": {"provisioningState": "Succeeded"}}))
    fake.route("GET", r"/resourceGroups/drill-d1/resources$", (200, {"value": [{"id": GROUP + "/providers/Microsoft.Compute/disks/d"}]}))
    result = run(azure_vm_restore_resource_group, dict(AUTH_ARGS, name="drill-d1", tag=TAG, state="absent"), capsys, check_mode=True)
    assert result["failed"] and "still holds 1 resource(s)" in result["msg"] and GROUP + "/providers/Microsoft.Compute/disks/d" in result["msg"]
    assert fake.writes() == []
