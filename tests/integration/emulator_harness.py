"""Start the emulator, talk to its admin API, run ansible-playbook against it."""
import json
import os
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMULATOR = os.path.join(ROOT, "tests", "emulator")
TARGETS = os.path.join(ROOT, "tests", "integration", "targets")


def collections_path(tmp_root):
    """A directory where ansible_collections/azure_recovery/backup is the checkout."""
    path = os.path.join(tmp_root, "collections")
    link = os.path.join(path, "ansible_collections", "azure_recovery", "backup")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return path


def playbook_env(emulator, collections, drop=("AZURE_",), **settings):
    """The environment for ansible-playbook against ``emulator``: this process's, without the
    variables whose names start with one of ``drop``, plus AWX-style AZURE_* credentials and the
    emulator's CA, the collection, quiet plain output, and ``settings``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(tuple(drop))}
    env.update(emulator.env)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    })
    env.update(settings)
    return env


class Emulator:
    """A running emulator: its endpoint, CA file, credentials and admin API."""

    def __init__(self, state_dir, args=()):
        self.state_dir = state_dir
        self.log_path = os.path.join(state_dir, "emulator.log")
        self._log = open(self.log_path, "wb")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, EMULATOR, "--state-dir", state_dir, "--port", "0"] + list(args),
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        info_path = os.path.join(state_dir, "endpoint.json")
        deadline = time.monotonic() + 30
        while not os.path.exists(info_path):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                with open(self.log_path, encoding="utf-8", errors="replace") as log:
                    raise RuntimeError("emulator did not start:\n" + log.read()[-3000:])
            time.sleep(0.05)
        time.sleep(0.05)
        with open(info_path, encoding="utf-8") as handle:
            self.info = json.load(handle)
        self.endpoint = self.info["endpoint"]
        self.admin = self.endpoint + "/_emulator"
        self.ca_file = self.info["ca_file"]
        self.subscription_id = self.info["subscription_id"]
        self.session = requests.Session()
        self.session.verify = self.ca_file
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would override verify

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

    def _post(self, what, payload=None):
        resp = self.session.post("%s/%s" % (self.admin, what), json=payload if payload is not None else {}, timeout=30)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def reset(self):
        return self._post("reset")

    def seed(self, scenario):
        return self._post("seed", scenario)

    def config(self, **settings):
        return self._post("config", settings)

    def faults(self, rules):
        return self._post("faults", rules)

    def journal(self, since=0):
        resp = self.session.get(self.admin + "/journal", params={"since": since}, timeout=30)
        resp.raise_for_status()
        body = resp.json()
        return body["entries"] if isinstance(body, dict) else body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


def run_playbook(env, playbook, extra_vars=None, args=(), timeout=600):
    """Run ansible-playbook; return the CompletedProcess (stdout and stderr merged)."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    cmd += list(args)
    return subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=False, universal_newlines=True)
