# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standard-library transport: proxies (a real CONNECT proxy in a thread), the CA bundle it
trusts, connections the server closed while idle, and what a failure says about being sent."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import select
import socket
import threading

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _transport
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._transport import (
    Transport,
    TransportError,
    ca_bundle_from_env,
    proxy_for,
)

ITEM = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupProtectedItems"


# --------------------------------------------------------------------------- proxy settings

@pytest.mark.parametrize("environ, expected", [
    ({}, None),
    ({"HTTPS_PROXY": "http://proxy.corp:3128"}, ("proxy.corp", 3128, None)),
    ({"https_proxy": "proxy.corp:8080"}, ("proxy.corp", 8080, None)),
    ({"ALL_PROXY": "http://proxy.corp"}, ("proxy.corp", 80, None)),
    ({"HTTP_PROXY": "http://proxy.corp:3128"}, None),  # an http proxy setting is not for https URLs
    ({"HTTPS_PROXY": "http://us%40r:p%3Ass@proxy.corp:3128"},
     ("proxy.corp", 3128, "Basic " + base64.b64encode(b"us@r:p:ss").decode())),
])
def test_proxy_from_the_environment(environ, expected):
    assert proxy_for("https://management.azure.com/subscriptions", environ) == expected


@pytest.mark.parametrize("no_proxy, bypassed", [
    ("management.azure.com", True),
    (".azure.com", True),
    ("azure.com", True),
    ("notazure.com", False),
    ("*", True),
    ("management.azure.com:443", True),
    ("management.azure.com:8443", False),
    ("localhost, 127.0.0.1", False),
])
def test_no_proxy(no_proxy, bypassed):
    environ = {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": no_proxy}
    assert (proxy_for("https://management.azure.com/x", environ) is None) is bypassed


def test_no_proxy_cidr():
    environ = {"https_proxy": "http://proxy.corp:3128", "no_proxy": "10.0.0.0/8"}
    assert proxy_for("https://10.1.2.3/x", environ) is None
    assert proxy_for("https://11.1.2.3/x", environ) is not None


def test_https_proxy_url_is_refused_before_sending():
    with pytest.raises(TransportError) as caught:
        proxy_for("https://management.azure.com/x", {"HTTPS_PROXY": "https://proxy.corp:3128"})
    assert caught.value.sent is False and caught.value.config and "only http:// proxies" in caught.value.summary


def test_unusable_proxy_setting_fails_at_once(make_client, arm, fake_clock):
    client = make_client(environ={"HTTPS_PROXY": "socks5://proxy.corp:1080"})
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert "only http:// proxies are supported" in str(caught.value) and fake_clock.slept == [] and arm.api_requests() == []


class _ProxyServer:
    """A proxy in a thread: each connection goes to ``handle(client)`` in its own thread."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connects = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

    def close(self):
        self.sock.close()

    @staticmethod
    def read_head(client):
        """The request head (up to the blank line) as lines; None when the client went away."""
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return None
            head += chunk
        return head.split(b"\r\n")


class ConnectProxy(_ProxyServer):
    """A CONNECT proxy; remembers each CONNECT line and its Proxy-Authorization."""

    def handle(self, client):
        lines = self.read_head(client)
        if lines is None:
            return
        auth = [line.split(b":", 1)[1].strip().decode() for line in lines if line.lower().startswith(b"proxy-authorization:")]
        self.connects.append((lines[0].decode(), auth[0] if auth else None))
        host, port = lines[0].split()[1].decode().rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pair = {client: upstream, upstream: client}
        while True:
            readable, _w, _x = select.select(list(pair), [], [], 5)
            if not readable:
                break
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    client.close()
                    upstream.close()
                    return
                pair[sock].sendall(data)


def test_requests_go_through_the_proxy_tunnel(make_client, arm):
    proxy = ConnectProxy()
    try:
        client = make_client(environ={"HTTPS_PROXY": "http://user:secret@127.0.0.1:%d" % proxy.port})
        arm.route_path("GET", ITEM, (200, {"value": []}, {}))
        assert client.list(ITEM, "listing") == []
        client.list(ITEM, "listing")
    finally:
        proxy.close()
    port = arm.url.rsplit(":", 1)[1]
    # one tunnel, kept alive for the second request, with the proxy's credentials; TLS (and the token) end to end inside it
    assert [line.split()[:2] for line, _auth in proxy.connects] == [["CONNECT", "127.0.0.1:%s" % port]]
    assert [auth for _line, auth in proxy.connects] == ["Basic " + base64.b64encode(b"user:secret").decode()]
    assert len(arm.api_requests()) == 2


# --------------------------------------------------------------------------- CA bundle

def test_ca_bundle_like_requests():
    assert ca_bundle_from_env({"REQUESTS_CA_BUNDLE": "/a.pem", "CURL_CA_BUNDLE": "/b.pem"}) == ("/a.pem", "REQUESTS_CA_BUNDLE")
    assert ca_bundle_from_env({"CURL_CA_BUNDLE": "/b.pem"}) == ("/b.pem", "CURL_CA_BUNDLE")
    certifi = pytest.importorskip("certifi")
    assert ca_bundle_from_env({}) == (certifi.where(), "certifi")


def test_untrusted_certificate_is_a_tls_failure_not_sent(arm):
    transport = Transport(verify=True, environ={"REQUESTS_CA_BUNDLE": _system_or_certifi()})
    with pytest.raises(TransportError) as caught:
        transport.send("PUT", arm.url + ITEM, {}, b"{}")
    assert caught.value.tls and caught.value.sent is False and "CERTIFICATE_VERIFY_FAILED" in caught.value.summary
    assert arm.api_requests() == []


def _system_or_certifi():
    certifi = pytest.importorskip("certifi")
    return certifi.where()


# --------------------------------------------------------------------------- connections

def test_connection_closed_by_the_server_while_idle_is_replaced(arm):
    """A kept-alive connection the server closed in between is noticed before sending (not a failure)."""
    transport = Transport(verify=arm.ca_file, environ={})
    arm.route_path("GET", ITEM, (200, {"value": []}, {}))
    arm.route_path("PUT", ITEM, (202, "", {}))
    assert transport.send("GET", arm.url + ITEM, {}).status_code == 200
    connection = next(iter(transport._local.connections.values()))
    assert not _transport._dropped(connection)
    connection.sock.shutdown(socket.SHUT_RDWR)  # as if the server had closed it: readable at EOF
    assert _transport._dropped(connection)
    assert transport.send("PUT", arm.url + ITEM, {}, b"{}").status_code == 202
    assert [r.method for r in arm.api_requests()] == ["GET", "PUT"]


def test_refused_connection_was_not_sent():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    with pytest.raises(TransportError) as caught:
        Transport(verify=False, environ={}).send("PUT", "https://127.0.0.1:%d/x" % port, {}, b"{}")
    assert caught.value.sent is False and not caught.value.timeout


def test_target_is_sent_as_given(arm):
    transport = Transport(verify=arm.ca_file, environ={})
    target = "/Subscriptions/00000000-0000-0000-0000-000000000001/op?api-version=2019-05-13&%24skiptoken=a%2fb%3D%3D&s=sig_-%7E"
    arm.route_path("GET", "/Subscriptions/00000000-0000-0000-0000-000000000001/op", (200, {}, {}))
    assert transport.send("GET", arm.url + target, {}).status_code == 200
    assert arm.requests[-1].target == target


# --------------------------------------------------------------------------- failures that name their cause (issue 11 items 6, 8, 9)

def test_the_unknown_issuer_of_a_certificate_is_marked(arm):
    transport = Transport(verify=True, environ={"REQUESTS_CA_BUNDLE": _system_or_certifi()})
    with pytest.raises(TransportError) as caught:
        transport.send("GET", arm.url + ITEM, {})
    assert caught.value.tls and caught.value.unknown_issuer  # the case a private CA's ca_bundle fixes


@pytest.mark.parametrize("content", [None, b"not a certificate\n"])
def test_a_ca_bundle_that_cannot_be_loaded_is_named_with_its_source(arm, tmp_path, content):
    path = str(tmp_path / "ca.pem")
    if content is not None:
        (tmp_path / "ca.pem").write_bytes(content)
    for transport, source in ((Transport(verify=path, environ={}, ca_source="ca_bundle or REQUESTS_CA_BUNDLE"), "ca_bundle or REQUESTS_CA_BUNDLE"),
                              (Transport(verify=True, environ={"CURL_CA_BUNDLE": path}), "CURL_CA_BUNDLE")):
        with pytest.raises(TransportError) as caught:
            transport.send("GET", arm.url + ITEM, {})
        assert caught.value.config and not caught.value.sent
        assert caught.value.summary.startswith("cannot load the CA bundle %s (from %s): " % (path, source))
    assert arm.api_requests() == []


def test_a_missing_ca_bundle_fails_the_task_with_one_line_and_no_retry(make_client, arm, fake_clock, tmp_path):
    client = make_client(ca_bundle=str(tmp_path / "missing.pem"))
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    assert "cannot load the CA bundle %s (from ca_bundle or REQUESTS_CA_BUNDLE): No such file or directory" % (tmp_path / "missing.pem") in str(caught.value)
    assert fake_clock.slept == []


class RefusingProxy(_ProxyServer):
    """A proxy that answers every CONNECT with 407."""

    def handle(self, client):
        lines = self.read_head(client)
        self.connects.append(lines[0].decode() if lines else None)
        client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n")
        client.close()


def test_proxy_407_names_the_proxy_not_its_credentials_and_is_not_retried(make_client, arm, fake_clock):
    proxy = RefusingProxy()
    try:
        client = make_client(environ={"HTTPS_PROXY": "http://user:pr0xy-pw@127.0.0.1:%d" % proxy.port})
        with pytest.raises(ArmError) as caught:
            client.get(ITEM, "listing")
    finally:
        proxy.close()
    line = str(caught.value)
    assert "the proxy 127.0.0.1:%d" % proxy.port in line and "407" in line
    assert "pr0xy-pw" not in line and "user:" not in line
    assert len(proxy.connects) == 1 and fake_clock.slept == []  # the metadata request is the one that met the proxy
    assert arm.requests == []


def test_unreachable_proxy_is_named_and_retried_briefly(make_client, arm, fake_clock):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    client = make_client(environ={"HTTPS_PROXY": "http://user:pr0xy-pw@127.0.0.1:%d" % port})
    with pytest.raises(ArmError) as caught:
        client.get(ITEM, "listing")
    line = str(caught.value)
    assert "cannot reach the proxy 127.0.0.1:%d (from the *_PROXY environment)" % port in line and "pr0xy-pw" not in line
    assert len(fake_clock.slept) == 2 and "gave up after 2 retries" in line
