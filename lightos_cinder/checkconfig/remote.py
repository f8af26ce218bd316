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

"""The checks of check-config that ask the cluster."""

import datetime
import time

import sqlalchemy

from lightos_cinder.api import client as client_module
from lightos_cinder.api import credentials
from lightos_cinder.api import endpoints
from lightos_cinder.api import exception
from lightos_cinder.api import transport as transport_module
from lightos_cinder.checkconfig import report as report_module
from lightos_cinder.checkconfig import voltypes
from lightos_cinder.volume import specs

PASS, WARN, FAIL = report_module.PASS, report_module.WARN, report_module.FAIL


def _verify(section):
    if section.driver_ssl_cert_verify:
        return section.driver_ssl_cert_path or True
    return False


# Why no endpoint answered, when every one failed the same way, and the fix.
_CAUSES = (
    ('TLS error', 'its TLS certificate is not trusted',
     'set driver_ssl_cert_path to the CA bundle that signed the API '
     'certificates, and name the nodes as their subjectAltName does '
     '(lightos_api_hostnames, or lightos_api_address for IP addresses)'),
    ('connection refused', 'nothing accepts connections on port %(port)d',
     'check lightos_api_port (the LightOS API listens on 443 unless '
     'configured otherwise) and that the API service runs on the nodes'),
    ('timeout', 'no answer on port %(port)d',
     'check lightos_api_address and that no firewall drops traffic from '
     'this host to port %(port)d'),
)


def _reason(exc):
    """The first per-endpoint reason of a connection error, or its text."""
    for endpoint, why in getattr(exc, 'failures', ()):
        if endpoint.startswith('http'):
            return why
    return str(exc)


def _cause(reason):
    for marker, cause, fix in _CAUSES:
        if marker in reason:
            return marker, cause, fix
    return None, reason, ('check lightos_api_address, lightos_api_port and '
                          'that the API service runs on the nodes')


def _probe(section, tokens, host, verify):
    """Ask one endpoint for the API version, once, within a few seconds."""
    connect = section.lightos_api_connect_timeout
    single = transport_module.Transport(
        [host], section.lightos_api_port, token_source=tokens,
        verify=verify, connect_timeout=connect,
        read_timeout=section.lightos_api_service_timeout,
        deadline=min(section.lightos_api_service_timeout, 2 * connect + 1),
        retry_interval=0)
    started = time.monotonic()
    try:
        version = client_module.LightOSClient(single).get_version()
        return single.endpoints[0], version, (
            time.monotonic() - started) * 1000.0
    finally:
        single.close()


def check_endpoints(section, tokens, report):
    """One line per endpoint, or one for all when all fail alike.

    :returns: how many endpoints answered.
    """
    verify = _verify(section)
    tls = ('verified against %s' % (section.driver_ssl_cert_path or
                                    'the system CA store')
           if verify else 'NOT verified (set driver_ssl_cert_verify)')
    if not verify:
        report.add(WARN, 'tls', 'certificates are %s' % tls)
    hosts = endpoints.api_hosts(section)
    failed = []
    for host in hosts:
        try:
            url, version, elapsed = _probe(section, tokens, host, verify)
        except exception.LightOSConnectionError as exc:
            failed.append((host, _reason(exc)))
        except exception.LightOSError as exc:
            # It answered (a 401 is about the token, checked below).
            report.add(PASS, 'endpoint', '%s port %d answers (HTTP %s), '
                       'TLS %s' % (host, section.lightos_api_port,
                                   getattr(exc, 'status', '?'),
                                   tls if verify else 'not verified'))
        else:
            report.add(PASS, 'endpoint', '%s answers (API %s) in %.1f ms, '
                       'TLS %s' % (url, version or '?', elapsed,
                                   tls if verify else 'not verified'))
    causes = {_cause(why)[0] for _host, why in failed}
    if failed and len(failed) == len(hosts) and len(causes) == 1 and (
            None not in causes):
        # One misconfiguration (port, CA) breaks every endpoint alike:
        # report it once, with its fix.
        _marker, cause, fix = _cause(failed[0][1])
        values = {'port': section.lightos_api_port}
        report.add(FAIL, 'endpoint', 'no API endpoint answered (%s): %s (%s); '
                   '%s' % (', '.join(hosts), cause % values,
                           failed[0][1].split('; ')[0], fix % values))
    else:
        for host, why in failed:
            _marker, _cause_text, fix = _cause(why)
            report.add(FAIL, 'endpoint', '%s port %d: %s; %s' % (
                host, section.lightos_api_port, why.split('; ')[0],
                fix % {'port': section.lightos_api_port}))
    return len(hosts) - len(failed)


