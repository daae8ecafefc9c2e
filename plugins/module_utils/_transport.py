# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTPS for ArmClient over the standard library's ``http.client``.

Why not ``requests``: every Ansible task is a new Python process, and importing requests
(urllib3, charset_normalizer, idna, ...) costs about 90 ms in each, more than the rest of a
no-op task's own code. ``http.client`` and ``ssl`` are already loaded by Ansible's module
code. What ArmClient needs from a transport is small and is all here:

- keep-alive connections, one per host and thread (the batch module's threads share nothing);
- the request target sent exactly as given (operation URLs carry signed query strings);
- TLS verification as requests does it: ``verify`` True (the CA bundle from
  ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, else certifi's when installed, else the
  system's), a CA file or directory, or False;
- proxies from ``HTTPS_PROXY``/``https_proxy``/``ALL_PROXY`` with ``NO_PROXY``, through an
  ``http://`` proxy (CONNECT tunnel, optional basic auth from the proxy URL);
- failures as TransportError saying whether the request may have reached the server, so
  that a write whose outcome is unknown is never blindly sent again.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import os
import socket
import ssl
import threading

import http.client as http_client
from urllib.parse import unquote, urlsplit

from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line


class TransportError(Exception):
    """No answer. ``sent``: the request may have reached the server; ``timeout``: it timed out;
    ``tls``: the TLS handshake or certificate check failed (``unknown_issuer``: because the
    certificate's issuer is not trusted, the case a private CA's ``ca_bundle`` fixes);
    ``config``: a setting makes sending impossible (retrying cannot help); ``proxy``: the
    proxy (``host:port``) could not be reached or refused the tunnel."""

    def __init__(self, summary, sent, timeout=False, tls=False, config=False, proxy=None, unknown_issuer=False):
        super(TransportError, self).__init__(summary)
        self.summary = summary
        self.sent = sent
        self.timeout = timeout
        self.tls = tls
        self.config = config
        self.proxy = proxy
        self.unknown_issuer = unknown_issuer


class Response:
    """What ArmClient reads of an answer (the names requests uses)."""

    def __init__(self, status_code, headers, content, url):
        self.status_code = status_code
        self.headers = headers          # http.client.HTTPMessage: get() is case-insensitive
        self.content = content
        self.url = url

    @property
    def encoding(self):
        for part in (self.headers.get("Content-Type") or "").split(";")[1:]:
            key, _sep, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return None

    def json(self):
        return json.loads(self.content.decode(self.encoding or "utf-8"))


def _env(environ, name):
    return environ.get(name) or environ.get(name.upper()) or environ.get(name.lower())


def ca_bundle_from_env(environ):
    """The CA bundle requests would use with verify=True and where it came from: (path,
    "REQUESTS_CA_BUNDLE" / "CURL_CA_BUNDLE" / "certifi"), or (None, None) for the system's store."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if environ.get(name):
            return environ[name], name
    try:
        import certifi  # small; installed with requests and azure-identity
    except ImportError:
        return None, None
    return certifi.where(), "certifi"


def ssl_context(verify, environ, ca_source="ca_bundle"):
    """An SSLContext for ``verify`` (True, False, or a CA file or directory path, named by
    ``ca_source`` in messages). A CA bundle that cannot be read is a TransportError (config)
    naming the file and the option or variable it came from."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    where, source = ca_bundle_from_env(environ) if verify is True else (verify, ca_source)
    try:
        if where and os.path.isdir(where):
            return ssl.create_default_context(capath=where)
        if where:
            return ssl.create_default_context(cafile=where)
        return ssl.create_default_context()
    except (OSError, ssl.SSLError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(exc, 200)
        raise TransportError("cannot load the CA bundle %s (from %s): %s" % (where, source, reason), sent=False, config=True)


def _no_proxy_matches(host, port, no_proxy):
    host = host.lower().strip("[]")
    for entry in (item.strip().lower() for item in no_proxy.replace(" ", ",").split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _sep, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.lstrip(".").strip("[]")
        if host == name or host.endswith("." + name):
            return True
        if "/" in name:
            import ipaddress  # only for CIDR entries
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
    return False


def proxy_for(url, environ):
    """(host, port, Proxy-Authorization header or None) of the proxy for ``url``, or None."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    proxy = _env(environ, "%s_proxy" % scheme) or _env(environ, "all_proxy")
    if not proxy:
        return None
    no_proxy = _env(environ, "no_proxy")
    if no_proxy and _no_proxy_matches(parts.hostname or "", parts.port or (443 if scheme == "https" else 80), no_proxy):
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy
    proxy_parts = urlsplit(proxy)
    if proxy_parts.scheme.lower() != "http":
        raise TransportError("only http:// proxies are supported, not %s://%s (from the *_PROXY environment)"
                             % (proxy_parts.scheme, proxy_parts.hostname), sent=False, config=True)
    auth = None
    if proxy_parts.username is not None:
        credentials = "%s:%s" % (unquote(proxy_parts.username), unquote(proxy_parts.password or ""))
        auth = "Basic " + base64.b64encode(credentials.encode("utf-8")).decode("ascii")
    return proxy_parts.hostname, proxy_parts.port or 80, auth


def proxy_named(url, environ):
    """(``host:port`` of the proxy for ``url`` or None, [the credentials of every proxy setting]):
    what a message may say about the proxy, and what it must never say."""
    hidden = []
    for name in ("https_proxy", "http_proxy", "all_proxy"):
        setting = _env(environ, name) or ""
        parts = urlsplit(setting if "://" in setting else "http://" + setting)
        if parts.password:
            hidden += ["%s:%s@" % (parts.username, parts.password), parts.password, unquote(parts.password)]
    try:
        proxy = proxy_for(url, environ)
    except TransportError:
        proxy = None
    return ("%s:%s" % (proxy[0], proxy[1]) if proxy else None), hidden


def _dropped(connection):
    """True when a kept-alive connection was closed by the server (readable with nothing to say)."""
    sock = connection.sock
    if sock is None:
        return True
    import select  # already loaded by Ansible's module code
    try:
        readable, _w, _x = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class Transport:
    """Sends one request at a time per thread and host, keeping the connection open."""

    def __init__(self, verify=True, timeout=30.0, environ=None, ca_source="ca_bundle"):
        self.verify = verify
        self.timeout = timeout
        self.environ = os.environ if environ is None else environ
        self.ca_source = ca_source  # where a verify path came from, for messages
        self._context = None
        self._context_lock = threading.Lock()
        self._local = threading.local()

    def context(self):
        with self._context_lock:
            if self._context is None:
                self._context = ssl_context(self.verify, self.environ, self.ca_source)
            return self._context

    @staticmethod
    def _key(parts):
        scheme = parts.scheme.lower()
        return scheme, parts.hostname.lower(), parts.port or (443 if scheme == "https" else 80)

    def _connections(self):
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        return connections

    def _connection(self, parts):
        key = self._key(parts)
        scheme, _host, port = key
        connections = self._connections()
        connection = connections.get(key)
        if connection is not None and not _dropped(connection):
            return connection
        if connection is not None:
            connection.close()
        proxy = proxy_for("%s://%s:%s/" % (scheme, parts.hostname, port), self.environ)
        if proxy is not None:
            host, proxy_port, auth = proxy
            connection = self._new(scheme, host, proxy_port)
            connection.set_tunnel(parts.hostname, port, headers={"Proxy-Authorization": auth} if auth else None)
            connection.proxy_name = "%s:%s" % (host, proxy_port)  # never its credentials
        else:
            connection = self._new(scheme, parts.hostname, port)
            connection.proxy_name = None
        connections[key] = connection
        return connection

    def _new(self, scheme, host, port):
        if scheme == "https":
            return http_client.HTTPSConnection(host, port, timeout=self.timeout, context=self.context())
        return http_client.HTTPConnection(host, port, timeout=self.timeout)

    def _forget(self, parts):
        connection = self._connections().pop(self._key(parts), None)
        if connection is not None:
            connection.close()

    def send(self, method, url, headers, body=None):
        """One request; the target (path and query) goes out exactly as in ``url``."""
        parts = urlsplit(url)
        target = url[url.index(parts.netloc) + len(parts.netloc):] or "/"
        if target.startswith("?"):
            target = "/" + target
        connection = self._connection(parts)
        sent = False
        try:
            if connection.sock is None:
                self._connect(connection, parts)
            sent = True  # from here on the server may have seen (part of) the request
            connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            elif method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
                connection.putheader("Content-Length", "0")
            connection.endheaders(body)
            answer = connection.getresponse()
            content = answer.read()
        except ssl.SSLError as exc:  # incl. certificate verification failures
            self._forget(parts)
            unknown_issuer = getattr(exc, "verify_code", None) in _UNKNOWN_ISSUER_CODES
            raise TransportError("SSLError: %s" % one_line(exc, 300), sent=sent, tls=True, unknown_issuer=unknown_issuer)
        except socket.timeout as exc:
            self._forget(parts)
            raise TransportError("%s: %s" % ("ReadTimeout" if sent else "ConnectTimeout", one_line(exc, 300) or "timed out"), sent=sent, timeout=True)
        except (http_client.HTTPException, OSError) as exc:
            self._forget(parts)
            name = type(exc).__name__
            raise TransportError("%s: %s" % (name, one_line(exc, 300) or "connection failed"), sent=sent and not isinstance(exc, _NOT_SENT))
        if answer.will_close:
            self._forget(parts)
        return Response(answer.status, answer.headers, content, url)

    def _connect(self, connection, parts):
        """Connect (through the proxy's tunnel when there is one). A proxy that cannot be reached
        or refuses the tunnel is named (host:port, never its credentials); a 407 (the proxy wants
        other credentials) is not worth a retry."""
        proxy = connection.proxy_name
        if proxy is None:
            connection.connect()
            return
        try:
            connection.connect()
        except (ssl.SSLError, socket.timeout):
            if connection.sock is None:  # the proxy itself did not answer in time
                self._forget(parts)
                raise TransportError("ConnectTimeout: the proxy %s (from the *_PROXY environment) did not answer" % proxy, sent=False, timeout=True,
                                     proxy=proxy)
            raise
        except OSError as exc:
            self._forget(parts)
            text = one_line(exc, 300)
            if " 407" in text:
                raise TransportError("the proxy %s (from the *_PROXY environment) refused the tunnel: 407 Proxy Authentication Required; "
                                     "check the user and password in the proxy URL" % proxy, sent=False, config=True, proxy=proxy)
            if text.startswith("Tunnel connection failed"):
                raise TransportError("the proxy %s (from the *_PROXY environment) refused the tunnel: %s" % (proxy, text), sent=False, proxy=proxy)
            raise TransportError("cannot reach the proxy %s (from the *_PROXY environment): %s: %s" % (proxy, type(exc).__name__, text or "connection failed"),
                                 sent=False, proxy=proxy)


# Failures that happen before a request leaves: name resolution and refused connections.
_NOT_SENT = (socket.gaierror, ConnectionRefusedError)
# OpenSSL verify codes of a certificate whose issuer is not trusted (self-signed, a private CA):
# X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, _SELF_SIGNED_CERT_IN_CHAIN, _UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
# _UNABLE_TO_VERIFY_LEAF_SIGNATURE, _UNABLE_TO_GET_ISSUER_CERT.
_UNKNOWN_ISSUER_CODES = frozenset([18, 19, 20, 21, 2])
