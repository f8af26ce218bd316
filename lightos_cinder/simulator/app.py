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

"""Routing of LightOS REST requests to the cluster, with authorization."""

import dataclasses
import urllib.parse

from lightos_cinder.simulator import auth
from lightos_cinder.simulator import errors
from lightos_cinder.simulator import wire

API_PREFIX = ('api', 'v2')
WRITE_METHODS = ('POST', 'PUT', 'DELETE')

# Who may call a route: any authenticated caller, the cluster admin only,
# or a caller with a read (admin/viewer) or write (admin) role in the
# project named by the request.
ANY, SYSTEM, READ, WRITE = 'any', 'system', 'read', 'write'


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    template: str
    # The cluster method that answers, and what it is passed in order:
    # ``project``, a path placeholder (``UUID``, ``ID``) or a Request
    # attribute (``body``, ``query``, ``if_match``).
    handler: str
    access: str
    arguments: tuple = ()

    @property
    def segments(self):
        return tuple(self.template.split('/'))

    @property
    def label(self):
        return '%s /api/v2/%s' % (self.method, self.template)


def _volume_routes(prefix):
    """The volume bindings, with or without a project in the path."""
    one = prefix + 'volumes/{UUID}'
    return (
        ('POST', prefix + 'volumes', 'create_volume', WRITE,
         ('project', 'body')),
        ('GET', prefix + 'volumes', 'list_volumes', READ,
         ('project', 'query')),
        ('GET', one, 'get_volume', READ, ('project', 'UUID', 'query')),
        ('PUT', one, 'update_volume', WRITE,
         ('project', 'UUID', 'body', 'if_match')),
        ('DELETE', one, 'delete_volume', WRITE,
         ('project', 'UUID', 'if_match')),
    )


# Route patterns of the proto's google.api.http bindings. A placeholder
# matches one path segment, including an empty one: that is why
# ".../volumes/?name=x" reaches GetVolume with an empty UUID.
ROUTES = tuple(Route(*spec) for spec in (
    ('GET', 'version', 'version', ANY),
    ('GET', 'clusterinfo', 'cluster_info', ANY),
    ('GET', 'cluster', 'cluster', SYSTEM),
    ('GET', 'nodes', 'list_nodes', SYSTEM, ('query',)),
    ('GET', 'nodes/{UUID}', 'get_node', SYSTEM, ('UUID',)),
    ('POST', 'projects', 'create_project', SYSTEM, ('body',)),
    ('GET', 'projects', 'list_projects', SYSTEM),
    ('GET', 'projects/{projectName}', 'get_project', READ, ('project',)),
    ('DELETE', 'projects/{projectName}', 'delete_project', SYSTEM,
     ('project',)),
    ('POST', 'projects/{projectName}/credentials', 'add_credential', WRITE,
     ('project', 'body')),
    ('GET', 'projects/{projectName}/credentials', 'list_credentials',
     WRITE, ('project',)),
    ('GET', 'projects/{projectName}/credentials/{ID}', 'get_credential',
     WRITE, ('project', 'ID')),
    ('DELETE', 'projects/{projectName}/credentials/{ID}',
     'delete_credential', WRITE, ('project', 'ID')),
) + _volume_routes('projects/{projectName}/') + (
    ('PUT', 'projects/{projectName}/volumes/{UUID}/rollback',
     'rollback_volume', WRITE, ('project', 'UUID', 'body')),
) + _volume_routes('') + (
    ('POST', 'projects/{projectName}/snapshots', 'create_snapshot', WRITE,
     ('project', 'body')),
    ('GET', 'projects/{projectName}/snapshots', 'list_snapshots', READ,
     ('project', 'query')),
    ('GET', 'projects/{projectName}/snapshots/{UUID}', 'get_snapshot',
     READ, ('project', 'UUID', 'query')),
    ('DELETE', 'projects/{projectName}/snapshots/{UUID}', 'delete_snapshot',
     WRITE, ('project', 'UUID', 'if_match')),
    ('POST', 'policies', 'create_policy', SYSTEM, ('body',)),
    ('GET', 'policies', 'list_policies', ANY),
    ('GET', 'policies/{UUID}', 'get_policy', ANY, ('UUID',)),
    ('PUT', 'policies/{UUID}', 'update_policy', SYSTEM, ('UUID', 'body')),
    ('DELETE', 'policies/{UUID}', 'delete_policy', SYSTEM, ('UUID',)),
))


