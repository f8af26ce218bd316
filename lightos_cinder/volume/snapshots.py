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

"""Snapshots on the cluster, and volumes cloned from them in a project."""

from cinder import exception as cinder_exception
from oslo_log import log as logging
from oslo_utils import excutils

from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.volume import naming
from lightos_cinder.volume import owners
from lightos_cinder.volume import volumes as volumes_module

LOG = logging.getLogger(__name__)

# Answers to a snapshot creation that mean "the source volume is busy".
_SNAPSHOT_BUSY_ERRORS = (exception.BadRequest, exception.Conflict,
                         exception.ServiceUnavailable, exception.ServerError)

_MAYBE_CREATED = volumes_module.MAYBE_CREATED


def _snapshot_of(snapshot, found):
    """Whether the LightOS snapshot ``found`` may be Cinder's ``snapshot``.

    Its own name says so. A managed snapshot keeps the name it had, so
    otherwise it must not be a clone's temporary snapshot, must have been
    taken of the snapshot's volume (when its UUID is known) and must not
    bear the name of another live Cinder snapshot.
    """
    if found.name == naming.snapshot_name(snapshot):
        return True
    if found.name.startswith(naming.CLONE_SNAPSHOT_PREFIX):
        return False
    volume_uuid = naming.location_of(snapshot.volume).uuid
    if volume_uuid and found.source_volume_uuid != volume_uuid:
        return False
    return owners.snapshot_named(found.name) is None


def _same_project(volume, spec, source_project, what):
    if spec.project != source_project:
        raise cinder_exception.InvalidVolumeType(
            reason='Cinder volume %s would be created from %s in '
                   'LightOS project %s, but its volume type puts it in '
                   'project %s; LightOS clones stay in the project of '
                   'their source. Use a volume type with '
                   'lightos:project_name=%s.' % (
                       volume.id, what, source_project, spec.project,
                       source_project))


