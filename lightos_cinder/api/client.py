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

"""LightOS REST client: one method per API endpoint, records out."""

import re
from urllib import parse

from lightos_cinder.api import exception
from lightos_cinder.api import models

API = '/api/v2'

# The API caps list pages at 1000 entries.
MAX_PAGE_SIZE = 1000

# Snapshot descriptions are limited to 256 bytes.
MAX_DESCRIPTION_BYTES = 256

# Resource identifiers used in paths (UUIDs) share the name alphabet.
_ID_PATTERN = re.compile(r'^[A-Za-z0-9._-]{1,253}$')


def validate_name(name, kind='name'):
    """Return ``name`` if it follows the LightOS name rules, else raise.

    ``.`` and ``..`` match the rules but would be folded away as path dot
    segments by URL normalisation, so they are refused too.
    """
    if (not isinstance(name, str) or not models.NAME_PATTERN.match(name) or
            name in ('.', '..')):
        raise exception.InvalidName(
            'Invalid LightOS %s %r: use 1 to 253 characters of letters, '
            'digits, ".", "_" and "-".' % (kind, name))
    return name


def validate_id(value, kind='UUID'):
    """Return a resource UUID if it is safe to put in a path, else raise."""
    if (not isinstance(value, str) or not _ID_PATTERN.match(value) or
            value in ('.', '..')):
        raise exception.InvalidName('Invalid LightOS %s %r.' % (kind, value))
    return value


def _segment(value, kind):
    """Validate and percent-quote one path segment."""
    if kind.endswith('UUID'):
        validate_id(value, kind)
    else:
        validate_name(value, kind)
    return parse.quote(value, safe='')


def _compression(enabled):
    # Volumes take compression as a string (snapshots report a bool).
    return 'true' if enabled else 'false'


def _acl(values):
    return {'values': list(values)}


