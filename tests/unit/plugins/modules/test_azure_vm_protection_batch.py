# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_protection_batch end to end through AnsibleModule and the real ArmClient, HTTP faked at the transport
(``support.modules_http``; the ``fake`` fixture is in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _common
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient
from ansible_collections.azure_recovery.backup.plugins.modules import azure_vm_protection_batch

from support.fakes import FakeClock, FakeCredential
from support.modules_http import ARGS, ENDPOINT, ITEM, ITEM_NAME, POLICY_ID, SUB, VAULT, VM_ID, accepted, item, job, protectable, run, warnings


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


def test_batch_reads_running_jobs_once_per_vault(fake, capsys):
    fleet_routes(fake)
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False, concurrency=5,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET]), capsys)
    assert result["counts"]["changed"] == 12 and all(row["pending_operation"] is None for row in result["results"])
    assert [r.path.rsplit("/", 1)[-1] for r in fake.arm].count("backupJobs") == 1


# --------------------------------------------------------------------------- azure_vm_protection_batch: waiting through the job list

@pytest.fixture
def timed(fake, monkeypatch):
    """The fake service with a fake clock: sleeps advance it (the deadline and the poll schedule run on it)."""
    clock = FakeClock()

    def client_factory(params, warn=None):
        client = ArmClient(params, warn=warn, environ={}, transport=fake)
        client.tokens.credential_factory = lambda config, cloud, verify: FakeCredential(lifetime=10 ** 9)
        return clock.attach(client)
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


@pytest.mark.parametrize("check_mode", [False, True])
def test_batch_refuses_an_enhanced_to_standard_move_for_that_vm_only(fake, capsys, check_mode):
    """vm00 is on an enhanced (V2) policy and vm01 on another standard one; both asked for the standard DefaultPolicy:
    vm00 fails alone, before any write, with the reason, in check mode too (never "would update"; what the rule-mode
    report shows if its plan ever asks for it)."""
    def on(name, policy, policy_type):
        body = item(policy=policy)
        vm_id = VM_ID.replace("testVM", name)
        body["id"], body["name"] = ITEM.replace("testvm", name.lower()), ITEM_NAME.replace("testvm", name.lower())
        body["properties"].update(friendlyName=name, virtualMachineId=vm_id, sourceResourceId=vm_id, policyType=policy_type,
                                  containerName="iaasvmcontainerv2;testrg;" + name.lower())
        return body

    fleet_routes(fake)
    fake.route("GET", r"/backupProtectedItems$", (200, {"value": [on("vm00", "EnhancedPolicy", "V2"), on("vm01", "OldPolicy", "V1")]}))
    result = run(azure_vm_protection_batch, dict(ARGS, policy="DefaultPolicy", wait=False,
                                                 vms=[{"name": name, "resource_group": "testRG"} for name in FLEET[:2]]), capsys,
                 check_mode=check_mode)
    assert result["failed"] and result["counts"] == {"total": 2, "changed": 1, "unchanged": 0, "failed": 1}
    assert result["results"][0]["failed"] and re.search(r"VM testRG/vm00 is protected by the enhanced \(V2\) policy EnhancedPolicy",
                                                        result["results"][0]["msg"])
    assert result["results"][1]["action"] == "update" and result["results"][1]["changed"]
    assert [r.path.rsplit(";", 1)[-1] for r in fake.arm if r.method == "PUT"] == ([] if check_mode else ["vm01"])
