# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS transport, routing, journal, faults, auth and throttling around the handlers."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import admin
from backup_api import BackupApi
from common import ArmError, Response, iso, new_id
from identity import Identity
from routing import Request, rate_limit_bucket, request_kind
from state import State
from tls import create_certificates, server_context


def journal_kind(method, path, query):
    """The journal's ``kind``: ``read`` / ``write`` / ``poll`` for Resource Manager requests (routing.request_kind),
    ``identity`` for the token and metadata endpoints; poll entries also say whether the URL was ``signed``."""
    if not path.lower().startswith("/subscriptions/"):
        return {"kind": "identity"}
    kind = request_kind(method, path)
    if kind == "poll":
        return {"kind": kind, "signed": "s" in query}
    return {"kind": kind}


class EmulatorServer(ThreadingHTTPServer):
    """Threaded HTTPS server; ``endpoint``, ``state``, ``api`` and ``identity`` hang off it."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address, context, state, verbose=False):
        super().__init__(address, Handler)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.state = state
        self.api = BackupApi(state)
        self.identity = Identity(state)
        self.verbose = verbose
        host = address[0] if address[0] not in ("", "0.0.0.0", "::") else "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        self.endpoint = "https://%s:%d" % (host, self.server_address[1])

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class Dropped(Exception):
    """Raised to close the connection without answering (fault injection)."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "azure-recovery-emulator/1.0"
    sys_version = ""
    timeout = 300
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK (~40 ms a request on a kept-alive connection), a latency Azure does not add.
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version

    # ------------------------------------------------------------------ plumbing
    def setup(self):
        self.request.settimeout(30)
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError):
            self.close_connection = True
            self.request.close()
            raise
        self.request.settimeout(self.timeout)
        super().setup()

    def handle(self):
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, socket.timeout, OSError):
            self.close_connection = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            sys.stderr.write("emulator: %s - %s\n" % (self.address_string(), format % args))

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    # ------------------------------------------------------------------ dispatch
    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length:
            return self.rfile.read(int(length))
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def _dispatch(self):
        started = time.time()
        body = self._read_body()
        parts = urlsplit(self.path)
        path = parts.path
        query = {k.lower(): v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        state = self.server.state
        if path.startswith("/_emulator/") or path == "/_emulator":
            self._admin(path[len("/_emulator/"):], query, body)
            return
        entry = {"method": self.command, "path": path, "query": parts.query, "time": iso(started),
                 "token": bool(self.headers.get("Authorization")),
                 "client_request_id": self.headers.get("x-ms-client-request-id")}
        entry.update(journal_kind(self.command, path, query))
        fault = state.match_fault(self.command, path)
        try:
            if fault and fault.get("delay"):
                time.sleep(float(fault["delay"]))
            if fault and fault.get("drop") == "before":
                raise Dropped()
            if fault and fault.get("status") is not None and fault.get("drop") is None:
                fault_body = fault.get("body")
                # a string body goes out as it is: an HTML error page, a truncated JSON text
                raw = fault_body.encode("utf-8") if isinstance(fault_body, str) else None
                response = Response(int(fault["status"]), None if raw is not None else fault_body, dict(fault.get("headers") or {}), raw=raw)
                entry["fault"] = True
            else:
                response = self._route(path, parts.query, query, body)
            if fault and fault.get("drop") == "after":
                raise Dropped()
        except Dropped:
            entry["status"] = 0
            entry["dropped"] = fault.get("drop")
            entry["duration_ms"] = int((time.time() - started) * 1000)
            state.log(entry)
            self.close_connection = True
            try:
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        entry["status"] = response.status
        entry["duration_ms"] = int((time.time() - started) * 1000)
        state.log(entry)
        self._send(response)

    def _route(self, path, raw_query, query, body):
        server = self.server
        endpoint = server.endpoint
        segments = [unquote(s) for s in path.split("/") if s]
        lower = [s.lower() for s in segments]
        try:
            if lower[:2] == ["metadata", "endpoints"] and self.command == "GET":
                return self._plain(server.identity.metadata(endpoint, query))
            if lower[:3] == ["common", "discovery", "instance"]:
                return self._plain(server.identity.instance_discovery(endpoint, query))
            if len(lower) >= 3 and lower[-2:] == [".well-known", "openid-configuration"]:
                return self._plain(server.identity.openid_configuration(endpoint, segments[0], v2=lower[1] == "v2.0"))
            if len(lower) in (3, 4) and lower[1] == "oauth2" and lower[-1] == "token" and self.command == "POST":
                return self._plain(server.identity.token(endpoint, segments[0], body, v2=len(lower) == 4))
            if not lower or lower[0] != "subscriptions":
                raise ArmError(404, "NotFound", "The emulator does not serve '%s'." % path)
            return self._arm(segments, path, raw_query, query, body)
        except ArmError as err:
            return self._arm_error(err)

    @staticmethod
    def _plain(response):
        response.headers.setdefault("Cache-Control", "no-store, no-cache")
        response.headers.setdefault("x-ms-request-id", new_id())
        return response

    def _arm(self, segments, path, raw_query, query, body):
        server = self.server
        state = server.state
        bucket = rate_limit_bucket(self.command)
        sub = segments[1] if len(segments) > 1 else ""
        error = server.identity.check(server.endpoint, self.headers.get("Authorization"))
        if error is not None:
            raise error
        client_id = self.headers.get("x-ms-client-request-id") or new_id()
        req = Request(self.command, path, segments, query, raw_query, body, self.headers, server.endpoint, client_id)
        with state.lock:
            state.tick()
            ok, remaining, wait = state.take_budget(sub, bucket)
            header = "x-ms-ratelimit-remaining-subscription-%s" % bucket
            if not ok:
                raise ArmError(429, "SubscriptionRequestsThrottled",
                               "Number of '%s' requests for subscription '%s' actor '%s' exceeded. Please try again after "
                               "'%d' seconds after the additional tokens are available. Refer to "
                               "https://aka.ms/arm-throttling for additional information."
                               % (bucket[:-1], sub, state.client_id, wait),
                               headers={"Retry-After": str(wait), header: "0"})
            try:
                response = server.api.handle(req)
            except ArmError as err:
                err.headers.setdefault(header, str(remaining))
                raise
        response.headers.setdefault(header, str(remaining))
        return response

    @staticmethod
    def _arm_error(err):
        return Response(err.status, err.to_body(), dict(err.headers))

    def _admin(self, name, query, body):
        host = self.client_address[0]
        try:
            if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
                raise ArmError(403, "Forbidden", "The admin API answers only loopback clients.")
            response = admin.handle(self.server.state, self.command, name, query, body)
        except ArmError as err:
            response = self._arm_error(err)
        self._send(response, arm=False)

    # ------------------------------------------------------------------ output
    def _send(self, response, arm=True):
        if response.raw is not None:
            payload = response.raw
        elif response.body is not None:
            payload = json.dumps(response.body, indent=2).encode("utf-8")
        else:
            payload = b""
        self.send_response(response.status)
        headers = dict(response.headers)
        if payload:
            headers.setdefault("Content-Type", response.content_type)
        if arm:
            request_id = new_id()
            correlation = self.headers.get("x-ms-correlation-request-id") or request_id
            base = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1",
                    "x-ms-request-id": request_id, "x-ms-correlation-request-id": correlation,
                    "x-ms-routing-request-id": "EMULATOR:%s:%s" % (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), correlation),
                    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
                    "X-Content-Type-Options": "nosniff"}
            client_request_id = self.headers.get("x-ms-client-request-id")
            if client_request_id:
                base["x-ms-client-request-id"] = client_request_id
            for key, value in base.items():
                headers.setdefault(key, value)
        headers["Content-Length"] = str(len(payload))
        for key, value in headers.items():
            self.send_header(key, str(value))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)


def build_server(host="127.0.0.1", port=0, state_dir=None, scenario=None, config=None, verbose=False):
    """Create the state, the certificates and the listening server (not yet serving)."""
    os.makedirs(state_dir, exist_ok=True)
    ca_file, cert_file, key_file = create_certificates(state_dir)
    state = State(scenario)
    if config:
        state.set_base_config(**config)
    server = EmulatorServer((host, port), server_context(cert_file, key_file), state, verbose=verbose)
    info = {
        "endpoint": server.endpoint,
        "ca_file": os.path.abspath(ca_file),
        "tenant_id": state.tenant_id,
        "subscription_id": state.subscription_id,
        "client_id": state.client_id,
        "client_secret": state.client_secret,
        "admin": server.endpoint + "/_emulator/",
        "pid": os.getpid(),
    }
    path = os.path.join(state_dir, "endpoint.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(info, handle, indent=2)
    os.replace(tmp, path)
    return server, info
