# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A small Azure Resource Manager client over the standard library (``_transport``).

Session, auth header, retries and backoff, host pinning, paging, and errors as one line.
The contract is in docs/internals.md.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import platform
import random
import re
import threading
import time

from urllib.parse import quote, urlsplit

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.azure_recovery.backup.plugins.module_utils import _cli_login, _clouds, _credentials, _token_cache
from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import AuthError, MissingLibrary, option_or_env
from ansible_collections.azure_recovery.backup.plugins.module_utils._pacing import SharedWrites, WritePacer, remaining_writes
from ansible_collections.azure_recovery.backup.plugins.module_utils._state_dir import private_directory
from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line
from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import Transport, TransportError
from ansible_collections.azure_recovery.backup.plugins.module_utils._version import COLLECTION_NAME, COLLECTION_VERSION


DEFAULT_API_VERSION = "2026-02-01"
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 8
RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
# Statuses that say the service did not act on the request (safe to re-send any write).
NOT_ACTED_STATUSES = frozenset([429, 503])
READ_METHODS = frozenset(["GET", "HEAD", "OPTIONS"])
# ARM error codes that mean "another operation is running on this item": wait, then re-send.
_IN_PROGRESS_CODE_RE = re.compile(r"AnotherOperationInProgress|OperationInProgress|ObjectLocked|ConcurrentOperation", re.I)
_IN_PROGRESS_MESSAGE_RE = re.compile(r"another operation|in progress|currently being", re.I)
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A proxy that cannot be reached (refused, unresolvable) is retried this often at most.
PROXY_MAX_RETRIES = 2
# Pages of one list followed at most (a real vault's lists have a handful; 200 items a page).
MAX_PAGES = 1000


# --------------------------------------------------------------------------- errors

class ArmError(Exception):
    """One failed Resource Manager interaction. ``str(err)`` is one line:
    ``<action> failed: <code>: <message> (HTTP <status>, x-ms-request-id <id>)``."""

    def __init__(self, action, message, status=None, code=None, request_id=None, url=None, client_request_id=None):
        self.action = action
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.url = url
        self.client_request_id = client_request_id
        super(ArmError, self).__init__(self.__str__())

    def __str__(self):
        line = "%s failed: " % self.action
        line += "%s: %s" % (self.code, self.message) if self.code else self.message
        details = []
        if self.status is not None:
            details.append("HTTP %s" % self.status)
        if self.request_id:
            details.append("x-ms-request-id %s" % self.request_id)
        elif self.client_request_id:
            # no answer to quote (e.g. a dropped connection): our own id still finds the request in the service's logs
            details.append("x-ms-client-request-id %s" % self.client_request_id)
        if details:
            line += " (%s)" % ", ".join(details)
        return line

    def to_dict(self):
        return {"code": self.code, "status": self.status, "request_id": self.request_id}


class ArmNotFound(ArmError):
    """HTTP 404."""


class ArmAmbiguousWrite(ArmError):
    """A write whose outcome is unknown (timeout or dropped connection after sending, or a
    gateway error on a non-idempotent POST). It was NOT re-sent: check whether it happened
    (e.g. the job list; ``client_request_id`` is the job's ``activityId``) before sending again."""


class ArmMissingLibrary(ArmError):
    """A Python library needed for this request (azure-identity) is not installed."""

    def __init__(self, action, library, import_traceback):
        super(ArmMissingLibrary, self).__init__(action, "the Python library %s is required" % library, code="MissingLibrary")
        self.library = library
        self.import_traceback = import_traceback


class Deadline:
    """One deadline for all the waiting of a task (``wait_timeout``): operation and job polls,
    refresh waits, 409/429/5xx retry waits, write pacing. ``seconds`` None: no limit. ``clock``
    is called each time (the client's, late-bound, so a test's fake clock applies)."""

    def __init__(self, seconds=None, clock=time.monotonic, name="wait_timeout"):
        self.seconds = seconds
        self.clock = clock
        self.name = name
        self.at = None if seconds is None else clock() + seconds

    def remaining(self):
        """Seconds left (float("inf") without a limit; never below 0)."""
        return float("inf") if self.at is None else max(0.0, self.at - self.clock())

    def expired(self):
        return self.at is not None and self.clock() >= self.at

    def describe(self):
        return "%ss (%s)" % (_number(self.seconds), self.name) if self.seconds is not None else "no deadline"

    def error(self, action, last_seen, **details):
        """The ArmError (code OperationTimeout) for a wait that reached the deadline; one line
        saying what it last saw: "did not finish within 5s (wait_timeout); last saw ..."."""
        return ArmError(action, "did not finish within %s; last saw %s" % (self.describe(), last_seen), code="OperationTimeout", **details)


