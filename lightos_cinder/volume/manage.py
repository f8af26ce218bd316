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

"""Bring existing LightOS volumes and snapshots under Cinder, and back."""

import collections
import math

from cinder import exception as cinder_exception
from cinder.volume import volume_utils
from oslo_log import log as logging
from oslo_utils import units

from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.volume import acl
from lightos_cinder.volume import clusterops
from lightos_cinder.volume import naming
from lightos_cinder.volume import owners

LOG = logging.getLogger(__name__)

SOURCE_NAME = 'source-name'
SOURCE_ID = 'source-id'


def size_gib(size_bytes):
    """A LightOS size in whole GiB, rounded up (at least 1)."""
    return max(1, int(math.ceil(size_bytes / float(units.Gi))))


def _invalid_ref(existing_ref, reason):
    return cinder_exception.ManageExistingInvalidReference(
        existing_ref=existing_ref, reason=reason)


def parse_ref(existing_ref):
    """``(kind, value)`` of a manage reference; source-id wins."""
    ref = existing_ref or {}
    for kind in (SOURCE_ID, SOURCE_NAME):
        value = ref.get(kind)
        if value:
            value = str(value).strip()
            if not models.NAME_PATTERN.match(value):
                raise _invalid_ref(existing_ref, '%s %r is not a valid '
                                   'LightOS name or UUID' % (kind, value))
            return kind, value
    raise _invalid_ref(existing_ref, 'give the LightOS name as %s or its '
                       'UUID as %s' % (SOURCE_NAME, SOURCE_ID))


def _lookup(kind, value):
    """The find_volume/find_snapshot keyword for a parsed reference."""
    return {'uuid': value} if kind == SOURCE_ID else {'name': value}


def _reference(record):
    return {SOURCE_NAME: record.name}


def _manageable_entry(record, cinder_id, reason, extra_info, **more):
    """One row of a manageable list, in the shape Cinder pages through."""
    entry = {
        'reference': _reference(record),
        'size': size_gib(record.size),
        'safe_to_manage': reason is None,
        'reason_not_safe': reason,
        'cinder_id': cinder_id,
        'extra_info': extra_info,
    }
    entry.update(more)
    return entry


def _volume_not_manageable(record):
    """Why a volume Cinder does not manage cannot be managed, or None."""
    if not acl.is_closed(record.acl) or record.connected_hosts:
        return 'Attached: open to hosts %s' % ', '.join(
            list(record.connected_hosts) or [
                a for a in record.acl if a != models.ALLOW_NONE])
    if record.state is not models.VolumeState.AVAILABLE:
        return 'Volume is %s' % record.state.value
    return None


def _volume_fields(project, record):
    return {'extra_info': 'project=%s, uuid=%s, replicas=%d, '
                          'compression=%s' % (project, record.uuid,
                                              record.replica_count,
                                              record.compression)}


def _snapshot_not_manageable(record):
    """Why a snapshot Cinder does not manage cannot be managed, or None."""
    if record.name.startswith(naming.CLONE_SNAPSHOT_PREFIX):
        return 'Temporary snapshot of a clone in progress'
    if record.state is not models.SnapshotState.AVAILABLE:
        return 'Snapshot is %s' % record.state.value
    return None


def _snapshot_fields(project, record):
    return {'extra_info': 'project=%s, uuid=%s' % (project, record.uuid),
            'source_reference': {SOURCE_NAME: record.source_volume_name or
                                 record.source_volume_uuid}}


# How one kind of object shows in Cinder's manageable lists: the state
# left out, why one Cinder does not manage cannot be, its own fields.
_Manageable = collections.namedtuple(
    '_Manageable', 'what name_of deleting why_not fields')
_VOLUMES = _Manageable('volumes', naming.volume_name,
                       models.VolumeState.DELETING, _volume_not_manageable,
                       _volume_fields)
_SNAPSHOTS = _Manageable('snapshots', naming.snapshot_name,
                         models.SnapshotState.DELETING,
                         _snapshot_not_manageable, _snapshot_fields)


