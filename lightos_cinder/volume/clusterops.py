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

"""Cluster operations the volume logic composes: waits, deletes, updates."""

import collections
import time

from oslo_log import log as logging

from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.api import waiters

LOG = logging.getLogger(__name__)

VolumeState = models.VolumeState
SnapshotState = models.SnapshotState

# Migrating means a replica moves between nodes; the volume serves I/O.
_USABLE = (VolumeState.AVAILABLE, VolumeState.MIGRATING)
# Rollback is the transient state of a revert to a snapshot.
_VOLUME_BUSY = (VolumeState.CREATING, VolumeState.UPDATING,
                VolumeState.ROLLBACK, VolumeState.UNKNOWN)
_SNAPSHOT_BUSY = (SnapshotState.CREATING, SnapshotState.UNKNOWN)
_DELETING = (VolumeState.DELETING, SnapshotState.DELETING)

# Answers to a conditional PUT that mean "someone else changed the volume
# first" (412, ETag mismatch) or "it is busy" (409, a user operation in
# progress): re-read and try again. Through the stock gateway mapping a
# mismatch may come as 400 instead, retried only when the ETag moved.
_RETRY_UPDATE = (exception.PreconditionFailed, exception.Conflict)


def describe(project, uuid, name=None):
    return 'LightOS volume %s (UUID %s, project %s)' % (
        name or uuid, uuid, project)


def describe_snapshot(project, uuid, name=None):
    return 'LightOS snapshot %s (UUID %s, project %s)' % (
        name or uuid, uuid, project)


def _still(state):
    raise exception.NotReady(state)


def _gone_or_not_ready(record, what):
    """None once a record is gone; NotReady while it goes; Failed is final."""
    if record is None:
        return None
    if record.state in (VolumeState.FAILED, SnapshotState.FAILED):
        raise exception.OperationFailed(what, record.state.value)
    raise exception.NotReady(record.state.value)


def _discarded(delete, what):
    """Run ``delete``; True when it succeeded, else log what to remove."""
    try:
        delete()
    except exception.LightOSError as exc:
        # The API refuses to delete a Failed volume: only an operator on
        # the cluster can remove it.
        LOG.error('Could not remove %(what)s after a failed operation '
                  '(%(err)s); remove it on the cluster.',
                  {'what': what, 'err': exc})
        return False
    return True


# When the creates (deletes) seen lately all took at least this long to
# complete, a volume just created (deleted) is first read later rather than
# at once.
SLOW_TRANSITION = 0.1
# How many recent creates (deletes) that judgement looks at.
RECENT_TRANSITIONS = 16
# On such a cluster the first read comes when the quickest recent
# transition had ended: each duration is recorded when the wait saw the
# transition over (or when it planned the read that did, see
# ClusterOps._seen_after), so it is hardly ever shorter than the
# transition was. After every EXPLORE_EVERY transitions that ended, the
# next one reads at EXPLORE_SHARE of that instead, so that a cluster that
# became quicker is noticed and the first reads follow (counting ends
# rather than starts, a burst of hundreds at once explores once, not with
# a quarter of them).
EXPLORE_EVERY = 4
EXPLORE_SHARE = 0.85
# The first read never comes later than the longest pause of a wait, which
# bounds how late a transition much quicker than the recent ones is seen.
FIRST_READ_LATEST = waiters.MAX_INTERVAL


class _Durations(object):
    """How long the recent transitions of one kind took, in seconds."""

    def __init__(self):
        self._seconds = collections.deque(maxlen=RECENT_TRANSITIONS)
        self._ended = 0
        self._explored_at = 0

    def first_read_after(self):
        """Seconds to wait before the first read of a new transition.

        None when some recent one took less than SLOW_TRANSITION (or none
        is known yet): read at once.
        """
        recent = tuple(self._seconds)
        if not recent or min(recent) < SLOW_TRANSITION:
            return None
        share = 1.0
        if self._ended - self._explored_at >= EXPLORE_EVERY:
            self._explored_at = self._ended
            share = EXPLORE_SHARE
        return min(share * min(recent), FIRST_READ_LATEST)

    def add(self, seconds):
        self._seconds.append(seconds)
        self._ended += 1