def _number(value):
    return int(value) if float(value).is_integer() else value


def new_request_id():
    """A random (version 4) UUID as text, like str(uuid.uuid4()) without importing uuid in every task."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = "".join("%02x" % byte for byte in raw)
    return "%s-%s-%s-%s-%s" % (text[:8], text[8:12], text[12:16], text[16:20], text[20:])


def display_url(url):
    """A URL for messages: scheme, host, path and api-version; other query parameters
    (signatures, skip tokens) are left out."""
    parts = urlsplit(url)
    text = "%s://%s%s" % (parts.scheme, parts.netloc, parts.path)
    if parts.query:
        versions = [item for item in parts.query.split("&") if item.lower().startswith("api-version=")]
        text += "?" + "&".join(versions) if versions else ""
        if len(versions) != len(parts.query.split("&")):
            text += ("&" if versions else "?") + "..."
    return text


_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TAG_RE = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.I | re.S)


def summarise_body(response):
    """(code, message) from an error response: the ARM error object when there is one,
    otherwise a short summary (an HTML page's title, or the start of the text)."""
    raw = response.content or b""
    if not raw.strip():
        return None, "empty response body"
    text = raw.decode(response.encoding or "utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict):
        error = document.get("error") if isinstance(document.get("error"), dict) else document
        code = error.get("code") or error.get("Code")
        message = error.get("message") or error.get("Message")
        if code or message:
            message = one_line(message or "no message", 500)
            details = error.get("details") if isinstance(error.get("details"), list) else []
            extra = ["%s: %s" % (d.get("code"), one_line(d.get("message") or "", 200)) for d in details[:2]
                     if isinstance(d, dict) and d.get("message") and d.get("message") != error.get("message")]
            if extra:
                message += " [" + "; ".join(extra) + "]"
            return code, message
        return None, "unexpected JSON: " + one_line(text, 200)
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip() or "no content type"
    match = _TITLE_RE.search(text)
    if match and match.group(1).strip():
        return None, "non-JSON response (%s): %s" % (content_type, one_line(match.group(1), 200))
    return None, "non-JSON response (%s): %s" % (content_type, one_line(_TAG_RE.sub(" ", text), 200))


def parse_retry_after(headers, now=time.time):
    """Seconds to wait from ``Retry-After`` (delta-seconds or HTTP-date) or the millisecond
    variants some Azure services send; None when absent or unreadable."""
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001)):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                pass
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        import email.utils  # an HTTP-date Retry-After is rare: not worth its import in every task
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


# --------------------------------------------------------------------------- client

