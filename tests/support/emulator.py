# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator (``tests/emulator``) as a subprocess, and its client: admin API, tokens, URLs of the
default scenario, waits. One class for the emulator's unit tests, the integration tests, the
benchmark and the demo."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMULATOR_DIR = os.path.join(ROOT, "tests", "emulator")
API = "2026-02-01"
READY = "emulator ready "


def writes(entries):
    """The journal entries the emulator marked as writes (it marks each read, write or poll itself: a POST
    .../backupStatus only asks which vault protects a VM and is a read)."""
    return [e for e in entries if e["kind"] == "write"]


class Emulator:
    """A running emulator (started here, stopped by ``stop()``): its endpoint, CA file,
    credentials (``info``, ``env``) and admin API (``admin``, ``reset``, ``seed``, ...)."""

    def __init__(self, state_dir, args=(), timeout=30):
        self.state_dir = state_dir
        self.log_path = os.path.join(state_dir, "emulator.log")
        self._log = open(self.log_path, "wb")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, EMULATOR_DIR, "--state-dir", state_dir, "--port", "0"] + list(args),
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        self.info = self._wait_ready(timeout)
        self.endpoint = self.info["endpoint"]
        self.admin_url = self.endpoint + "/_emulator"
        self.ca_file = self.info["ca_file"]
        self.subscription_id = self.sub = self.info["subscription_id"]
        self.admin_session = self.session(token=False)
        self.token = None

    def _wait_ready(self, timeout):
        """The endpoint document, once the emulator has printed ``emulator ready <endpoint>``."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._ready_line()
            if line is not None:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("emulator did not start:\n" + self.log()[-3000:])
            time.sleep(0.05)
        with open(os.path.join(self.state_dir, "endpoint.json"), encoding="utf-8") as handle:
            info = json.load(handle)
        if line != READY + info["endpoint"]:
            self.stop()
            raise RuntimeError("emulator announced %r, its endpoint.json says %s" % (line, info["endpoint"]))
        return info

    def _ready_line(self):
        for line in self.log().splitlines():
            if line.startswith(READY):
                return line.strip()
        return None

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    @property
    def env(self):
        """The environment AWX's Azure credential injects, plus trust of the emulator's CA."""
        return {
            "AZURE_SUBSCRIPTION_ID": self.info["subscription_id"],
            "AZURE_CLIENT_ID": self.info["client_id"],
            "AZURE_SECRET": self.info["client_secret"],
            "AZURE_TENANT": self.info["tenant_id"],
            "AZURE_CLOUD_ENVIRONMENT": self.endpoint,
            "REQUESTS_CA_BUNDLE": self.ca_file,
        }

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()

    # ---------------------------------------------------------------- admin API (/_emulator/)

    def admin(self, method, name, body=None, **params):
        """One admin call; its JSON answer (None if empty). Anything but 200 raises with the body."""
        resp = self.admin_session.request(method, "%s/%s" % (self.admin_url, name), json=body, params=params or None, timeout=30)
        if resp.status_code != 200:
            raise AssertionError("emulator admin %s %s: HTTP %d %s" % (method, name, resp.status_code, resp.text))
        return resp.json() if resp.content else None

    def reset(self):
        return self.admin("POST", "reset")

    def seed(self, scenario):
        return self.admin("POST", "seed", scenario)

    def config(self, **settings):
        return self.admin("POST", "config", settings)

    def faults(self, rules):
        return self.admin("POST", "faults", rules)

    def journal(self, since=0):
        body = self.admin("GET", "journal", since=since)
        return body["entries"] if isinstance(body, dict) else body

    def last_seq(self):
        """The journal's newest sequence number: what came after it is what a run did."""
        return max([entry["seq"] for entry in self.journal()] or [0])

    def writes(self, since=0):
        """Journal entries of Resource Manager writes since ``since``."""
        return writes(self.journal(since))

    # ---------------------------------------------------------------- the ARM API, as a client

    def session(self, token=True):
        """A requests session that trusts the emulator's CA (and only it), with a bearer token."""
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
