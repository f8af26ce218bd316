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

"""When a create's wait reads the volume first (fake client and clock)."""

import pytest

from lightos_cinder.api import exception
from lightos_cinder.api import models
from lightos_cinder.volume import clusterops
from tests.unit.fakes import FakeClock


def _volume(state):
    return models.Volume.from_json({'UUID': 'u-1', 'name': 'v',
                                    'state': state})


class _Cluster(object):
    """One volume whose create or delete completes ``after`` seconds later.

    ``reads`` are the times of the reads since the transition began.
    """

    def __init__(self, clock, after):
        self._clock = clock
        self.after = after
        self._began = None
        self.reads = []

    def _begin(self):
        self._began = self._clock()
        self.reads = []

    def _read(self):
        """Whether the transition is over, recording the read."""
        self.reads.append(self._clock() - self._began)
        return self._clock() >= self._began + self.after

    def created(self):
        self._begin()
        return _volume('Creating')

    def get_volume(self, project, uuid):
        return _volume('Available' if self._read() else 'Creating')

    def delete_volume(self, project, uuid):
        self._begin()

    def find_volume(self, project, name=None, uuid=None):
        return None if self._read() else _volume('Deleting')


def _create(ops, cluster):
    created = cluster.created()
    ready = ops.volume_usable('p', created.uuid, 'v', created=created)
    assert ready.state is models.VolumeState.AVAILABLE
    return cluster.reads


def _after_recent_creates(after):
    """ClusterOps whose recent creates all took ``after`` seconds."""
    clock = FakeClock()
    cluster = _Cluster(clock, after=after)
    ops = clusterops.ClusterOps(cluster, 60, clock=clock, sleep=clock.sleep)
    for _ in range(clusterops.RECENT_TRANSITIONS):
        _create(ops, cluster)
    return ops, cluster


def test_reads_at_once_until_creates_are_known_to_take_time():
    clock = FakeClock()
    cluster = _Cluster(clock, after=0.0)
    ops = clusterops.ClusterOps(cluster, 60, clock=clock, sleep=clock.sleep)
    # Creates that complete at once are read at once, every time.
    for _ in range(3):
        assert _create(ops, cluster) == [0.0]
    # A cluster whose creates take 200 ms: read at once while the recent
    # creates include quick ones.
    cluster.after = 0.2
    assert _create(ops, cluster)[0] == 0.0
    for _ in range(clusterops.RECENT_TRANSITIONS):
        _create(ops, cluster)
    # Now every recent create took 200 ms or more: the first read waits,
    # and the volume is still seen as soon as before.
    reads = _create(ops, cluster)
    assert reads[0] > 0.0
    assert reads[-1] < 0.2 * 1.25


def test_a_steady_slow_cluster_is_read_about_once_per_create():
    ops, cluster = _after_recent_creates(0.2)
    reads = [_create(ops, cluster) for _ in range(4 * 16)]
    # Each create is read once or twice (not every 50 ms from its answer
    # on), and none is seen more than one short pause late.
    assert all(len(r) <= 2 for r in reads)
    assert sum(len(r) for r in reads) <= 1.25 * len(reads)
    assert max(r[-1] for r in reads) < 0.2 + 0.05 + 1e-6


def test_first_reads_follow_a_cluster_that_became_quicker_or_slower():
    ops, cluster = _after_recent_creates(0.2)
    # Creates now complete at once: the first reads come sooner step by
    # step, and within a few dozen creates they are read at once again.
    cluster.after = 0.0
    firsts = [_create(ops, cluster)[0] for _ in range(10 * 4)]
    assert firsts[0] <= 0.2 + 0.05
    assert firsts == sorted(firsts, reverse=True)
    assert firsts[-1] == 0.0
    # Much slower creates are seen by the wait's backoff, not late by more
    # than its usual share.
    for _ in range(clusterops.RECENT_TRANSITIONS):
        cluster.after = 0.2
        _create(ops, cluster)
    cluster.after = 3.0
    assert _create(ops, cluster)[-1] < 3.0 * 1.25


def test_the_first_read_waits_no_longer_than_a_wait_pauses():
    ops, cluster = _after_recent_creates(30.0)
    cluster.after = 0.5
    reads = _create(ops, cluster)
    assert reads == [clusterops.FIRST_READ_LATEST]


def test_a_failed_create_answer_still_fails_the_wait():
    ops, _ = _after_recent_creates(0.2)
    with pytest.raises(exception.OperationFailed, match='Failed'):
        ops.volume_usable('p', 'u-1', 'v', created=_volume('Failed'))


