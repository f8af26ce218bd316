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

"""Cluster steps the driver composes: state waits, conditional updates."""

from oslo_log import log as logging

from lightos_cinder import exception
from lightos_cinder import models
from lightos_cinder import waiters

LOG = logging.getLogger(__name__)

VolumeState = models.VolumeState
SnapshotState = models.SnapshotState

# Migrating means a replica moves between nodes; the volume serves I/O.
_USABLE = (VolumeState.AVAILABLE, VolumeState.MIGRATING)
# Rollback is the transient state of a revert to a snapshot.
_VOLUME_BUSY = (VolumeState.CREATING, VolumeState.UPDATING,
                VolumeState.ROLLBACK, VolumeState.UNKNOWN)
_SNAPSHOT_BUSY = (SnapshotState.CREATING, SnapshotState.UNKNOWN)

# Answers to a conditional PUT that mean "someone else changed the volume
# first" or "it is busy": re-read and try again. Clusters report an ETag
# mismatch as 412 or, through the stock gateway mapping, as 400.
_RETRY_UPDATE = (exception.PreconditionFailed, exception.Conflict)


def describe(project, uuid, name=None):
    text = 'LightOS volume %s' % (name or uuid)
    return '%s (UUID %s, project %s)' % (text, uuid, project)


class Steps(object):
    """Waits and conditional updates against one client."""

    def __init__(self, client, timeout):
        self.client = client
        self.timeout = timeout

    def wait(self, probe, what):
        """waiters.wait_for with this adapter's timeout."""
        return waiters.wait_for(probe, timeout=self.timeout, what=what)

    @staticmethod
    def _usable_or_not_ready(volume, what):
        """The volume when usable; NotReady while busy; else a failure."""
        if volume.state in _USABLE:
            return volume
        if volume.state in _VOLUME_BUSY:
            raise exception.NotReady(volume.state.value)
        raise exception.OperationFailed(what, volume.state.value)

    def volume_or_not_ready(self, project, uuid, what):
        """Read the volume: usable, NotReady while busy, else a failure."""
        return self._usable_or_not_ready(self.client.get_volume(project, uuid),
                                         what)

    def volume_usable(self, project, uuid, name=None):
        """Wait until the volume is Available (or Migrating)."""
        what = '%s to become Available' % describe(project, uuid, name)
        return self.wait(
            lambda: self.volume_or_not_ready(project, uuid, what), what)

    def volume_gone(self, project, uuid, name=None):
        """Wait until GET answers 404 for the volume."""
        what = '%s to be deleted' % describe(project, uuid, name)

        def probe():
            try:
                volume = self.client.get_volume(project, uuid)
            except exception.NotFound:
                return None
            if volume.state is VolumeState.FAILED:
                raise exception.OperationFailed(what, volume.state.value)
            raise exception.NotReady(volume.state.value)
        return self.wait(probe, what)

    def snapshot_usable(self, project, uuid, name=None):
        what = ('LightOS snapshot %s (UUID %s, project %s) to become '
                'Available' % (name or uuid, uuid, project))

        def probe():
            snapshot = self.client.get_snapshot(project, uuid)
            if snapshot.state is SnapshotState.AVAILABLE:
                return snapshot
            if snapshot.state in _SNAPSHOT_BUSY:
                raise exception.NotReady(snapshot.state.value)
            raise exception.OperationFailed(what, snapshot.state.value)
        return self.wait(probe, what)

    def snapshot_gone(self, project, uuid, name=None):
        what = 'LightOS snapshot %s (UUID %s, project %s) to be deleted' % (
            name or uuid, uuid, project)

        def probe():
            try:
                snapshot = self.client.get_snapshot(project, uuid)
            except exception.NotFound:
                return None
            if snapshot.state is SnapshotState.FAILED:
                raise exception.OperationFailed(what, snapshot.state.value)
            raise exception.NotReady(snapshot.state.value)
        return self.wait(probe, what)

    def delete_volume(self, project, uuid, name=None):
        """Delete a volume and wait until it is gone; absent is success."""
        what = 'deletion of %s' % describe(project, uuid, name)

        def probe():
            try:
                self.client.delete_volume(project, uuid)
            except exception.NotFound:
                return None
            except exception.Conflict:
                # Another operation on the volume is still running.
                raise exception.NotReady('busy')
            except exception.BadRequest:
                # 400 is also the answer for a volume already Deleting.
                volume = self._find_by_uuid(project, uuid)
                if volume is None:
                    return None
                if volume.state is not VolumeState.DELETING:
                    raise
            return None
        self.wait(probe, what)
        self.volume_gone(project, uuid, name)

    def _find_by_uuid(self, project, uuid):
        try:
            return self.client.get_volume(project, uuid)
        except exception.NotFound:
            return None

    def delete_snapshot(self, project, uuid, name=None):
        """Delete a snapshot and wait until it is gone; absent is success."""
        what = 'deletion of LightOS snapshot %s (UUID %s, project %s)' % (
            name or uuid, uuid, project)

        def probe():
            try:
                self.client.delete_snapshot(project, uuid)
            except exception.NotFound:
                return None
            except exception.Conflict:
                raise exception.NotReady('busy')
            except exception.BadRequest:
                try:
                    snapshot = self.client.get_snapshot(project, uuid)
                except exception.NotFound:
                    return None
                if snapshot.state is not SnapshotState.DELETING:
                    raise
            return None
        self.wait(probe, what)
        self.snapshot_gone(project, uuid, name)

    def discard_volume(self, project, uuid, name=None):
        """Best-effort cleanup after a failure; logs instead of raising."""
        try:
            self.delete_volume(project, uuid, name)
        except exception.LightOSError as exc:
            # The API refuses to delete a Failed volume: only an operator
            # on the cluster can remove it.
            LOG.error('Could not remove %(what)s after a failed operation '
                      '(%(err)s); remove it on the cluster.',
                      {'what': describe(project, uuid, name), 'err': exc})
            return False
        return True

    def discard_snapshot(self, project, uuid, name=None):
        try:
            self.delete_snapshot(project, uuid, name)
        except exception.LightOSError as exc:
            LOG.error('Could not remove LightOS snapshot %(name)s (UUID '
                      '%(uuid)s, project %(project)s) after a failed '
                      'operation (%(err)s); remove it on the cluster.',
                      {'name': name or uuid, 'uuid': uuid,
                       'project': project, 'err': exc})
            return False
        return True

    def update_volume(self, project, uuid, change, what, known=None):
        """Apply ``change`` with If-Match until the volume reflects it.

        ``change(volume)`` returns the ``update_volume`` keyword arguments
        still needed, or a false value when the volume already is as wanted;
        it must be idempotent. Stale ETags (412, or 400 when the volume
        changed meanwhile) and busy volumes make it re-read and retry with
        backoff until ``timeout``. Returns the updated volume record.

        ``known`` is a record of the volume the caller has just read; the
        first attempt starts from it instead of reading the volume again,
        as its ETag makes a stale record fail safely and be re-read.
        """
        in_hand = [known] if known is not None else []

        def probe():
            if in_hand:
                volume = self._usable_or_not_ready(in_hand.pop(), what)
            else:
                volume = self.volume_or_not_ready(project, uuid, what)
            wanted = change(volume)
            if not wanted:
                return volume
            try:
                self.client.update_volume(project, uuid, etag=volume.etag,
                                          **wanted)
            except _RETRY_UPDATE as exc:
                raise exception.NotReady('conflict (%s)' % exc.status)
            except exception.BadRequest:
                again = self.volume_or_not_ready(project, uuid, what)
                if again.etag != volume.etag:
                    raise exception.NotReady('conflict (400)')
                raise
            # Most updates apply at once: look again before backing off.
            volume = self.volume_or_not_ready(project, uuid, what)
            if not change(volume):
                return volume
            raise exception.NotReady(volume.state.value)
        return self.wait(probe, what)
