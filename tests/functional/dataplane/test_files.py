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

"""Volume data files follow the volume lifecycle on the simulator."""

import argparse
import os

import pytest

from lightos_cinder.simulator import cli
from lightos_cinder.simulator import dataplane
from lightos_cinder.simulator import Simulator
from tests.functional import clients

MIB = 1024 * 1024
GIB = 1024 * MIB
P = 'default'


def _create(api, name, size=GIB, source=None):
    return api.create_volume(P, name, size, replica_count=3,
                             compression=False, source_snapshot_uuid=source)


def _write(path, offset, data):
    with open(path, 'r+b') as handle:
        handle.seek(offset)
        handle.write(data)


def _read(path, offset, length):
    with open(path, 'rb') as handle:
        handle.seek(offset)
        return handle.read(length)


def _allocated(path):
    return os.stat(path).st_blocks * 512


def test_a_new_volume_is_a_sparse_file_of_zeros(dsim, api):
    vol = _create(api, 'v1')
    path = dsim.data_store.volume_path(vol.uuid)
    assert os.path.getsize(path) == GIB
    assert _allocated(path) == 0
    assert _read(path, 0, MIB) == bytes(MIB)
    assert dsim.data_store.volume_uuids() == [vol.uuid]


def test_extend_grows_the_file_and_keeps_the_data(dsim, api):
    vol = _create(api, 'v1')
    path = dsim.data_store.volume_path(vol.uuid)
    _write(path, GIB - 4096, b'tail' * 1024)
    api.update_volume(P, vol.uuid, size_bytes=3 * GIB)
    assert os.path.getsize(path) == 3 * GIB
    assert _read(path, GIB - 4096, 4096) == b'tail' * 1024
    assert _read(path, GIB, 4096) == bytes(4096)


def test_snapshot_and_clone_are_point_in_time_copies(dsim, api):
    vol = _create(api, 'v1')
    path = dsim.data_store.volume_path(vol.uuid)
    _write(path, 0, b'A' * 4096)
    _write(path, 512 * MIB, b'B' * 4096)
    snap = api.create_snapshot(P, 's1', vol.uuid)
    snap_path = dsim.data_store.snapshot_path(snap.uuid)
    _write(path, 0, b'C' * 4096)  # after the snapshot

    assert _read(snap_path, 0, 4096) == b'A' * 4096
    assert _read(snap_path, 512 * MIB, 4096) == b'B' * 4096
    # Holes stay holes: two 4 KiB blocks, not 1 GiB.
    assert _allocated(snap_path) < 4 * MIB

    clone = _create(api, 'c1', size=2 * GIB, source=snap.uuid)
    clone_path = dsim.data_store.volume_path(clone.uuid)
    assert os.path.getsize(clone_path) == 2 * GIB
    assert _read(clone_path, 0, 4096) == b'A' * 4096
    assert _read(clone_path, 512 * MIB, 4096) == b'B' * 4096
    assert _read(clone_path, GIB, 4096) == bytes(4096)
    # The clone is independent of its origin both ways.
    _write(clone_path, 0, b'D' * 4096)
    assert _read(path, 0, 4096) == b'C' * 4096
    assert _read(snap_path, 0, 4096) == b'A' * 4096


def test_rollback_restores_the_snapshot_data_and_size(dsim, api):
    vol = _create(api, 'v1')
    path = dsim.data_store.volume_path(vol.uuid)
    _write(path, 8192, b'before' * 100)
    snap = api.create_snapshot(P, 's1', vol.uuid)
    api.update_volume(P, vol.uuid, size_bytes=2 * GIB)
    _write(path, 8192, b'after!' * 100)
    _write(path, GIB + 4096, b'grown')
    inode = os.stat(path).st_ino

    api.rollback_volume(P, vol.uuid, snap.uuid)
    assert api.get_volume(P, vol.uuid).size == GIB
    assert os.path.getsize(path) == GIB
    assert _read(path, 8192, 600) == b'before' * 100
    # Rewritten in place: a device over the file sees the rollback.
    assert os.stat(path).st_ino == inode


def test_rollback_clears_blocks_that_were_holes(dsim, api):
    vol = _create(api, 'v1')
    path = dsim.data_store.volume_path(vol.uuid)
    snap = api.create_snapshot(P, 's1', vol.uuid)
    _write(path, 0, b'x' * 4096)
    api.rollback_volume(P, vol.uuid, snap.uuid)
    assert _read(path, 0, 4096) == bytes(4096)


