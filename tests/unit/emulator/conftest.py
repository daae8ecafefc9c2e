# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: one emulator subprocess per session (HTTPS, its own CA), reset before each test."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys
import time

import pytest
import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EMULATOR_DIR = os.path.join(REPO_ROOT, "tests", "emulator")
API_DIR = os.environ.get("AZURE_BACKUP_API_DIR", os.path.join(os.path.dirname(REPO_ROOT), "shared", "azure-backup-api"))
API = "2026-02-01"
TEST_CONFIG = {"lro_seconds": 0.4, "backup_op_seconds": 0.2, "refresh_seconds": 0.3, "job_seconds": 1.0, "retry_after": 1}


class Emulator:
    """A client of the running emulator: token, sessions, URL helpers, admin calls."""

    def __init__(self, info):
        self.info = info
        self.endpoint = info["endpoint"]
        self.ca_file = info["ca_file"]
        self.sub = info["subscription_id"]
        self.token = None

    def session(self, token=True):
        sess = requests.Session()
        sess.verify = self.ca_file
        sess.trust_env = False       # REQUESTS_CA_BUNDLE in the environment would override verify
        if token:
            sess.headers["Authorization"] = "Bearer " + self.get_token()
        return sess

    def get_token(self, fresh=False):
        if self.token is None or fresh:
            resp = self.session(token=False).post(
                "%s/%s/oauth2/v2.0/token" % (self.endpoint, self.info["tenant_id"]),
                data={"grant_type": "client_credentials", "client_id": self.info["client_id"],
                      "client_secret": self.info["client_secret"], "scope": self.endpoint + "/.default"})
            assert resp.status_code == 200, resp.text
            self.token = resp.json()["access_token"]
        return self.token

    def admin(self, method, name, body=None):
        resp = self.session(token=False).request(method, "%s/_emulator/%s" % (self.endpoint, name), json=body)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def vault_path(self, vault="testVault", rg="testVaultRG"):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s" % (self.sub, rg, vault)

    def vault_url(self, vault="testVault", rg="testVaultRG"):
        return self.endpoint + self.vault_path(vault, rg)

    def vm_id(self, rg, name, classic=False):
        provider = "Microsoft.ClassicCompute" if classic else "Microsoft.Compute"
        return "/subscriptions/%s/resourceGroups/%s/providers/%s/virtualMachines/%s" % (self.sub, rg, provider, name)

    def item_url(self, rg, name, vault="testVault", vault_rg="testVaultRG", classic=False, prefix="VM"):
        ctype = "iaasvmcontainer" if classic else "iaasvmcontainerv2"
        return "%s/backupFabrics/Azure/protectionContainers/IaasVMContainer%%3B%s%%3B%s%%3B%s/protectedItems/%s%%3B%s%%3B%s%%3B%s" % (
            self.vault_url(vault, vault_rg), ctype, rg, name, prefix, ctype, rg, name)

    def policy_id(self, policy="DefaultPolicy", vault="testVault", rg="testVaultRG"):
        return self.vault_path(vault, rg) + "/backupPolicies/" + policy

    def enable_body(self, rg, name, policy="DefaultPolicy", vault="testVault", vault_rg="testVaultRG", classic=False, **extra):
        props = {"protectedItemType": "Microsoft.ClassicCompute/virtualMachines" if classic else "Microsoft.Compute/virtualMachines",
                 "sourceResourceId": self.vm_id(rg, name, classic), "policyId": self.policy_id(policy, vault, vault_rg)}
        props.update(extra)
        return {"properties": props}

    def wait_op(self, sess, response, timeout=10.0):
        """Poll Azure-AsyncOperation until it is no longer InProgress; return the status body."""
        url = response.headers["Azure-AsyncOperation"]
        deadline = time.time() + timeout
        while True:
            body = sess.get(url).json()
            if body["status"] != "InProgress":
                return body
            assert time.time() < deadline, body
            time.sleep(0.1)

    def wait_job(self, sess, job_id, vault="testVault", rg="testVaultRG", timeout=10.0):
        deadline = time.time() + timeout
        while True:
            body = sess.get("%s/backupJobs/%s" % (self.vault_url(vault, rg), job_id), params={"api-version": API}).json()
            if body["properties"]["status"] not in ("InProgress", "Cancelling"):
                return body
            assert time.time() < deadline, body
            time.sleep(0.1)

    def protect(self, sess, rg, name, policy="DefaultPolicy", vault="testVault", vault_rg="testVaultRG", classic=False, **extra):
        resp = sess.put(self.item_url(rg, name, vault, vault_rg, classic), params={"api-version": API},
                        json=self.enable_body(rg, name, policy, vault, vault_rg, classic, **extra))
        assert resp.status_code == 202, resp.text
        return self.wait_op(sess, resp)


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp("emulator"))
    proc = subprocess.Popen([sys.executable, EMULATOR_DIR, "--port", "0", "--state-dir", state_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("emulator ready "):
        proc.kill()
        raise RuntimeError("emulator did not start: %r %s" % (line, proc.stderr.read()))
    with open(os.path.join(state_dir, "endpoint.json"), encoding="utf-8") as handle:
        info = json.load(handle)
    assert line.strip() == "emulator ready " + info["endpoint"]
    yield info
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def emulator_session(emulator_process):
    return Emulator(emulator_process)


@pytest.fixture
def emu(emulator_session):
    """The emulator, reset to the default scenario with fast timings."""
    emulator_session.admin("POST", "reset")
    emulator_session.admin("POST", "config", TEST_CONFIG)
    return emulator_session


@pytest.fixture
def arm(emu):
    """An authenticated requests session."""
    return emu.session()
