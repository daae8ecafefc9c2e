# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Azure CLI login's account (``az account show``), asked only when no subscription is given."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import subprocess

from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AuthError
from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line


def cli_account(run=None, environ=None):
    """``az account show`` -> (subscription id, tenant id). Only used when no subscription is given."""
    run = run or subprocess.run
    try:
        completed = run(["az", "account", "show", "--output", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=60, env=dict(environ) if environ is not None else None, check=False)
    except OSError as exc:
        raise AuthError("the Azure CLI (az) could not be run: %s; install it and run az login, or give credentials" % exc.strerror,
                        code="CredentialUnavailable")
    except subprocess.TimeoutExpired:
        raise AuthError("az account show did not answer within 60s", code="CredentialUnavailable")
    if completed.returncode != 0:
        text = completed.stderr.decode("utf-8", "replace") if isinstance(completed.stderr, bytes) else (completed.stderr or "")
        raise AuthError("az account show failed: %s (run az login, or give subscription_id)" % one_line(text, 300), code="CredentialUnavailable")
    try:
        account = json.loads(completed.stdout)
        return account["id"], account.get("tenantId")
    except (ValueError, KeyError, TypeError):
        raise AuthError("az account show returned no subscription id", code="CredentialUnavailable")
