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

"""The admin endpoint: the Simulator's controls as JSON over HTTP."""

import http.server
import json
import logging
import socketserver
import threading
import urllib.parse

from lightos_cinder.simulator import errors

LOG = logging.getLogger(__name__)


class _AdminHandler(http.server.BaseHTTPRequestHandler):
    # One request per connection: no idle keep-alive thread can hold up
    # stop().
    protocol_version = 'HTTP/1.0'
    disable_nagle_algorithm = True
    server_version = 'LightOS-Simulator-Admin'
    sys_version = ''

    def log_message(self, fmt, *args):
        LOG.debug('admin %s', fmt % args)

    def do_GET(self):
        self._dispatch()

    do_POST = do_DELETE = do_GET

    def _dispatch(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length > 0 else b''
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query))
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError('the body must be a JSON object')
            handler = self.server.routes.get((self.command, split.path))
            if handler is None:
                self._send(404, {'error': 'no admin route %s %s'
                                 % (self.command, split.path)})
                return
            self._send(200, handler(body, query))
        except errors.ApiError as exc:
            self._send(exc.status, exc.body())
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            self._send(400, {'error': '%s: %s' % (type(exc).__name__, exc)})

    def _send(self, status, body):
        data = json.dumps(body).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _routes(sim):
    def fault(body, query):
        sim.set_fault(int(body['node']), body['kind'],
                      count=body.get('count'), path=body.get('path'),
                      delay_ms=body.get('delay_ms'),
                      status=body.get('status'),
                      retry_after=body.get('retry_after'),
                      method=body.get('method'))
        return {'faults': sim.faults()}

    def clear(body, query):
        node = query.get('node', body.get('node'))
        sim.clear_faults(None if node is None else int(node))
        return {'faults': sim.faults()}

    def token(body, query):
        claims = dict(body.get('claims') or {})
        return {'token': sim.mint_token(
            roles=tuple(body.get('roles') or ('system:cluster-admin',)),
            kid=body.get('kid', 'system:root'),
            expires_in=body.get('expires_in', 3600), **claims)}

    def reset(body, query):
        sim.reset()
        return {}

    def fail_next(body, query):
        sim.fail_next_create(body.get('kind', 'volume'))
        return {}

    def volume_state(body, query):
        sim.force_volume_state(body['project'], body['uuid'], body['state'])
        return {}

    def bump(body, query):
        return {'ETag': sim.bump_etag(body['project'], body['uuid'])}

    def node_state(body, query):
        sim.set_node_state(int(body['node']), body['state'])
        return {}

    def project(body, query):
        sim.create_project(body['name'], body.get('description', ''))
        return {}

    def policy(body, query):
        return {'UUID': sim.create_qos_policy(
            body['name'], body.get('description', ''), body.get('limits'))}

    def info(body, query):
        return {'addresses': sim.addresses, 'port': sim.port,
                'scheme': sim.scheme, 'ca_path': sim.ca_path,
                'token_path': sim.token_path}

    return {
        ('GET', '/info'): info,
        ('GET', '/state'): lambda body, query: sim.state(),
        ('GET', '/counters'): lambda body, query: sim.counters(),
        ('GET', '/faults'): lambda body, query: {'faults': sim.faults()},
        ('POST', '/faults'): fault,
        ('DELETE', '/faults'): clear,
        ('POST', '/reset'): reset,
        ('POST', '/tokens'): token,
        ('POST', '/fail-next-create'): fail_next,
        ('POST', '/volume-state'): volume_state,
        ('POST', '/bump-etag'): bump,
        ('POST', '/node-state'): node_state,
        ('POST', '/projects'): project,
        ('POST', '/qos-policies'): policy,
    }


class _AdminHTTPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # socketserver itself, not http.server's: see server._HTTPServer.
    daemon_threads = True
    block_on_close = True
    allow_reuse_address = True


class AdminServer:
    """Plain HTTP on 127.0.0.1 for out-of-process control of a Simulator."""

    def __init__(self, sim, host='127.0.0.1', port=0):
        self._server = _AdminHTTPServer((host, port), _AdminHandler)
        self._server.routes = _routes(sim)
        self._thread = None

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return 'http://%s:%d' % (host, port)

    def start(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
            name='lightos-sim-admin', daemon=True)
        self._thread.start()

    def stop(self):
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
