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

"""A requests adapter whose TLS handshake failures are connect errors."""

import socket

from requests import adapters
import urllib3


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


class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class HTTPAdapter(adapters.HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        pool_classes = dict(self.poolmanager.pool_classes_by_scheme)
        pool_classes['https'] = _HTTPSConnectionPool
        self.poolmanager.pool_classes_by_scheme = pool_classes
