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

"""Volume and snapshot lifecycle on the cluster, for the Cinder driver."""

from cinder import exception as cinder_exception
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import units

from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.volume import acl
from lightos_cinder.volume import clusterops
from lightos_cinder.volume import naming
from lightos_cinder.volume import owners
from lightos_cinder.volume import qos
from lightos_cinder.volume import specs

LOG = logging.getLogger(__name__)

# Answers to a snapshot creation that mean "the source volume is busy".
_SNAPSHOT_BUSY_ERRORS = (exception.BadRequest, exception.Conflict,
                         exception.ServiceUnavailable, exception.ServerError)

# Failures of a create after which the object may exist all the same: 409
# (the name is taken, perhaps by an earlier attempt), a 5xx or a lost
# answer. Names are unique per project, so the name finds it.
_MAYBE_CREATED = (exception.Conflict, exception.ServerError,
                  exception.LightOSConnectionError)


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


def _bytes(size_gb):
    return int(size_gb) * units.Gi


class VolumeAdapter(object):
    """Creates, finds, extends and deletes volumes and snapshots."""

    def __init__(self, conf, client, cluster, translator):
        self._conf = conf
        self._client = client
        self._cluster = cluster
        self._translated = translator.translated
        self.steps = clusterops.ClusterOps(
            client, conf.lightos_state_wait_timeout)
        # Copies a source of another project through the host (a
        # hostcopy.HostCopy); without it such a source is refused.
        self.host_copy = None

    # Lookups

    def spec_of(self, volume):
        """Validated VolumeSpec of a volume.

        No request is sent unless the type's QoS specs give limits, which
        are matched against the cluster's QoS policies.
        """
        with self._translated('list the QoS policies', volume_id=volume.id):
            return qos.volume_spec(
                self._conf, volume.id, specs.extra_specs_of(volume),
                qos.qos_specs_of(volume), self._client.list_qos_policies,
                self._cluster.max_replicas)

    def lookup(self, volume):
        """Return ``(location, LightOS volume or None)`` for a Cinder volume.

        Volumes stamped with only a project (or nothing) are found by name.
        A record found by the UUID in provider_id is this volume's only if
        it has this volume's name: Cinder copies provider_id onto new
        volumes in some paths (the image-volume cache clones), and the
        UUID then names the source. Such a volume is found by name.
        """
        location = naming.location_of(volume)
        name = naming.volume_name(volume)
        with self._translated('look up the volume', volume_id=volume.id,
                              project=location.project, uuid=location.uuid,
                              name=name):
            found = self._client.find_volume(location.project, name,
                                             uuid=location.uuid)
            if found is not None and found.name != name:
                LOG.warning('The provider_id of Cinder volume %(id)s names '
                            'LightOS volume %(uuid)s (project %(project)s), '
                            'which is %(other)s, not %(name)s; it belongs '
                            'to another Cinder volume, so the volume is '
                            'looked up by name.',
                            {'id': volume.id, 'uuid': found.uuid,
                             'project': location.project,
                             'other': found.name, 'name': name})
                location = naming.Location(location.project)
                found = self._client.find_volume(location.project, name)
        if found is not None and found.state is models.VolumeState.DELETING:
            found = None
        if found is not None and found.uuid != location.uuid:
            location = naming.Location(location.project, found.uuid)
        return location, found

    def require(self, volume):
        """Like :meth:`lookup`, but a missing volume is VolumeNotFound."""
        location, found = self.lookup(volume)
        if found is None:
            raise cinder_exception.VolumeNotFound(
                message='Cinder volume %s has no LightOS volume %s in '
                        'project %s%s' % (
                            volume.id, naming.volume_name(volume),
                            location.project,
                            ' (UUID %s)' % location.uuid
                            if location.uuid else ''),
                volume_id=volume.id)
        return location, found

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

    # Volumes

    def _initial_ip_acl(self):
        return acl.NO_ACCESS if self._conf.lightos_use_ipacl else (
            acl.ANY_ACCESS)

    def _matches(self, found, spec, size_bytes, source_uuid):
        """Whether an existing volume is what a retried create would make."""
        # A clone may already have been grown past its snapshot's size.
        size_ok = (found.size >= size_bytes if source_uuid
                   else found.size == size_bytes)
        return (found.replica_count == spec.replicas and
                found.compression == spec.compression and
                (found.source_snapshot_uuid or None) == (source_uuid or None)
                and size_ok and acl.is_closed(found.acl))

    def _adopt(self, volume, found, spec, size_bytes, source_uuid):
        if found.state is models.VolumeState.DELETING:
            self.steps.volume_gone(spec.project, found.uuid, found.name)
            return None
        if found.state is models.VolumeState.FAILED:
            raise cinder_exception.VolumeBackendAPIException(
                message='Cannot create Cinder volume %s: LightOS volume %s '
                        '(UUID %s, project %s) is left Failed by an earlier '
                        'attempt and the API refuses to delete Failed '
                        'volumes; remove it on the cluster, then retry.' % (
                            volume.id, found.name, found.uuid,
                            spec.project))
        if not self._matches(found, spec, size_bytes, source_uuid):
            raise cinder_exception.VolumeBackendAPIException(
                message='Cannot create Cinder volume %s: LightOS volume %s '
                        '(UUID %s) already exists in project %s with size '
                        '%d B, %d replicas, compression %s and ACL %s, which '
                        'is not what was asked for (%d B, %d replicas, '
                        'compression %s, no host). Remove or rename it if '
                        'it is a leftover.' % (
                            volume.id, found.name, found.uuid, spec.project,
                            found.size, found.replica_count,
                            found.compression, list(found.acl), size_bytes,
                            spec.replicas, spec.compression))
        LOG.info('Adopting LightOS volume %(name)s (UUID %(uuid)s, project '
                 '%(project)s) left by an earlier attempt to create Cinder '
                 'volume %(id)s.', {'name': found.name, 'uuid': found.uuid,
                                    'project': spec.project, 'id': volume.id})
        return found

    def _create(self, volume, spec, size_bytes, source_uuid=None):
        """Create (or adopt) the volume and wait until it is usable."""
        project, name = spec.project, naming.volume_name(volume)

        def post():
            return self._client.create_volume(
                project, name, size_bytes, replica_count=spec.replicas,
                compression=spec.compression, acl=acl.NO_ACCESS,
                ip_acl=self._initial_ip_acl(),
                source_snapshot_uuid=source_uuid,
                qos_policy_uuid=spec.qos_policy_uuid)

        with self._translated('create the volume', volume_id=volume.id,
                              project=project, name=name):
            try:
                created = post()
            except _MAYBE_CREATED:
                # Looking the name up only now keeps a create to one round
                # trip.
                found = self._client.find_volume(project, name)
                if found is None:
                    raise
                created = self._adopt(volume, found, spec, size_bytes,
                                      source_uuid)
                if created is None:
                    # The name was held by a volume being deleted, now gone.
                    created = post()
            try:
                ready = self.steps.volume_usable(project, created.uuid, name)
            except exception.LightOSError:
                with excutils.save_and_reraise_exception():
                    self.steps.discard_volume(project, created.uuid, name)
        LOG.info('Created LightOS volume %(name)s (UUID %(uuid)s, project '
                 '%(project)s) for Cinder volume %(id)s.',
                 {'name': name, 'uuid': ready.uuid, 'project': project,
                  'id': volume.id})
        return ready

    def _grow(self, volume, project, created, size_bytes):
        """Extend a just-created volume; remove it when that fails."""
        if created.size >= size_bytes:
            return created
        try:
            return self._resize(volume, project, created, size_bytes)
        except Exception:
            with excutils.save_and_reraise_exception():
                self.steps.discard_volume(project, created.uuid, created.name)

    def create_volume(self, volume):
        spec = self.spec_of(volume)
        created = self._create(volume, spec, _bytes(volume.size))
        return {'provider_id': naming.Location(spec.project,
                                               created.uuid).provider_id}

    def _same_project(self, volume, spec, source_project, what):
        if spec.project != source_project:
            raise cinder_exception.InvalidVolumeType(
                reason='Cinder volume %s would be created from %s in '
                       'LightOS project %s, but its volume type puts it in '
                       'project %s; LightOS clones stay in the project of '
                       'their source. Use a volume type with '
                       'lightos:project_name=%s.' % (
                           volume.id, what, source_project, spec.project,
                           source_project))

    def create_volume_from_snapshot(self, volume, snapshot):
        spec = self.spec_of(volume)
        source_project = naming.location_of(snapshot.volume).project
        if spec.project != source_project and self.host_copy is not None:
            return self.host_copy.from_snapshot(volume, snapshot, spec,
                                                source_project)
        self._same_project(volume, spec, source_project,
                           'snapshot %s' % snapshot.id)
        found = self.find_snapshot(snapshot, source_project)
        if found is None:
            raise cinder_exception.SnapshotNotFound(
                message='Cinder snapshot %s has no LightOS snapshot %s in '
                        'project %s' % (snapshot.id,
                                        naming.snapshot_name(snapshot),
                                        source_project),
                snapshot_id=snapshot.id)
        created = self._create(volume, spec, found.size, found.uuid)
        ready = self._grow(volume, spec.project, created, _bytes(volume.size))
        return {'provider_id': naming.Location(spec.project,
                                               ready.uuid).provider_id}

    def create_cloned_volume(self, volume, src_vref):
        """Clone through a temporary snapshot, whose removal is requested.

        The clone is usable once its volume is, so the removal is not
        awaited: the cluster has taken the DELETE before this returns, and
        if the snapshot is still there afterwards (the removal failed or
        was refused) the volume's delete finds and removes it.
        """
        spec = self.spec_of(volume)
        location, source = self.require(src_vref)
        if spec.project != location.project and self.host_copy is not None:
            return self.host_copy.clone(volume, src_vref, spec,
                                        location.project)
        self._same_project(volume, spec, location.project,
                           'volume %s' % src_vref.id)
        project = location.project
        snap_name = naming.clone_snapshot_name(volume)
        snapshot = self._snapshot(project, snap_name, source.uuid,
                                  'clone Cinder volume %s into %s' % (
                                      src_vref.id, volume.id),
                                  volume_id=volume.id)
        try:
            created = self._create(volume, spec, snapshot.size, snapshot.uuid)
            ready = self._grow(volume, project, created, _bytes(volume.size))
        except Exception:
            with excutils.save_and_reraise_exception():
                self.steps.discard_snapshot(project, snapshot.uuid, snap_name)
        try:
            with self._translated('remove the temporary clone snapshot',
                                  volume_id=volume.id, project=project,
                                  name=snap_name, uuid=snapshot.uuid):
                self.steps.request_snapshot_deletion(project, snapshot.uuid,
                                                     snap_name)
        except cinder_exception.CinderException as exc:
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

    def _remove_clone_leftover(self, volume, project, found):
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
                self.steps.delete_snapshot(project, found.uuid, name)

    def delete_volume(self, volume):
        location, found = self.lookup(volume)
        name = naming.volume_name(volume)
        self._remove_clone_leftover(volume, location.project, found)
        if self.host_copy is not None:
            self.host_copy.remove_leftover(volume, location.project)
        if found is None:
            LOG.info('Cinder volume %(id)s has no LightOS volume %(name)s in '
                     'project %(project)s; nothing to delete.',
                     {'id': volume.id, 'name': name,
                      'project': location.project})
            return
        with self._translated('delete the volume', volume_id=volume.id,
                              project=location.project, uuid=found.uuid,
                              name=name):
            self.steps.delete_volume(location.project, found.uuid, name)
        LOG.info('Deleted LightOS volume %(name)s (UUID %(uuid)s, project '
                 '%(project)s) of Cinder volume %(id)s.',
                 {'name': name, 'uuid': found.uuid,
                  'project': location.project, 'id': volume.id})

    def _resize(self, volume, project, found, size_bytes):
        def change(current):
            if current.size >= size_bytes:
                return None
            return {'size_bytes': size_bytes}
        with self._translated('extend the volume', volume_id=volume.id,
                              project=project, uuid=found.uuid,
                              error=cinder_exception.ExtendVolumeError):
            return self.steps.update_volume(
                project, found.uuid, change,
                'extension of %s to %d B' % (
                    clusterops.describe(project, found.uuid), size_bytes),
                known=found)

    def extend_volume(self, volume, new_size):
        location, found = self.require(volume)
        self._resize(volume, location.project, found, _bytes(new_size))
        LOG.info('Extended LightOS volume %(uuid)s (project %(project)s) of '
                 'Cinder volume %(id)s to %(size)d GiB.',
                 {'uuid': found.uuid, 'project': location.project,
                  'id': volume.id, 'size': new_size})

    # Snapshots

    def _snapshot(self, project, name, source_uuid, why, **ids):
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
            created = self.steps.wait(
                probe, 'creation of LightOS snapshot %s in project %s' % (
                    name, project))
            try:
                return self.steps.snapshot_usable(project, created.uuid, name)
            except exception.LightOSError:
                with excutils.save_and_reraise_exception():
                    self.steps.discard_snapshot(project, created.uuid, name)

    def create_snapshot(self, snapshot):
        location, source = self.require(snapshot.volume)
        name = naming.snapshot_name(snapshot)
        created = self._snapshot(
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
            self.steps.delete_snapshot(project, found.uuid, name)
