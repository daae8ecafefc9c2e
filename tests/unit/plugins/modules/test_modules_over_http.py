# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules end to end through AnsibleModule and the real ArmClient, with HTTP faked
at the transport: a _transport.Transport whose send() answers from scripted routes with real
_transport.Response objects, and records every request (so call counts are asserted)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import datetime
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

from http.client import HTTPMessage

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.azure_recovery.backup.plugins.module_utils import _backup_now, _common
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient
from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import Response, TransportError
from ansible_collections.azure_recovery.backup.plugins.module_utils._times import UTC, format_utc
from ansible_collections.azure_recovery.backup.plugins.modules import (
    azure_backup_job_info,
    azure_backup_refresh,
    azure_vm_backup_now,
    azure_vm_backup_now_batch,
    azure_vm_protection,
    azure_vm_protection_batch,
    azure_vm_protection_info,
)

ENDPOINT = "https://arm.test"
SUB = "00000000-0000-0000-0000-000000000000"
VAULT = "/subscriptions/%s/resourceGroups/testVaultRG/providers/Microsoft.RecoveryServices/vaults/testVault" % SUB
CONTAINER = "IaasVMContainer;iaasvmcontainerv2;testrg;testvm"
ITEM_NAME = "VM;iaasvmcontainerv2;testrg;testvm"
ITEM = "%s/backupFabrics/Azure/protectionContainers/%s/protectedItems/%s" % (VAULT, CONTAINER, ITEM_NAME)
VM_ID = "/subscriptions/%s/resourceGroups/testRG/providers/Microsoft.Compute/virtualMachines/testVM" % SUB
POLICY_ID = VAULT + "/backupPolicies/DefaultPolicy"
ARGS = {"vault_name": "testVault", "vault_resource_group": "testVaultRG", "subscription_id": SUB, "client_id": "app", "secret": "s3cret",
        "tenant": "tenant-1", "cloud_environment": ENDPOINT, "token_cache": False}
VM_ARGS = dict(ARGS, vm_name="testVM", vm_resource_group="testRG")
DROP = "DROP"

Recorded = collections.namedtuple("Recorded", "method path query body headers")


class FakeArm:
    """Routes are (method, regex on the unquoted path) -> responses; each request takes the next
    response, the last one repeats. A response is (status, body, headers), a callable(Recorded)
    returning one, or DROP (a connection error after the request was sent)."""

    def __init__(self):
        self.routes = []
        self.requests = []
        self.route("GET", r"^/metadata/endpoints$", (200, {"authentication": {"loginEndpoint": ENDPOINT + "/", "audiences": [ENDPOINT + "/"]}}))
        # no job runs unless a test says so (the running-jobs read of every protection and backup task)
        self.route("GET", r"/backupJobs$", (200, {"value": []}))

    def route(self, method, pattern, *responses):
        self.routes.insert(0, (method, re.compile(pattern), list(responses)))

    def send(self, method, url, headers, body=None):
        parts = urlsplit(url)
        recorded = Recorded(method, unquote(parts.path), parse_qs(parts.query), json.loads(body) if body else None, headers)
        self.requests.append(recorded)
        for route_method, pattern, responses in self.routes:
            if route_method == method and pattern.search(recorded.path):
                answer = responses.pop(0) if len(responses) > 1 else responses[0]
                break
        else:
            answer = (404, {"error": {"code": "NoRoute", "message": "no route for %s %s" % (method, recorded.path)}})
        if callable(answer):
            answer = answer(recorded)
        if answer == DROP:
            raise TransportError("ReadTimeout: read timed out", sent=True, timeout=True)
        status, payload = answer[0], answer[1]
        message = HTTPMessage()
        for name, value in (answer[2] if len(answer) > 2 else {}).items():
            message[name] = value
        if isinstance(payload, (dict, list)):
            if message.get("Content-Type") is None:
                message["Content-Type"] = "application/json"
            content = json.dumps(payload).encode("utf-8")
        else:
            content = (payload or "").encode("utf-8")
        return Response(status, message, content, url)

    @property
    def arm(self):
        """Requests to Resource Manager (not the metadata document)."""
        return [r for r in self.requests if r.path.lower().startswith("/subscriptions/")]

    def writes(self):
        return [(r.method, r.path) for r in self.arm if r.method != "GET" and not r.path.endswith("/backupStatus")]


class FakeCredential:
    def get_token(self, *scopes, **kwargs):
        return collections.namedtuple("AccessToken", "token expires_on")("tok", 4102444800)


@pytest.fixture
def fake(monkeypatch):
    session = FakeArm()

    def client_factory(params, warn=None):
        client = ArmClient(params, warn=warn, environ={}, transport=session)
        client.tokens.credential_factory = lambda config, cloud, verify: FakeCredential()
        client.sleep = lambda seconds: None
        return client
    monkeypatch.setattr(_common, "ArmClient", client_factory)
    from ansible.module_utils.common import warnings as module_warnings
    monkeypatch.setattr(module_warnings, "_global_warnings", {})
    return session


