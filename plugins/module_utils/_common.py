# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Glue every module shares: argument specs, the client, and failing with one line."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import math
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import (
    ArmClient,
    ArmError,
    ArmMissingLibrary,
)
from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AUTH_SOURCES, ENV_FALLBACKS
from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line


MAX_RETRY_LINES = 100
# A request that waits longer than an hour for an answer is not waiting for Azure.
MAX_REQUEST_TIMEOUT = 3600


def _env(name):
    return (env_fallback, list(ENV_FALLBACKS[name]))


def auth_argument_spec():
    """Auth, cloud, TLS, timeout and retry options (doc fragment azure_recovery.backup.auth)."""
    return dict(
        auth_source=dict(type="str", default="auto", choices=list(AUTH_SOURCES), fallback=_env("auth_source")),
        profile=dict(type="str", fallback=_env("profile")),
        subscription_id=dict(type="str", fallback=_env("subscription_id")),
        client_id=dict(type="str", fallback=_env("client_id")),
        secret=dict(type="str", no_log=True, fallback=_env("secret")),
        tenant=dict(type="str", fallback=_env("tenant")),
        certificate_path=dict(type="path", fallback=_env("certificate_path")),
        ad_user=dict(type="str", fallback=_env("ad_user")),
        password=dict(type="str", no_log=True, fallback=_env("password")),
        cloud_environment=dict(type="str", fallback=_env("cloud_environment")),
        ca_bundle=dict(type="path", fallback=_env("ca_bundle")),
        validate_certs=dict(type="bool", default=True),
        request_timeout=dict(type="float", default=30.0),
        max_retries=dict(type="int", default=8),
        token_cache=dict(type="bool", default=True, fallback=_env("token_cache")),
    )


def backup_argument_spec(**extra):
    """Auth options + the vault (``vault_name``, ``vault_resource_group``) + ``extra``."""
    spec = auth_argument_spec()
    spec.update(
        vault_name=dict(type="str", required=True),
        vault_resource_group=dict(type="str", required=True),
    )
    spec.update(extra)
    return spec


def vm_argument_spec():
    """One VM: ``vm_name`` + ``vm_resource_group``, or ``vm_id``; use with :func:`vm_selection_kwargs`."""
    return dict(
        vm_name=dict(type="str"),
        vm_resource_group=dict(type="str"),
        vm_id=dict(type="str"),
    )


def vm_selection_kwargs(required=True):
    """AnsibleModule kwargs for :func:`vm_argument_spec`: name and group together, or the
    ID, never both; ``required=False`` for modules where the VM is an optional filter."""
    kwargs = dict(
        mutually_exclusive=[("vm_id", "vm_name"), ("vm_id", "vm_resource_group")],
        required_together=[("vm_name", "vm_resource_group")],
    )
    if required:
        kwargs["required_one_of"] = [("vm_name", "vm_id")]
    return kwargs


def batch_vms_argument_spec(**entry_options):
    """``vms`` of the batch modules: a list of VMs, each ``name`` + ``resource_group`` or ``id``,
    with ``entry_options`` (options a VM may set for itself)."""
    options = dict(name=dict(type="str"), resource_group=dict(type="str"), id=dict(type="str"))
    options.update(entry_options)
    exclusive = [("id", "name"), ("id", "resource_group")]
    if "include_disk_luns" in options:
        exclusive.append(("include_disk_luns", "exclude_disk_luns"))
    return dict(type="list", elements="dict", required=True, options=options, mutually_exclusive=exclusive,
                required_together=[("name", "resource_group")], required_one_of=[("name", "id")])


def wait_argument_spec(default_timeout=1800, default_wait=True):
    """``wait`` and ``wait_timeout`` (doc fragment azure_recovery.backup.wait)."""
    return dict(
        wait=dict(type="bool", default=default_wait),
        wait_timeout=dict(type="int", default=default_timeout),
    )


class _Module(AnsibleModule):
    """AnsibleModule that keeps the arguments as they came, before type conversion."""

    def _load_params(self):
        super(_Module, self)._load_params()
        self.raw_params = copy.deepcopy(self.params)


def _bools_for_numbers(spec, raw, prefix=""):
    """Names of int/float options (list elements and suboptions included) given a YAML boolean:
    AnsibleModule would take ``yes`` for 1 (``retain_days: yes`` = a backup kept one day)."""
    found = []
    if not isinstance(raw, dict):
        return found
    for name, option in spec.items():
        names = [name] + list(option.get("aliases") or [])
        value = next((raw[key] for key in names if key in raw), None)
        if value is None:
            continue
        label = prefix + name
        kind, elements = option.get("type"), option.get("elements")
        if kind in ("int", "float") and isinstance(value, bool):
            found.append("%s (%s)" % (label, str(value).lower()))
        if kind == "list" and isinstance(value, list):
            if elements in ("int", "float"):
                found.extend("%s[%d] (%s)" % (label, index, str(item).lower()) for index, item in enumerate(value) if isinstance(item, bool))
            if option.get("options"):
                for index, item in enumerate(value):
                    found.extend(_bools_for_numbers(option["options"], item, "%s[%d]." % (label, index)))
        if kind == "dict" and option.get("options"):
            found.extend(_bools_for_numbers(option["options"], value, label + "."))
    return found


