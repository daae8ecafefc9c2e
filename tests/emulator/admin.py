# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Admin API under ``/_emulator/`` (no auth, loopback only): reset, seed, journal, faults, config, state."""

from __future__ import annotations

import json
import re

from common import ArmError, Response
from state import DEFAULT_CONFIG

FAULT_KEYS = {"method", "path", "status", "headers", "body", "drop", "delay", "count", "probability"}


def _json_body(raw):
    if not raw:
        return {}
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArmError(400, "InvalidRequestContent", "Admin request body is not JSON: %s" % exc) from exc


def handle(state, method, name, query, raw_body):
    """Answer one admin request; ``name`` is the path after ``/_emulator/``."""
    route = (method, name.strip("/"))
    if route == ("POST", "reset"):
        body = _json_body(raw_body)
        state.reset(empty=bool(body.get("empty")) if isinstance(body, dict) else False)
        return Response(200, {"reset": True})
    if route == ("POST", "seed"):
        body = _json_body(raw_body)
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidSeed", "The seed must be a JSON object.")
        try:
            state.seed(body)
        except (KeyError, ValueError, TypeError) as exc:
            raise ArmError(400, "InvalidSeed", "Invalid seed: %r" % (exc,)) from exc
        return Response(200, state.dump())
    if route == ("GET", "journal"):
        try:
            since = int(query.get("since", "0"))
        except ValueError as exc:
            raise ArmError(400, "InvalidQuery", "since must be an integer") from exc
        return Response(200, {"entries": state.journal_since(since)})
    if route == ("DELETE", "journal"):
        with state.lock:
            state.journal.clear()
        return Response(200, {"cleared": True})
    if route == ("POST", "faults"):
        body = _json_body(raw_body)
        rules = body if isinstance(body, list) else body.get("rules", [body]) if isinstance(body, dict) else None
        if not rules:
            raise ArmError(400, "InvalidFault", "Post a fault rule object, a list of rules or {\"rules\": [...]}.")
        compiled = []
        for rule in rules:
            if not isinstance(rule, dict) or not rule.get("path") or set(rule) - FAULT_KEYS:
                raise ArmError(400, "InvalidFault", "A fault rule needs 'path' (regex) and only the keys %s." % sorted(FAULT_KEYS))
            if rule.get("drop") not in (None, "before", "after"):
                raise ArmError(400, "InvalidFault", "drop must be 'before' or 'after'.")
            if rule.get("status") is None and rule.get("drop") is None and rule.get("delay") is None:
                raise ArmError(400, "InvalidFault", "A fault rule needs status, drop or delay.")
            try:
                regex = re.compile(rule["path"])
            except re.error as exc:
                raise ArmError(400, "InvalidFault", "Bad path regex: %s" % exc) from exc
            entry = dict(rule)
            entry["_regex"] = regex
            compiled.append(entry)
        with state.lock:
            state.faults.extend(compiled)
        return Response(200, {"faults": len(state.faults)})
    if route == ("DELETE", "faults"):
        with state.lock:
            state.faults = []
        return Response(200, {"faults": 0})
    if route == ("GET", "config"):
        return Response(200, dict(state.config))
    if route == ("POST", "config"):
        body = _json_body(raw_body)
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidConfig", "Post an object of settings; known: %s" % sorted(DEFAULT_CONFIG))
        try:
            return Response(200, state.configure(body))
        except (ValueError, TypeError) as exc:
            raise ArmError(400, "InvalidConfig", "%s (known settings: %s)" % (exc, sorted(DEFAULT_CONFIG))) from exc
    if route == ("GET", "state"):
        return Response(200, state.dump())
    if route == ("POST", "seed_estate"):   # fleets: a large generated estate (compute_api.py)
        import compute_api  # pylint: disable=import-outside-toplevel
        return compute_api.seed_estate_admin(state, raw_body)
    raise ArmError(404, "NotFound", "Unknown admin call %s /_emulator/%s" % route)
