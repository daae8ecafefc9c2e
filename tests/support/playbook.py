# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-playbook against the emulator: the collections path, the environment, the run."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


def run_playbook(env, playbook, extra_vars=None, args=(), timeout=600):
    """Run ansible-playbook; return the CompletedProcess (stdout and stderr merged)."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    cmd += list(args)
    return subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=False, universal_newlines=True)
