# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the emulator modules: errors, responses, time and filter parsing."""

from __future__ import annotations

import datetime
import re
import uuid

EPOCH_ZERO = "0001-01-01T00:00:00"
NEVER_BACKED_UP = "2001-01-01T00:00:00Z"


class ArmError(Exception):
    """An error answered as an ARM error body ``{"error": {"code", "message"}}``."""

    def __init__(self, status, code, message, headers=None, body=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.body = body

    def to_body(self):
        if self.body is not None:
            return self.body
        return {"error": {"code": self.code, "message": self.message}}


class Response:
    """What a handler answers: status, extra headers and a JSON body (None = empty)."""

    def __init__(self, status, body=None, headers=None, raw=None, content_type="application/json; charset=utf-8"):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw = raw
        self.content_type = content_type


def new_id():
    return str(uuid.uuid4())


def lkey(*parts):
    """Case-insensitive key of ARM names (resource IDs are case-insensitive)."""
    return tuple(str(p).lower() for p in parts)


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)


def iso(ts):
    """ISO-8601 with 7 fractional digits and Z, as the service writes it."""
    return utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def iso_seconds(ts):
    return utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def dotnet_general(ts):
    """``5/22/2024 7:27:27 AM`` (the job property bag's .NET general date form)."""
    value = utc(ts)
    hour = value.hour % 12 or 12
    return "%d/%d/%d %d:%02d:%02d %s" % (value.month, value.day, value.year, hour, value.minute, value.second,
                                         "AM" if value.hour < 12 else "PM")


def iso_duration(seconds):
    """``PT1H11M13.01S`` style duration."""
    seconds = max(0.0, seconds)
    hours = int(seconds // 3600)
    minutes = int((seconds % 3600) // 60)
    secs = seconds - hours * 3600 - minutes * 60
    out = "PT"
    if hours:
        out += "%dH" % hours
    if minutes:
        out += "%dM" % minutes
    text = ("%.7f" % secs).rstrip("0").rstrip(".")
    if text in ("", "0") and (hours or minutes):
        return out
    return out + text + "S"


def timespan(seconds):
    """.NET ``TimeSpan.ToString()`` text: ``[d.]hh:mm:ss[.fffffff]`` (deferredDeleteTimeRemaining, e.g.
    ``13.23:59:43.1234567``); the day part is left out under a day, the fraction when it is zero."""
    ticks = max(0, int(round(seconds * 10 ** 7)))
    secs, fraction = divmod(ticks, 10 ** 7)
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "%02d:%02d:%02d" % (hours, minutes, secs)
    if days:
        text = "%d.%s" % (days, text)
    if fraction:
        text += ".%07d" % fraction
    return text


_DATE_FORMS = (
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d",
    "%m/%d/%Y %I:%M:%S %p",
)


def parse_time(text):
    """Parse the filter / body date forms into a POSIX timestamp, or raise ValueError.

    Accepts the examples' ``2016-01-01 00:00:00 AM`` (hour 00 with AM is taken as
    midnight, as the service does), ``2024-04-21 07:27:12 AM``, ISO-8601 with or
    without fraction / ``Z`` / offset, and a bare date.
    """
    value = text.strip()
    match = re.match(r"^(\d{4}-\d{2}-\d{2}) 00(:\d{2}:\d{2}) ([AP]M)$", value, re.I)
    if match:
        value = "%s 12%s %s" % (match.group(1), match.group(2), match.group(3))
    iso_text = value
    if iso_text.endswith("Z") or iso_text.endswith("z"):
        iso_text = iso_text[:-1] + "+00:00"
    frac = re.match(r"^(.*\.\d{6})\d+(.*)$", iso_text)
    if frac:
        iso_text = frac.group(1) + frac.group(2)
    try:
        parsed = datetime.datetime.fromisoformat(iso_text)
    except ValueError:
        parsed = None
        for form in _DATE_FORMS:
            try:
                parsed = datetime.datetime.strptime(value, form)
                break
            except ValueError:
                continue
        if parsed is None:
            raise
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


_CLAUSE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s+eq\s+'((?:[^']|'')*)'\s*", re.I)


def parse_filter(text, allowed):
    """Parse ``a eq 'x' and b eq 'y'`` into {lower name: value}.

    ``allowed`` is the set of lower-case field names; anything else (or another
    operator) raises ArmError 400 BMSUserErrorInvalidInput. Empty values are
    dropped (PowerShell sends ``operation eq ''``).
    """
    result = {}
    if not text or not text.strip():
        return result
    pos = 0
    first = True
    while pos < len(text):
        if not first:
            joiner = re.compile(r"\s*and\s+", re.I).match(text, pos)
            if not joiner:
                break
            pos = joiner.end()
        match = _CLAUSE.match(text, pos)
        if not match:
            break
        name = match.group(1).lower()
        if name not in allowed:
            raise ArmError(400, "BMSUserErrorInvalidInput",
                           "Input provided for the call is invalid: unsupported filter property '%s'." % match.group(1))
        value = match.group(2).replace("''", "'")
        if value != "":
            result[name] = value
        pos = match.end()
        first = False
    if pos < len(text.rstrip()) or (first and text.strip()):
        raise ArmError(400, "BMSUserErrorInvalidInput",
                       "Input provided for the call is invalid: cannot parse $filter '%s'." % text)
    return result
