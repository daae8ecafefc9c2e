# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real HTTPS server in a thread (own test CA via ``cryptography``) that answers from
per-test scripts and records every request exactly as it arrived on the wire."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import datetime
import ipaddress
import json
import os
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DROP = "DROP"  # close the connection after reading the request, send nothing

AccessToken = collections.namedtuple("AccessToken", "token expires_on")


def _make_ca_and_leaf(directory):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"azure_recovery unit test CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                              critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(u"localhost"), x509.IPAddress(ipaddress.ip_address(u"127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file = os.path.join(directory, "ca.pem")
    cert_file = os.path.join(directory, "server.pem")
    key_file = os.path.join(directory, "server.key")
    with open(ca_file, "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(cert_file, "wb") as handle:
        handle.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca_file, cert_file, key_file


class Recorded:
    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target        # the request target exactly as sent (path + query)
        self.headers = headers
        self.body = body

    @property
    def path(self):
        return urlsplit(self.target).path

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class FakeArm:
    """Scripted responses: ``route(method, path, *responses)``; each request takes the next
    response, the last one repeats. A response is ``(status, body, headers)``, a dict with
    those keys, a callable(Recorded) returning one, or ``DROP``."""

    def __init__(self, url, ca_file):
        self.url = url
        self.ca_file = ca_file
        self.routes = {}
        self.requests = []
        self.lock = threading.Lock()

    def reset(self):
        with self.lock:
            self.routes = {}
            self.requests = []
        self.route("GET", "/metadata/endpoints", (200, {
            "galleryEndpoint": self.url + "/gallery/",
            "graphEndpoint": self.url + "/graph/",
            "portalEndpoint": self.url + "/portal/",
            "authentication": {"loginEndpoint": self.url + "/", "audiences": ["https://management.emulator.test/"]},
        }, {}))

    def route(self, method, path, *responses):
        with self.lock:
            self.routes[(method, path)] = list(responses)

    def next_response(self, recorded):
        with self.lock:
            self.requests.append(recorded)
            responses = self.routes.get((recorded.method, recorded.path))
            if not responses:
                return (404, {"error": {"code": "NoRoute", "message": "no scripted response for %s %s" % (recorded.method, recorded.path)}}, {})
            response = responses.pop(0) if len(responses) > 1 else responses[0]
        if callable(response):
            response = response(recorded)
        return response

    def api_requests(self):
        """Requests other than the metadata document."""
        return [r for r in self.requests if r.path != "/metadata/endpoints"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = Recorded(self.command, self.path, dict((k.lower(), v) for k, v in self.headers.items()), body)
        response = self.server.fake.next_response(recorded)
        if response == DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if isinstance(response, dict):
            response = (response.get("status", 200), response.get("body"), response.get("headers", {}))
        status, payload, headers = response
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode("utf-8")
            headers = dict({"Content-Type": "application/json; charset=utf-8"}, **headers)
        elif isinstance(payload, str):
            data = payload.encode("utf-8")
        else:
            data = payload or b""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle


@pytest.fixture(scope="session")
def https_server(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("tls"))
    ca_file, cert_file, key_file = _make_ca_and_leaf(directory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.fake = FakeArm("https://127.0.0.1:%d" % server.server_address[1], ca_file)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def arm(https_server):
    """The HTTPS fake, emptied for this test (metadata document pre-scripted)."""
    https_server.reset()
    return https_server


class FakeCredential:
    """Stands in for an azure-identity credential: hands out tok-1, tok-2, ..."""

    def __init__(self, lifetime=3600):
        self.scopes = []
        self.lifetime = lifetime

    def get_token(self, *scopes):
        import time
        self.scopes.append(scopes)
        return AccessToken("tok-%d" % len(self.scopes), int(time.time()) + self.lifetime)


class FakeClock:
    """``sleep`` that advances ``clock`` instead of waiting, and records each wait. ``attach(client)``
    makes them a client's only time sources (the pacer, the deadline and the waiters use them)."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def attach(self, client):
        client.sleep, client.clock = self.sleep, self.clock
        return client


@pytest.fixture(name="FakeCredential")
def fake_credential_class():
    """The FakeCredential class (test modules cannot import from conftest reliably)."""
    return FakeCredential


@pytest.fixture
def fake_clock():
    return FakeClock()


@pytest.fixture
def make_client(arm, fake_clock):
    """ArmClient against the HTTPS fake, with a fake credential, fake sleep/clock, no file cache."""
    from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient

    def factory(environ=None, credential=None, real_time=False, **params):
        base = dict(cloud_environment=arm.url, subscription_id="00000000-0000-0000-0000-000000000001", client_id="app-1", secret="s3cret-value",
                    tenant="tenant-1", ca_bundle=arm.ca_file, token_cache=False)
        base.update(params)
        warnings = []
        client = ArmClient(base, warn=warnings.append, environ=environ if environ is not None else {})
        client.warnings = warnings
        client.credential = credential or FakeCredential()
        client.tokens.credential_factory = lambda config, cloud, verify: client.credential
        return client if real_time else fake_clock.attach(client)
    return factory
