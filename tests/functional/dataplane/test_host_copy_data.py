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

"""Clones into another project carry the data, copied through this host.

The cinder-volume host attaches through os-brick's real LightOS connector
and the simulator's emulated discovery-client, and Cinder's dd copy moves
the bytes.
"""

import os

from cinder import exception as cinder_exception
from cinder.volume import volume_utils
from os_brick import utils as brick_utils
from oslo_concurrency import processutils
import pytest

from lightos_cinder.volume import hostcopy
from tests.functional import simstate

MIB = 1024 * 1024
GIB = 1024 * MIB
A = {'lightos:project_name': 'tenant-a', 'lightos:num_replicas': '2'}
B = {'lightos:project_name': 'tenant-b', 'lightos:num_replicas': '1'}
# The cinder-volume host's NQN (os-brick would read /etc/nvme/hostnqn).
HOST_NQN = ('nqn.2014-08.org.nvmexpress:uuid:00000077-0000-4000-8000-'
            '000000000000')
# Where the test writes: the first block, the middle, the last MiB.
OFFSETS = (0, 512 * MIB + 4096, GIB - MIB)


@pytest.fixture
def cinder_host(agent, monkeypatch):
    """This machine as the cinder-volume host, with its discovery-client.

    On the way out the agent fixture checks that nothing stays attached.
    """
    monkeypatch.setattr(brick_utils, 'get_host_nqn',
                        lambda *args, **kwargs: HOST_NQN)
    return agent


@pytest.fixture
def source(dsim, drv, make_type, make_volume):
    dsim.create_project('tenant-a')
    dsim.create_project('tenant-b')
    volume = make_volume(make_type(A), size=1)
    volume.provider_id = drv.create_volume(volume)['provider_id']
    return volume


def _record(dsim, volume, project):
    return simstate.volume_named(dsim, 'volume-%s' % volume.id, project)


def _write(dsim, uuid, patterns):
    """Write into a volume's data on the cluster, as a host would."""
    with open(dsim.data_store.volume_path(uuid), 'r+b') as data:
        for offset, pattern in zip(OFFSETS, patterns):
            data.seek(offset)
            data.write(pattern)


def _read(dsim, uuid, offset, length):
    with open(dsim.data_store.volume_path(uuid), 'rb') as data:
        data.seek(offset)
        return data.read(length)


def _patterns():
    return [os.urandom(MIB) for _ in OFFSETS]


def test_clone_into_another_project_carries_the_data(
        dsim, drv, source, cinder_host, make_type, make_volume):
    patterns = _patterns()
    _write(dsim, _record(dsim, source, 'tenant-a')['UUID'], patterns)
    clone = make_volume(make_type(B), size=2)
    update = drv.create_cloned_volume(clone, source)
    record = _record(dsim, clone, 'tenant-b')
    assert update == {'provider_id': 'tenant-b %s' % record['UUID']}
    assert simstate.size(record) == 2 * GIB and record['replicaCount'] == 1
    for offset, pattern in zip(OFFSETS, patterns):
        assert _read(dsim, record['UUID'], offset, MIB) == pattern
    # Beyond the source's size the clone reads zeros.
    assert _read(dsim, record['UUID'], GIB, MIB) == bytes(MIB)
    # This host's access to both volumes was revoked after the copy.
    for volume, project in ((source, 'tenant-a'), (clone, 'tenant-b')):
        assert _record(dsim, volume, project)['acl']['values'] == simstate.NONE
    assert cinder_host.exposed() == {}


def test_volume_from_snapshot_in_another_project_has_the_snapshot_data(
        dsim, drv, source, cinder_host, make_type, make_volume,
        make_snapshot):
    source_uuid = _record(dsim, source, 'tenant-a')['UUID']
    then = _patterns()
    _write(dsim, source_uuid, then)
    snapshot = make_snapshot(source)
    drv.create_snapshot(snapshot)
    # Written after the snapshot: must not reach the new volume.
    _write(dsim, source_uuid, _patterns())
    target = make_volume(make_type(B), size=1)
    drv.create_volume_from_snapshot(target, snapshot)
    record = _record(dsim, target, 'tenant-b')
    for offset, pattern in zip(OFFSETS, then):
        assert _read(dsim, record['UUID'], offset, MIB) == pattern
    # The temporary clone of the snapshot is gone; the snapshot stays.
    temporary = 'volume-%s' % hostcopy.temporary_volume_id(target)
    assert simstate.volume_named(dsim, temporary, 'tenant-a') is None
    assert sorted(v['name'] for v in simstate.volumes(dsim, 'tenant-a')) == [
        'volume-%s' % source.id]
    assert len(simstate.snapshots(dsim, 'tenant-a')) == 1
    assert record['acl']['values'] == simstate.NONE
    assert cinder_host.exposed() == {}


def test_a_failed_copy_detaches_and_removes_the_new_volume(
        dsim, drv, source, cinder_host, make_type, make_volume,
        monkeypatch):
    attached = []

    def failing_copy(src, dest, *args, **kwargs):
        # Both volumes are attached here; then dd hits an I/O error.
        attached.append((os.path.exists(src), os.path.exists(dest)))
        raise processutils.ProcessExecutionError(
            stderr='dd: error writing %s: Input/output error' % dest,
            exit_code=1, cmd='dd')
    monkeypatch.setattr(volume_utils, 'copy_volume', failing_copy)
    clone = make_volume(make_type(B), size=1)
    with pytest.raises(cinder_exception.VolumeBackendAPIException) as info:
        drv.create_cloned_volume(clone, source)
    assert attached == [(True, True)]
    assert 'Input/output error' in str(info.value)
    assert simstate.volumes(dsim, 'tenant-b') == []
    assert _record(dsim, source, 'tenant-a')['acl']['values'] == simstate.NONE
    assert cinder_host.exposed() == {}