def _accepted(transport, project):
    """None if the cluster takes the token used for ``project``, else why."""
    if project:
        path = '%s/projects/%s/volumes' % (client_module.API, project)
        params = {'limit': 1}
    else:
        path, params = client_module.API + '/clusterinfo', None
    try:
        client_module.validate_name(project or 'default', 'project name')
        transport.request('GET', path, params=params, project=project)
    except exception.Unauthorized as exc:
        return str(exc)
    except exception.LightOSError:
        # Other answers (403, 404) are about the project, not the token;
        # the project checks report them.
        return None
    return None


def check_tokens(tokens, report, transport=None, now=None):
    """Decode every token; with a transport, ask the cluster to accept it."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if tokens is None:
        report.add(WARN, 'token', 'no JWT configured; only a cluster with '
                   'multi-tenancy disabled accepts that')
        return
    for project, source in tokens.sources():
        whose = 'for project %s' % project if project else 'default'
        try:
            token = source.get()
            token.claims()
        except (exception.TokenError, AttributeError) as exc:
            report.add(FAIL, 'token', '%s (%s) cannot be used: %s' % (
                whose, source.origin, exc))
            continue
        roles = ', '.join(token.roles) or 'none'
        expires = token.expires_at
        if expires is not None and expires <= now:
            report.add(FAIL, 'token', '%s (%s) expired at %s' % (
                whose, source.origin, expires.isoformat()))
            continue
        refused = _accepted(transport, project) if transport else None
        if refused:
            report.add(FAIL, 'token', '%s (%s, roles %s) is refused by the '
                       'cluster (%s): it is signed by a key the cluster does '
                       'not know (another cluster\'s, or a removed '
                       'credential) or was revoked; put a token issued by '
                       'this cluster there (lbcli create jwt)' % (
                           whose, source.origin, roles, refused))
            continue
        unchecked = '' if transport else '; not checked with the cluster'
        if expires is None:
            report.add(PASS, 'token', '%s (%s): roles %s, no expiry%s' % (
                whose, source.origin, roles, unchecked))
        else:
            status = (WARN if expires - now < credentials.EXPIRY_WARNING
                      else PASS)
            report.add(status, 'token', '%s (%s): roles %s, expires %s '
                       '(in %d days)%s' % (whose, source.origin, roles,
                                           expires.isoformat(),
                                           (expires - now).days, unchecked))


def check_types(conf, section, backend, client, max_replicas, report):
    """Validate the backend's volume types; ``{project: [type names]}``."""
    connection = conf.database.connection
    if not connection:
        report.add(WARN, 'types', 'no [database] connection in the file; '
                   'volume types are not checked (give --cinder-db, or a '
                   '--config-file with the [database] section)')
        return {}
    name = section.volume_backend_name or backend
    try:
        types = voltypes.read_types(connection, name)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        report.add(WARN, 'types', 'cannot read the volume types from the '
                   '[database] connection (%s); they are not checked' % (
                       exc.__class__.__name__))
        return {}
    if not types:
        report.add(WARN, 'types', 'no volume type has volume_backend_name='
                   '%s; nothing will be scheduled to this backend' % name)
    voltypes.check_types(section, types, client, max_replicas, report)
    found = {}
    for volume_type in types:
        project = volume_type.extra_specs.get(specs.PROJECT_NAME)
        found.setdefault(project or specs.DEFAULT_PROJECT, []).append(
            volume_type.name)
    return found