class ManageExisting(object):
    """manage_existing, unmanage and the manageable lists of the driver."""

    def __init__(self, conf, client, volumes, ops, translator, projects):
        self._conf = conf
        self._client = client
        self._volumes = volumes
        self._ops = ops
        self._translated = translator.translated
        # Callable returning the project names to list manageable objects
        # in (the token may not list every project).
        self._projects = projects

    # Volumes

    def _existing_volume(self, volume, existing_ref, project):
        kind, value = parse_ref(existing_ref)
        with self._translated('look up %s %s to manage' % (kind, value),
                              volume_id=volume.id, project=project):
            found = self._client.find_volume(project, **_lookup(kind, value))
        if found is None or found.state is models.VolumeState.DELETING:
            raise _invalid_ref(existing_ref, 'no LightOS volume with %s %s '
                               'in project %s (the project named by the '
                               'volume type)' % (kind, value, project))
        self._refuse_owned(volume, existing_ref, project, found, 'volume',
                           owners.volumes_claiming, naming.volume_name)
        return found

    def _refuse_owned(self, item, existing_ref, project, found, what,
                      claiming, name_of):
        """Refuse a record another Cinder volume (snapshot) owns.

        Managing it twice would let deleting either Cinder object destroy
        the other's data. Owned means what the manageable lists call
        "already managed": its UUID in a provider_id, or its name.
        """
        managed = self._managed([c for c in claiming(project, found)
                                 if c.id != item.id], name_of)
        owner = managed.get(found.uuid) or managed.get(found.name)
        if owner:
            raise _invalid_ref(existing_ref, 'LightOS %s %s (UUID %s, '
                               'project %s) is already managed by Cinder '
                               '%s %s; unmanage that one first' % (
                                   what, found.name, found.uuid, project,
                                   what, owner))

    def _check_volume(self, volume, existing_ref, found, project):
        if found.state is not models.VolumeState.AVAILABLE:
            raise _invalid_ref(existing_ref, 'LightOS volume %s (UUID %s, '
                               'project %s) is %s; only Available volumes can '
                               'be managed' % (found.name, found.uuid, project,
                                               found.state.value))
        if not acl.is_closed(found.acl):
            raise _invalid_ref(existing_ref, 'LightOS volume %s (UUID %s, '
                               'project %s) is open to hosts (ACL %s); detach '
                               'it from them first' % (
                                   found.name, found.uuid, project,
                                   list(found.acl)))
        if found.name.startswith(naming.CLONE_SNAPSHOT_PREFIX):
            raise _invalid_ref(existing_ref, 'LightOS volume %s is a '
                               'temporary clone volume' % found.name)

    def manage_existing_get_size(self, volume, existing_ref):
        project = self._volumes.spec_of(volume).project
        return size_gib(self._existing_volume(volume, existing_ref,
                                              project).size)

    def manage_existing(self, volume, existing_ref):
        """Rename the volume to ``volume-<id>`` and grow it to whole GiB."""
        spec = self._volumes.spec_of(volume)
        project = spec.project
        found = self._existing_volume(volume, existing_ref, project)
        self._check_volume(volume, existing_ref, found, project)
        if (found.replica_count != spec.replicas or
                found.compression != spec.compression):
            LOG.warning('Managing LightOS volume %(name)s (UUID %(uuid)s, '
                        'project %(project)s) with %(replicas)d replicas and '
                        'compression %(comp)s into Cinder volume %(id)s whose '
                        'type asks for %(want_r)d replicas and compression '
                        '%(want_c)s; the volume keeps its layout.',
                        {'name': found.name, 'uuid': found.uuid,
                         'project': project, 'replicas': found.replica_count,
                         'comp': found.compression, 'id': volume.id,
                         'want_r': spec.replicas,
                         'want_c': spec.compression})
        name = naming.volume_name(volume)
        size_bytes = size_gib(found.size) * units.Gi

        def change(current):
            wanted = {}
            if current.name != name:
                wanted['new_name'] = name
            if current.size < size_bytes:
                wanted['size_bytes'] = size_bytes
            return wanted
        with self._translated('manage the volume', volume_id=volume.id,
                              project=project, uuid=found.uuid,
                              name=found.name):
            self._ops.update_volume(
                project, found.uuid, change,
                'renaming %s to %s' % (clusterops.describe(
                    project, found.uuid, found.name), name), known=found)
        LOG.info('Cinder volume %(id)s manages LightOS volume %(old)s (UUID '
                 '%(uuid)s, project %(project)s), now named %(name)s.',
                 {'id': volume.id, 'old': found.name, 'uuid': found.uuid,
                  'project': project, 'name': name})
        return {'provider_id': naming.Location(project,
                                               found.uuid).provider_id}

    def unmanage(self, volume):
        """Forget the volume; it stays on the cluster, data and name."""
        location = naming.location_of(volume)
        LOG.info('Cinder volume %(id)s no longer manages LightOS volume '
                 '%(name)s (project %(project)s, UUID %(uuid)s); it is left '
                 'on the cluster.', {'id': volume.id,
                                     'name': naming.volume_name(volume),
                                     'project': location.project,
                                     'uuid': location.uuid or 'unknown'})

    # Snapshots

    def _existing_snapshot(self, snapshot, existing_ref):
        kind, value = parse_ref(existing_ref)
        location, source = self._volumes.require(snapshot.volume)
        project = location.project
        with self._translated('look up %s %s to manage' % (kind, value),
                              snapshot_id=snapshot.id, project=project):
            found = self._client.find_snapshot(project,
                                               **_lookup(kind, value))
        if found is None or found.state is models.SnapshotState.DELETING:
            raise _invalid_ref(existing_ref, 'no LightOS snapshot with %s %s '
                               'in project %s' % (kind, value, project))
        self._refuse_owned(snapshot, existing_ref, project, found,
                           'snapshot', owners.snapshots_claiming,
                           naming.snapshot_name)
        if found.source_volume_uuid != source.uuid:
            raise _invalid_ref(existing_ref, 'LightOS snapshot %s (UUID %s) '
                               'was taken of volume %s, not of %s (UUID %s) '
                               'of Cinder volume %s' % (
                                   found.name, found.uuid,
                                   found.source_volume_name or
                                   found.source_volume_uuid, source.name,
                                   source.uuid, snapshot.volume_id))
        if found.state is not models.SnapshotState.AVAILABLE:
            raise _invalid_ref(existing_ref, 'LightOS snapshot %s is %s; only '
                               'Available snapshots can be managed' % (
                                   found.name, found.state.value))
        return project, found

    def manage_existing_snapshot_get_size(self, snapshot, existing_ref):
        return size_gib(self._existing_snapshot(snapshot,
                                                existing_ref)[1].size)

    def manage_existing_snapshot(self, snapshot, existing_ref):
        """Record the snapshot's UUID; the API cannot rename snapshots."""
        project, found = self._existing_snapshot(snapshot, existing_ref)
        LOG.info('Cinder snapshot %(id)s manages LightOS snapshot %(name)s '
                 '(UUID %(uuid)s, project %(project)s).',
                 {'id': snapshot.id, 'name': found.name, 'uuid': found.uuid,
                  'project': project})
        return {'provider_id': naming.Location(project,
                                               found.uuid).provider_id}

    def unmanage_snapshot(self, snapshot):
        LOG.info('Cinder snapshot %(id)s no longer manages its LightOS '
                 'snapshot (%(where)s); it is left on the cluster.',
                 {'id': snapshot.id,
                  'where': snapshot.provider_id or naming.snapshot_name(
                      snapshot)})

    # Manageable lists

    def _each_project(self, what, read):
        for project in self._projects():
            with self._translated('list %s of project %s' % (what, project),
                                  project=project):
                try:
                    items = read(project)
                except (exception.NotFound, exception.Forbidden) as exc:
                    LOG.warning('Cannot list the %(what)s of LightOS project '
                                '%(project)s: %(err)s', {'what': what,
                                                         'project': project,
                                                         'err': exc})
                    continue
            for item in items:
                yield project, item

    @staticmethod
    def _managed(cinder_objects, name_of):
        """``{LightOS name or UUID: Cinder id}`` of what Cinder manages."""
        managed = {}
        for item in cinder_objects:
            managed[name_of(item)] = item.id
            location = naming.parse_provider_id(item.get('provider_id'))
            if location is not None and location.uuid:
                managed[location.uuid] = item.id
        return managed

    def _manageable(self, kind, read, cinder_objects, paging):
        """One page of Cinder's manageable list of one kind of object.

        Objects being deleted are left out; the ones Cinder manages are
        marked so; ``kind`` says why another cannot be managed.
        """
        managed = self._managed(cinder_objects, kind.name_of)
        entries = []
        for project, record in self._each_project(kind.what, read):
            if record.state is kind.deleting:
                continue
            cinder_id = managed.get(record.uuid) or managed.get(record.name)
            reason = ('Already managed by Cinder' if cinder_id
                      else kind.why_not(record))
            entries.append(_manageable_entry(
                record, cinder_id, reason, **kind.fields(project, record)))
        return volume_utils.paginate_entries_list(entries, *paging)

    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        return self._manageable(
            _VOLUMES, self._client.list_volumes, cinder_volumes,
            (marker, limit, offset, sort_keys, sort_dirs))

    def get_manageable_snapshots(self, cinder_snapshots, marker, limit,
                                 offset, sort_keys, sort_dirs):
        return self._manageable(
            _SNAPSHOTS, self._client.list_snapshots, cinder_snapshots,
            (marker, limit, offset, sort_keys, sort_dirs))
