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

"""A network API with no networks, for servers without NICs (STACK_NOVA=1)."""

import json
import re

# Nova asks the network service about every server even when it has no
# ports: it lists networks, ports, security groups and extensions and reads
# the port quota. An empty cloud answers those with empty lists and no
# limits; anything else (creating a port, say) is refused with a 404, so a
# test that needs real networking fails loudly instead of passing.
_LIST = re.compile(r'^/v2\.0/([a-z0-9-]+)(?:\.json)?$')
_QUOTA = re.compile(r'^/v2\.0/quotas/[^/]+(?:/details)?(?:\.json)?$')
_QUOTA_KEYS = ('network', 'subnet', 'port', 'router', 'floatingip',
               'security_group', 'security_group_rule', 'subnetpool')


def _body(status, start_response, document):
    data = json.dumps(document).encode()
    start_response(status, [('Content-Type', 'application/json'),
                            ('Content-Length', str(len(data)))])
    return [data]


def application(environ, start_response):
    """Answer Nova's and tempest's reads of an empty cloud, refuse the rest."""
    method = environ['REQUEST_METHOD']
    path = environ.get('PATH_INFO', '/')
    if method == 'GET' and path in ('/', '/v2.0', '/v2.0/'):
        return _body('200 OK', start_response, {'versions': [
            {'id': 'v2.0', 'status': 'CURRENT', 'links': [
                {'rel': 'self', 'href': 'v2.0/'}]}]})
    if method == 'GET' and _QUOTA.match(path):
        return _body('200 OK', start_response,
                     {'quota': {key: -1 for key in _QUOTA_KEYS}})
    match = _LIST.match(path)
    if method == 'GET' and match:
        return _body('200 OK', start_response,
                     {match.group(1).replace('-', '_'): []})
    return _body('404 Not Found', start_response, {'NeutronError': {
        'type': 'HTTPNotFound', 'detail': '',
        'message': 'this test cloud has no networks: %s %s is not served'
                   % (method, path)}})
