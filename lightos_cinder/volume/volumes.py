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

"""Volumes on the cluster: find, create, extend and delete them."""

from cinder import exception as cinder_exception
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import units

from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.volume import acl
from lightos_cinder.volume import clusterops
from lightos_cinder.volume import naming
from lightos_cinder.volume import qos
from lightos_cinder.volume import specs

LOG = logging.getLogger(__name__)

# Failures of a create after which the object may exist all the same: 409
# (the name is taken, perhaps by an earlier attempt), a 5xx or a lost
# answer. Names are unique per project, so the name finds it.
MAYBE_CREATED = (exception.Conflict, exception.ServerError,
                 exception.LightOSConnectionError)


def gib_to_bytes(size_gb):
    return int(size_gb) * units.Gi


class Volumes(object):
    """Finds, creates, extends and deletes the volumes of Cinder volumes."""

    def __init__(self, conf, client, cluster, translator, ops):
        self._conf = conf
        self._client = client
        self._cluster = cluster
        self._translated = translator.translated
        self._ops = ops

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
            self._ops.volume_gone(spec.project, found.uuid, found.name)
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

    def create(self, volume, spec, size_bytes, source_uuid=None):
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
            except MAYBE_CREATED:
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
                ready = self._ops.volume_usable(project, created.uuid, name,
                                                created=created)
            except exception.LightOSError:
                with excutils.save_and_reraise_exception():
                    self._ops.discard_volume(project, created.uuid, name)
        LOG.info('Created LightOS volume %(name)s (UUID %(uuid)s, project '
                 '%(project)s) for Cinder volume %(id)s.',
                 {'name': name, 'uuid': ready.uuid, 'project': project,
                  'id': volume.id})
        return ready

    def grow(self, volume, project, created, size_bytes):
        """Extend a just-created volume; remove it when that fails."""
        if created.size >= size_bytes:
            return created
        try:
            return self._resize(volume, project, created, size_bytes)
        except Exception:
            with excutils.save_and_reraise_exception():
                self._ops.discard_volume(project, created.uuid, created.name)

    def create_volume(self, volume):
        spec = self.spec_of(volume)
        created = self.create(volume, spec, gib_to_bytes(volume.size))
        return {'provider_id': naming.Location(spec.project,
                                               created.uuid).provider_id}

    def delete_volume(self, volume):
        """Delete the volume; a missing one is already deleted."""
        location, found = self.lookup(volume)
        self.delete_found(volume, location, found)

    def delete_found(self, volume, location, found):
        """Delete the LightOS volume :meth:`lookup` found (or None)."""
        name = naming.volume_name(volume)
        if found is None:
            LOG.info('Cinder volume %(id)s has no LightOS volume %(name)s in '
                     'project %(project)s; nothing to delete.',
                     {'id': volume.id, 'name': name,
                      'project': location.project})
            return
        with self._translated('delete the volume', volume_id=volume.id,
                              project=location.project, uuid=found.uuid,
                              name=name):
            self._ops.delete_volume(location.project, found.uuid, name)
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
            return self._ops.update_volume(
                project, found.uuid, change,
                'extension of %s to %d B' % (
                    clusterops.describe(project, found.uuid), size_bytes),
                known=found)

    def extend_volume(self, volume, new_size):
        location, found = self.require(volume)
        self._resize(volume, location.project, found, gib_to_bytes(new_size))
        LOG.info('Extended LightOS volume %(uuid)s (project %(project)s) of '
                 'Cinder volume %(id)s to %(size)d GiB.',
                 {'uuid': found.uuid, 'project': location.project,
                  'id': volume.id, 'size': new_size})