class LightOSClient(object):
    """Typed calls of the LightOS REST API v2 over one Transport."""

    def __init__(self, transport):
        self._transport = transport

    def __repr__(self):
        return '<LightOSClient %r>' % (self._transport,)

    @property
    def transport(self):
        return self._transport

    def _project_path(self, project, *parts):
        path = '%s/projects/%s' % (API, _segment(project, 'project name'))
        return '/'.join([path] + list(parts))

    def _volumes_path(self, project):
        return self._project_path(project, 'volumes')

    def _volume_path(self, project, volume_uuid, *suffix):
        return self._project_path(project, 'volumes',
                                  _segment(volume_uuid, 'volume UUID'),
                                  *suffix)

    def _snapshots_path(self, project):
        return self._project_path(project, 'snapshots')

    def _snapshot_path(self, project, snapshot_uuid):
        return self._project_path(project, 'snapshots',
                                  _segment(snapshot_uuid, 'snapshot UUID'))

    def _get(self, path, params=None, project=None):
        kwargs = {'project': project} if project is not None else {}
        return self._transport.request('GET', path, params=params, **kwargs)

    def _send(self, method, path, project, **kwargs):
        """A request about ``project``, which selects the project's token."""
        return self._transport.request(method, path, project=project,
                                       **kwargs)

    # Cluster

    def get_version(self):
        """The API version string, e.g. ``'v2.0'``."""
        return str(self._get(API + '/version').get('apiVersion', ''))

    def get_cluster_info(self):
        return models.ClusterInfo.from_json(self._get(API + '/clusterinfo'))

    def get_cluster_stats(self):
        """Capacity figures; needs a system-scoped token (else Forbidden)."""
        return models.ClusterStats.from_json(self._get(API + '/cluster'))

    def list_nodes(self):
        """Cluster nodes; needs a system-scoped token (else Forbidden)."""
        data = self._get(API + '/nodes')
        return [models.Node.from_json(n) for n in data.get('nodes') or ()]

    # Projects

    def list_projects(self):
        data = self._get(API + '/projects')
        return [models.Project.from_json(p)
                for p in data.get('projects') or ()]

    def get_project(self, name):
        return models.Project.from_json(self._get(self._project_path(name),
                                                  project=name))

    # Volumes

    def create_volume(self, project, name, size_bytes, *, replica_count,
                      compression, acl=(models.ALLOW_NONE,),
                      ip_acl=(models.ALLOW_ANY,), source_snapshot_uuid=None,
                      qos_policy_uuid=None):
        """Create a volume; returns it as the API does (usually Creating).

        Names are unique per project: a POST that got no answer is sent
        again (to another endpoint) only after the name is looked up, and a
        volume found by that lookup raises Conflict for the caller to adopt.
        """
        validate_name(name, 'volume name')
        body = {
            'name': name,
            'size': models.format_size(size_bytes),
            'replicaCount': int(replica_count),
            'compression': _compression(compression),
            'acl': _acl(acl),
            'IPAcl': _acl(ip_acl),
        }
        if source_snapshot_uuid:
            body['sourceSnapshotUUID'] = validate_id(source_snapshot_uuid,
                                                     'snapshot UUID')
        if qos_policy_uuid:
            body['qosPolicyUUID'] = validate_id(qos_policy_uuid,
                                                'policy UUID')
        data = self._send(
            'POST', self._volumes_path(project), project, body=body,
            settle=lambda: self.find_volume(project, name) is not None)
        return models.Volume.from_json(data)

    def get_volume(self, project, volume_uuid):
        """The volume with this UUID; raises NotFound."""
        return models.Volume.from_json(
            self._get(self._volume_path(project, volume_uuid),
                      project=project))

    def find_volume(self, project, name=None, *, uuid=None):
        """The volume with this UUID (when given) or name, or None."""
        if uuid:
            return _none_if_absent(self.get_volume, project, uuid)
        validate_name(name, 'volume name')
        # The trailing slash selects the get-by-name route, which answers
        # with one volume (or 404), not a list.
        path = self._volumes_path(project) + '/'
        try:
            data = self._get(path, params={'name': name}, project=project)
        except exception.NotFound:
            return None
        return _one_by_name(data, 'volumes', name, models.Volume)

    def list_volumes(self, project, *, page_size=MAX_PAGE_SIZE):
        """Every volume of the project, following ``offsetUUID`` paging."""
        return self._list_all(self._volumes_path(project), 'volumes',
                              models.Volume, page_size, project)

    def update_volume(self, project, volume_uuid, *, etag=None, acl=None,
                      ip_acl=None, size_bytes=None, compression=None,
                      qos_policy_uuid=None, new_name=None):
        """Change the given attributes; the others stay as they are.

        With ``etag`` the update is conditional: a stale ETag raises
        PreconditionFailed (or BadRequest on clusters that map it so).
        """
        body = {}
        if acl is not None:
            body['acl'] = _acl(acl)
        if ip_acl is not None:
            body['IPAcl'] = _acl(ip_acl)
        if size_bytes is not None:
            body['size'] = models.format_size(size_bytes)
        if compression is not None:
            body['compression'] = _compression(compression)
        if qos_policy_uuid is not None:
            body['qosPolicyUUID'] = qos_policy_uuid
        if new_name is not None:
            body['newName'] = validate_name(new_name, 'volume name')
        if not body:
            raise ValueError('update_volume needs at least one attribute '
                             'to change')
        self._send('PUT', self._volume_path(project, volume_uuid), project,
                   body=body, if_match=etag)

    def delete_volume(self, project, volume_uuid, *, etag=None):
        """Start deleting a volume (it goes Deleting, then 404)."""
        self._send('DELETE', self._volume_path(project, volume_uuid), project,
                   if_match=etag)

    def rollback_volume(self, project, volume_uuid, snapshot_uuid):
        """Roll a volume back to the content of one of its snapshots."""
        body = {'srcSnapshotUUID': validate_id(snapshot_uuid,
                                               'snapshot UUID')}
        self._send('PUT', self._volume_path(project, volume_uuid, 'rollback'),
                   project, body=body)

    # Snapshots

    def create_snapshot(self, project, name, source_volume_uuid, *,
                        description=None):
        """Create a snapshot; a lost answer is settled by name, as above."""
        validate_name(name, 'snapshot name')
        body = {'name': name,
                'sourceVolumeUUID': validate_id(source_volume_uuid,
                                                'volume UUID')}
        if description:
            if len(description.encode('utf-8')) > MAX_DESCRIPTION_BYTES:
                raise ValueError('A snapshot description is limited to %d '
                                 'bytes' % MAX_DESCRIPTION_BYTES)
            body['description'] = description
        data = self._send(
            'POST', self._snapshots_path(project), project, body=body,
            settle=lambda: self.find_snapshot(project, name) is not None)
        return models.Snapshot.from_json(data)

    def get_snapshot(self, project, snapshot_uuid):
        """The snapshot with this UUID; raises NotFound."""
        return models.Snapshot.from_json(
            self._get(self._snapshot_path(project, snapshot_uuid),
                      project=project))

    def find_snapshot(self, project, name=None, *, uuid=None):
        """The snapshot with this UUID (when given) or name, or None."""
        if uuid:
            return _none_if_absent(self.get_snapshot, project, uuid)
        validate_name(name, 'snapshot name')
        # Trailing slash as for volumes; the snapshot query field is
        # capitalised ("Name"), and a lower-case one would be ignored.
        path = self._snapshots_path(project) + '/'
        try:
            data = self._get(path, params={'Name': name}, project=project)
        except exception.NotFound:
            return None
        return _one_by_name(data, 'snapshots', name, models.Snapshot)

    def list_snapshots(self, project, *, page_size=MAX_PAGE_SIZE):
        """Every snapshot of the project, following ``offsetUUID`` paging."""
        return self._list_all(self._snapshots_path(project), 'snapshots',
                              models.Snapshot, page_size, project)

    def delete_snapshot(self, project, snapshot_uuid, *, etag=None):
        """Start deleting a snapshot (it goes Deleting, then 404)."""
        self._send('DELETE', self._snapshot_path(project, snapshot_uuid),
                   project, if_match=etag)

    # QoS policies

    def list_qos_policies(self):
        data = self._get(API + '/policies')
        return [models.QosPolicy.from_json(p)
                for p in data.get('policies') or ()]

    def get_qos_policy(self, policy_uuid):
        path = '%s/policies/%s' % (API, _segment(policy_uuid, 'policy UUID'))
        return models.QosPolicy.from_json(self._get(path))

    def _list_all(self, path, key, record, page_size, project=None):
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError('page_size must be between 1 and %d' %
                             MAX_PAGE_SIZE)
        items = []
        seen = set()
        offset = None
        while True:
            params = {'limit': page_size}
            if offset:
                params['offsetUUID'] = offset
            page = [record.from_json(item)
                    for item in self._get(path, params=params,
                                          project=project).get(key) or ()]
            fresh = [item for item in page if item.uuid not in seen]
            items.extend(fresh)
            seen.update(item.uuid for item in fresh)
            # A short page is the last one. A page with nothing new means
            # the server ignored offsetUUID; stop rather than loop forever.
            if len(page) < page_size or not fresh:
                return items
            offset = page[-1].uuid


def _none_if_absent(get, *args):
    try:
        return get(*args)
    except exception.NotFound:
        return None


def _one_by_name(data, list_key, name, record):
    """The record of a get-by-name answer (tolerating a list answer)."""
    if list_key in data:
        for item in data.get(list_key) or ():
            if item.get('name') == name:
                return record.from_json(item)
        return None
    if not data or data.get('name') != name:
        return None
    return record.from_json(data)
