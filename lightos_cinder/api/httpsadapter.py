# Copyright 2026 The lightos-cinder Authors.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""A lean requests adapter whose TLS handshake failures are connect errors."""

import json
import os
import socket
import ssl
import threading
from urllib import parse

import requests
from requests import adapters
from requests import cookies
from requests import structures
from requests import utils
import urllib3

from lightos_cinder import compat


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    """An HTTPS connection whose TLS handshake failures are connect errors.

    urllib3 reports a handshake that stalls as a *read* timeout, which would
    make a POST look as if it might have been sent. Nothing is sent before
    the handshake completes, so it is a connect failure and safe to retry on
    the next endpoint.
    """

    def connect(self):
        try:
            super().connect()
        except socket.timeout as exc:
            raise urllib3.exceptions.ConnectTimeoutError(
                self, 'TLS handshake with %s timed out' % self.host) from exc
        except (ConnectionResetError, ConnectionAbortedError,
                BrokenPipeError) as exc:
            raise urllib3.exceptions.NewConnectionError(
                self, 'connection closed during the TLS handshake: %s' %
                exc) from exc


class _TrustStores(object):
    """One TLS context per CA bundle, shared by the connections using it.

    urllib3 builds a context and loads the CA bundle for every connection it
    opens: several milliseconds of CPU each when a burst grows the pool to
    dozens of connections. A bundle replaced on disk (another modification
    time, size or inode) gets a new context for the connections opened
    after that.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._contexts = {}

    def context_for(self, cafile, capath):
        path = cafile or capath
        try:
            info = os.stat(path)
        except OSError:
            # Left to urllib3, which reports the missing bundle.
            return None
        key = (cafile, capath, info.st_mtime_ns, info.st_size, info.st_ino)
        with self._lock:
            context = self._contexts.get(key)
        if context is None:
            context = urllib3.util.ssl_.create_urllib3_context(
                cert_reqs=ssl.CERT_REQUIRED)
            context.load_verify_locations(cafile=cafile, capath=capath)
            with self._lock:
                self._contexts = {k: v for k, v in self._contexts.items()
                                  if k[:2] != key[:2]}
                self._contexts[key] = context
        return context


_TRUST = _TrustStores()


class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection

    def _new_conn(self):
        conn = super()._new_conn()
        if (conn.ssl_context is None and
                (conn.ca_certs or conn.ca_cert_dir) and
                not conn.ca_cert_data and
                urllib3.util.ssl_.resolve_cert_reqs(conn.cert_reqs) ==
                ssl.CERT_REQUIRED and
                not compat.tls_versions_chosen(conn)):
            context = _TRUST.context_for(conn.ca_certs, conn.ca_cert_dir)
            if context is not None:
                conn.ssl_context = context
                conn.ca_certs = conn.ca_cert_dir = None
        return conn


class NoCookies(cookies.RequestsCookieJar):
    """A session cookie jar that keeps nothing: the API sets no cookies.

    Parsing every answer's headers for cookies is CPU spent on each request
    for nothing.
    """

    def extract_cookies(self, response, request):
        pass


_NO_COOKIES = NoCookies()


class HTTPAdapter(adapters.HTTPAdapter):
    """requests' adapter without the per-request work this client never needs.

    The client talks to a fixed set of endpoints without proxies, cookies
    or client certificates, so the connection pool of an endpoint and the
    check of the CA bundle's path are looked up once, not on each request.
    """

    def __init__(self, *args, **kwargs):
        self._pools = {}
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        pool_classes = dict(self.poolmanager.pool_classes_by_scheme)
        pool_classes['https'] = _HTTPSConnectionPool
        self.poolmanager.pool_classes_by_scheme = pool_classes
        self._pools = {}

    def get_connection_with_tls_context(self, request, verify, proxies=None,
                                        cert=None):
        if proxies or cert:
            return super().get_connection_with_tls_context(
                request, verify, proxies=proxies, cert=cert)
        url = request.url
        key = (url[:url.find('/', url.find('//') + 2)], verify)
        pool = self._pools.get(key)
        # A pool the manager closed (evicted or cleared) is not reused.
        if pool is None or pool.pool is None:
            pool = super().get_connection_with_tls_context(request, verify)
            self._pools[key] = pool
        return pool

    def cert_verify(self, conn, url, verify, cert):
        # The pool keeps the settings; the checks are of files on disk.
        if getattr(conn, '_lightos_verified', None) != (verify, cert):
            super().cert_verify(conn, url, verify, cert)
            conn._lightos_verified = (verify, cert)

    def request_url(self, request, proxies):
        if proxies:
            return super().request_url(request, proxies)
        return request.path_url

    def build_response(self, req, resp):
        response = requests.Response()
        response.status_code = resp.status
        response.headers = structures.CaseInsensitiveDict(resp.headers)
        response.encoding = utils.get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url
        response.request = req
        response.connection = self
        return response

    def close(self):
        self._pools = {}
        super().close()


def prepare(method, url, headers, params=None, body=None):
    """A PreparedRequest built directly, for ``Session.send``.

    ``url`` is already quoted (the client quotes each path segment);
    ``headers`` are complete (the session's defaults included). Parameters
    whose value is None are left out, as requests does.
    """
    prepared = requests.PreparedRequest()
    prepared.method = method
    if params:
        query = parse.urlencode(
            [(k, v) for k, v in params.items() if v is not None], doseq=True)
        if query:
            url = '%s?%s' % (url, query)
    prepared.url = url
    headers = structures.CaseInsensitiveDict(headers)
    if body is not None:
        prepared.body = json.dumps(body, allow_nan=False).encode('utf-8')
        headers['Content-Type'] = 'application/json'
        headers['Content-Length'] = str(len(prepared.body))
    elif method not in ('GET', 'HEAD'):
        headers['Content-Length'] = '0'
    prepared.headers = headers
    # Copied, never changed, by requests when it looks at a redirect.
    prepared._cookies = _NO_COOKIES
    return prepared