class AzureBackupModule:
    """AnsibleModule plus a lazily created ArmClient, and results/failures in one shape.

    The one way a module reports: ``run(work)``. ``work()`` returns the result, or raises an
    ``ArmError`` (the service), a ``ValueError`` (what cannot be done; one with a ``result``
    dict, such as a failed job, adds what is known to the failed result), or returns a result
    with ``failed: true`` (a batch whose rows hold the failures)."""

    def __init__(self, argument_spec, **ansible_module_kwargs):
        self.module = _Module(argument_spec=argument_spec, **ansible_module_kwargs)
        self._client = None
        self._check_numbers(argument_spec)

    def _check_numbers(self, argument_spec):
        """Numbers the argument spec cannot bound, refused before any request: a YAML boolean
        where a number is expected, a negative wait_timeout (a write sent, then given up at
        once), a request_timeout that is not a finite positive number."""
        bools = _bools_for_numbers(argument_spec, getattr(self.module, "raw_params", {}))
        if bools:
            self.module.fail_json(msg="a number is expected, not a YAML boolean (yes/no/true/false), for %s" % ", ".join(bools[:10]), changed=False)
        for name, minimum, what in (("wait_timeout", 1, "at least 1 (seconds)"), ("request_timeout", 0.001, "more than 0 (seconds)"),
                                    ("max_retries", 0, "0 or more"), ("concurrency", 1, "at least 1")):
            value = self.module.params.get(name)
            if value is not None and (value < minimum or (isinstance(value, float) and not math.isfinite(value))):
                self.module.fail_json(msg="%s must be %s, not %s" % (name, what, value), changed=False)
        timeout = self.module.params.get("request_timeout")
        if timeout is not None and timeout > MAX_REQUEST_TIMEOUT:
            self.module.fail_json(msg="request_timeout must be at most %d (seconds), not %s" % (MAX_REQUEST_TIMEOUT, timeout), changed=False)

    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def client(self):
        if self._client is None:
            client = ArmClient(self.module.params, warn=self.module.warn)
            # Tokens are masked like no_log options in anything the module returns.
            client.no_log_values = self.module.no_log_values
            # One deadline for all the waiting of the task (polls, job waits, refresh, retries, pacing).
            client.set_deadline(self.module.params.get("wait_timeout"))
            self._client = client
        return self._client

    def _add_retries(self, result):
        client = self._client
        if client is not None and client.retries:
            retries = list(client.retries)
            if len(retries) > MAX_RETRY_LINES:  # a fleet's throttling would make the result huge
                retries = retries[:MAX_RETRY_LINES] + ["... and %d more" % (len(retries) - MAX_RETRY_LINES)]
            result.setdefault("retries", retries)
            # One warning, not one per retry: on a fleet that would drown the output.
            self.module.warn("%d request(s) were throttled or retried; see 'retries' in the result" % len(client.retries))
        return result

    def exit(self, **result):
        result.setdefault("changed", False)
        self.module.exit_json(**self._add_retries(result))

    def run(self, work):
        """Exit with what ``work()`` returns; an ArmError, or a ValueError for bad input found
        while working, fails the task with one line."""
        try:
            result = work()
        except ArmError as exc:
            self.fail(exc)
        except ValueError as exc:
            known = dict(getattr(exc, "result", None) or {})
            known.pop("msg", None)
            self.fail(str(exc), **known)
        else:
            if result.get("failed"):
                self.fail(result.pop("msg"), **result)
            self.exit(**result)

    def fail(self, exc_or_msg, **result):
        """ArmError -> its one line + ``error: {code, status, request_id}``; any other
        exception -> one line + ``exception`` (the traceback, never in ``msg``)."""
        result.setdefault("changed", False)
        self._add_retries(result)
        if isinstance(exc_or_msg, ArmMissingLibrary):
            self.module.fail_json(msg=missing_required_lib(exc_or_msg.library), exception=exc_or_msg.import_traceback, **result)
        if isinstance(exc_or_msg, ArmError):
            self.module.fail_json(msg=str(exc_or_msg), error=exc_or_msg.to_dict(), **result)
        if isinstance(exc_or_msg, BaseException):
            trace = "".join(traceback.format_exception(type(exc_or_msg), exc_or_msg, exc_or_msg.__traceback__))
            self.module.fail_json(msg="unexpected error: %s: %s" % (type(exc_or_msg).__name__, one_line(exc_or_msg, 500)), exception=trace, **result)
        self.module.fail_json(msg=str(exc_or_msg), **result)
