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

"""The HTTP(S) API server of one simulated node, with fault injection."""

import collections
import http.server
import json
import logging
import socket
import socketserver
import ssl
import struct
import threading

from lightos_cinder.simulator import errors

LOG = logging.getLogger(__name__)
_HANDSHAKE_TIMEOUT = 10.0
_IDLE_TIMEOUT = 120.0


class Counters:
    """Requests, connections and routes per node, and accepted writes.

    ``callers`` counts requests (and 403 answers among them) per accepted
    token, named by its roles, so a test can tell which token was used.
    """

    def __init__(self, addresses):
        self._addresses = list(addresses)
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._nodes = {address: {'requests': 0, 'connections': 0,
                                     'routes': collections.Counter(),
                                     'statuses': collections.Counter()}
                           for address in self._addresses}
            self._writes = 0
            self._callers = {}

    def connection(self, address):
        with self._lock:
            self._nodes[address]['connections'] += 1

    def request(self, address):
        with self._lock:
            self._nodes[address]['requests'] += 1

    def answered(self, address, status):
        with self._lock:
            self._nodes[address]['statuses'][status] += 1

    def routed(self, address, response):
        with self._lock:
            if response.route:
                self._nodes[address]['routes'][response.route] += 1
            if response.accepted_write:
                self._writes += 1
            if response.caller is not None:
                seen = self._callers.setdefault(
                    response.caller, {'requests': 0, 'denied': 0})
                seen['requests'] += 1
                if response.status == 403:
                    seen['denied'] += 1

    def snapshot(self):
        with self._lock:
            return {
                'nodes': {address: {'requests': node['requests'],
                                    'connections': node['connections'],
                                    'routes': dict(node['routes']),
                                    'statuses': dict(node['statuses'])}
                          for address, node in self._nodes.items()},
                'writes': self._writes,
                'callers': {caller: dict(seen)
                            for caller, seen in self._callers.items()},
            }


class _Connection:
    def __init__(self, sock):
        self.sock = sock
        self.wake = threading.Event()

    def drop(self):
        """Wake anything held on this connection and cut it."""
        self.wake.set()
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass


class _ResetConnection(Exception):
    """Raised by a handler to close its connection with a TCP RST."""


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'LightOS-Simulator'
    sys_version = ''
    timeout = _IDLE_TIMEOUT
    # Headers and body leave in one segment; without this, Nagle and
    # delayed ACKs add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        # The request line only: headers (and so the JWT) are never logged.
        LOG.debug('%s %s', self.server.node.address, fmt % args)

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self):
        node = self.server.node
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length > 0 else b''
        node.counters.request(node.address)
        fault = node.faults.take(self.path, self.command)
        if fault is not None and self._apply_fault(fault):
            return
        response = node.app.handle(self.command, self.path, self.headers, raw)
        node.counters.routed(node.address, response)
        self._send(response.status, response.body, response.headers)

    def _apply_fault(self, fault):
        """Act out a fault; True when the request gets no API answer."""
        conn = self.server.node.connection_of(self.request)
        if fault.kind == 'slow':
            conn.wake.wait(fault.delay_ms / 1000.0)
            return conn.wake.is_set()
        if fault.kind == 'status':
            headers = {}
            if fault.retry_after is not None:
                headers['Retry-After'] = str(fault.retry_after)
            self._send(fault.status, errors.error_body(
                fault.status, 'injected fault: status %d' % fault.status),
                headers)
            return True
        if fault.kind == 'blackhole':
            if fault.hold(conn.wake):
                conn.wake.wait()
            self.close_connection = True
            return True
        # reset: close with SO_LINGER 0, which sends RST instead of FIN.
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack('ii', 1, 0))
        raise _ResetConnection()

    def _send(self, status, body, headers=None):
        node = self.server.node
        node.counters.answered(node.address, status)
        data = json.dumps(body, separators=(',', ':')).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self._headers_buffer.append(b'\r\n')
        self._headers_buffer.append(data)
        self.flush_headers()


class _HTTPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # Built on socketserver itself rather than http.server.HTTPServer: a
    # process can hold an http.server that eventlet's import_patched left
    # bound to a green socketserver, whose Events never wake in a native
    # thread. HTTPServer would add nothing here but a reverse DNS lookup.
    daemon_threads = True
    block_on_close = True
    allow_reuse_address = True
    # A burst of new connections (hundreds of concurrent Cinder operations)
    # must not overflow the accept queue: a dropped SYN is retried only
    # after a second.
    request_queue_size = 1024

    def __init__(self, address, node):
        self.node = node
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address):
        self.node.serve_connection(self, request, client_address)

    def handle_error(self, request, client_address):
        LOG.debug('connection from %s ended with an error', client_address,
                  exc_info=True)


class NodeServer:
    """Listens on ``ip:port`` for one node; can go down and come back."""

    def __init__(self, ip, port, *, app, counters, faults, ssl_context=None):
        self.ip = ip
        self.port = port
        self.app = app
        self.counters = counters
        self.faults = faults
        self.ssl_context = ssl_context
        self._server = None
        self._thread = None
        self._connections = {}
        self._lock = threading.Lock()

    @property
    def address(self):
        return self.ip

    @property
    def is_up(self):
        return self._server is not None

    def bind(self):
        """Open the listening socket (OSError if the port is taken)."""
        server = _HTTPServer((self.ip, self.port), self)
        self.port = server.server_address[1]
        self._server = server

    def serve(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
            name='lightos-sim-%s' % self.ip, daemon=True)
        self._thread.start()

    def start(self):
        if self._server is None:
            self.bind()
        self.serve()

    def stop(self):
        """Close the listener and every connection; join every thread."""
        server, self._server = self._server, None
        if server is None:
            return
        if self._thread is not None:
            server.shutdown()
            self._thread.join()
            self._thread = None
        with self._lock:
            connections = list(self._connections.values())
        for conn in connections:
            conn.drop()
        server.server_close()  # joins the connection threads

    def connection_of(self, sock):
        with self._lock:
            return self._connections[id(sock)]

    def serve_connection(self, server, sock, client_address):
        self.counters.connection(self.address)
        conn = None
        try:
            if self.ssl_context is not None:
                sock.settimeout(_HANDSHAKE_TIMEOUT)
                sock = self.ssl_context.wrap_socket(sock, server_side=True)
                sock.settimeout(None)
            conn = _Connection(sock)
            with self._lock:
                self._connections[id(sock)] = conn
            if self._server is not server:
                return  # the node went down meanwhile
            _Handler(sock, client_address, server)
        except _ResetConnection:
            pass
        except (OSError, ssl.SSLError):
            LOG.debug('connection from %s failed', client_address,
                      exc_info=True)
        finally:
            with self._lock:
                self._connections.pop(id(sock), None)
            try:
                sock.close()
            except OSError:
                pass