def test_deletes_read_at_once_until_known_to_take_time():
    clock = FakeClock()
    cluster = _Cluster(clock, after=0.0)
    ops = clusterops.ClusterOps(cluster, 60, clock=clock, sleep=clock.sleep)
    ops.delete_volume('p', 'u-1', 'v')
    assert cluster.reads == [0.0]
    cluster.after = 0.2
    ops.delete_volume('p', 'u-1', 'v')
    assert cluster.reads[0] == 0.0
    for _ in range(clusterops.RECENT_TRANSITIONS):
        ops.delete_volume('p', 'u-1', 'v')
    assert cluster.reads[0] > 0.0
    assert cluster.reads[-1] < 0.2 * 1.25
    # A wait for a volume whose DELETE was not just taken reads at once:
    # no pause before the read that finds it gone.
    sleeps = len(clock.sleeps)
    assert ops.volume_gone('p', 'u-1', 'v') is None
    assert len(clock.sleeps) == sleeps


def test_a_burst_of_transitions_at_once_explores_once():
    # Hundreds of creates begun before any of them ended: one of them reads
    # early to look for a quicker cluster, the rest when the quickest
    # recent create had ended.
    durations = clusterops._Durations()
    for _ in range(clusterops.RECENT_TRANSITIONS):
        durations.add(0.2)
    firsts = [durations.first_read_after() for _ in range(200)]
    assert sorted(firsts) == [0.2 * clusterops.EXPLORE_SHARE] + [0.2] * 199


class _Updates(object):
    """One volume whose updates show ``after`` seconds after the PUT."""

    def __init__(self, clock, after):
        self._clock = clock
        self.after = after
        self.acl = ()
        self._pending = None
        self.reads = []

    def _record(self):
        state = 'Available'
        if self._pending is not None:
            acl, taken = self._pending
            if self._clock() >= taken + self.after:
                self.acl, self._pending = acl, None
            else:
                state = 'Updating'
        return models.Volume.from_json(
            {'UUID': 'u-1', 'name': 'v', 'state': state, 'ETag': 'e',
             'acl': {'values': list(self.acl)}})

    def get_volume(self, project, uuid):
        self.reads.append(self._clock() - self._pending[1]
                          if self._pending else None)
        return self._record()

    def update_volume(self, project, uuid, etag, acl):
        self._pending = (tuple(acl), self._clock())
        self.reads = []


def _grant(ops, cluster, host):
    def change(volume):
        return None if host in volume.acl else {'acl': [host]}
    known = cluster._record()
    updated = ops.update_volume('p', 'u-1', change, 'grant', known=known)
    assert host in updated.acl
    return cluster.reads


def test_updates_are_read_at_once_unless_known_to_take_time():
    clock = FakeClock()
    cluster = _Updates(clock, after=0.0)
    ops = clusterops.ClusterOps(cluster, 60, clock=clock, sleep=clock.sleep)
    # An update the cluster applies at once is read right after the PUT.
    assert _grant(ops, cluster, 'h0') == [0.0]
    # Updates that take 200 ms: read at once (and then with the wait's
    # backoff) until every recent one is known to take that long; then
    # about once, when the quickest of them had ended.
    cluster.after = 0.2
    before = _grant(ops, cluster, 'h1')
    assert before[0] == 0.0 and len(before) >= 4
    for index in range(clusterops.RECENT_TRANSITIONS):
        _grant(ops, cluster, 'h%d' % (index + 2))
    reads = [_grant(ops, cluster, 'x%d' % index) for index in range(32)]
    assert sum(len(r) for r in reads) <= 1.25 * len(reads)
    assert max(r[-1] for r in reads) < 0.2 + 0.05 + 1e-6


def test_reads_made_late_by_a_busy_process_do_not_delay_later_ones():
    ops, cluster = _after_recent_creates(0.2)
    clock = ops._clock
    # A busy process: every pause lasts 150 ms longer than asked.
    ops._sleep = lambda seconds: clock.sleep(seconds + 0.15)
    for _ in range(clusterops.RECENT_TRANSITIONS):
        _create(ops, cluster)
    # Idle again: the next creates are seen as soon as before the burst.
    ops._sleep = clock.sleep
    reads = [_create(ops, cluster) for _ in range(8)]
    assert max(r[-1] for r in reads) < 0.2 + 0.05 + 1e-6
