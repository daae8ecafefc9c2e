# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake Resource Manager: scripted routes, every request recorded as it arrived.

One ``FakeArm`` answers either in process, as the ArmClient's transport (``send``: no socket, for
the module tests), or on the wire behind a real HTTPS server with its own test CA (``serve_https``,
for the client's TLS, header and connection tests).

Routes: ``route(method, pattern, *responses)`` (a regular expression searched in the unquoted path)
or ``route_path(method, path, *responses)`` (the path exactly as sent); the newest matching route
answers. Each request takes the route's next response, the last one repeats. A response is
``(status, body)``, ``(status, body, headers)``, a dict with those keys, a callable(Recorded)
returning one, or ``DROP`` (the connection closes after the request was read, nothing sent).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import importlib.util
import json
import os
import re
import socket
import threading
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

DROP = "DROP"
EMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator")


class Recorded:
    """One request: ``method``, ``target`` (path and query as sent), ``raw_path`` (the path as
    sent), ``path`` (unquoted), ``query`` (parse_qs), ``headers`` (lower-case names), ``data``
    (bytes), ``body`` (the JSON body parsed, or None)."""

    def __init__(self, method, target, headers, data):
        self.method = method
        self.target = target
        parts = urlsplit(target)
        self.raw_path = parts.path
        self.path = unquote(parts.path)
        self.query = parse_qs(parts.query)
        self.headers = dict((k.lower(), v) for k, v in headers.items())
        self.data = data or b""
        try:
            self.body = json.loads(self.data.decode("utf-8")) if self.data else None
        except ValueError:
            self.body = None

    def json(self):
        return json.loads(self.data.decode("utf-8"))


def _normalise(answer):
    """(status, bytes, headers) of a scripted response."""
    if isinstance(answer, dict):
        answer = (answer.get("status", 200), answer.get("body"), answer.get("headers", {}))
    status, payload = answer[0], answer[1]
    headers = dict(answer[2]) if len(answer) > 2 else {}
    if isinstance(payload, (dict, list)):
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json; charset=utf-8"
        data = json.dumps(payload).encode("utf-8")
    elif isinstance(payload, str):
        data = payload.encode("utf-8")
    else:
        data = payload or b""
    return status, data, headers


class FakeArm:
    """See the module docstring. ``url`` is the endpoint the metadata document names; with
    ``idle_jobs`` the vault's job list is empty unless a test routes it."""

    def __init__(self, url, ca_file=None, audience="https://management.emulator.test/", idle_jobs=False):
        self.url = url
        self.ca_file = ca_file
        self.audience = audience
        self.idle_jobs = idle_jobs
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.routes = []
            self.requests = []
        self.route_path("GET", "/metadata/endpoints", (200, {
            "galleryEndpoint": self.url + "/gallery/",
            "graphEndpoint": self.url + "/graph/",
            "portalEndpoint": self.url + "/portal/",
            "authentication": {"loginEndpoint": self.url + "/", "audiences": [self.audience]},
        }))
        if self.idle_jobs:
            self.route("GET", r"/backupJobs$", (200, {"value": []}))

    def route(self, method, pattern, *responses):
        compiled = re.compile(pattern)
        with self.lock:
            self.routes.insert(0, (method, lambda recorded: compiled.search(recorded.path), list(responses)))

    def route_path(self, method, path, *responses):
        with self.lock:
            self.routes.insert(0, (method, lambda recorded: recorded.raw_path == path, list(responses)))

    def answer(self, recorded):
        """Record ``recorded`` and return its scripted response: (status, bytes, headers) or DROP."""
        with self.lock:
            self.requests.append(recorded)
            for method, matches, responses in self.routes:
                if method == recorded.method and matches(recorded):
                    response = responses.pop(0) if len(responses) > 1 else responses[0]
                    break
            else:
                response = (404, {"error": {"code": "NoRoute", "message": "no scripted response for %s %s" % (recorded.method, recorded.path)}})
        if callable(response):
            response = response(recorded)
        return DROP if response == DROP else _normalise(response)

    # ---------------------------------------------------------------- in process: the transport

    def send(self, method, url, headers, body=None):
        """The ArmClient transport's ``send``: a real ``_transport.Response``; DROP is a read timeout."""
        from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import Response, TransportError

        parts = urlsplit(url)
        data = body.encode("utf-8") if isinstance(body, str) else body
        answer = self.answer(Recorded(method, parts.path + ("?" + parts.query if parts.query else ""), headers or {}, data))
        if answer == DROP:
            raise TransportError("ReadTimeout: read timed out", sent=True, timeout=True)
        status, content, response_headers = answer
        message = HTTPMessage()
        for name, value in response_headers.items():
            message[name] = value
        return Response(status, message, content, url)

    # ---------------------------------------------------------------- what was asked

    def api_requests(self):
        """Requests other than the metadata document."""
        return [r for r in self.requests if r.path != "/metadata/endpoints"]

    @property
    def arm(self):
        """Requests to Resource Manager (not the metadata document, not the token endpoint)."""
        return [r for r in self.requests if r.path.lower().startswith("/subscriptions/")]

    def writes(self):
        """(method, path) of the Resource Manager writes (backupStatus is a POST that only reads)."""
        return [(r.method, r.path) for r in self.arm if r.method != "GET" and not r.path.endswith("/backupStatus")]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass  # keep pytest output clean

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        response = self.server.fake.answer(Recorded(self.command, self.path, dict(self.headers.items()), data))
        if response == DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, content, headers = response
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle


def emulator_tls():
    """The emulator's own ``tls`` module (one CA generator for the emulator and the fakes)."""
    spec = importlib.util.spec_from_file_location("azure_recovery_emulator_tls", os.path.join(EMULATOR_DIR, "tls.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def serve_https(directory, **options):
    """A ``FakeArm`` behind a threaded HTTPS server on 127.0.0.1 with a fresh test CA in ``directory``."""
    tls = emulator_tls()
    ca_file, cert_file, key_file = tls.create_certificates(directory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.socket = tls.server_context(cert_file, key_file).wrap_socket(server.socket, server_side=True)
    server.fake = FakeArm("https://127.0.0.1:%d" % server.server_address[1], ca_file, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.fake
    finally:
        server.shutdown()
        server.server_close()