def test_delete_removes_the_files(dsim, api):
    vol = _create(api, 'v1')
    snap = api.create_snapshot(P, 's1', vol.uuid)
    api.delete_snapshot(P, snap.uuid)
    api.delete_volume(P, vol.uuid)
    assert not os.path.exists(dsim.data_store.volume_path(vol.uuid))
    assert not os.path.exists(dsim.data_store.snapshot_path(snap.uuid))
    assert dsim.data_store.volume_uuids() == []
    assert dsim.data_store.snapshot_uuids() == []


def test_a_new_volume_never_sees_deleted_data(dsim, api):
    secret = b'secret-data-of-a-deleted-volume!' * 128
    size = 64 * MIB
    for index in range(3):
        vol = _create(api, 'old-%d' % index, size=size)
        path = dsim.data_store.volume_path(vol.uuid)
        _write(path, 0, secret)
        _write(path, size - len(secret), secret)
        api.delete_volume(P, vol.uuid)
    for index in range(3):
        vol = _create(api, 'new-%d' % index, size=size)
        path = dsim.data_store.volume_path(vol.uuid)
        assert _allocated(path) == 0
        with open(path, 'rb') as handle:
            assert handle.read() == bytes(size)


def test_reset_removes_every_file(dsim, api):
    vol = _create(api, 'v1')
    api.create_snapshot(P, 's1', vol.uuid)
    dsim.reset()
    assert dsim.data_store.volume_uuids() == []
    assert dsim.data_store.snapshot_uuids() == []


def test_data_survives_a_restart_with_a_state_file(tmp_path):
    state = str(tmp_path / 'state.json')
    data = str(tmp_path / 'data')
    with Simulator(nodes=1, state_file=state, data_dir=data,
                   workdir=str(tmp_path / 'w')) as sim:
        api = clients.make_client(sim)
        vol = api.create_volume(P, 'keep', GIB, replica_count=1,
                                compression=False)
        gone = api.create_volume(P, 'gone', GIB, replica_count=1,
                                 compression=False)
        api.transport.close()
        _write(sim.data_store.volume_path(vol.uuid), 0, b'kept')
    # A file whose volume the saved state does not know is an orphan.
    orphan = dataplane.DataStore(data)
    orphan.create_volume('0' * 8 + '-0000-4000-8000-' + '0' * 12, GIB)
    os.unlink(orphan.volume_path(gone.uuid))
    with Simulator(nodes=1, state_file=state, data_dir=data,
                   workdir=str(tmp_path / 'w')) as sim:
        assert sim.data_store.volume_uuids() == sorted([vol.uuid, gone.uuid])
        assert _read(sim.data_store.volume_path(vol.uuid), 0, 4) == b'kept'
        # Lost data comes back as zeros, never as someone else's bytes.
        assert _read(sim.data_store.volume_path(gone.uuid), 0, 4) == bytes(4)


def test_no_data_dir_keeps_no_data(sim):
    assert sim.data_store is None
    assert sim.cluster.data_store is None


@pytest.mark.parametrize('size', [0, 4096, 3 * MIB + 4096])
def test_copy_sparse_copies_data_and_holes(tmp_path, size):
    src, dst = str(tmp_path / 'src'), str(tmp_path / 'dst')
    with open(src, 'wb') as handle:
        handle.truncate(64 * MIB)
    if size:
        _write(src, 32 * MIB, os.urandom(size))
    with open(dst, 'wb') as handle:
        handle.write(b'old' * 4096)
    dataplane.copy_sparse(src, dst, 80 * MIB)
    assert os.path.getsize(dst) == 80 * MIB
    assert _read(dst, 0, 3 * 4096) == bytes(3 * 4096)
    assert _read(dst, 32 * MIB, size) == _read(src, 32 * MIB, size)
    assert _allocated(dst) <= size + 8 * MIB


def test_the_cli_keeps_data_with_data_dir(tmp_path):
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args([
        'simulator', '--nodes', '1', '--admin-port', '-1',
        '--workdir', str(tmp_path / 'w'), '--data-dir', str(tmp_path / 'd')])
    with cli.build(args) as sim:
        api = clients.make_client(sim)
        vol = api.create_volume(P, 'v1', GIB, replica_count=1,
                                compression=False)
        api.transport.close()
        assert os.path.getsize(str(tmp_path / 'd' / 'volumes' /
                                   ('%s.img' % vol.uuid))) == GIB