class ArmClient:
    """Resource Manager calls with auth, retries, host pinning and one-line errors.

    Time: ``clock()`` and ``sleep()`` are the only time sources of everything that waits (the
    retries here, the pacer, the waiters of ``_waiter``; a test replaces these two attributes);
    ``deadline`` (``set_deadline()``, one per task) bounds all the waiting of a task.
    Tunables (attributes, tests set them): ``random``, ``retry_deadline`` (seconds for all
    retries of one call), ``backoff_base``, ``backoff_cap``, ``max_pages`` (of one list). ``pacer`` (WritePacer) spaces
    writes by the subscription's write budget.

    Thread-safe: the threads of one module (azure_vm_protection_batch) share one client, its
    token and its write budget.
    """

    def __init__(self, params, warn=None, environ=None, transport=None):
        self.params = dict(params or {})
        environ = os.environ if environ is None else environ
        self.environ = environ
        self.warn = warn or (lambda message: None)
        self.sleep = time.sleep
        self.clock = time.monotonic
        self.random = random.random
        self.retry_deadline = 600.0
        self.backoff_base = 1.0
        self.backoff_cap = 30.0
        self.max_pages = MAX_PAGES
        self.stats = {"requests": 0, "retries": 0, "token_requests": 0}
        self.retries = []
        # A set (AnsibleModule.no_log_values) that every token is added to, so that nothing
        # the module returns can carry one even by accident.
        self.no_log_values = set()
        self.pacer = WritePacer(clock=self._now, sleep=self._pace)  # late-bound: tests replace clock and sleep
        self.deadline = Deadline(None, self._now)  # set_deadline(): one per task
        self._shared_writes = False  # not looked for yet: see shared_writes
        self._token_lock = threading.RLock()
        self._stats_lock = threading.Lock()

        def option(name):
            return option_or_env(self.params, environ, name)
        timeout = option("request_timeout")
        try:
            self.timeout = DEFAULT_REQUEST_TIMEOUT if timeout in (None, "") else float(timeout)
        except (TypeError, ValueError):
            self.timeout = float("nan")
        if not 0 < self.timeout <= 3600:  # also nan, inf
            raise ArmError("configuring the client", "request_timeout must be a number of seconds above 0 and at most 3600, not %s"
                           % option("request_timeout"), code="InvalidOption")
        max_retries = option("max_retries")
        self.max_retries = DEFAULT_MAX_RETRIES if max_retries is None else int(max_retries)
        validate_certs = self.params.get("validate_certs")
        validate_certs = True if validate_certs is None else boolean(validate_certs, strict=False)
        ca_bundle = option("ca_bundle")
        if not validate_certs:
            self.verify = False
            self.warn("validate_certs is false: TLS certificates of Azure endpoints are not verified; anyone on the network path "
                      "can read the bearer token. Use ca_bundle for a private CA instead.")
        else:
            self.verify = os.path.expanduser(ca_bundle) if ca_bundle else True
        token_cache = option("token_cache")
        token_cache = True if token_cache in (None, "") else boolean(token_cache, strict=False)

        try:
            self.auth = _credentials.resolve_auth(self.params, environ)
            self.cloud = _clouds.resolve_cloud(option("cloud_environment") or self.auth.cloud_environment)
        except AuthError as exc:
            raise ArmError("configuring Azure credentials", exc.message, code=exc.code)
        self.endpoint = self.cloud.endpoint
        endpoint = urlsplit(self.endpoint)
        self._pin = (endpoint.hostname.lower(), endpoint.port or 443)
        self.tokens = _token_cache.TokenProvider(self.auth, self.cloud, self.verify, environ, discover=self._discover_cloud,
                                                 cache_enabled=token_cache)
        self._token_cache_enabled = token_cache
        self._subscription_id = self.auth.subscription_id

        self.transport = transport or Transport(self.verify, self.timeout, environ, ca_source="ca_bundle or REQUESTS_CA_BUNDLE")
        self.user_agent = "%s/%s python/%s" % (COLLECTION_NAME, COLLECTION_VERSION, platform.python_version())
        extra_agent = environ.get("AZURE_HTTP_USER_AGENT")
        if extra_agent:
            self.user_agent += " " + extra_agent

    # ------------------------------------------------------------------ identity

    @property
    def subscription_id(self):
        if not self._subscription_id:
            if self.auth.kind == "cli":
                try:
                    self._subscription_id, tenant = _cli_login.cli_account(environ=self.environ)
                except AuthError as exc:
                    raise ArmError("finding the subscription of the Azure CLI login", exc.message, code=exc.code)
                self.auth.tenant = self.auth.tenant or tenant
            else:
                raise ArmError("configuring Azure credentials", "subscription_id (AZURE_SUBSCRIPTION_ID) is required with %s" % self.auth.describe(),
                               code="MissingSubscription")
        if not _GUID_RE.fullmatch(str(self._subscription_id)):
            # it goes into every URL: "../../providers" must never reach one
            raise ArmError("configuring Azure credentials", "subscription_id (AZURE_SUBSCRIPTION_ID, or the profile's or the Azure CLI's) must be a GUID "
                           "such as 00000000-0000-0000-0000-000000000000, not %r" % one_line(self._subscription_id, 80), code="InvalidSubscriptionId")
        return self._subscription_id

    def _discover_cloud(self, cloud):
        url = "%s/metadata/endpoints?api-version=%s" % (cloud.endpoint, _clouds.METADATA_API_VERSION)
        response = self._request("GET", url, "reading the cloud metadata of %s" % cloud.endpoint, authenticated=False, ok=(200,))
        document = self.read_object(response, "reading the cloud metadata of %s" % cloud.endpoint, "metadata document")
        try:
            _clouds.apply_metadata(cloud, document)
        except AuthError as exc:
            raise ArmError("reading the cloud metadata of %s" % cloud.endpoint, exc.message, code=exc.code)

    def _token(self, action, force=False):
        with self._token_lock:  # one token request for all threads, not one each
            return self._token_locked(action, force)

    def _token_locked(self, action, force):
        before = self.tokens.token_requests
        try:
            token = self.tokens.get(force=force)
        except MissingLibrary as exc:
            raise ArmMissingLibrary(action, exc.library, exc.import_traceback)
        except AuthError as exc:
            raise ArmError("%s: getting an Azure AD token for %s" % (action, self.auth.describe()), exc.message, code=exc.code)
        finally:
            self._count("token_requests", self.tokens.token_requests - before)
        self.no_log_values.add(token)
        return token

    # ------------------------------------------------------------------ URLs

    def check_url(self, url, action, what="URL"):
        """Refuse (ArmError) any URL the token must not go to: not https, or not the
        Resource Manager host and port."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or 443
        except ValueError:
            port = None
        if parts.scheme.lower() != "https" or (host, port) != self._pin or parts.username or parts.password:
            raise ArmError(action, "refusing to send the token to %s://%s: the %s is not on the Resource Manager endpoint %s"
                           % (parts.scheme, parts.netloc.rpartition("@")[2], what, self.endpoint), code="UntrustedUrl")
        return url

    def url(self, path, query=None, api_version=None):
        """Absolute URL for ``path`` (``/subscriptions/...``): endpoint + path + api-version +
        ``query`` (values encoded here). Absolute URLs are returned unchanged."""
        if "://" in path:
            if query or api_version:
                raise ValueError("query and api_version cannot be added to an absolute URL: it is followed verbatim")
            return path
        if not path.startswith("/"):
            raise ValueError("path must start with /: %r" % path)
        items = [("api-version", api_version or DEFAULT_API_VERSION)]
        for key, value in (query or {}).items():
            if value is not None:
                items.append((key, value))
        encoded = "&".join("%s=%s" % (quote(str(key), safe="$"), quote(str(value), safe="'$,:")) for key, value in items)
        return "%s%s%s%s" % (self.endpoint, path, "&" if "?" in path else "?", encoded)

    # ------------------------------------------------------------------ public calls

    def get(self, path, action, query=None, api_version=None):
        """The resource as a JSON object (any other body is a one-line ArmError)."""
        response = self._request("GET", self.url(path, query, api_version), action, ok=(200,))
        return self.read_object(response, action)

    def get_or_none(self, path, action, query=None, api_version=None):
        try:
            return self.get(path, action, query=query, api_version=api_version)
        except ArmNotFound:
            return None

    def list(self, path, action, query=None, api_version=None):
        """All items of a list, following ``nextLink`` verbatim (pinned to this host). Every page
        must be an object whose ``value`` is a list of objects; at most MAX_PAGES pages."""
        url = self.url(path, query, api_version)
        items, seen = [], set()
        while url:
            if len(seen) >= self.max_pages:
                raise ArmError(action, "the service kept returning new nextLinks: gave up after %d pages" % self.max_pages, code="TooManyPages",
                               url=display_url(url))
            seen.add(url)
            response = self._request("GET", url, action, ok=(200,), what="nextLink")
            page = self.read_object(response, action, "list page")
            value = page.get("value")
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise ArmError(action, "the list page has no value list of objects (value is %s)"
                               % ("a list with other items" if isinstance(value, list) else _shape(value)),
                               code="UnexpectedResponse", status=200, request_id=response.headers.get("x-ms-request-id"), url=display_url(url))
            items.extend(value)
            url = page.get("nextLink") or None
            if url is not None and not isinstance(url, str):
                raise ArmError(action, "the list page's nextLink is %s, not a URL" % _shape(url), code="UnexpectedResponse", status=200)
            if url in seen:
                raise ArmError(action, "the service returned the same nextLink twice: %s" % display_url(url), status=200)
        return items

    def send(self, method, path, action, body=None, query=None, api_version=None, ok=(200, 201, 202, 204), idempotent=None):
        """One request; returns the ``_transport.Response`` when its status is in ``ok``.

        ``idempotent``: None means by method (GET/PUT/DELETE are, POST is not). A write that is
        not idempotent is never re-sent after a failure that leaves its outcome unknown."""
        return self._request(method.upper(), self.url(path, query, api_version), action, body=body, ok=ok, idempotent=idempotent)

    # ------------------------------------------------------------------ machinery

    def _json(self, response, action):
        """The body as JSON (None when empty); one-line ArmError when it is not JSON."""
        if not response.content or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            code, message = summarise_body(response)
            raise ArmError(action, "the response is not JSON: " + message, status=response.status_code,
                           request_id=response.headers.get("x-ms-request-id"), url=display_url(response.url))

    def read_object(self, response, action, what="response"):
        """The body as a JSON object; any other shape (empty, null, a list, a string, a number)
        is a one-line ArmError, so that no decision (and no write) is ever made on it."""
        document = self._json(response, action)
        if not isinstance(document, dict):
            raise ArmError(action, "the %s is %s, not a JSON object" % (what, _shape(document)), code="UnexpectedResponse",
                           status=response.status_code, request_id=response.headers.get("x-ms-request-id"), url=display_url(response.url))
        return document

    def _error(self, action, response, request, cls=None, suffix="", code=None):
        summary_code, message = summarise_body(response)
        if cls is None:
            cls = ArmNotFound if response.status_code == 404 else ArmError
        return cls(action, message + suffix, status=response.status_code, code=code or summary_code, request_id=response.headers.get("x-ms-request-id"),
                   url=display_url(request.url), client_request_id=request.client_request_id)

    def _in_progress_conflict(self, response):
        if response.status_code != 409:
            return False
        code, message = summarise_body(response)
        if code and _IN_PROGRESS_CODE_RE.search(code):
            return True
        return (code or "").lower() == "conflict" and bool(_IN_PROGRESS_MESSAGE_RE.search(message or ""))

    def _backoff(self, attempt):
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return self.random() * min(self.backoff_cap, self.backoff_base * (2 ** attempt))

    def _request(self, method, url, action, body=None, ok=(200, 201, 202, 204), idempotent=None, authenticated=True, what="URL"):
        """Send, and retry what may be retried: 1. pin the host; 2. send once (write budget
        first); 3. an answer in ``ok`` returns; 4. a 401 gets one fresh token; 5. anything
        else is classified (retryable or not, how long to wait); 6. the wait is bounded by
        max_retries, the per-call retry deadline and the task's deadline."""
        if authenticated or "://" in url:
            self.check_url(url, action, what)
        request = _Request(self, method, url, action, body, idempotent, authenticated)
        retry_until = self.clock() + self.retry_deadline
        attempt = 0
        token_refreshed = False
        while True:
            response, failure = self._attempt(request)
            if failure is None and response.status_code in ok:
                response.client_request_id = request.client_request_id   # a write's job carries it as activityId
                return response
            if failure is None and not token_refreshed and self._stale_token(request, response):
                token_refreshed = True
                continue
            retry = self._classify(request, response, failure)  # raises what cannot be retried
            delay = retry.retry_after if retry.retry_after is not None else self._backoff(attempt)
            self._may_retry(request, retry, attempt, delay, retry_until)  # raises when giving up
            attempt += 1
            self._count("retries")
            self.retries.append("%s: %s, waited %.1fs (retry %d of %d)" % (request.short, retry.reason, delay, attempt, retry.max_retries))
            self.sleep(delay)

    def _attempt(self, request):
        """One send (write budget first for a write). -> (response, None) or (None, TransportError)."""
        token = self._token(request.action, force=False) if request.authenticated else None
        self._count("requests")
        turn = self._before_write(request.short) if not request.is_read else None
        response = None
        try:
            response = self._send_once(request.method, request.url, request.headers, request.data, token)
            return response, None
        except TransportError as exc:
            return None, exc
        finally:
            self._written(request.method, response, turn)  # always: a write the pacers count as in flight must end

    def _stale_token(self, request, response):
        """A 401 that asks for authentication: fetch a fresh token (once per call)."""
        if response.status_code != 401 or not request.authenticated or not response.headers.get("WWW-Authenticate"):
            return False
        self.retries.append("%s: HTTP 401, fetched a fresh token" % request.short)
        self._token(request.action, force=True)
        return True

    def _classify(self, request, response, failure):
        """-> _Retry for what may be retried; raises the ArmError of what may not."""
        action, url = request.action, request.url
        ids = dict(url=display_url(url), client_request_id=request.client_request_id)
        if failure is not None:
            if failure.tls:
                hint = "; for a private CA set ca_bundle" if failure.unknown_issuer else ""
                raise ArmError(action, "TLS failure talking to %s: %s%s" % (urlsplit(url).netloc, failure.summary, hint), code="TlsFailure", **ids)
            if failure.config:
                raise ArmError(action, failure.summary, code="ConnectionFailed", **ids)
            if failure.sent and not request.resend_ambiguous:
                raise ArmAmbiguousWrite(action, "%s; the request may have been carried out, so it was not sent again" % failure.summary,
                                        code="AmbiguousWrite", **ids)
            error = ArmError(action, failure.summary, code="RequestTimeout" if failure.timeout else "ConnectionFailed", **ids)
            # a proxy that cannot be reached is a setting more often than a blip: retried briefly at most
            max_retries = min(self.max_retries, PROXY_MAX_RETRIES) if failure.proxy else self.max_retries
            return _Retry(failure.summary, None, error, max_retries)
        status = response.status_code
        if 300 <= status < 400:
            location = response.headers.get("Location") or "nowhere"
            raise ArmError(action, "unexpected redirect to %s, not followed" % display_url(location), status=status,
                           request_id=response.headers.get("x-ms-request-id"), **ids)
        retryable = status in NOT_ACTED_STATUSES or self._in_progress_conflict(response)
        if not retryable and status in RETRY_STATUSES:
            if not request.resend_server_error:
                raise self._error(action, response, request, cls=ArmAmbiguousWrite,
                                  suffix="; the request may have been carried out, so it was not sent again")
            retryable = True
        if not retryable:
            raise self._error(action, response, request)
        header = response.headers.get("Retry-After")
        reason = "HTTP %s" % status + (" (Retry-After %s)" % header if header else "")
        return _Retry(reason, parse_retry_after(response.headers), None, self.max_retries, response)

    def _may_retry(self, request, retry, attempt, delay, retry_until):
        """Raise when this retry may not happen: max_retries reached, or its wait would go past
        the task's deadline (OperationTimeout, saying what was last seen) or the call's."""
        if attempt >= retry.max_retries:
            why = "gave up after %d retries" % attempt
        elif delay > self.deadline.remaining():
            seen = "%s at %s" % (retry.reason, display_url(request.url))
            if retry.retry_after is not None:
                seen += "; the service asked to wait %.0fs, more than the %.0fs left" % (retry.retry_after, self.deadline.remaining())
            details = dict(url=display_url(request.url), client_request_id=request.client_request_id)
            if retry.response is not None:
                details.update(status=retry.response.status_code, request_id=retry.response.headers.get("x-ms-request-id"))
            raise self.deadline.error(request.action, seen, **details)
        elif delay > retry_until - self.clock():
            if retry.retry_after is not None:
                why = "gave up: the service asked to wait %.0fs, more than the %.0fs retry deadline" % (retry.retry_after, self.retry_deadline)
            else:
                why = "gave up after the %.0fs retry deadline" % self.retry_deadline
        else:
            return
        if retry.error is None:
            raise self._error(request.action, retry.response, request, suffix="; " + why)
        retry.error.message += "; " + why
        raise retry.error

    @property
    def shared_writes(self):
        """SharedWrites in the token cache's private directory (one file per endpoint and subscription),
        or None without a token cache; looked for at the first write, so a task that only reads
        does not touch it."""
        if self._shared_writes is False:
            shared = None
            if self._token_cache_enabled:
                directory = private_directory(self.environ)
                if directory:
                    key = hashlib.sha256(("%s|%s" % (self.endpoint, self.auth.subscription_id or "")).lower().encode("utf-8")).hexdigest()
                    shared = SharedWrites(os.path.join(directory, "writes-%s.json" % key[:32]), sleep=self._pace)
            self._shared_writes = shared
        return self._shared_writes

    # ------------------------------------------------------------------ time

    def set_deadline(self, seconds, name="wait_timeout"):
        """Start the task's deadline (``seconds`` None: none); every wait of the client and of
        the waiters over it draws from it. -> the Deadline."""
        self.deadline = Deadline(seconds, self._now, name)
        return self.deadline

    def pause(self, seconds, action, last_seen):
        """Sleep ``seconds`` within the task's deadline; when they do not fit, raise its
        OperationTimeout error (``last_seen``: what the wait was for) without sleeping."""
        if seconds > self.deadline.remaining():
            raise self.deadline.error(action, last_seen)
        if seconds > 0:
            self.sleep(seconds)

    def _now(self):
        return self.clock()

    def _pace(self, seconds):
        self.pause(seconds, "waiting for the subscription's write budget", "the budget spent; the next write may go in %.0fs" % seconds)

    def _count(self, name, n=1):
        with self._stats_lock:
            self.stats[name] += n

    def _before_write(self, short):
        """Wait for the write budget (this process's threads, then the other processes); returns the
        shared turn for _written()."""
        waited = self.pacer.before_write()
        turn = None
        if self.shared_writes is not None:
            shared_wait, turn = self.shared_writes.before_write()
            waited += shared_wait
        if waited >= 1.0:
            self.retries.append("%s: waited %.1fs for the subscription's write budget" % (short, waited))
        return turn

    def _written(self, method, response, turn=None):
        """Tell the pacers how a write went (response None: no answer)."""
        if method in READ_METHODS:
            return
        status = remaining = retry_after = None
        if response is not None:
            names = ("x-ms-ratelimit-remaining-subscription-writes",)
            if method == "DELETE":
                names += ("x-ms-ratelimit-remaining-subscription-deletes",)
            status, remaining, retry_after = response.status_code, remaining_writes(response.headers, names), parse_retry_after(response.headers)
        self.pacer.after_write(status, remaining, retry_after)
        if self.shared_writes is not None:
            self.shared_writes.after_write(turn, status, remaining, retry_after)

    def _send_once(self, method, url, headers, data, token):
        if token:
            headers = dict(headers, Authorization="Bearer " + token)
        return self.transport.send(method, url, headers, data)