def run(module, args, capsys, check_mode=False, diff=False):
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def warnings(result):
    """Warning texts (ansible-core 2.19 returns WarningSummary dicts, older ones strings)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


# --------------------------------------------------------------------------- service shapes

def item(state="Protected", policy="DefaultPolicy", soft_deleted=False, last_backup=None, disks=None):
    props = {"protectedItemType": "Microsoft.Compute/virtualMachines", "friendlyName": "testVM", "virtualMachineId": VM_ID,
             "sourceResourceId": VM_ID, "protectionState": state, "protectionStatus": "Healthy", "healthStatus": "Passed",
             "containerName": "iaasvmcontainerv2;testrg;testvm", "lastBackupStatus": "Completed" if last_backup else "",
             "lastBackupTime": last_backup or "2001-01-01T00:00:00Z", "policyId": VAULT + "/backupPolicies/" + policy if policy else ""}
    if policy:
        props["policyName"] = policy
    if soft_deleted:
        props.update(isScheduledForDeferredDelete=True, deferredDeleteTimeInUTC="2026-12-13T00:00:00Z")
    if disks:
        props["extendedProperties"] = {"diskExclusionProperties": disks}
    return {"id": ITEM, "name": ITEM_NAME, "properties": props}


def accepted(session, op="op-1", job="job-1", status="Succeeded"):
    """A 202 for a write on the item; its operation ends at the first poll."""
    body = {"status": status, "properties": {"objectType": "OperationStatusJobExtendedInfo", "jobId": job}}
    if status == "Failed":
        body["error"] = {"code": "UserErrorX", "message": "it broke"}
    session.route("GET", r"/operationsStatus/%s$" % op, (200, body))
    return (202, "", {"Azure-AsyncOperation": ENDPOINT + ITEM + "/operationsStatus/" + op + "?api-version=2019-05-13"})


def protectable(name="testVM", rg="testRG"):
    vm_id = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s" % (SUB, rg, name)
    return {"name": "iaasvmcontainerv2;%s;%s" % (rg.lower(), name.lower()),
            "properties": {"friendlyName": name, "virtualMachineId": vm_id, "protectableItemType": "Microsoft.Compute/virtualMachines",
                           "protectionState": "NotProtected", "resourceGroup": rg}}


def job(name="job-1", status="InProgress", start="2026-03-01T11:00:00Z", errors=None):
    props = {"status": status, "operation": "Backup", "startTime": start, "entityFriendlyName": "testvm",
             "containerName": "iaasvmcontainerv2;testrg;testvm", "duration": "PT1M", "activityId": "a"}
    if status != "InProgress":
        props["endTime"] = "2026-03-01T12:00:00Z"
    if errors:
        props["errorDetails"] = errors
    return {"id": VAULT + "/backupJobs/" + name, "name": name, "properties": props}


def enable_reads(session, policy=True, protectable_items=None, status=None):
    """The reads an enable makes: item (404), policy, vault, backupStatus, protectable items."""
    session.route("GET", r"/protectedItems/%s$" % re.escape(ITEM_NAME), (404, {"error": {"code": "BMSUserErrorItemNotFound", "message": "no"}}))
    if policy:
        session.route("GET", r"/backupPolicies/DefaultPolicy$", (200, {"id": POLICY_ID, "name": "DefaultPolicy",
                                                                       "properties": {"backupManagementType": "AzureIaasVM"}}))
    session.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    session.route("POST", r"/locations/westus/backupStatus$", (200, status or {"protectionStatus": "NotProtected"}))
    session.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable()] if protectable_items is None else protectable_items}))


# --------------------------------------------------------------------------- azure_vm_protection

def test_protection_noop_costs_one_get_and_one_job_list(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item(policy="defaultPolicy")))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["changed"] is False and result["action"] == "none" and result["pending_operation"] is None
    # the item, and the vault's running jobs (a write still running on the item would not show in the item yet)
    assert [(r.method, r.path) for r in fake.arm] == [("GET", ITEM), ("GET", VAULT + "/backupJobs")]
    assert fake.arm[0].query["api-version"] == ["2026-02-01"]
    assert "status eq 'InProgress'" in fake.arm[1].query["$filter"][0]


def test_protection_enable(fake, capsys):
    enable_reads(fake)
    fake.route("PUT", r"/protectedItems/", accepted(fake, job="job-enable"))
    fake.route("GET", r"/protectedItems/%s$" % re.escape(ITEM_NAME), (404, {"error": {"code": "NotFound", "message": "no"}}),
               (200, item("IRPending")))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, diff=True)
    assert result["changed"] and result["action"] == "enable" and result["job_id"] == "job-enable"
    assert result["protected_item"]["protection_state"] == "IRPending"
    assert result["diff"] == {"before": {}, "after": {"policy": "DefaultPolicy", "protection_state": "Protected", "soft_deleted": False,
                                                      "disk_exclusion": None}}
    put = [r for r in fake.arm if r.method == "PUT"]
    assert len(put) == 1 and put[0].path == ITEM
    assert put[0].body == {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID,
                                          "policyId": POLICY_ID}}
    # the vault lists the VM as NotProtected: no backupStatus POST (it counts as a write), no vault GET
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.arm if r.method != "PUT" and "/operation" not in r.path] == [
        ("GET", ITEM_NAME), ("GET", "backupJobs"), ("GET", "DefaultPolicy"), ("GET", "backupProtectableItems"), ("GET", ITEM_NAME)]


@pytest.mark.parametrize("listed", ["Protected", "Protecting", None])
def test_protection_enable_asks_the_backup_status_unless_listed_not_protected(fake, capsys, listed):
    """A VM the vault lists in any other state (or not at all) gets the backupStatus check, before any write."""
    items = [] if listed is None else [dict(protectable(), properties=dict(protectable()["properties"], protectionState=listed))]
    enable_reads(fake, protectable_items=items)
    fake.route("POST", r"/refreshContainers$", accepted(fake))
    fake.route("PUT", r"/protectedItems/", accepted(fake, job="job-enable"))
    run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", discover=False), capsys)
    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.arm]
    assert ("POST", "backupStatus") in methods
    if ("PUT", ITEM_NAME) in methods:
        assert methods.index(("POST", "backupStatus")) < methods.index(("PUT", ITEM_NAME))


def test_protection_uses_the_operations_final_item_instead_of_reading_again(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    status = ITEM + "/operationsStatus/op-s"
    result_url = ITEM + "/operationResults/op-s"
    fake.route("GET", r"/operationsStatus/op-s$", (200, {"status": "Succeeded", "properties": {"jobId": "job-s"}}))
    fake.route("GET", r"/operationResults/op-s$", (200, item("ProtectionStopped", policy=None)))
    fake.route("PUT", r"/protectedItems/", (202, "", {"Azure-AsyncOperation": ENDPOINT + status, "Location": ENDPOINT + result_url}))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys)
    assert result["protected_item"]["protection_state"] == "ProtectionStopped" and result["job_id"] == "job-s"
    assert [r.path.rsplit("/", 1)[-1] for r in fake.arm] == [ITEM_NAME, "backupJobs", ITEM_NAME, "op-s", "op-s"]


def test_protection_enable_check_mode_writes_nothing(fake, capsys):
    enable_reads(fake)
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, check_mode=True)
    assert result["changed"] and result["action"] == "enable" and result["protected_item"] is None
    assert fake.writes() == []


def test_protection_elsewhere_fails_before_any_write(fake, capsys):
    other = "/subscriptions/%s/resourceGroups/otherVaultRG/providers/Microsoft.RecoveryServices/vaults/otherVault" % SUB
    # such a VM is not among this vault's protectable VMs: asked before any refresh (a write)
    enable_reads(fake, status={"protectionStatus": "Protected", "vaultId": other}, protectable_items=[])
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["failed"] and "already protected by vault otherVault" in result["msg"]
    assert fake.writes() == []


def test_protection_unknown_policy_lists_the_vaults_policies(fake, capsys):
    enable_reads(fake, policy=False)
    fake.route("GET", r"/backupPolicies/NoSuch$", (404, {"error": {"code": "NotFound", "message": "no"}}))
    fake.route("GET", r"/backupPolicies$", (200, {"value": [{"name": "EnhancedPolicy"}, {"name": "DefaultPolicy"}]}))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="NoSuch"), capsys)
    assert result["failed"]
    assert result["msg"] == "backup policy 'NoSuch' does not exist in vault testVaultRG/testVault (its VM policies: DefaultPolicy, EnhancedPolicy)"
    assert fake.writes() == []


@pytest.mark.parametrize("policy", ["", "  ", "a/../b"])
def test_protection_bad_policy_is_refused_before_any_call(fake, capsys, policy):
    result = run(azure_vm_protection, dict(VM_ARGS, policy=policy), capsys)
    assert result["failed"] and "policy" in result["msg"]
    assert fake.arm == []


def test_protection_discovers_an_unknown_vm_once(fake, capsys):
    enable_reads(fake, protectable_items=[])
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}), (200, {"value": [protectable()]}))
    fake.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/r1"}))
    fake.route("GET", r"/operationResults/r1$", (204, ""))
    fake.route("PUT", r"/protectedItems/", accepted(fake))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", wait=False), capsys)
    assert result["changed"] and result["discovered"]
    assert [m for m, _p in fake.writes()] == ["POST", "PUT"]
    protectable_calls = [r for r in fake.arm if r.path.endswith("/backupProtectableItems")]
    assert [r.query["$filter"] for r in protectable_calls] == [["backupManagementType eq 'AzureIaasVM' and friendlyName eq 'testVM'"]] * 2


def test_protection_check_mode_on_an_undiscovered_vm_warns_and_does_not_refresh(fake, capsys):
    enable_reads(fake, protectable_items=[])
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, check_mode=True)
    assert result["changed"] and result["discovered"]
    assert any("not discovered by the vault yet" in text for text in warnings(result))
    assert fake.writes() == []


def test_protection_undiscovered_with_discover_false(fake, capsys):
    enable_reads(fake, protectable_items=[protectable("testVM", "otherRG")])
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", discover=False), capsys)
    assert result["failed"] and "does not know VM testRG/testVM yet and discover=false" in result["msg"]
    assert fake.writes() == []


def test_protection_vm_still_unknown_after_refresh(fake, capsys):
    enable_reads(fake, protectable_items=[])
    fake.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/r1"}))
    fake.route("GET", r"/operationResults/r1$", (204, ""))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["failed"] and "even after refreshing" in result["msg"]
    assert [m for m, _p in fake.writes()] == ["POST"]


def test_protection_soft_deleted_needs_undelete(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item("ProtectionStopped", policy=None, soft_deleted=True)))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    # deferredDeleteTimeInUTC is the time of the delete; the purge is 14 days later
    assert result["failed"] and "soft-deleted (deleted at 2026-12-13T00:00:00Z, purged for good at 2026-12-27T00:00:00Z" in result["msg"]
    assert len(fake.arm) == 2


def test_protection_undelete_then_protect(fake, capsys):
    enable_reads(fake)
    fake.route("GET", r"/protectedItems/%s$" % re.escape(ITEM_NAME), (200, item("ProtectionStopped", policy=None, soft_deleted=True)),
               (200, item("IRPending")))
    fake.route("PUT", r"/protectedItems/", accepted(fake, op="op-u", job="job-u"), accepted(fake, op="op-p", job="job-p"))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy", undelete=True), capsys)
    assert result["changed"] and result["action"] == "undelete" and result["job_id"] == "job-p"
    puts = [r.body["properties"] for r in fake.arm if r.method == "PUT"]
    assert puts[0] == {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID,
                       "protectionState": "ProtectionStopped", "policyId": None, "isRehydrate": True}
    assert puts[1]["policyId"] == POLICY_ID
    # the undelete finished before the protect was sent
    order = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.arm]
    assert order.index(("GET", "op-u")) < [i for i, o in enumerate(order) if o[0] == "PUT"][1]


def test_protection_stop_keeps_data(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("ProtectionStopped", policy=None)))
    fake.route("PUT", r"/protectedItems/", accepted(fake))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys, diff=True)
    assert result["changed"] and result["action"] == "stop"
    assert result["diff"]["after"]["protection_state"] == "ProtectionStopped" and result["diff"]["after"]["policy"] is None
    assert [r.body for r in fake.arm if r.method == "PUT"] == [{"properties": {
        "protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID, "protectionState": "ProtectionStopped",
        "policyId": ""}}]


def test_protection_delete_reports_soft_delete(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("ProtectionStopped", policy=None, soft_deleted=True)))
    fake.route("DELETE", r"/protectedItems/", (202, "", {"Location": ENDPOINT + VAULT + "/backupOperationResults/d1"}))
    fake.route("GET", r"/backupOperationResults/d1$", (202, ""), (204, ""))
    result = run(azure_vm_protection, dict(VM_ARGS, state="absent"), capsys)
    assert result["changed"] and result["action"] == "delete"
    assert result["protected_item"]["soft_deleted"] and result["protected_item"]["deleted_time"] == "2026-12-13T00:00:00Z"
    assert "purged for good at 2026-12-27T00:00:00Z" in result["msg"] and "undelete=true" in result["msg"]


def test_protection_absent_on_soft_deleted_changes_nothing(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item("ProtectionStopped", policy=None, soft_deleted=True)))
    result = run(azure_vm_protection, dict(VM_ARGS, state="absent"), capsys)
    assert result["changed"] is False and result["protected_item"]["soft_deleted"]
    assert result["protected_item"]["purge_time"] == "2026-12-27T00:00:00Z"
    assert len(fake.arm) == 2


def test_protection_disk_change_sends_the_selection(fake, capsys):
    fake.route("GET", r"/backupPolicies/DefaultPolicy$", (200, {"id": POLICY_ID, "name": "DefaultPolicy", "properties": {}}))
    fake.route("GET", r"/protectedItems/", (200, item(disks={"diskLunList": [1], "isInclusionList": False})))
    fake.route("PUT", r"/protectedItems/", accepted(fake))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    assert result["changed"] and result["action"] == "update"
    put = [r.body for r in fake.arm if r.method == "PUT"][0]
    assert put["properties"]["extendedProperties"] == {"diskExclusionProperties": {"diskLunList": [], "isInclusionList": False}}


def test_protection_failed_operation_is_one_line(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("PUT", r"/protectedItems/", accepted(fake, status="Failed"))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys)
    assert result["failed"] and result["msg"].startswith("stopping protection of VM testRG/testVM failed: UserErrorX: it broke")
    assert "\n" not in result["msg"]


@pytest.mark.parametrize("name,group", [("testVM;x/../other", "testRG"), ("testVM", "rg/../x"), ("a" * 65, "testRG"), ("vm?x", "testRG")])
def test_protection_names_that_could_address_another_resource_are_refused(fake, capsys, name, group):
    result = run(azure_vm_protection, dict(ARGS, vm_name=name, vm_resource_group=group, policy="DefaultPolicy"), capsys)
    assert result["failed"] and "invalid" in result["msg"]
    assert fake.arm == []


def test_protection_vm_in_other_subscription_refused(fake, capsys):
    args = dict(ARGS, vm_id=VM_ID.replace(SUB, "11111111-1111-1111-1111-111111111111"), policy="DefaultPolicy")
    result = run(azure_vm_protection, args, capsys)
    assert result["failed"] and "not in the vault's subscription" in result["msg"]
    assert fake.arm == []


# --------------------------------------------------------------------------- azure_vm_protection_batch

FLEET = ["vm%02d" % number for number in range(12)]


def fleet_routes(session, listed=FLEET):
    session.route("GET", r"/protectedItems/VM;", (404, {"error": {"code": "BMSUserErrorItemNotFound", "message": "no"}}))
    session.route("GET", r"/backupProtectedItems$", (200, {"value": []}))
    session.route("GET", r"/backupPolicies/DefaultPolicy$", (200, {"id": POLICY_ID, "name": "DefaultPolicy",
                                                                   "properties": {"backupManagementType": "AzureIaasVM"}}))
    session.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable(name, "testRG") for name in listed]}))
    session.route("PUT", r"/protectedItems/", accepted(session, job="job-fleet"))


def test_batch_reads_the_vault_once_and_writes_once_per_vm(fake, capsys):
    fleet_routes(fake)
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, concurrency=5,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]), capsys)
    assert result["changed"] and result["counts"] == {"total": 12, "changed": 12, "unchanged": 0, "failed": 0}
    assert [row["vm"] for row in result["results"]] == ["testRG/%s" % name for name in FLEET]  # the order of vms
    assert {row["action"] for row in result["results"]} == {"enable"}
    calls = collections.Counter((r.method, r.path.rsplit("/", 1)[-1] if "/protectedItems/" not in r.path else "item") for r in fake.arm)
    # 12 threads, 5 at a time, asked for the same policy and list: one GET each; listed NotProtected: no backupStatus
    assert calls[("GET", "DefaultPolicy")] == 1 and calls[("GET", "backupProtectableItems")] == 1
    assert calls[("PUT", "item")] == 12 and not any(path == "backupStatus" for _method, path in calls)
    # the items: one list of the vault's protected items for all, not one GET each
    assert calls[("GET", "item")] == 0 and calls[("GET", "backupProtectedItems")] == 1


def test_batch_one_failing_vm_does_not_stop_the_others(fake, capsys):
    fleet_routes(fake, listed=FLEET[1:])  # vm00 is unknown to the vault
    fake.route("POST", r"/backupStatus$", (200, {"protectionStatus": "NotProtected"}))
    fake.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, discover=False,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET[:3]]), capsys)
    assert result["failed"] and result["counts"]["failed"] == 1 and result["counts"]["changed"] == 2
    assert result["results"][0]["failed"] and "does not know VM testRG/vm00 yet and discover=false" in result["results"][0]["msg"]
    assert result["msg"].startswith("3 VM(s): 2 changed, 0 unchanged, 1 failed: testRG/vm00: ")
    assert sorted(r.path.rsplit(";", 1)[-1] for r in fake.arm if r.method == "PUT") == ["vm01", "vm02"]  # threads: any order


def test_batch_refreshes_once_for_many_undiscovered_vms_and_asks_only_for_those_still_unlisted(fake, capsys):
    """12 VMs the vault does not list yet: one shared refresh, no backupStatus for the 11 it then lists as
    NotProtected; the one still missing is asked about (another vault protects it) and fails alone."""
    fleet_routes(fake)
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}), (200, {"value": [protectable(name, "testRG") for name in FLEET[1:]]}))
    fake.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/ref-1"}))
    fake.route("GET", r"/operationResults/ref-1$", (204, ""))
    other = "/subscriptions/%s/resourceGroups/otherVaultRG/providers/Microsoft.RecoveryServices/vaults/otherVault" % SUB
    fake.route("POST", r"/backupStatus$", (200, {"protectionStatus": "Protected", "vaultId": other}))
    fake.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, concurrency=4,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]), capsys)
    assert result["counts"] == {"total": 12, "changed": 11, "unchanged": 0, "failed": 1}
    assert "already protected by vault otherVault" in result["results"][0]["msg"]
    assert all(row["discovered"] for row in result["results"][1:])
    posts = [r.path.rsplit("/", 1)[-1] for r in fake.arm if r.method == "POST"]
    assert sorted(posts) == ["backupStatus", "refreshContainers"]
    assert len([r for r in fake.arm if r.method == "PUT"]) == 11


@pytest.mark.parametrize("vms, message", [
    ([{"name": "vm00", "resource_group": "testRG", "policy": " "}], "vms[0] (testRG/vm00): policy is required"),
    ([{"name": "vm00", "resource_group": "testRG"}, {"id": VM_ID.replace("testVM", "VM00")}], "vms[1] (testRG/VM00): the same VM as vms[0]"),
    ([{"name": "vm00", "resource_group": "testRG", "include_disk_luns": [70]}], "disk LUNs must be whole numbers from 0 to 63"),
])
def test_batch_bad_entry_sends_nothing(fake, capsys, vms, message):
    fleet_routes(fake)
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", vms=vms), capsys)
    assert result["failed"] and message in result["msg"] and "nothing was sent" in result["msg"]
    assert fake.arm == []


def test_batch_check_mode_warns_once_for_undiscovered_vms(fake, capsys):
    fleet_routes(fake, listed=[])
    fake.route("POST", r"/backupStatus$", (200, {"protectionStatus": "NotProtected"}))
    fake.route("GET", r"/vaults/testVault$", (200, {"id": VAULT, "location": "westus"}))
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]),
                 capsys, check_mode=True)
    assert result["changed"] and fake.writes() == []
    assert all(row["discovered"] and len(row["warnings"]) == 1 for row in result["results"])
    assert len([text for text in warnings(result) if "have warnings" in text]) == 1


# --------------------------------------------------------------------------- azure_vm_backup_now

def recent():
    return format_utc(datetime.datetime.now(UTC) - datetime.timedelta(hours=1))


def test_backup_now_not_protected(fake, capsys):
    fake.route("GET", r"/protectedItems/", (404, {"error": {"code": "NotFound", "message": "no"}}))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["failed"] and "is not protected by the vault" in result["msg"]
    assert fake.writes() == []


def test_backup_now_skips_when_recent(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item(last_backup=recent())))
    result = run(azure_vm_backup_now, dict(VM_ARGS, if_last_backup_older_than="12h"), capsys)
    assert result["changed"] is False and "newer than 12h" in result["skipped_reason"]
    assert [r.path.rsplit("/", 1)[-1] for r in fake.arm] == [ITEM_NAME]  # a skip needs no job list


def test_backup_now_returns_the_running_job(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": [job("running")]}))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["changed"] is False and result["job_id"] == "running" and "already in progress" in result["skipped_reason"]
    assert fake.writes() == []


def test_backup_now_check_mode(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    result = run(azure_vm_backup_now, dict(VM_ARGS, retain_days=7), capsys, check_mode=True)
    assert result["changed"] and result["job_id"] is None and result["recovery_point_expiry_time"]
    assert fake.writes() == []


def test_backup_now_triggers_and_waits(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    fake.route("POST", r"/backup$", accepted(fake, job="job-b"))
    fake.route("GET", r"/backupJobs/job-b$", (200, job("job-b")), (200, job("job-b", "Completed")))
    result = run(azure_vm_backup_now, dict(VM_ARGS, retain_until="2040-01-01", wait=True), capsys)
    assert result["changed"] and result["job_id"] == "job-b" and result["job"]["status"] == "Completed"
    assert result["recovery_point_expiry_time"] == "2040-01-01T00:00:00Z"
    posts = [r for r in fake.arm if r.method == "POST"]
    assert [p.body for p in posts] == [{"properties": {"objectType": "IaasVMBackupRequest", "recoveryPointExpiryTimeInUTC": "2040-01-01T00:00:00Z"}}]


def test_backup_now_failed_job_fails_with_its_error(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    fake.route("POST", r"/backup$", accepted(fake, job="job-f"))
    errors = [{"errorCode": 400199, "errorTitle": "VMCreationTimeOutStorageErrorV2", "errorString": "Create VM took very long time"}]
    fake.route("GET", r"/backupJobs/job-f$", (200, job("job-f", "Failed", errors=errors)))
    result = run(azure_vm_backup_now, dict(VM_ARGS, wait=True), capsys)
    assert result["failed"] and result["changed"] and result["job_id"] == "job-f"
    assert result["msg"] == "backup job job-f of VM testvm ended Failed: 400199: Create VM took very long time"


def test_backup_now_lost_response_is_not_resent(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}), (200, {"value": []}), (200, {"value": [job("found")]}))
    fake.route("POST", r"/backup$", DROP)
    fake.route("GET", r"/backupJobs/found$", (200, job("found")))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["changed"] and result["job_id"] == "found"
    assert any("response to the backup request was lost" in text for text in warnings(result))
    assert [m for m, _p in fake.writes()] == ["POST"]


@pytest.mark.parametrize("extra,message", [
    ({"retain_until": "2020-01-01"}, "not in the future"), ({"retain_days": 10000}, "9999 days"), ({"retain_days": 0}, "at least 1"),
    ({"retain_until": "2040-01-01T00:00:00+01:00"}, "not in UTC"), ({"if_last_backup_older_than": "soon"}, "invalid duration"),
])
def test_backup_now_refuses_bad_options_before_any_call(fake, capsys, extra, message):
    result = run(azure_vm_backup_now, dict(VM_ARGS, **extra), capsys)
    assert result["failed"] and message in result["msg"]
    assert fake.arm == []


def test_backup_now_stopped_item(fake, capsys):
    fake.route("GET", r"/protectedItems/", (200, item("ProtectionStopped", policy=None)))
    result = run(azure_vm_backup_now, VM_ARGS, capsys)
    assert result["failed"] and "is stopped (ProtectionStopped)" in result["msg"]
    assert fake.writes() == []


def test_last_successful_backup():
    assert _backup_now.last_successful_backup(item()) is None
    assert _backup_now.last_successful_backup(item(last_backup="2026-01-01T00:00:00Z")) == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    failed = item(last_backup="2026-01-01T00:00:00Z")
    failed["properties"]["lastBackupStatus"] = "Failed"
    assert _backup_now.last_successful_backup(failed) is None
    failed["properties"]["lastRecoveryPoint"] = "2025-12-31T00:00:00Z"
    assert _backup_now.last_successful_backup(failed) == datetime.datetime(2025, 12, 31, tzinfo=UTC)


# --------------------------------------------------------------------------- azure_backup_refresh

def refresh_routes(session):
    session.route("POST", r"/refreshContainers$", (202, "", {"Location": ENDPOINT + VAULT + "/backupFabrics/Azure/operationResults/r1",
                                                             "Retry-After": "0"}))
    session.route("GET", r"/operationResults/r1$", (202, ""), (204, ""))


def test_refresh_known_vms_cost_one_get(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable(), protectable("vm01")]}))
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM", {"name": "vm01", "resource_group": "testrg"}]), capsys)
    assert result["changed"] is False and result["refreshed"] is False
    assert [r.method for r in fake.arm] == ["GET"]
    assert fake.arm[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM'"]


def test_refresh_protected_vm_counts_as_known(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [item()]}))
    result = run(azure_backup_refresh, dict(ARGS, vms=[VM_ID]), capsys)
    assert result["changed"] is False
    assert result["protectable_items"][0]["protection_state"] == "Protected"
    assert fake.arm[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM' and friendlyName eq 'testVM'"]


def test_refresh_discovers_missing_vm(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}), (200, {"value": [protectable()]}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": []}))
    refresh_routes(fake)
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM"]), capsys)
    assert result["changed"] and result["refreshed"]
    assert result["discovered"][0]["container_name"] == CONTAINER
    assert [m for m, _p in fake.writes()] == ["POST"]


def test_refresh_check_mode_does_not_post(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": []}))
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM"]), capsys, check_mode=True)
    assert result["changed"] and result["missing"] == ["testRG/testVM"]
    assert fake.writes() == []


def test_refresh_whole_vault_changed_only_with_new_vms(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable()]}), (200, {"value": [protectable(), protectable("vm01")]}),
               (200, {"value": [protectable(), protectable("vm01")]}))
    refresh_routes(fake)
    first = run(azure_backup_refresh, ARGS, capsys)
    assert first["changed"] and [d["friendly_name"] for d in first["discovered"]] == ["vm01"]
    refresh_routes(fake)
    second = run(azure_backup_refresh, ARGS, capsys)
    assert second["changed"] is False and second["refreshed"] and second["discovered"] == []


def test_refresh_still_unknown_fails(fake, capsys):
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": []}))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": []}))
    refresh_routes(fake)
    result = run(azure_backup_refresh, dict(ARGS, vms=["testRG/testVM"]), capsys)
    assert result["failed"] and "does not see testRG/testVM even after refreshing" in result["msg"]


# --------------------------------------------------------------------------- azure_vm_backup_now_batch

@pytest.mark.parametrize("args, message", [
    (dict(retain_days=0), "retain_days"),
    (dict(retain_until="2001-01-01"), "2001-01-01"),
    (dict(if_last_backup_older_than="soon"), "soon"),
])
def test_backup_batch_bad_options_send_nothing(fake, capsys, args, message):
    result = run(azure_vm_backup_now_batch, dict(ARGS, vms=[{"name": "testVM", "resource_group": "testRG"}], **args), capsys)
    assert result["failed"] and message in result["msg"]
    assert fake.arm == []


def test_backup_batch_guards_each_vm_and_fails_only_the_failed_job(fake, capsys):
    """Same guards as azure_vm_backup_now, per VM: a running job is returned, a failed job fails its VM only."""
    fake.route("GET", r"/protectedItems/", (200, item()))
    fake.route("GET", r"/backupJobs$", (200, {"value": []}))
    fake.route("POST", r"/backup$", accepted(fake, job="job-b"))
    fake.route("GET", r"/backupJobs/job-b$", (200, job("job-b", "Failed", errors=[{"errorCode": 1, "errorString": "disk gone"}])))
    result = run(azure_vm_backup_now_batch, dict(ARGS, wait=True, vms=[{"name": "testVM", "resource_group": "testRG"}]), capsys)
    row = result["results"][0]
    assert result["failed"] and row["failed"] and "ended Failed" in row["msg"] and "disk gone" in row["msg"]
    assert row["job_id"] == "job-b" and row["job"]["status"] == "Failed"  # what is known of the job comes with the failure
    assert len([r for r in fake.arm if r.method == "POST"]) == 1


# --------------------------------------------------------------------------- azure_vm_protection_info

def test_info_filters_and_unprotected(fake, capsys):
    other = item(policy="EnhancedPolicy")
    other["properties"].update(friendlyName="vm01", virtualMachineId=VM_ID.replace("testVM", "vm01"))
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [item(), other]}))
    fake.route("GET", r"/backupProtectableItems$", (200, {"value": [protectable(), protectable("vm02")]}))
    result = run(azure_vm_protection_info, dict(ARGS, policy="enhancedpolicy", include_unprotected=True), capsys, check_mode=True)
    assert [i["friendly_name"] for i in result["protected_items"]] == ["vm01"]
    # testVM is protected (with another policy), so it is not "unprotected"
    assert [i["friendly_name"] for i in result["unprotected_vms"]] == ["vm02"]
    # the protected list, the protectable list and the vault's running jobs (pending_operation of every entry)
    assert len(fake.arm) == 3 and fake.writes() == []
    assert all(i["pending_operation"] is None for i in result["protected_items"] + result["unprotected_vms"])


def test_info_by_name_uses_the_service_filter(fake, capsys):
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [item()]}))
    result = run(azure_vm_protection_info, dict(ARGS, vm_name="testVM", protection_state=["protected"], health_status=["Passed"]), capsys)
    assert len(result["protected_items"]) == 1
    listed = [r for r in fake.arm if r.path.endswith("/backupProtectedItems")]
    assert listed[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM' and itemType eq 'VM' and friendlyName eq 'testVM'"]


# --------------------------------------------------------------------------- azure_backup_job_info

def test_job_info_by_id_and_wait(fake, capsys):
    fake.route("GET", r"/backupJobs/job-1$", (200, job()), (200, job(status="Completed")))
    result = run(azure_backup_job_info, dict(ARGS, job_id="job-1", wait=True), capsys)
    assert result["jobs"][0]["status"] == "Completed"
    assert len(fake.arm) == 2


def test_job_info_list_filters(fake, capsys):
    fake.route("GET", r"/backupJobs$", (200, {"value": [job("a", start="2026-01-01T00:00:00Z"), job("b", start="2026-01-02T00:00:00Z")]}))
    args = dict(ARGS, status="InProgress", operation="Backup", vm_name="testVM", start_time="2026-01-01", end_time="2026-01-03T00:00:00Z")
    result = run(azure_backup_job_info, args, capsys)
    assert [j["job_id"] for j in result["jobs"]] == ["b", "a"]
    assert fake.arm[0].query["$filter"] == ["backupManagementType eq 'AzureIaasVM' and status eq 'InProgress' and operation eq 'Backup' and "
                                            "startTime eq '2026-01-01 12:00:00 AM' and endTime eq '2026-01-03 12:00:00 AM'"]


def test_job_info_refuses_bad_ids(fake, capsys):
    result = run(azure_backup_job_info, dict(ARGS, job_id="../x"), capsys)
    assert result["failed"] and "invalid job ID" in result["msg"] and fake.arm == []


# --------------------------------------------------------------------------- a write still running on the item (issue 11, item 1)

def running_job(name="job-run", operation="DisableBackup", vm="testVM", status="InProgress"):
    return {"id": VAULT + "/backupJobs/" + name, "name": name,
            "properties": {"operation": operation, "status": status, "entityFriendlyName": vm, "backupManagementType": "AzureIaasVM",
                           "containerName": "iaasvmcontainerv2;testrg;%s" % vm.lower(), "startTime": "2026-03-01T10:00:00Z"}}


def item_while_running(fake, before, after, job="job-run", operation="DisableBackup"):
    """The item shows ``before`` until the job (read by its id) has ended; then ``after``."""
    fake.route("GET", r"/backupJobs$", (200, {"value": [running_job(job, operation), running_job("other", "Backup")]}))
    fake.route("GET", r"/backupJobs/%s$" % job, (200, running_job(job, operation)), (200, running_job(job, operation, status="Completed")))
    fake.route("GET", r"/protectedItems/", (200, before), (200, after))


def test_rerun_during_a_running_stop_follows_its_job_and_sends_nothing(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped"), capsys)
    assert result["changed"] is False and result["action"] == "none"
    assert result["protected_item"]["protection_state"] == "ProtectionStopped"
    assert result["pending_operation"] == {"job_id": "job-run", "operation": "DisableBackup", "status": "Completed",
                                           "start_time": "2026-03-01T10:00:00Z"}
    assert result["msg"].startswith("waited for the running DisableBackup job job-run (Completed); ")
    assert not [r for r in fake.arm if r.method != "GET"]


def test_present_while_a_stop_runs_waits_then_resumes(fake, capsys):
    enable_reads(fake)
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    fake.route("GET", r"/protectedItems/", (200, item()), (200, item("ProtectionStopped", policy=None)), (200, item()))
    fake.route("PUT", r"/protectedItems/", accepted(fake, job="job-resume"))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys)
    # the item read first said Protected: without the job list, "already as asked" (and stopped 25 s later)
    assert result["changed"] and result["action"] == "resume" and result["job_id"] == "job-resume", result
    assert [r.method for r in fake.arm].count("PUT") == 1
    job_reads = [r.path.rsplit("/", 1)[-1] for r in fake.arm if "/backupJobs" in r.path]
    assert job_reads[0] == "backupJobs" and job_reads.count("backupJobs") == 1 and "job-run" in job_reads


def test_check_mode_reports_the_running_operation_without_waiting(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_protection, dict(VM_ARGS, policy="DefaultPolicy"), capsys, check_mode=True)
    assert result["pending_operation"]["job_id"] == "job-run" and result["pending_operation"]["status"] == "InProgress"
    assert "DisableBackup job job-run still running" in result["msg"]
    assert any("still running in the service" in warning for warning in warnings(result))
    assert not [r for r in fake.arm if r.path.endswith("/job-run")]  # never waits
    assert not [r for r in fake.arm if r.method != "GET"]


def test_wait_false_with_a_running_write_fails_naming_the_job(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None), operation="ConfigureBackup")
    result = run(azure_vm_protection, dict(VM_ARGS, state="stopped", wait=False), capsys)
    assert result["failed"] and "ConfigureBackup job job-run of VM testRG/testVM is still running" in result["msg"]
    assert "\n" not in result["msg"] and not [r for r in fake.arm if r.method != "GET"]


def test_a_running_enable_is_not_taken_for_not_protected(fake, capsys):
    """While an enable runs, the item GET is 404: state=absent must not say 'not protected; nothing to do'."""
    fake.route("GET", r"/backupJobs$", (200, {"value": [running_job("job-en", "ConfigureBackup")]}))
    fake.route("GET", r"/backupJobs/job-en$", (200, running_job("job-en", "ConfigureBackup", status="Completed")))
    fake.route("GET", r"/protectedItems/", (404, {"error": {"code": "NotFound", "message": "no"}}), (200, item()))
    fake.route("DELETE", r"/protectedItems/", (202, "", {"Location": ENDPOINT + VAULT + "/backupOperationResults/d1"}))
    fake.route("GET", r"/backupOperationResults/d1$", (204, ""))
    result = run(azure_vm_protection, dict(VM_ARGS, state="absent", wait=True), capsys)
    assert result["changed"] and result["action"] == "delete"
    assert [r.method for r in fake.arm].count("DELETE") == 1


def test_batch_reads_running_jobs_once_per_vault(fake, capsys):
    fleet_routes(fake)
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, concurrency=5,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]), capsys)
    assert result["counts"]["changed"] == 12 and all(row["pending_operation"] is None for row in result["results"])
    assert [r.path.rsplit("/", 1)[-1] for r in fake.arm].count("backupJobs") == 1


def test_backup_now_waits_for_a_running_stop_and_then_refuses(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_backup_now, dict(VM_ARGS, wait=True), capsys)
    assert result["failed"] and "protection of VM testRG/testVM is stopped" in result["msg"]
    assert not [r for r in fake.arm if r.method == "POST"]
    assert [r for r in fake.arm if r.path.endswith("/backupJobs/job-run")]


def test_backup_now_check_mode_warns_about_a_running_protection_change(fake, capsys):
    item_while_running(fake, item(), item("ProtectionStopped", policy=None))
    result = run(azure_vm_backup_now, dict(VM_ARGS, wait=True), capsys, check_mode=True)
    assert any("DisableBackup job job-run" in warning for warning in warnings(result))
    assert not [r for r in fake.arm if r.path.endswith("/job-run") or r.method == "POST"]


def test_info_says_which_items_have_a_write_running(fake, capsys):
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [dict(item(), id=ITEM, name=ITEM_NAME)]}))
    fake.route("GET", r"/backupJobs$", (200, {"value": [running_job("job-stop", "DisableBackup"), running_job("job-b", "Backup")]}))
    result = run(azure_vm_protection_info, dict(ARGS), capsys)
    assert result["protected_items"][0]["protection_state"] == "Protected"
    assert result["protected_items"][0]["pending_operation"] == {"job_id": "job-stop", "operation": "DisableBackup", "status": "InProgress",
                                                                 "start_time": "2026-03-01T10:00:00Z"}
    assert fake.writes() == []


# --------------------------------------------------------------------------- azure_vm_protection_batch: waiting through the job list

class _Clock(object):
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def timed(fake, monkeypatch):
    """The fake service with a fake clock: sleeps advance it (the deadline and the poll schedule run on it)."""
    clock = _Clock()

    def client_factory(params, warn=None):
        client = ArmClient(params, warn=warn, environ={}, transport=fake)
        client.tokens.credential_factory = lambda config, cloud, verify: FakeCredential()
        client.sleep, client.clock = clock.sleep, clock.clock
        return client
    monkeypatch.setattr(_common, "ArmClient", client_factory)
    fake.clock = clock
    return fake


class JobListService(object):
    """Item PUTs answered 202 with an operation each; the vault's job list shows each write's job (activityId = the
    PUT's x-ms-client-request-id) with the status ``jobs[vm][n]`` at the n-th list read (the last repeats; None: the
    job does not show), in pages of ``page`` jobs; ``operations[vm]`` is what its operation status says."""

    def __init__(self, session, jobs, operations=None, page=200):
        self.session = session
        self.jobs = jobs
        self.operations = operations or {}
        self.page = page
        self.request_ids = {}
        self.list_reads = 0
        session.route("PUT", r"/protectedItems/", self.put)
        session.route("GET", r"/backupJobs$", self.list_jobs)
        session.route("GET", r"/operationsStatus/op-", self.operation)
        session.route("GET", r"/backupProtectedItems$", self.list_items)

    def put(self, recorded):
        name = recorded.path.rsplit(";", 1)[-1]
        self.request_ids[name] = recorded.headers["x-ms-client-request-id"]
        url = ENDPOINT + ITEM.replace("testvm", name) + "/operationsStatus/op-%s?api-version=2019-05-13" % name
        return (202, "", {"Azure-AsyncOperation": url, "Retry-After": "60"})

    def list_jobs(self, recorded):
        if "$skiptoken" not in recorded.query:
            self.list_reads += 1
        shown = []
        for name, request_id in sorted(self.request_ids.items()):
            statuses = self.jobs.get(name, ["Completed"])
            status = statuses[min(self.list_reads - 1, len(statuses) - 1)]
            if status is None:
                continue
            entry = job("job-" + name, status, errors=[{"errorCode": 400001, "errorTitle": "UserErrorJob", "errorString": "job broke"}]
                        if status == "Failed" else None)
            entry["properties"].update(operation="ConfigureBackup", entityFriendlyName=name, activityId=request_id,
                                       containerName="iaasvmcontainerv2;testrg;" + name)
            shown.append(entry)
        start = int(recorded.query.get("$skiptoken", ["0"])[0])
        body = {"value": shown[start:start + self.page]}
        if start + self.page < len(shown):
            body["nextLink"] = ENDPOINT + VAULT + "/backupJobs?api-version=2026-02-01&$skiptoken=%d" % (start + self.page)
        return (200, body)

    def operation(self, recorded):
        name = recorded.path.rsplit("op-", 1)[-1]
        status = self.operations.get(name, "InProgress")
        body = {"status": status}
        if status == "Failed":
            body["error"] = {"code": "BMSUserErrorVMAlreadyProtected", "message": "%s is already protected elsewhere" % name}
        return (200, body)

    def list_items(self, recorded):
        items = []
        for name in sorted(self.request_ids):
            entry = item()
            entry["name"] = ITEM_NAME.replace("testvm", name)
            entry["properties"].update(friendlyName=name, virtualMachineId=VM_ID.replace("testVM", name), sourceResourceId=VM_ID.replace("testVM", name),
                                       containerName="iaasvmcontainerv2;testrg;" + name)
            items.append(entry)
        return (200, {"value": items})


def batch_args(count=12, **extra):
    return dict(ARGS, policy="DefaultPolicy", concurrency=4, vms=[{"name": name, "resource_group": "testRG"} for name in FLEET[:count]], **extra)


def reads_of(session, pattern):
    return len([r for r in session.arm if r.method == "GET" and re.search(pattern, r.path)])


def test_batch_waits_for_all_its_writes_through_the_vault_job_list(timed, capsys):
    fleet_routes(timed)
    service = JobListService(timed, dict((name, ["InProgress", "InProgress", "Completed"]) for name in FLEET))
    result = run(azure_vm_protection_batch, batch_args(), capsys)
    assert result["counts"] == {"total": 12, "changed": 12, "unchanged": 0, "failed": 0}
    assert all(row["protected_item"]["protection_state"] == "Protected" and row["job_id"] == "job-" + row["vm"].split("/")[1]
               for row in result["results"])
    assert all(row["msg"] == "enable: protection of VM %s with policy DefaultPolicy" % row["vm"] for row in result["results"])
    assert reads_of(timed, r"/operationsStatus/") == 0          # no operation polled: the job list answered for all
    # the running-jobs read before the writes (the first list read), then one list per round: InProgress, Completed
    assert service.list_reads == 3 and reads_of(timed, r"/backupJobs$") == 3
    # the items: one list before the writes, one to read them back; no GET of any item
    assert reads_of(timed, r"/backupProtectedItems$") == 2 and reads_of(timed, r"/protectedItems/VM;") == 0


def test_batch_one_write_fails_with_the_service_error_and_the_others_end(timed, capsys):
    fleet_routes(timed)
    jobs = dict((name, ["InProgress", "Completed"]) for name in FLEET)
    jobs["vm03"] = ["InProgress", "Failed"]
    JobListService(timed, jobs, operations={"vm03": "Failed"})
    result = run(azure_vm_protection_batch, batch_args(), capsys)
    assert result["failed"] and result["counts"] == {"total": 12, "changed": 11, "unchanged": 0, "failed": 1}
    row = result["results"][3]
    assert row["failed"] and row["error"]["code"] == "BMSUserErrorVMAlreadyProtected"
    assert row["msg"] == "protecting VM testRG/vm03 with policy DefaultPolicy failed: BMSUserErrorVMAlreadyProtected: vm03 is already " \
                         "protected elsewhere (HTTP 200)"
    assert reads_of(timed, r"/operationsStatus/") == 1          # only the failed write's operation, for its error


def test_batch_failed_job_whose_operation_does_not_say_reports_the_job_error(timed, capsys):
    fleet_routes(timed)
    jobs = dict((name, ["Completed"]) for name in FLEET)
    jobs["vm01"] = ["Failed"]
    JobListService(timed, jobs)
    result = run(azure_vm_protection_batch, batch_args(), capsys)
    row = result["results"][1]
    assert row["failed"] and row["error"]["code"] == "UserErrorJob" and "its job job-vm01 ended Failed: job broke" in row["msg"]
    assert result["counts"]["changed"] == 11


def test_batch_write_whose_job_never_shows_falls_back_to_its_operation(timed, capsys):
    fleet_routes(timed)
    jobs = dict((name, ["InProgress", "Completed"]) for name in FLEET)
    jobs["vm05"] = [None]
    service = JobListService(timed, jobs, operations={"vm05": "Succeeded"})
    result = run(azure_vm_protection_batch, batch_args(), capsys)
    assert result["counts"] == {"total": 12, "changed": 12, "unchanged": 0, "failed": 0}
    assert result["results"][5]["protected_item"]["protection_state"] == "Protected" and result["results"][5]["job_id"] is None
    polled = [r.path.rsplit("op-", 1)[-1] for r in timed.arm if r.method == "GET" and "/operationsStatus/" in r.path]
    assert polled and set(polled) == {"vm05"}                    # only the write the job list did not show
    assert service.list_reads >= 3


def test_batch_write_whose_job_never_shows_and_never_ends_fails_at_the_deadline_naming_it(timed, capsys):
    fleet_routes(timed)
    jobs = dict((name, ["Completed"]) for name in FLEET)
    jobs["vm07"] = [None]
    JobListService(timed, jobs)
    result = run(azure_vm_protection_batch, batch_args(wait_timeout=60), capsys)
    assert result["counts"] == {"total": 12, "changed": 11, "unchanged": 0, "failed": 1}
    row = result["results"][7]
    assert row["error"]["code"] == "OperationTimeout"
    assert "did not finish within 60s (wait_timeout); last saw no job of it in the vault's job list" in row["msg"]
    assert "operationsStatus/op-vm07" in row["msg"]
    assert sum(timed.clock.slept) <= 60


def test_batch_job_list_pages_are_all_read(timed, capsys):
    fleet_routes(timed)
    service = JobListService(timed, dict((name, ["InProgress", "Completed"]) for name in FLEET), page=5)
    result = run(azure_vm_protection_batch, batch_args(), capsys)
    assert result["counts"]["changed"] == 12 and not result.get("failed")
    assert reads_of(timed, r"/operationsStatus/") == 0           # the jobs on pages 2 and 3 were found too
    assert len([r for r in timed.arm if r.path.endswith("/backupJobs") and "$skiptoken" in r.query]) >= 2 * (service.list_reads - 1)


def test_batch_schedule_of_job_list_rounds_grows_with_the_oldest_write(timed, capsys):
    fleet_routes(timed)
    JobListService(timed, dict((name, ["InProgress"] * 15 + ["Completed"]) for name in FLEET))
    run(azure_vm_protection_batch, batch_args(), capsys)
    assert timed.clock.slept and timed.clock.slept[0] <= 2.0
    assert timed.clock.slept == sorted(timed.clock.slept) and max(timed.clock.slept) < 60.0   # Retry-After 60 is the longest