class ClusterOps(object):
    """State waits, awaited deletes and conditional updates on one client."""

    def __init__(self, client, timeout, clock=time.monotonic,
                 sleep=time.sleep):
        self.client = client
        self.timeout = timeout
        self._clock = clock
        self._sleep = sleep
        # From a create's answer to usable; from a DELETE taken to gone;
        # from an update taken to the volume showing it.
        self._creates = _Durations()
        self._deletes = _Durations()
        self._updates = _Durations()

    def wait(self, probe, what):
        """waiters.wait_for with this object's timeout."""
        return waiters.wait_for(probe, timeout=self.timeout, what=what,
                                clock=self._clock, sleep=self._sleep)

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

    def _wait_timed(self, durations, probe, what, first):
        """Wait for a transition just requested, and record how long it took.

        On a cluster whose recent transitions of this kind were all slow,
        ``first`` (no request: the state the cluster's answer showed)
        stands for the first read, and the next read waits until the
        quickest of them had ended, or a little less now and then (see
        :class:`_Durations`): a volume read earlier is nearly always still
        in transition, and under hundreds of concurrent operations those
        reads are most of the requests the driver and the cluster spend
        their CPU on. Later reads follow the wait's usual backoff.
        """
        planned = durations.first_read_after()
        polls = [0]

        def poll():
            polls[0] += 1
            if planned is None or polls[0] > 1:
                return probe()
            try:
                return first()
            except exception.NotReady as busy:
                raise exception.NotReady(busy.state, retry_after=planned)
        started = self._clock()
        result = self.wait(poll, what)
        # the second poll is the planned read
        durations.add(self._seen_after(
            planned if polls[0] == 2 else None, started))
        return result

    def _seen_after(self, planned, started):
        """The duration to record for a transition seen over now.

        Seen at its planned first read (``planned`` seconds after
        ``started``), the planned time is recorded, not the time the read
        was made: under hundreds of concurrent operations reads are made
        late, and recording that lateness would make later first reads
        late too.
        """
        if planned is not None:
            return planned
        return self._clock() - started

    def volume_usable(self, project, uuid, name=None, created=None):
        """Wait until the volume is Available (or Migrating).

        ``created`` is the volume as a create's answer showed it; on a slow
        cluster its state counts as the first read, and the next comes
        when the quickest recent create had ended (see
        :meth:`_wait_timed`).
        Where creates complete at once, the volume is read at once.
        """
        what = '%s to become Available' % describe(project, uuid, name)

        def probe():
            return self.volume_or_not_ready(project, uuid, what)
        if created is None:
            return self.wait(probe, what)
        return self._wait_timed(
            self._creates, probe, what,
            lambda: self._usable_or_not_ready(created, what))

    def volume_gone(self, project, uuid, name=None, deleted=False):
        """Wait until GET answers 404 for the volume.

        ``deleted``: the cluster has just taken its DELETE; on a slow
        cluster the first read comes when the quickest recent delete had
        ended (see :meth:`_wait_timed`).
        """
        what = '%s to be deleted' % describe(project, uuid, name)

        def probe():
            return _gone_or_not_ready(
                self.client.find_volume(project, uuid=uuid), what)
        if not deleted:
            return self.wait(probe, what)
        return self._wait_timed(self._deletes, probe, what,
                                lambda: _still('Deleting'))

    def snapshot_usable(self, project, uuid, name=None):
        what = '%s to become Available' % describe_snapshot(project, uuid,
                                                            name)

        def probe():
            snapshot = self.client.get_snapshot(project, uuid)
            if snapshot.state is SnapshotState.AVAILABLE:
                return snapshot
            if snapshot.state in _SNAPSHOT_BUSY:
                raise exception.NotReady(snapshot.state.value)
            raise exception.OperationFailed(what, snapshot.state.value)
        return self.wait(probe, what)

    def snapshot_gone(self, project, uuid, name=None):
        what = '%s to be deleted' % describe_snapshot(project, uuid, name)
        return self.wait(
            lambda: _gone_or_not_ready(
                self.client.find_snapshot(project, uuid=uuid), what), what)

    def delete_volume(self, project, uuid, name=None):
        """Delete a volume and wait until it is gone; absent is success."""
        self._send_delete(
            lambda: self.client.delete_volume(project, uuid),
            lambda: self.client.find_volume(project, uuid=uuid),
            'deletion of %s' % describe(project, uuid, name))
        self.volume_gone(project, uuid, name, deleted=True)

    def delete_snapshot(self, project, uuid, name=None):
        """Delete a snapshot and wait until it is gone; absent is success."""
        self.request_snapshot_deletion(project, uuid, name)
        self.snapshot_gone(project, uuid, name)

    def request_snapshot_deletion(self, project, uuid, name=None):
        """Have the cluster take a snapshot's DELETE; do not await it."""
        self._send_delete(
            lambda: self.client.delete_snapshot(project, uuid),
            lambda: self.client.find_snapshot(project, uuid=uuid),
            'deletion of %s' % describe_snapshot(project, uuid, name))

    def _send_delete(self, delete, find, what):
        """Send a DELETE until the cluster takes it; absent is success."""
        def probe():
            try:
                delete()
            except exception.NotFound:
                pass
            except exception.Conflict:
                # Another operation on the object is still running.
                raise exception.NotReady('busy')
            except exception.BadRequest:
                # 400 is also the answer for an object already Deleting.
                record = find()
                if record is not None and record.state not in _DELETING:
                    raise
        self.wait(probe, what)

    def discard_volume(self, project, uuid, name=None):
        """Best-effort cleanup after a failure; logs instead of raising."""
        return _discarded(lambda: self.delete_volume(project, uuid, name),
                          describe(project, uuid, name))

    def discard_snapshot(self, project, uuid, name=None):
        return _discarded(lambda: self.delete_snapshot(project, uuid, name),
                          describe_snapshot(project, uuid, name))

    def update_volume(self, project, uuid, change, what, known=None):
        """Apply ``change`` with If-Match until the volume reflects it.

        ``change(volume)`` returns the ``update_volume`` keyword arguments
        still needed, or a false value when the volume already is as wanted;
        it must be idempotent. Stale ETags (412, or 400 when the volume
        changed meanwhile) and busy volumes (409) make it re-read and retry
        with backoff until ``timeout``. Returns the updated volume record.

        ``known`` is a record of the volume the caller has just read; the
        first attempt starts from it instead of reading the volume again,
        as its ETag makes a stale record fail safely and be re-read.

        Most clusters apply an update at once, and the volume is read again
        right after it. Where the recent updates all took SLOW_TRANSITION
        or longer, the first read after an update is timed from them
        instead, as after a create (see :meth:`_wait_timed`).
        """
        in_hand = [known] if known is not None else []
        # when the cluster took the last update; the time of the first read
        # after it, when planned
        taken = [None]
        next_planned = [None]

        def applied(volume, planned=None):
            if taken[0] is not None:
                self._updates.add(self._seen_after(planned, taken[0]))
            return volume

        def probe():
            planned, next_planned[0] = next_planned[0], None
            if in_hand:
                volume = self._usable_or_not_ready(in_hand.pop(), what)
            else:
                volume = self.volume_or_not_ready(project, uuid, what)
            wanted = change(volume)
            if not wanted:
                return applied(volume, planned)
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
            taken[0] = self._clock()
            after = self._updates.first_read_after()
            if after is not None:
                next_planned[0] = after
                raise exception.NotReady(VolumeState.UPDATING.value,
                                         retry_after=after)
            volume = self.volume_or_not_ready(project, uuid, what)
            if not change(volume):
                return applied(volume)
            raise exception.NotReady(volume.state.value)
        return self.wait(probe, what)
