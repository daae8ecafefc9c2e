# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small Swagger 2.0 body validator for bms.json: resolves local ``$ref``, ``allOf`` and
discriminators (``x-ms-discriminator-value``); refs into ../common-types are accepted as is
(they do not resolve from the copied file). Returns a list of error strings."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import re


class BmsSchema:
    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            self.doc = json.load(handle)
        self.defs = self.doc["definitions"]
        self._children = {}
        for name, schema in self.defs.items():
            for part in schema.get("allOf", []):
                ref = part.get("$ref", "")
                if ref.startswith("#/definitions/"):
                    self._children.setdefault(ref.split("/")[-1], []).append(name)

    # ------------------------------------------------------------------ lookups
    def operation(self, operation_id):
        """(path template, method, operation) for an operationId."""
        for template, item in self.doc["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and op.get("operationId") == operation_id:
                    return template, method, op
        raise KeyError(operation_id)

    def response_schema(self, operation_id, status):
        _template, _method, op = self.operation(operation_id)
        response = op["responses"].get(str(status))
        if response is None:
            raise KeyError("%s has no %s response" % (operation_id, status))
        return response.get("schema")

    def definition(self, name):
        return {"$ref": "#/definitions/" + name}

    # ------------------------------------------------------------------ validation
    def validate(self, value, schema, path="$"):
        errors = []
        self._check(value, schema, path, errors)
        return errors

    def _resolve(self, schema):
        ref = schema.get("$ref")
        if ref is None:
            return schema, None
        if not ref.startswith("#/definitions/"):
            return None, None          # common-types: not resolvable here
        name = ref.split("/")[-1]
        return self.defs[name], name

    def _all_properties(self, schema, seen=None):
        """properties and required of a definition including its allOf parents."""
        seen = seen or set()
        props = dict(schema.get("properties", {}))
        required = list(schema.get("required", []))
        for part in schema.get("allOf", []):
            resolved, name = self._resolve(part)
            if resolved is None or name in seen:
                continue
            seen.add(name)
            parent_props, parent_req = self._all_properties(resolved, seen)
            for key, val in parent_props.items():
                props.setdefault(key, val)
            required += parent_req
        return props, required

    def _discriminator(self, schema, seen=None):
        seen = seen or set()
        if schema.get("discriminator"):
            return schema["discriminator"]
        for part in schema.get("allOf", []):
            resolved, name = self._resolve(part)
            if resolved is not None and name not in seen:
                seen.add(name)
                found = self._discriminator(resolved, seen)
                if found:
                    return found
        return None

    def _subtype(self, name, value):
        """The definition derived (transitively) from ``name`` whose discriminator value is ``value``."""
        stack = [name]
        seen = set()
        while stack:
            current = stack.pop()
            for child in self._children.get(current, []):
                if child in seen:
                    continue
                seen.add(child)
                if self.defs[child].get("x-ms-discriminator-value", child) == value:
                    return child
                stack.append(child)
        return None

    def _check(self, value, schema, path, errors):
        if schema is None:
            return
        resolved, name = self._resolve(schema)
        if resolved is None:
            return
        if value is None:
            return                     # nullable in practice (examples carry nulls)
        if name is not None:
            disc = self._discriminator(resolved)
            if disc and isinstance(value, dict) and value.get(disc) is not None:
                if resolved.get("x-ms-discriminator-value", name) != value[disc]:
                    sub = self._subtype(name, value[disc])
                    if sub is not None:
                        resolved, name = self.defs[sub], sub
                    elif resolved.get("discriminator"):
                        errors.append("%s: unknown %s '%s' for %s" % (path, disc, value[disc], name))
        typ = resolved.get("type")
        if typ is None and ("properties" in resolved or "allOf" in resolved):
            typ = "object"
        if typ == "object":
            if not isinstance(value, dict):
                errors.append("%s: expected object, got %s" % (path, type(value).__name__))
                return
            props, required = self._all_properties(resolved)
            for key in required:
                if key not in value:
                    errors.append("%s: missing required '%s'" % (path, key))
            for key, val in value.items():
                if key in props:
                    self._check(val, props[key], "%s.%s" % (path, key), errors)
                elif isinstance(resolved.get("additionalProperties"), dict):
                    self._check(val, resolved["additionalProperties"], "%s.%s" % (path, key), errors)
            return
        if typ == "array":
            if not isinstance(value, list):
                errors.append("%s: expected array" % path)
                return
            for index, entry in enumerate(value):
                self._check(entry, resolved.get("items"), "%s[%d]" % (path, index), errors)
            return
        if typ == "string":
            if not isinstance(value, str):
                errors.append("%s: expected string, got %r" % (path, value))
                return
            enum = resolved.get("enum")
            modeled = resolved.get("x-ms-enum", {}).get("modelAsString", False)
            if enum and not modeled and value not in enum:
                errors.append("%s: %r not in %s" % (path, value, enum))
            if resolved.get("format") == "date-time" and value:
                text = re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00")
                try:
                    datetime.datetime.fromisoformat(text)
                except ValueError:
                    errors.append("%s: %r is not a date-time" % (path, value))
            return
        if typ in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (typ == "integer" and not isinstance(value, int)):
                errors.append("%s: expected %s, got %r" % (path, typ, value))
            return
        if typ == "boolean" and not isinstance(value, bool):
            errors.append("%s: expected boolean, got %r" % (path, value))