class _Request:
    """What one call sends, and how its failures may be retried."""

    def __init__(self, client, method, url, action, body, idempotent, authenticated):
        self.method = method
        self.url = url
        self.action = action
        self.authenticated = authenticated
        self.is_read = method in READ_METHODS
        # re-send after an unknown outcome (the request may have been acted on)?
        self.resend_ambiguous = self.is_read or idempotent is True
        # re-send after a 500/502/504 (PUT/DELETE: the service did not act; POST: it might have)?
        self.resend_server_error = self.is_read or (idempotent is not False and method != "POST") or idempotent is True
        self.client_request_id = new_request_id()
        self.short = "%s %s" % (method, urlsplit(url).path)
        self.headers = {"User-Agent": client.user_agent, "Accept": "application/json", "x-ms-client-request-id": self.client_request_id}
        self.data = None
        if body is not None:
            self.data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            self.headers["Content-Type"] = "application/json"


class _Retry:
    """A failure that may be retried: why (for the retries list), the service's Retry-After, the
    error to raise when giving up (None: built from ``response``), and the retry limit."""

    def __init__(self, reason, retry_after, error, max_retries, response=None):
        self.reason = reason
        self.retry_after = retry_after
        self.error = error
        self.max_retries = max_retries
        self.response = response


def _shape(document):
    if document is None:
        return "empty or null"
    if isinstance(document, bool):
        return "a boolean"
    if isinstance(document, (int, float)):
        return "a number"
    if isinstance(document, str):
        return "a string"
    if isinstance(document, list):
        return "a list"
    return "a %s" % type(document).__name__
