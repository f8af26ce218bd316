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

"""Revert a volume to one of its snapshots with the LightOS rollback API."""

from cinder import exception as cinder_exception
from oslo_log import log as logging
from oslo_utils import units

from lightos_cinder.api import exception
from lightos_cinder.volume import acl
from lightos_cinder.volume import clusterops
from lightos_cinder.volume import naming

LOG = logging.getLogger(__name__)


class Reverter(object):
    """revert_to_snapshot of the driver."""

    def __init__(self, client, volumes, snapshots, ops, translator):
        self._client = client
        self._volumes = volumes
        self._snapshots = snapshots
        self._ops = ops
        self._translated = translator.translated

    def revert_to_snapshot(self, volume, snapshot):
        location, found = self._volumes.require(volume)
        project = location.project
        if not acl.is_closed(found.acl) or found.connected_hosts:
            raise cinder_exception.InvalidVolume(
                reason='Cinder volume %s (LightOS volume %s, project %s) is '
                       'open to hosts %s; detach it before reverting it to '
                       'snapshot %s' % (volume.id, found.uuid, project,
                                        list(found.connected_hosts) or
                                        list(found.acl), snapshot.id))
        snap = self._snapshots.find_snapshot(snapshot, project)
        if snap is None:
            raise cinder_exception.SnapshotNotFound(
                message='Cinder snapshot %s has no LightOS snapshot in '
                        'project %s' % (snapshot.id, project),
                snapshot_id=snapshot.id)
        if snap.source_volume_uuid != found.uuid:
            raise cinder_exception.InvalidSnapshot(
                reason='LightOS snapshot %s (UUID %s) of Cinder snapshot %s '
                       'was taken of LightOS volume %s, not of %s (Cinder '
                       'volume %s); a volume can only be reverted to its own '
                       'snapshots' % (snap.name, snap.uuid, snapshot.id,
                                      snap.source_volume_uuid, found.uuid,
                                      volume.id))
        what = 'rollback of %s to snapshot %s' % (
            clusterops.describe(project, found.uuid), snap.uuid)
        with self._translated('revert to snapshot %s' % snap.uuid,
                              volume_id=volume.id, project=project,
                              uuid=found.uuid, name=found.name):
            try:
                self._client.rollback_volume(project, found.uuid, snap.uuid)
            except (exception.Conflict, exception.ServiceUnavailable):
                # Busy: wait until the volume settles, then once more.
                self._ops.volume_usable(project, found.uuid)
                self._client.rollback_volume(project, found.uuid, snap.uuid)
            reverted = self._ops.wait(
                lambda: self._ops.volume_or_not_ready(
                    project, found.uuid, what), what)
        LOG.info('Reverted Cinder volume %(id)s (LightOS volume %(uuid)s, '
                 'project %(project)s) to snapshot %(snap)s.',
                 {'id': volume.id, 'uuid': found.uuid, 'project': project,
                  'snap': snap.uuid})
        size_bytes = int(volume.size) * units.Gi
        if reverted.size < size_bytes:
            # The rollback restores the snapshot's size; Cinder keeps the
            # volume's current size.
            self._volumes.extend_volume(volume, volume.size)
        return naming.Location(project, found.uuid)