@dataclasses.dataclass
class Response:
    status: int
    body: dict
    route: str = None
    headers: dict = dataclasses.field(default_factory=dict)
    # The roles of the token that was accepted (``scope:role``, sorted and
    # comma-joined); None when no token was accepted.
    caller: str = None

    @property
    def accepted_write(self):
        return self.status == 200 and self.route is not None and \
            self.route.split(' ', 1)[0] in WRITE_METHODS


@dataclasses.dataclass
class Request:
    method: str
    params: dict
    query: dict
    body: dict
    if_match: str
    principal: auth.Principal


def _match(segments, pattern):
    if len(segments) != len(pattern):
        return None
    params = {}
    for part, want in zip(segments, pattern):
        if want.startswith('{'):
            params[want[1:-1]] = part
        elif part != want:
            return None
    return params


def _caller(principal):
    if principal is None:
        return None
    return ','.join(sorted('%s:%s' % role for role in principal.roles))


def _argument(name, request, project):
    if name == 'project':
        return project
    if name in request.params:
        return request.params[name]
    return getattr(request, name)


def find_route(method, segments):
    """Return (route, params); a 404 or 501 ApiError when none matches."""
    path_matched = False
    for route in ROUTES:
        params = _match(segments, route.segments)
        if params is None:
            continue
        if route.method == method:
            return route, params
        path_matched = True
    if path_matched:
        # grpc-gateway v1 answers a known path with a wrong method this way.
        raise errors.ApiError(501, 'Method Not Allowed', 12)
    raise errors.ApiError(404, 'Not Found', 5)


class App:
    """Turns one HTTP request into one Response."""

    def __init__(self, cluster, authenticator=None):
        self.cluster = cluster
        self.authenticator = authenticator

    def handle(self, method, target, headers, raw_body):
        route = None
        principal = None
        try:
            split = urllib.parse.urlsplit(target)
            parts = split.path.split('/')
            if parts[:3] != ['', 'api', 'v2']:
                raise errors.ApiError(404, 'Not Found', 5)
            segments = [urllib.parse.unquote(p) for p in parts[3:]]
            route, params = find_route(method, segments)
            query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
            body = wire.parse_body(raw_body) if method in (
                'POST', 'PUT') else {}
            principal = self._authenticate(headers)
            request = Request(method=method, params=params, query=query,
                              body=body, if_match=headers.get('If-Match'),
                              principal=principal)
            project = self._project_of(route, request)
            self._authorize(route, principal, project)
            arguments = [_argument(name, request, project)
                         for name in route.arguments]
            answer = getattr(self.cluster, route.handler)(*arguments)
            return Response(200, answer, route.label,
                            caller=_caller(principal))
        except errors.ApiError as exc:
            return Response(exc.status, exc.body(),
                            route.label if route else None,
                            caller=_caller(principal))

    def _authenticate(self, headers):
        if self.authenticator is None:
            return auth.UNRESTRICTED
        return self.authenticator.authenticate(headers.get('Authorization'))

    @staticmethod
    def _project_of(route, request):
        if 'projectName' in request.params:
            return request.params['projectName']
        if route.access in (READ, WRITE):
            # The bindings without a project take projectName from the
            # query or the body; the default project when absent.
            return (wire.query_first(request.query, 'projectName') or
                    wire.read_string(request.body, 'projectName') or
                    'default')
        return None

    @staticmethod
    def _authorize(route, principal, project):
        if route.access == ANY:
            allowed = True
        elif route.access == SYSTEM:
            allowed = principal.is_system_admin
        elif route.access == READ:
            allowed = principal.can_read(project)
        else:
            allowed = principal.can_write(project)
        if not allowed:
            raise errors.permission_denied(
                'Permission denied: %s needs %s access%s' % (
                    route.label, route.access,
                    ' to project %s' % project if project else ''))