class Snapshots(object):
    """Snapshots of Cinder, and clones that stay in their source's project.

    A LightOS clone is made from a snapshot and always lands in the
    snapshot's project; a volume is cloned through a temporary snapshot.
    """

    def __init__(self, conf, client, translator, volumes, ops):
        self._conf = conf
        self._client = client
        self._translated = translator.translated
        self._volumes = volumes
        self._ops = ops

    def find_snapshot(self, snapshot, project):
        """The LightOS snapshot of a Cinder snapshot, or None.

        A managed snapshot keeps its own name and is found by the UUID in
        its provider_id; the others by name. A snapshot found by UUID that
        has another Cinder snapshot's name, is a clone's temporary snapshot
        or was taken of another volume is not this one's: it is looked up
        by name instead.
        """
        location = naming.parse_provider_id(snapshot.get('provider_id'))
        if location is None or not location.uuid:
            location = naming.Location(project)
        name = naming.snapshot_name(snapshot)
        with self._translated('look up the snapshot', snapshot_id=snapshot.id,
                              project=project, name=name):
            found = self._client.find_snapshot(location.project, name,
                                               uuid=location.uuid)
            if found is not None and not _snapshot_of(snapshot, found):
                LOG.warning('The provider_id of Cinder snapshot %(id)s names '
                            'LightOS snapshot %(uuid)s (%(other)s, project '
                            '%(project)s), which is not this snapshot\'s; '
                            'looking it up by its name %(name)s.',
                            {'id': snapshot.id, 'uuid': found.uuid,
                             'other': found.name, 'project': project,
                             'name': name})
                found = self._client.find_snapshot(location.project, name)
        if found is None or found.state is models.SnapshotState.DELETING:
            return None
        return found

    def take(self, project, name, source_uuid, why, **ids):
        """Create (or adopt) a snapshot and wait until it is Available.

        A busy source volume is retried up to
        lightos_api_service_snapshots_max_calls times.
        """
        max_calls = max(1, self._conf.lightos_api_service_snapshots_max_calls)
        attempts = 0

        def probe():
            nonlocal attempts
            attempts += 1
            try:
                return self._client.create_snapshot(
                    project, name, source_uuid, description=why[:200])
            except _SNAPSHOT_BUSY_ERRORS + _MAYBE_CREATED as exc:
                if isinstance(exc, _MAYBE_CREATED):
                    found = self._client.find_snapshot(project, name)
                    if found is not None and (
                            found.state is not models.SnapshotState.DELETING):
                        return found
                if attempts >= max_calls:
                    raise
                if isinstance(exc, exception.LightOSAPIError):
                    raise exception.NotReady('source busy (%s)' % exc.status)
                raise exception.NotReady('no answer')

        with self._translated('create snapshot %s' % name, project=project,
                              **ids):
            created = self._ops.wait(
                probe, 'creation of LightOS snapshot %s in project %s' % (
                    name, project))
            try:
                return self._ops.snapshot_usable(project, created.uuid, name)
            except exception.LightOSError:
                with excutils.save_and_reraise_exception():
                    self._ops.discard_snapshot(project, created.uuid, name)

    def create_snapshot(self, snapshot):
        location, source = self._volumes.require(snapshot.volume)
        name = naming.snapshot_name(snapshot)
        created = self.take(
            location.project, name, source.uuid,
            'Cinder snapshot %s of volume %s' % (snapshot.id,
                                                 snapshot.volume_id),
            snapshot_id=snapshot.id)
        LOG.info('Created LightOS snapshot %(name)s (UUID %(uuid)s, project '
                 '%(project)s) for Cinder snapshot %(id)s.',
                 {'name': name, 'uuid': created.uuid,
                  'project': location.project, 'id': snapshot.id})

    def delete_snapshot(self, snapshot):
        project = naming.location_of(snapshot.volume).project
        found = self.find_snapshot(snapshot, project)
        name = naming.snapshot_name(snapshot)
        if found is None:
            LOG.info('Cinder snapshot %(id)s has no LightOS snapshot %(name)s '
                     'in project %(project)s; nothing to delete.',
                     {'id': snapshot.id, 'name': name, 'project': project})
            return
        with self._translated('delete the snapshot', snapshot_id=snapshot.id,
                              project=project, uuid=found.uuid, name=name):
            self._ops.delete_snapshot(project, found.uuid, name)

    # Clones

    def clone_snapshot(self, volume, snapshot, spec, source_project):
        """A LightOS clone of the snapshot, in the snapshot's project."""
        _same_project(volume, spec, source_project,
                      'snapshot %s' % snapshot.id)
        found = self.find_snapshot(snapshot, source_project)
        if found is None:
            raise cinder_exception.SnapshotNotFound(
                message='Cinder snapshot %s has no LightOS snapshot %s in '
                        'project %s' % (snapshot.id,
                                        naming.snapshot_name(snapshot),
                                        source_project),
                snapshot_id=snapshot.id)
        created = self._volumes.create(volume, spec, found.size, found.uuid)
        ready = self._volumes.grow(volume, spec.project, created,
                                   volumes_module.gib_to_bytes(volume.size))
        return {'provider_id': naming.Location(spec.project,
                                               ready.uuid).provider_id}

    def clone_volume(self, volume, src_vref, spec, location, source):
        """Clone through a temporary snapshot, whose removal is requested.

        The clone lands in the source's project (``location``, where
        :meth:`Volumes.require` found the ``source`` volume).

        The clone is usable once its volume is, so the removal is not
        awaited: the cluster has taken the DELETE before this returns, and
        if the snapshot is still there afterwards (the removal failed or
        was refused) the volume's delete finds and removes it.
        """
        _same_project(volume, spec, location.project,
                      'volume %s' % src_vref.id)
        project = location.project
        snap_name = naming.clone_snapshot_name(volume)
        snapshot = self.take(project, snap_name, source.uuid,
                             'clone Cinder volume %s into %s' % (
                                 src_vref.id, volume.id),
                             volume_id=volume.id)
        try:
            created = self._volumes.create(volume, spec, snapshot.size,
                                           snapshot.uuid)
            ready = self._volumes.grow(
                volume, project, created,
                volumes_module.gib_to_bytes(volume.size))
        except Exception:
            with excutils.save_and_reraise_exception():
                self._ops.discard_snapshot(project, snapshot.uuid, snap_name)
        try:
            self._ops.request_snapshot_deletion(project, snapshot.uuid,
                                                snap_name)
        except exception.LightOSError as exc:
            # The clone is complete and usable: failing it would make
            # callers discard a volume that exists. The volume's delete
            # finds the snapshot through the clone's source and removes it.
            LOG.warning('Cinder volume %(id)s is cloned, but its temporary '
                        'LightOS snapshot %(name)s (UUID %(uuid)s, project '
                        '%(project)s) could not be removed (%(err)s); it is '
                        'removed when the volume is deleted.',
                        {'id': volume.id, 'name': snap_name,
                         'uuid': snapshot.uuid, 'project': project,
                         'err': exc})
        return {'provider_id': naming.Location(project,
                                               ready.uuid).provider_id}

    def _clone_leftover(self, volume, project, found):
        """The temporary snapshot a clone into ``volume`` left, or None.

        A clone's source is that snapshot, so the volume names it; without
        the volume (a clone that failed before it) the name finds it.
        """
        name = naming.clone_snapshot_name(volume)
        if found is None:
            return self._client.find_snapshot(project, name)
        if not found.source_snapshot_uuid or (
                found.source_snapshot_name not in ('', name)):
            return None
        snapshot = self._client.find_snapshot(
            project, uuid=found.source_snapshot_uuid)
        if snapshot is None or snapshot.name != name:
            return None
        return snapshot

    def remove_clone_leftover(self, volume, project, found):
        """Remove the temporary snapshot a clone may have left."""
        name = naming.clone_snapshot_name(volume)
        with self._translated('remove the temporary clone snapshot',
                              volume_id=volume.id, project=project,
                              name=name):
            found = self._clone_leftover(volume, project, found)
            if found is not None and (
                    found.state is not models.SnapshotState.DELETING):
                LOG.info('Removing LightOS snapshot %(name)s (UUID %(uuid)s, '
                         'project %(project)s) left by a clone into Cinder '
                         'volume %(id)s.', {'name': name, 'uuid': found.uuid,
                                            'project': project,
                                            'id': volume.id})
                self._ops.delete_snapshot(project, found.uuid, name)