def check_projects(wanted, transport, tokens, extra, report):
    for project in list(tokens.projects if tokens else ()) + list(extra):
        wanted.setdefault(project, [])
    if not wanted:
        wanted[specs.DEFAULT_PROJECT] = []
    for project in sorted(wanted):
        types = (' (volume types %s)' % ', '.join(sorted(wanted[project]))
                 if wanted[project] else '')
        try:
            client_module.validate_name(project, 'project name')
            transport.request(
                'GET', '%s/projects/%s/volumes' % (client_module.API,
                                                   project),
                params={'limit': 1}, project=project)
        except exception.Forbidden:
            source = transport.token_source_for(project)
            roles = ', '.join(source.get().roles) if source else 'none'
            report.add(FAIL, 'project', '%s%s: the token (%s, roles %s) '
                       'may not use it; give it a token with the %s:admin '
                       'role' % (project, types, getattr(
                           source, 'origin', 'none'), roles, project))
        except exception.NotFound:
            report.add(FAIL, 'project', '%s%s does not exist on the '
                       'cluster' % (project, types))
        except exception.LightOSError as exc:
            report.add(FAIL, 'project', '%s%s: %s' % (project, types, exc))
        else:
            report.add(PASS, 'project',
                       '%s%s is accessible' % (project, types))


def _check_replica_limit(section, info, report):
    wanted = section.lightos_default_num_replicas
    limit = info.current_max_replicas
    if not limit or wanted <= limit:
        return
    if wanted > (info.supported_max_replicas or specs.MAX_REPLICAS):
        return  # the driver's start-up check fails on it (setup line)
    report.add(WARN, 'replicas', 'the cluster can place at most %d '
               'replicas now; the service starts, but creates that need '
               'more (lightos_default_num_replicas=%d for types without '
               'lightos:num_replicas) are refused until the nodes listed '
               'above are Active again' % (limit, wanted))


def check_cluster(client, report, section=None):
    """Check the cluster; return its clusterinfo (None when unreadable)."""
    try:
        info = client.get_cluster_info()
    except exception.LightOSError as exc:
        report.add(FAIL, 'cluster', 'cannot read clusterinfo: %s' % exc)
        return None
    if info.subsystem_nqn:
        report.add(PASS, 'cluster', '%s (%s): subsystem NQN %s, at most %d '
                   'replicas' % (info.uuid, info.name or 'unnamed',
                                 info.subsystem_nqn,
                                 info.current_max_replicas))
    else:
        report.add(FAIL, 'cluster', '%s reports no subsystem NQN; hosts '
                   'cannot attach' % info.uuid)
    try:
        nodes = client.list_nodes()
    except exception.Forbidden:
        report.add(WARN, 'nodes', 'the token may not list nodes; attach '
                   'targets come from clusterinfo: %s' % (
                       ', '.join(info.nvme_endpoints) or 'none'))
    except exception.LightOSError as exc:
        report.add(FAIL, 'nodes', 'cannot list nodes: %s' % exc)
    else:
        inactive = [n.name for n in nodes if n.state.value != 'Active']
        report.add(WARN if inactive or not nodes else PASS, 'nodes',
                   '%d nodes%s' % (len(nodes), '; not Active: %s' % ', '.join(
                       inactive) if inactive else ', all Active'))
    if section is not None:
        _check_replica_limit(section, info, report)
    try:
        stats = client.get_cluster_stats()
    except exception.Forbidden:
        report.add(WARN, 'capacity', 'the token may not read /cluster; '
                   'Cinder sees capacity as unknown')
    except exception.LightOSError as exc:
        report.add(FAIL, 'capacity', 'cannot read /cluster: %s' % exc)
    else:
        free = stats.estimated_free_logical or stats.free_physical
        total = stats.estimated_logical or stats.effective_physical
        report.add(PASS, 'capacity', '%.1f GiB free of %.1f GiB' % (
            free / float(1 << 30), total / float(1 << 30)))
    return info
